"""Every write to the ledger. `post` is the only writer of transactions and entries.

    post(lines=[(bank, gbp("100")), (receivable, gbp("-100"))], memo="Fund remittance",
         idempotency_key="claims.asfapplication:12:funds_received", transaction_date=date(2026, 4, 30), by=user)

Python checks everything first and raises without writing; PostgreSQL checks the zero sum again at commit.

Who may post (separation of duties, checked here as well as in every calling service, because tasks, commands
and admin actions reach the ledger without a view): a person whose role is in `POSTING_ROLES`, active, posting
only to the accounts of authorities in their scope. A posting may name the authority whose money it is
(`for_authority`): then every line must be in that authority's accounts. A person scoped to the whole partnership
must name it (docs/decisions/0015): they act for one member at a time, on that member's own money. `by=None` is the
system itself (the demo's opening balances,
benchmarks, the ledger's own tests): every service that acts for a person refuses `by=None` before it posts, so a
user-facing path cannot reach the ledger anonymously.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from djmoney.utils import get_currency_field_name
from moneyed import Money

from core.money import GBP, PENNY
from organisations.models import Role, Scope
from organisations.scoping import authority_ids_for

from .models import CHART, Account, AccountCode, Entry, Transaction

MAX_AMOUNT = Decimal("999999999999.99")  # max_digits=14, decimal_places=2

#: The roles whose holders may move money. Finance officers record the fund's decisions, receipts, invoices,
#: payments, spend confirmations and recharges; team managers (designated ASF managers) may record the fund's
#: approval, which posts the commitment (claims.services.roles.DECISION_RECORDERS). Nobody else posts: not social
#: workers, lead commissioners, provider staff, auditors or administrators.
POSTING_ROLES: frozenset[str] = frozenset({Role.FINANCE_OFFICER, Role.TEAM_MANAGER})


class LedgerError(Exception):
    """Anything the ledger refuses. Nothing has been written when it is raised."""


class Unbalanced(LedgerError):
    pass


class InvalidLine(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    pass


class AlreadyReversed(LedgerError):
    pass


class NotPermittedToPost(LedgerError):
    """The acting person may not move money, or not in these accounts."""


def _authority_name(authority_id: int) -> str:
    from organisations.models import Authority

    found = Authority.objects.filter(pk=authority_id).values_list("name", flat=True).first()
    return found or f"authority {authority_id}"


def _check_for_authority(accounts: Sequence[Account], for_authority: Any) -> None:
    """Every line in the accounts of the authority whose money the posting is."""
    if for_authority is None:
        return
    others = sorted({account.authority_id for account in accounts} - {for_authority.pk})
    if others:
        raise NotPermittedToPost(
            f"This posting is {for_authority.name}'s money: it cannot go to the accounts of another authority "
            f"({_authority_name(others[0])})."
        )


def _check_poster(by: Any, accounts: Sequence[Account], for_authority: Any = None) -> None:
    """Refuse a poster who is not the system (None) and not an active holder of a posting role whose scope covers
    every account's authority; refuse lines outside `for_authority`, and a partnership-scoped poster who does not
    name it."""
    _check_for_authority(accounts, for_authority)
    if by is None:
        return
    if getattr(by, "pk", None) is None or not hasattr(by, "role"):
        raise NotPermittedToPost("Only a signed-in member of staff (or the system itself) can post to the ledger.")
    if not getattr(by, "is_active", False):
        raise NotPermittedToPost(f"{by} is not an active user and cannot post to the ledger.")
    if by.role not in POSTING_ROLES:
        allowed = " or ".join(sorted(Role(role).label.lower() for role in POSTING_ROLES))
        raise NotPermittedToPost(
            f"A {Role(by.role).label.lower() if by.role in Role.values else by.role} cannot post to the ledger: "
            f"only a {allowed} can move money."
        )
    in_scope = set(authority_ids_for(by))
    outside = sorted({account.authority_id for account in accounts} - in_scope)
    if outside:
        raise NotPermittedToPost(f"{by} cannot post to the accounts of another authority (authority {outside[0]}).")
    if getattr(by, "scope", None) == Scope.PARTNERSHIP and for_authority is None:
        raise NotPermittedToPost(
            f"{by} acts for the whole partnership: a posting must name the member authority whose money it is, and "
            "then goes only to that authority's accounts."
        )


Line = tuple[Account, Money]


def _check_lines(lines: Sequence[Line]) -> list[tuple[Account, Decimal]]:
    """The lines as (account, Decimal amount), or a LedgerError naming what is wrong."""
    if len(lines) < 2:
        raise InvalidLine("A transaction needs at least two lines.")
    checked: list[tuple[Account, Decimal]] = []
    per_authority: dict[int, Decimal] = defaultdict(Decimal)
    for number, line in enumerate(lines, start=1):
        try:
            account, amount = line
        except (TypeError, ValueError) as error:
            raise InvalidLine(f"Line {number} must be an (account, Money) pair.") from error
        if not isinstance(account, Account) or account.pk is None:
            raise InvalidLine(f"Line {number}: the account must be a saved ledger Account.")
        if not isinstance(amount, Money):
            raise InvalidLine(f"Line {number}: the amount must be a Money amount, not {type(amount).__name__}.")
        if str(amount.currency) != GBP:
            raise InvalidLine(f"Line {number}: the amount must be in GBP, not {amount.currency}.")
        value = amount.amount
        if not value.is_finite():
            raise InvalidLine(f"Line {number}: the amount is not a number.")
        if value != value.quantize(PENNY):
            raise InvalidLine(f"Line {number}: {value} is not a whole number of pence.")
        if value == 0:
            raise InvalidLine(f"Line {number}: a line of zero means nothing; leave it out.")
        if abs(value) > MAX_AMOUNT:
            raise InvalidLine(f"Line {number}: {value} is too large.")
        value = value.quantize(PENNY)
        checked.append((account, value))
        per_authority[account.authority_id] += value
    total = sum((value for _, value in checked), Decimal("0.00"))
    if total != 0:
        raise Unbalanced(f"The lines sum to {total}, not zero: debits must equal credits.")
    for authority_id, subtotal in per_authority.items():
        if subtotal != 0:
            raise Unbalanced(f"The lines for authority {authority_id} sum to {subtotal}, not zero.")
    return checked


def _signature(pairs: Sequence[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    return sorted((account_id, amount.quantize(PENNY)) for account_id, amount in pairs)


def _existing(key: str, checked: list[tuple[Account, Decimal]]) -> Transaction | None:
    """The transaction already posted under `key`, if any; IdempotencyConflict if its lines differ."""
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    posted = _signature([(e.account_id, e.amount.amount) for e in existing.entries.all()])
    wanted = _signature([(account.pk, amount) for account, amount in checked])
    if posted != wanted:
        raise IdempotencyConflict(
            f"The key {key!r} was already used for transaction {existing.pk} with different lines."
        )
    return existing


#: The transaction's columns that a posting writes (the rest is the id, which the database assigns).
_TRANSACTION_FIELDS = ("transaction_date", "memo", "idempotency_key", "source_type", "source_id", "reverses",
                       "created_by", "created_at")


def _name(meta: Any, field: str) -> str:
    return str(connection.ops.quote_name(meta.get_field(field).column))


@functools.cache
def _insert_sql(lines: int) -> tuple[str, str, tuple[Any, ...]]:
    """The two statements of a posting of `lines` lines on SQLite (the demo), built from the models' metadata, and
    the transaction fields whose values the first takes, in order.

    The first inserts the transaction unless its key is taken, returning its id. The second inserts the entries in
    line order, joined to the accounts, so a line naming an account that does not exist inserts nothing and the
    row count shows it. SQLite has no INSERT inside WITH, so it cannot take the one statement PostgreSQL takes.
    """
    tx, entry, account = Transaction._meta, Entry._meta, Account._meta
    fields = tuple(tx.get_field(field) for field in _TRANSACTION_FIELDS)
    table = connection.ops.quote_name
    # Only names from the models' metadata go into the text (S608 below); every value is a parameter.
    insert_transaction = (
        f"INSERT INTO {table(tx.db_table)} ({', '.join(_name(tx, f) for f in _TRANSACTION_FIELDS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({_name(tx, 'idempotency_key')}) DO NOTHING RETURNING {_name(tx, 'id')}"
    )
    columns = ("transaction", "account", get_currency_field_name("amount", entry.get_field("amount")), "amount")
    insert_entries = (
        f"INSERT INTO {table(entry.db_table)} ({', '.join(_name(entry, field) for field in columns)}) "  # noqa: S608
        f"SELECT %s, a.{_name(account, 'id')}, %s, v.column2 "
        f"FROM (VALUES {', '.join(['(%s, %s, %s)'] * lines)}) AS v "
        f"JOIN {table(account.db_table)} AS a ON a.{_name(account, 'id')} = v.column1 "
        f"ORDER BY v.column3"
    )
    return insert_transaction, insert_entries, fields


@functools.cache
def _posting_sql(lines: int) -> tuple[str, tuple[Any, ...]]:
    """The one PostgreSQL statement that writes a posting of `lines` lines, and the transaction fields whose
    values it takes after the lines' (account id, amount, line number) and the entries' currency.

    It counts the lines whose account exists, inserts the transaction only when all do and its key is free
    (ON CONFLICT DO NOTHING waits for a concurrent inserter of the same key to finish, then yields no row if that
    one committed), inserts the entries of that transaction in line order, and returns (transaction id or NULL,
    entries written, lines whose account exists). It writes all of the posting or none of it; alone (autocommit)
    it is a whole database transaction, with the zero-sum triggers run at its end.
    """
    tx, entry, account = Transaction._meta, Entry._meta, Account._meta
    fields = tuple(tx.get_field(field) for field in _TRANSACTION_FIELDS)
    table = connection.ops.quote_name
    columns = ("transaction", "account", get_currency_field_name("amount", entry.get_field("amount")), "amount")
    # Only names from the models' metadata go into the text (S608 below); every value is a parameter.
    sql = (
        f"WITH v (account_id, amount, line) AS (VALUES {', '.join(['(%s, %s, %s)'] * lines)}), "  # noqa: S608
        f"found AS (SELECT COUNT(*) AS n FROM v JOIN {table(account.db_table)} AS a "
        f"ON a.{_name(account, 'id')} = v.account_id), "
        f"t AS (INSERT INTO {table(tx.db_table)} ({', '.join(_name(tx, f) for f in _TRANSACTION_FIELDS)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} FROM found WHERE found.n = {lines:d} "
        f"ON CONFLICT ({_name(tx, 'idempotency_key')}) DO NOTHING RETURNING {_name(tx, 'id')}), "
        f"e AS (INSERT INTO {table(entry.db_table)} ({', '.join(_name(entry, field) for field in columns)}) "
        f"SELECT t.{_name(tx, 'id')}, v.account_id, %s, v.amount FROM t CROSS JOIN v ORDER BY v.line RETURNING 1) "
        f"SELECT (SELECT {_name(tx, 'id')} FROM t), (SELECT COUNT(*) FROM e), (SELECT n FROM found)"
    )
    return sql, fields


def post(
    *,
    lines: Sequence[Line],
    memo: str,
    idempotency_key: str,
    transaction_date: date,
    by: Any = None,
    source: models.Model | None = None,
    now: datetime | None = None,
    for_authority: Any = None,
    _reverses: Transaction | None = None,
    _source_ref: tuple[ContentType, str] | None = None,
) -> Transaction:
    """Write one balanced transaction, or raise a LedgerError and write nothing.

    Posting again with the same key returns the first transaction and writes nothing; the same key with different
    lines raises IdempotencyConflict. Two concurrent posts with one key write once: the second waits on the unique
    index, then finds the first.

    Atomic without `@transaction.atomic` (docs/decisions/0007): on PostgreSQL the posting is one statement, which
    outside a transaction is a database transaction of its own (a BEGIN and a COMMIT would add two round trips
    to one); inside the caller's transaction it runs in a savepoint, as an atomic block would. SQLite takes two
    statements in an atomic block.
    """
    if not idempotency_key or not idempotency_key.strip():
        raise LedgerError("An idempotency key is required.")
    if not memo or not memo.strip():
        raise LedgerError("A memo is required.")
    if not isinstance(transaction_date, date) or isinstance(transaction_date, datetime):
        raise LedgerError("The transaction date must be a date.")
    if source is not None and source.pk is None:
        raise LedgerError("The source record must be saved before it is posted.")
    checked = _check_lines(lines)
    _check_poster(by, [account for account, _ in checked], for_authority)

    if source is not None:
        source_type, source_id = ContentType.objects.get_for_model(source), str(source.pk)
    elif _source_ref is not None:
        source_type, source_id = _source_ref
    else:
        source_type, source_id = None, ""
    created = Transaction(
        transaction_date=transaction_date,
        memo=memo.strip()[:255],
        idempotency_key=idempotency_key,
        source_type=source_type,
        source_id=source_id,
        reverses=_reverses,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now or timezone.now(),
    )
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _write_in_two_statements(created, checked)
    if connection.in_atomic_block or not connection.get_autocommit():
        with transaction.atomic():
            return _write_in_one_statement(created, checked)
    return _write_in_one_statement(created, checked)


class _PreparedCursor(psycopg.Cursor):
    """A psycopg cursor that binds values on the server and prepares each statement on its connection the first
    time it runs it, so the posting statement is planned once per connection rather than at every posting (half
    its cost in PostgreSQL: docs/decisions/0007). Django turns preparing off for its connections, for poolers, and
    its own cursors bind on the client and never prepare; this cursor opts in for its statement only."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> Any:
        connection = self.connection
        threshold = connection.prepare_threshold
        connection.prepare_threshold = 0
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        finally:
            connection.prepare_threshold = threshold


def _posting_cursor() -> Any:
    """A `_PreparedCursor` on the connection Django holds, wrapped as Django wraps its own (errors translated to
    django.db's, execute wrappers see the statement). A plain Django cursor when LEDGER_PREPARED_POSTINGS is off,
    or while Django logs queries (DEBUG, a test capturing them), whose log needs the statement with its values."""
    if not settings.LEDGER_PREPARED_POSTINGS or connection.queries_logged:
        return connection.cursor()
    connection.close_if_health_check_failed()  # the connection checked and opened as for any query
    connection.ensure_connection()
    # django-stubs types make_cursor's argument as Django's own wrapper; at run time it takes the DB-API cursor.
    return connection.make_cursor(_PreparedCursor(connection.connection))  # type: ignore[arg-type]


def _write_in_one_statement(created: Transaction, checked: list[tuple[Account, Decimal]]) -> Transaction:
    sql, fields = _posting_sql(len(checked))
    params: list[Any] = [value for number, (account, amount) in enumerate(checked)
                         for value in (account.pk, amount, number)]
    params += [field.get_db_prep_save(getattr(created, field.attname), connection) for field in fields]
    params.append(GBP)
    with _posting_cursor() as cursor:
        cursor.execute(sql, params)
        transaction_id, written, found = cursor.fetchone()
    if found != len(checked):
        raise InvalidLine("A line names an account that does not exist.")
    if transaction_id is None:
        # The key is taken: this is a retry, or someone else posted it first (and we waited for them).
        return _found(created.idempotency_key, checked)
    if written != len(checked):  # pragma: no cover - the statement inserts every line of a transaction it inserts
        raise LedgerError(f"Transaction {transaction_id} was written with {written} of {len(checked)} lines.")
    return _saved(created, transaction_id)


def _write_in_two_statements(created: Transaction, checked: list[tuple[Account, Decimal]]) -> Transaction:
    insert_transaction, insert_entries, fields = _insert_sql(len(checked))
    with connection.cursor() as cursor:
        cursor.execute(insert_transaction, [field.get_db_prep_save(getattr(created, field.attname), connection)
                                            for field in fields])
        row = cursor.fetchone()
        if row is None:
            # The key is taken: this is a retry, or someone else posted it first (and we waited for them).
            return _found(created.idempotency_key, checked)
        cursor.execute(insert_entries, [row[0], GBP] + [
            value for number, (account, amount) in enumerate(checked) for value in (account.pk, amount, number)
        ])
        if cursor.rowcount != len(checked):
            # Raised inside the atomic block, this rolls the transaction row back too: nothing is written.
            raise InvalidLine("A line names an account that does not exist.")
    return _saved(created, row[0])


def _found(key: str, checked: list[tuple[Account, Decimal]]) -> Transaction:
    found = _existing(key, checked)
    if found is None:  # pragma: no cover - a key is never freed: the rows are append-only
        raise LedgerError(f"The key {key!r} is taken but no transaction has it.")
    return found


def _saved(created: Transaction, pk: int) -> Transaction:
    created.pk = pk
    created._state.adding = False
    created._state.db = connection.alias
    return created


@transaction.atomic
def reverse(
    *,
    original: Transaction,
    memo: str,
    idempotency_key: str,
    transaction_date: date,
    by: Any = None,
    now: datetime | None = None,
    for_authority: Any = None,
) -> Transaction:
    """Post the mirror image of `original` (every line with its sign turned), linked to it. A transaction is
    reversed at most once: reversing again under the same key returns the reversal; under another key, refuses.
    The poster is checked as for `post` (before anything is locked)."""
    _check_poster(by, list(Account.objects.filter(entries__transaction=original).distinct()), for_authority)
    original = Transaction.objects.select_for_update().get(pk=original.pk)
    already = Transaction.objects.filter(reverses=original).first()
    if already is not None and already.idempotency_key != idempotency_key:
        raise AlreadyReversed(f"Transaction {original.pk} was already reversed by transaction {already.pk}.")
    lines = [(entry.account, -entry.amount) for entry in original.entries.select_related("account")]
    source_ref = (original.source_type, original.source_id) if original.source_type is not None else None
    created = post(
        lines=lines,
        memo=memo,
        idempotency_key=idempotency_key,
        transaction_date=transaction_date,
        by=by,
        now=now,
        for_authority=for_authority,
        _reverses=None if already is not None else original,
        _source_ref=source_ref,
    )
    if created.reverses_id != original.pk:
        raise IdempotencyConflict(
            f"The key {idempotency_key!r} was already used for transaction {created.pk}, which does not reverse "
            f"transaction {original.pk}."
        )
    return created


def account_for(*, authority: Any, code: str, counterparty: Any = None) -> Account:
    """The authority's account for `code` (and `counterparty`, for a sub-account), created if missing."""
    if code not in CHART:
        raise LedgerError(f"{code!r} is not an account code in the chart.")
    if counterparty is not None and counterparty.pk == authority.pk:
        raise LedgerError("An account's counterparty must be another authority.")
    existing = Account.objects.filter(authority=authority, code=code, counterparty=counterparty).first()
    if existing is not None:
        return existing
    name = AccountCode(code).label
    if counterparty is not None:
        name = f"{name}: {counterparty.name}"
    try:
        with transaction.atomic():
            return Account.objects.create(
                authority=authority, code=code, counterparty=counterparty, name=name, kind=CHART[code]
            )
    except IntegrityError:
        return Account.objects.get(authority=authority, code=code, counterparty=counterparty)


@transaction.atomic
def chart_ensure(*, authority: Any) -> list[Account]:
    """Every account of the chart for `authority` (the sub-accounts by counterparty are made when first used)."""
    return [account_for(authority=authority, code=code) for code in CHART]
