"""Every write of the journal export.

    batch = batch_create(authority=kent, cut_off_date=date(2026, 6, 30), layout="generic", by=officer,
                         today=date(2026, 7, 2), now=timezone.now())
    batch = batch_write_file(batch=batch, now=timezone.now())      # draft -> exported, the file stored
    batch = batch_confirm(batch=batch, by=officer, now=timezone.now(), finance_reference="GL-4411")

A batch takes every posting of the authority not yet in a batch, dated on or before the cut-off, in one
INSERT ... SELECT (one snapshot: a posting committed meanwhile is either wholly in or wholly left for the next
batch). Two officers exporting for one authority at once queue on a PostgreSQL advisory lock per authority, so the
second sees the first's lines; the one-to-one link from line to posting refuses a posting in two batches whatever
happens. The batch's file is written once and kept (private storage, never under a public URL); every download
serves the same bytes, and `batch_file_bytes` writes them again from the stored lines, identically.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django_fsm import can_proceed
from moneyed import Money

from core.dates import long_date
from core.jobs import job_create, job_fail, job_finish, job_progress, job_start, job_target
from core.models import BackgroundJob
from core.money import GBP
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for

from ..models import Account, AccountCode, Entry, Transaction
from . import rules
from .layouts import BatchContext, Layout, UnknownLayout, get_layout, write_csv, write_header
from .models import (
    AccountMapping,
    BatchStatus,
    FinancialPeriod,
    JournalBatch,
    JournalLine,
    JournalSettings,
    PeriodStatus,
)
from .selectors import batch_file_sql, batch_rows, settings_for

#: The background job that makes a batch and writes its file (the finance page starts it and shows its progress).
JOB_KIND = "ledger.journal_batch"
#: The advisory lock class of journal exports (the key's second half is the authority's id).
LOCK_CLASS = 19_002
SOURCE_KIND = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
MAPPERS = frozenset({Role.ADMINISTRATOR})


class JournalError(Exception):
    """Anything the journal export refuses. Nothing has been written when it is raised."""


class NotPermitted(JournalError):
    pass


class BadCutOff(JournalError):
    pass


class NothingToExport(JournalError):
    pass


class LayoutNotKnown(JournalError):
    pass


class UnmappedAccounts(JournalError):
    """Postings to accounts with no mapping: the export waits until someone maps them."""

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        self.missing = missing
        names = "; ".join(describe_key(key) for key in missing)
        super().__init__(f"Map these ledger accounts to the council's codes before exporting: {names}.")


class BatchUnbalanced(JournalError):
    pass


def describe_key(key: tuple[str, str]) -> str:
    code, kind = key
    label = AccountCode(code).label if code in AccountCode.values else code
    return f"{label} ({code}" + (f", postings from {kind})" if kind else ")")


def _check_officer(by: Any, authority: Any) -> None:
    """Only an active finance officer whose scope covers the authority; `None` is the system (the command)."""
    if by is None:
        return
    if not getattr(by, "is_active", False) or getattr(by, "role", None) != Role.FINANCE_OFFICER:
        raise NotPermitted("Only a finance officer can export journals.")
    if authority.pk not in authority_ids_for(by):
        raise NotPermitted(f"{by} cannot export the journals of {authority}.")


def _lock_authority(authority_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, authority_id])


def _pending(authority: Any, cut_off_date: date) -> Any:
    return Entry.objects.filter(account__authority=authority, transaction__transaction_date__lte=cut_off_date,
                                journal_line__isnull=True)


def _pending_keys(authority: Any, cut_off_date: date) -> set[tuple[str, str]]:
    rows = _pending(authority, cut_off_date).values_list(
        "account__code", "transaction__source_type__app_label", "transaction__source_type__model").distinct()
    return {(code, f"{app}.{model}" if app else "") for code, app, model in rows}


def _mappings(authority: Any) -> dict[tuple[str, str], AccountMapping]:
    return {(m.account_code, m.source_kind): m for m in AccountMapping.objects.filter(authority=authority)}


def _closed_periods(authority: Any) -> set[rules.Period]:
    return set(FinancialPeriod.objects.filter(authority=authority, status=PeriodStatus.CLOSED)
               .values_list("year", "number"))


def _insert_lines_sql() -> str:
    quote = connection.ops.quote_name
    line, entry, tx = (quote(m._meta.db_table) for m in (JournalLine, Entry, Transaction))
    account, mapping = quote(Account._meta.db_table), quote(AccountMapping._meta.db_table)
    # Only table names from the models' metadata go into the text; every value is a parameter.
    return (
        f"INSERT INTO {line} (batch_id, entry_id, period_year, period_number, period_note, cost_centre, "  # noqa: S608
        "subjective, project_code) "
        "SELECT %s, e.id, COALESCE(r.to_year, n.y), COALESCE(r.to_number, n.p), COALESCE(r.note, ''), "
        "m.cost_centre, m.subjective, m.project_code "
        f"FROM {entry} e JOIN {account} a ON a.id = e.account_id JOIN {tx} t ON t.id = e.transaction_id "
        "LEFT JOIN django_content_type ct ON ct.id = t.source_type_id "
        "CROSS JOIN LATERAL (SELECT EXTRACT(YEAR FROM t.transaction_date)::int "
        "  - CASE WHEN EXTRACT(MONTH FROM t.transaction_date) < 4 THEN 1 ELSE 0 END AS y, "
        "  MOD(EXTRACT(MONTH FROM t.transaction_date)::int + 8, 12) + 1 AS p) n "
        "LEFT JOIN unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::text[]) "
        "  AS r(y, p, to_year, to_number, note) ON r.y = n.y AND r.p = n.p "
        f"JOIN LATERAL (SELECT mp.cost_centre, mp.subjective, mp.project_code FROM {mapping} mp "
        "  WHERE mp.authority_id = a.authority_id AND mp.account_code = a.code "
        "  AND mp.source_kind IN ('', COALESCE(ct.app_label || '.' || ct.model, '')) "
        "  ORDER BY mp.source_kind DESC LIMIT 1) m ON TRUE "
        "WHERE a.authority_id = %s AND t.transaction_date <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {line} l WHERE l.entry_id = e.id) "
        "ORDER BY t.transaction_date, e.transaction_id, e.id"
    )


def _check_request(*, authority: Any, cut_off_date: date, layout: str, by: Any, today: date) -> None:
    """What can be refused before a posting is read: who asks, the layout, the cut-off."""
    _check_officer(by, authority)
    try:
        get_layout(layout)
    except UnknownLayout as exc:
        raise LayoutNotKnown(str(exc)) from exc
    if not isinstance(cut_off_date, date) or isinstance(cut_off_date, datetime):
        raise BadCutOff("The cut-off must be a date.")
    if cut_off_date > today:
        raise BadCutOff(f"The cut-off date {cut_off_date:%d %B %Y} is in the future: postings up to a day that has "
                        "not ended yet cannot be exported.")


@transaction.atomic
def batch_create(*, authority: Any, cut_off_date: date, layout: str, by: Any, today: date,
                 now: datetime) -> JournalBatch:
    """A draft batch of every posting of `authority` not yet exported, dated on or before `cut_off_date`, with its
    control totals; or a JournalError naming the problem, with nothing written."""
    _check_request(authority=authority, cut_off_date=cut_off_date, layout=layout, by=by, today=today)
    _lock_authority(authority.pk)
    mappings = _mappings(authority)
    keys = _pending_keys(authority, cut_off_date)
    if not keys:
        raise NothingToExport(f"There are no postings of {authority} up to {cut_off_date:%d %B %Y} that have not "
                              "been exported already.")
    missing = rules.unmapped(keys, mappings)
    if missing:
        raise UnmappedAccounts(missing)
    try:
        table = rules.roll_table(_closed_periods(authority))
    except rules.PeriodsAllClosed as exc:
        raise JournalError(str(exc)) from exc
    number = (JournalBatch.objects.filter(authority=authority).aggregate(top=Max("number"))["top"] or 0) + 1
    chosen = settings_for(authority=authority)
    batch = JournalBatch(authority=authority, number=number, cut_off_date=cut_off_date, layout=layout,
                         created_by=by if getattr(by, "pk", None) else None, created_at=now,
                         oracle_ledger_id=chosen.oracle_ledger_id, unit4_client=chosen.unit4_client,
                         unit4_voucher_type=chosen.unit4_voucher_type)
    batch._history_user = by if getattr(by, "pk", None) else None  # type: ignore[attr-defined]
    batch.save()
    with connection.cursor() as cursor:
        cursor.execute(_insert_lines_sql(), [
            batch.pk,
            [p[0] for p, _ in table], [p[1] for p, _ in table], [c.year for _, c in table],
            [c.number for _, c in table], [c.note for _, c in table],
            authority.pk, cut_off_date,
        ])
    # A posting committed between the checks above and the insert, to an account no mapping covers, was left out
    # by the insert: refuse rather than leave it behind silently.
    late = rules.unmapped(_pending_keys(authority, cut_off_date), mappings)
    if late:
        raise UnmappedAccounts(late)
    totals = JournalLine.objects.filter(batch=batch).aggregate(
        lines=Count("id"),
        debit=Sum("entry__amount", filter=Q(entry__amount__gt=0)),
        credit=Sum("entry__amount", filter=Q(entry__amount__lt=0)),
    )
    if not totals["lines"]:
        raise NothingToExport(f"There are no postings of {authority} up to {cut_off_date:%d %B %Y} to export.")
    debit, credit = totals["debit"] or Decimal("0.00"), -(totals["credit"] or Decimal("0.00"))
    if debit != credit:
        raise BatchUnbalanced(f"The batch's debits ({debit}) and credits ({credit}) differ: nothing was exported.")
    batch.line_count = totals["lines"]
    batch.total_debit = Money(debit, GBP)
    batch.total_credit = Money(credit, GBP)
    batch.save(update_fields=["line_count", "total_debit", "total_credit"])
    return batch


def batch_context(batch: JournalBatch) -> BatchContext:
    return BatchContext(reference=batch.reference, authority_code=batch.authority.short_code.upper(),
                        created_date=batch.created_at.date(), oracle_ledger_id=batch.oracle_ledger_id,
                        unit4_client=batch.unit4_client, unit4_voucher_type=batch.unit4_voucher_type)


def batch_file_name(batch: JournalBatch) -> str:
    return f"{batch.reference}-{batch.layout}.csv"


def _write(batch: JournalBatch, layout: Layout, binary: Any, progress: Any = None) -> str:
    """Write the batch's file to a binary stream; its SHA-256."""
    digest = hashlib.sha256()

    class Hashing(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            digest.update(data)
            return int(binary.write(data))

    buffered = io.BufferedWriter(Hashing(), buffer_size=1 << 16)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    if connection.vendor != "postgresql":
        write_csv(text, layout, batch_context(batch), batch_rows(batch=batch), progress=progress)
        text.flush()
        text.detach()
        return digest.hexdigest()
    # PostgreSQL writes the rows itself (COPY): the very bytes write_csv would (layouts.sql_columns).
    write_header(text, layout)
    text.flush()
    text.detach()
    written = 0
    # Django opens every PostgreSQL connection with client_encoding UTF8, so COPY sends UTF-8 here too. No
    # transaction is needed (the lines never change once made), which lets the task's progress be seen meanwhile.
    sql = batch_file_sql(batch=batch, layout=layout, context=batch_context(batch))
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for data in copy:
            buffered.write(data)
            if progress is not None:
                before, written = written, written + bytes(data).count(b"\n")
                if written // 10_000 != before // 10_000:
                    progress(min(written, batch.line_count))
    buffered.flush()
    return digest.hexdigest()


@transaction.atomic
def batch_file_bytes(*, batch: JournalBatch) -> bytes:
    """The batch's file, written again from its stored lines: the same bytes as the stored file."""
    out = io.BytesIO()
    _write(batch, get_layout(batch.layout), out)
    return out.getvalue()


def batch_write_file(*, batch: JournalBatch, now: datetime, progress: Any = None) -> JournalBatch:
    """Write and store a draft batch's file (streamed through a temporary file: flat memory), and mark the batch
    exported. A batch already exported is returned unchanged.

    The file is written before the batch's row is locked: a batch's lines never change, so two writers write the
    same bytes, and outside a transaction the progress the task reports can be seen by the page meanwhile. The
    first to lock the row stores its file; the other finds it exported and stores nothing."""
    batch = JournalBatch.objects.select_related("authority").get(pk=batch.pk)
    if batch.status != BatchStatus.DRAFT:
        return batch
    with tempfile.TemporaryFile() as spool:
        sha = _write(batch, get_layout(batch.layout), spool, progress=progress)
        spool.seek(0)
        with transaction.atomic():
            batch = JournalBatch.objects.select_for_update().select_related("authority").get(pk=batch.pk)
            if batch.status != BatchStatus.DRAFT:
                return batch
            batch.file.save(batch_file_name(batch), File(spool), save=False)
            batch.file_name = batch_file_name(batch)
            batch.file_sha256 = sha
            batch.exported_at = now
            batch.mark_exported()
            batch.save(update_fields=["file", "file_name", "file_sha256", "exported_at", "status"])
    return batch


@transaction.atomic
def batch_confirm(*, batch: JournalBatch, by: Any, now: datetime, finance_reference: str = "") -> JournalBatch:
    """Finance has booked the batch in its own ledger. Confirming a confirmed batch again changes nothing."""
    batch = JournalBatch.objects.select_for_update().select_related("authority").get(pk=batch.pk)
    _check_officer(by, batch.authority)
    if batch.status == BatchStatus.CONFIRMED:
        return batch
    if not can_proceed(batch.confirm):
        raise JournalError("Only an exported batch can be confirmed: its file has not been written yet.")
    batch.confirm()
    batch.confirmed_by = by if getattr(by, "pk", None) else None
    batch.confirmed_at = now
    batch.finance_reference = finance_reference.strip()[:60]
    batch._history_user = batch.confirmed_by  # type: ignore[attr-defined]
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at", "finance_reference"])
    return batch


def batch_request(*, authority: Any, cut_off_date: date, layout: str, by: Any, today: date) -> BackgroundJob:
    """Ask a worker to make a batch and write its file: what can be refused at once is (a JournalError, nothing
    written); otherwise a job row the finance page shows, the task queued once this commits. Choosing a million
    postings takes a minute or more: never in a web request."""
    from . import tasks  # tasks wrap this module

    _check_request(authority=authority, cut_off_date=cut_off_date, layout=layout, by=by, today=today)
    with transaction.atomic():
        job = job_create(kind=JOB_KIND, by=by if getattr(by, "pk", None) else None, authority=authority,
                         description=f"Journal of {authority.name} up to {long_date(cut_off_date)}")
        transaction.on_commit(lambda: tasks.make_batch.delay(str(job.pk), authority.pk, cut_off_date.isoformat(),
                                                             layout, today.isoformat()))
    return job


def refusal_lines(exc: JournalError) -> list[str]:
    """A refusal as lines a page shows: the sentence, then (for unmapped accounts) one line per account."""
    if isinstance(exc, UnmappedAccounts):
        return ["Some ledger accounts are not mapped to the council's codes yet: an administrator maps them in "
                "the back office (Account mappings). Nothing was exported.",
                *(describe_key(key) for key in exc.missing)]
    return [str(exc)]


def batch_build(*, job_id: Any, authority_id: int, cut_off_date: date, layout: str, today: date,
                now: datetime) -> JournalBatch | None:
    """The task's work: make the batch (one transaction, exactly as `batch_create`), then write its file with
    progress on the job row. A refusal (nothing to export, accounts to map, ...) ends the job as failed with its
    words, one line each; anything else fails the job and is raised."""
    job = BackgroundJob.objects.select_related("requested_by").get(pk=job_id)
    authority = Authority.objects.get(pk=authority_id)
    job_start(job_id=job_id, total=0)
    try:
        batch = batch_create(authority=authority, cut_off_date=cut_off_date, layout=layout, by=job.requested_by,
                             today=today, now=now)
    except JournalError as exc:
        job_fail(job_id=job_id, message="\n".join(refusal_lines(exc)))
        return None
    except Exception as exc:
        job_fail(job_id=job_id, message=f"The journal could not be made: {exc}")
        raise
    job_target(job_id=job_id, target=f"ledger.journalbatch:{batch.pk}")
    job_start(job_id=job_id, total=batch.line_count)
    try:
        batch = batch_write_file(batch=batch, now=now, progress=lambda done: job_progress(job_id=job_id, done=done))
    except Exception as exc:
        job_fail(job_id=job_id, message=f"Journal {batch.reference} was made but its file could not be written: "
                                        f"{exc}")
        raise
    job_finish(job_id=job_id, message=f"Journal {batch.reference}: {batch.line_count:,} postings written")
    return batch


@transaction.atomic
def batch_export(*, authority: Any, cut_off_date: date, layout: str, by: Any, today: date,
                 now: datetime) -> JournalBatch:
    """Create a batch and write its file in one go (the management command)."""
    batch = batch_create(authority=authority, cut_off_date=cut_off_date, layout=layout, by=by, today=today, now=now)
    return batch_write_file(batch=batch, now=now)


# ---- mappings and periods (the back office) --------------------------------------------------------------------


def _check_mapper(by: Any) -> None:
    if by is None:
        return
    if not getattr(by, "is_active", False) or not (getattr(by, "role", None) in MAPPERS or by.is_superuser):
        raise NotPermitted("Only an administrator can change account mappings and financial periods.")


@transaction.atomic
def mapping_save(*, authority: Any, account_code: str, source_kind: str = "", cost_centre: str, subjective: str,
                 project_code: str = "", by: Any, mapping: AccountMapping | None = None) -> AccountMapping:
    """Create or change a mapping (kept in its history with who changed it)."""
    _check_mapper(by)
    source_kind = source_kind.strip().lower()
    if source_kind and not SOURCE_KIND.match(source_kind):
        raise JournalError("Enter the kind of record as app.model, for example contracts.apportionmentrun, or "
                           "leave it blank.")
    mapping = AccountMapping() if mapping is None else AccountMapping.objects.select_for_update().get(pk=mapping.pk)
    mapping.authority = authority
    mapping.account_code = account_code
    mapping.source_kind = source_kind
    mapping.cost_centre = cost_centre.strip()
    mapping.subjective = subjective.strip()
    mapping.project_code = project_code.strip()
    try:
        mapping.full_clean()
    except ValidationError as exc:
        raise JournalError("; ".join(exc.messages)) from exc
    mapping._history_user = by  # type: ignore[union-attr]
    mapping.save()
    return mapping


@transaction.atomic
def settings_save(*, authority: Any, oracle_ledger_id: str = "", unit4_client: str = "",
                  unit4_voucher_type: str = "GL", by: Any) -> JournalSettings:
    """Set the authority's journal settings (kept in their history with who changed them). Batches made before keep
    the values they were made with, so their files never change."""
    _check_mapper(by)
    oracle_ledger_id, unit4_client = oracle_ledger_id.strip(), unit4_client.strip()
    unit4_voucher_type = unit4_voucher_type.strip()
    if not unit4_voucher_type:
        raise JournalError("Enter the Unit4 voucher type these journals are booked under, for example GL.")
    found = JournalSettings.objects.select_for_update().filter(authority=authority).first()
    chosen = found or JournalSettings(authority=authority)
    chosen.oracle_ledger_id = oracle_ledger_id
    chosen.unit4_client = unit4_client
    chosen.unit4_voucher_type = unit4_voucher_type
    try:
        chosen.full_clean()
    except ValidationError as exc:
        raise JournalError("; ".join(exc.messages)) from exc
    chosen._history_user = by if getattr(by, "pk", None) else None  # type: ignore[union-attr]
    chosen.save()
    return chosen


@transaction.atomic
def period_set(*, authority: Any, year: int, number: int, closed: bool, by: Any, now: datetime) -> FinancialPeriod:
    """Close or reopen one period of the authority's financial year (a period with no row is open)."""
    _check_mapper(by)
    if not 1 <= number <= 12:
        raise JournalError("A period number runs from 1 (April) to 12 (March).")
    period, _ = FinancialPeriod.objects.select_for_update().get_or_create(authority=authority, year=year,
                                                                          number=number)
    if closed and period.status == PeriodStatus.OPEN:
        period.close()
    elif not closed and period.status == PeriodStatus.CLOSED:
        period.reopen()
    else:
        return period
    period.changed_at = now
    period.changed_by = by if getattr(by, "pk", None) else None
    period._history_user = period.changed_by  # type: ignore[attr-defined]
    period.save()
    return period
