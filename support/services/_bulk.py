"""Many rows written at once with their history rows, for the imports and the responsibility refresh.

On PostgreSQL the rows go in by COPY: a new row's id is drawn from its table's sequence first (so its history row
can name it), then the rows and their history rows are copied in, values adapted by psycopg as they are. Django's
`bulk_create` builds a parameter per value and an INSERT text as long as the rows, and django-simple-history's
`bulk_history_create` a model instance per history row: at tens of thousands of rows those, not the database, were
most of an import's time. Elsewhere (the SQLite demo) the same is done through django-simple-history's own bulk
functions. Either way the rows are those `bulk_create_with_history` and `bulk_history_create` would write: the same
columns, `+` for a new row and `~` for a change, the user, the reason and the time given. Call them inside the
caller's transaction; nothing here checks constraints the database does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models
from simple_history.utils import bulk_create_with_history

#: Internal types whose Python value psycopg writes as the column wants; any other goes through the field first.
_AS_IS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "ForeignKey", "OneToOneField",
    "CharField", "TextField", "SlugField", "EmailField", "DateField", "DateTimeField", "BooleanField", "DecimalField",
    "UUIDField",
})
_HISTORY_OWN = ("history_id", "history_date", "history_change_reason", "history_type", "history_user")


def _copy_possible(model: type[models.Model]) -> bool:
    history = getattr(model, "history", None)
    if connection.vendor != "postgresql" or history is None:
        return False
    own = {f.name for f in model._meta.concrete_fields}
    # Only the history model simple_history makes by default: every other column is one of the model's own.
    return all(f.name in own or f.name in _HISTORY_OWN for f in history.model._meta.concrete_fields)


def _value(field: models.Field, value: Any) -> Any:
    if value is None or field.get_internal_type() in _AS_IS:
        return value
    return field.get_db_prep_save(value, connection)


def _copy(table: str, columns: list[str], rows: Any) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def history_rows_create(model: type[models.Model], objs: Sequence[models.Model], *, history_type: str, user: Any,
                        reason: str, at: datetime) -> None:
    """One history row per object, as it is now in memory (`+` added, `~` changed)."""
    if not objs:
        return
    if not _copy_possible(model):
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            objs, batch_size=1000, update=history_type == "~", default_user=user, default_change_reason=reason,
            default_date=at)
        return
    history = model.history.model  # type: ignore[attr-defined]
    own = {f.name: f for f in model._meta.concrete_fields}
    user_id = getattr(user, "pk", None)
    fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
    fixed = {"history_date": at, "history_change_reason": reason, "history_type": history_type,
             "history_user": user_id}
    getters = [(None, fixed[f.name]) if f.name in fixed else (own[f.name], None) for f in fields]

    def rows() -> Any:
        for obj in objs:
            yield [value if field is None else _value(field, getattr(obj, field.attname))
                   for field, value in getters]

    _copy(history._meta.db_table, [f.column for f in fields], rows())


def rows_create(model: type[models.Model], objs: Sequence[models.Model], *, user: Any, reason: str,
                at: datetime) -> None:
    """Insert new rows (their ids are set on `objs`) and a `+` history row for each."""
    if not objs:
        return
    if not _copy_possible(model):
        bulk_create_with_history(list(objs), model, batch_size=1000, default_user=user,
                                 default_change_reason=reason, default_date=at)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [connection.ops.quote_name(meta.db_table), pk.column, len(objs)])
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, new_id)
    fields = list(meta.concrete_fields)

    def rows() -> Any:
        for obj in objs:
            yield [_value(field, field.pre_save(obj, True)) for field in fields]

    _copy(meta.db_table, [f.column for f in fields], rows())
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    history_rows_create(model, objs, history_type="+", user=user, reason=reason, at=at)


def rows_update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str], *, user: Any,
                reason: str, at: datetime) -> None:
    """Save `fields` of rows already changed in memory (in bulk) and a `~` history row for each."""
    if not objs:
        return
    if not _copy_possible(model):
        model._default_manager.bulk_update(objs, list(fields), batch_size=1000)
    else:
        # One UPDATE ... FROM (VALUES ...) per chunk: Django's bulk_update writes a CASE with a branch per row for
        # each field, which PostgreSQL walks for every row it updates.
        quote = connection.ops.quote_name
        meta = model._meta
        assert meta.pk is not None
        columns: list[Any] = [meta.pk, *(meta.get_field(name) for name in fields)]
        casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in columns)
        names = ", ".join(quote(f.column) for f in columns)
        table = quote(meta.db_table)
        sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
        with connection.cursor() as cursor:
            for start in range(0, len(objs), 1000):
                chunk = objs[start:start + 1000]
                params = [_value(f, getattr(obj, f.attname)) for obj in chunk for f in columns]
                cursor.execute(
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join(f'({casts})' for _ in chunk)}) "  # noqa: S608
                    f"AS v({names}) WHERE {table}.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}", params)
    history_rows_create(model, objs, history_type="~", user=user, reason=reason, at=at)
