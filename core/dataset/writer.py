"""Fast bulk writing for the dataset generator: PostgreSQL COPY (psycopg 3) with ids allocated in Python, so
rows can point at each other without reading anything back. Other databases fall back to `bulk_create`.

Rows are dicts keyed by field attname (`household_id`, `amount`, `amount_currency`); a field missing from a row
gets its model default (computed once per table), `auto_now_add` fields get the writer's clock. Values are
written as given: the generator passes plain dates, Decimals already quantized to the penny, ints and strings.
Writing bypasses `save()`, signals and django-simple-history (no historical rows are made for generated data);
database constraints and triggers (the ledger's zero-sum trigger included) still run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


class Progress:
    """A one-line progress bar on stderr: phase, rows written, rows per second."""

    def __init__(self, *, stream: Any = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.monotonic()

    def start(self, label: str, total: int) -> Callable[[int], None]:
        began = time.monotonic()
        last = [0.0]

        def tick(done: int) -> None:
            if not self.enabled:
                return
            now = time.monotonic()
            if done < total and now - last[0] < 0.25:
                return
            last[0] = now
            width = 30
            filled = int(width * done / total) if total else width
            rate = done / (now - began) if now > began else 0.0
            bar = "#" * filled + "." * (width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{label:<22} [{bar}] {done:>10,}/{total:,} {rate:>10,.0f} rows/s{end}")
            self.stream.flush()

        tick(0)
        return tick


class Writer:
    def __init__(self, *, now: datetime, progress: Progress, batch: int = 5000) -> None:
        self.now = now
        self.progress = progress
        self.batch = batch
        self.next_id: dict[type[models.Model], int] = {}
        self.counts: dict[str, int] = {}
        self.postgres = connection.vendor == "postgresql"

    def ids(self, model: type[models.Model], count: int) -> range:
        """Reserve `count` primary keys for `model` (above anything already in its table)."""
        if model not in self.next_id:
            found = model._default_manager.using("default").aggregate(m=models.Max("pk"))["m"]  # type: ignore[attr-defined]
            self.next_id[model] = (found or 0) + 1
        start = self.next_id[model]
        self.next_id[model] = start + count
        return range(start, start + count)

    def _columns(self, model: type[models.Model]) -> tuple[list[models.Field], list[Any]]:
        fields = [f for f in model._meta.concrete_fields]
        defaults: list[Any] = []
        for f in fields:
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                defaults.append(self.now)
            else:
                value = f.get_default()  # the model default, "" for a blank-able text column, else None
                defaults.append(NOT_PROVIDED if value is None and not f.null and not f.primary_key else value)
        return fields, defaults

    def write(
        self, model: type[models.Model], rows: Iterable[dict[str, Any]], *, total: int, label: str = "",
        quiet: bool = False,
    ) -> int:
        """Write rows (each must carry its `id`, from `ids()`); returns how many."""
        fields, defaults = self._columns(model)
        json_fields = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
        names = [f.attname for f in fields]
        tick = (lambda done: None) if quiet else self.progress.start(label or model._meta.label, total)

        def tuples() -> Iterator[tuple[Any, ...]]:
            for row in rows:
                values = []
                for i, name in enumerate(names):
                    value = row.get(name, defaults[i])
                    if value is NOT_PROVIDED:
                        raise ValueError(f"{model._meta.label}: no value for {name}")
                    if i in json_fields and value is not None:
                        value = json.dumps(value)
                    values.append(value)
                yield tuple(values)

        done = 0
        if self.postgres:
            table = connection.ops.quote_name(model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            connection.ensure_connection()
            raw = connection.connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for values in tuples():
                    copy.write_row(values)
                    done += 1
                    if done % self.batch == 0:
                        tick(done)
        else:
            batch: list[models.Model] = []
            for values in tuples():
                batch.append(model(**dict(zip(names, values, strict=True))))
                done += 1
                if len(batch) >= self.batch:
                    model._default_manager.bulk_create(batch)  # type: ignore[attr-defined]
                    batch.clear()
                    tick(done)
            if batch:
                model._default_manager.bulk_create(batch)  # type: ignore[attr-defined]
        tick(max(done, total))
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + done
        return done

    def reset_sequences(self) -> None:
        """After explicit ids, move each table's id sequence past the highest id."""
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for model in self.next_id:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))",  # noqa: S608 (a model's table name)
                    [table],
                )
