"""Reads of the journal export: batches a finance officer may see, the rows of a batch's file (streamed), and the
reconciliation of the ledger against the exported batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Count, Q, Sum
from moneyed import Money

from core.models import BackgroundJob, JobStatus
from core.money import GBP
from organisations.scoping import authority_ids_for

from ..models import Account, Entry, Transaction
from .layouts import BatchContext, JournalRow, Layout, sql_columns
from .models import BatchStatus, JournalBatch, JournalLine, JournalSettings

ZERO = Decimal("0.00")
EXPORTED = (BatchStatus.EXPORTED, BatchStatus.CONFIRMED)


def batch_list(*, user: Any, authority_id: int | None = None) -> models.QuerySet[JournalBatch]:
    batches = JournalBatch.objects.for_user(user).select_related("authority", "created_by", "confirmed_by")
    if authority_id is not None:
        batches = batches.filter(authority_id=authority_id)
    return batches.order_by("authority__name", "-number")


def batch_for_user(*, user: Any, pk: int) -> JournalBatch | None:
    return batch_list(user=user).filter(pk=pk).first()


def job_for_user(*, user: Any, job_id: Any, kind: str) -> BackgroundJob | None:
    """A journal job of one of the user's authorities, or None."""
    return (BackgroundJob.objects.select_related("authority")
            .filter(pk=job_id, kind=kind, authority__in=authority_ids_for(user)).first())


def jobs_in_progress(*, user: Any, kind: str) -> list[BackgroundJob]:
    """Journals of the user's authorities still being made (queued or running), newest first."""
    return list(BackgroundJob.objects.filter(kind=kind, authority__in=authority_ids_for(user),
                                             status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
                .order_by("-created_at")[:20])


def batch_job(*, batch: JournalBatch, kind: str) -> BackgroundJob | None:
    """The latest job that made the batch (and wrote its file), if a job did."""
    return (BackgroundJob.objects.filter(kind=kind, target=f"ledger.journalbatch:{batch.pk}")
            .order_by("-created_at").first())


def batch_id_for_job(*, job: BackgroundJob) -> int | None:
    """The id of the batch a job made, once it has made it."""
    prefix, _, pk = job.target.partition(":")
    return int(pk) if prefix == "ledger.journalbatch" and pk.isdigit() else None


def settings_for(*, authority: Any) -> JournalSettings:
    """The authority's journal settings, or (not saved) the defaults where it has none."""
    return JournalSettings.objects.filter(authority=authority).first() or JournalSettings(authority=authority)


def period_notes(*, batch: JournalBatch) -> list[dict]:
    """The notes of postings booked in a later period than their date's, with how many postings each."""
    return list(batch.lines.exclude(period_note="").values("period_note").annotate(postings=Count("id"))
                .order_by("period_note"))


def _columns() -> dict[str, str]:
    quote = connection.ops.quote_name
    line, entry, tx, account = JournalLine._meta, Entry._meta, Transaction._meta, Account._meta
    return {"line": quote(line.db_table), "entry": quote(entry.db_table), "tx": quote(tx.db_table),
            "account": quote(account.db_table)}


def batch_rows_sql() -> str:
    """The SELECT behind a batch's file, one row per posting in line order (also what the benchmark copies)."""
    t = _columns()
    return (
        "SELECT t.transaction_date, l.period_year, l.period_number, l.period_note, l.cost_centre, l.subjective, "  # noqa: S608
        f"l.project_code, e.amount, t.memo, t.id, a.code FROM {t['line']} l "
        f"JOIN {t['entry']} e ON e.id = l.entry_id JOIN {t['tx']} t ON t.id = e.transaction_id "
        f"JOIN {t['account']} a ON a.id = e.account_id WHERE l.batch_id = %s ORDER BY l.id"
    )


def batch_file_sql(*, batch: JournalBatch, layout: Layout, context: BatchContext) -> str:
    """The COPY statement that writes the batch's file rows (no header) in the layout's columns."""
    t = _columns()
    columns = ", ".join(sql_columns(layout, context))
    delimiter = "'" + layout.delimiter.replace("'", "''") + "'"
    return (
        f"COPY (SELECT {columns} FROM {t['line']} l "  # noqa: S608
        f"JOIN {t['entry']} e ON e.id = l.entry_id JOIN {t['tx']} t ON t.id = e.transaction_id "
        f"WHERE l.batch_id = {int(batch.pk)} ORDER BY l.id) "
        f"TO STDOUT WITH (FORMAT csv, DELIMITER {delimiter})"
    )


def batch_rows(*, batch: JournalBatch, chunk: int = 5000) -> Iterator[JournalRow]:
    """Every posting of the batch as a JournalRow, read through a server-side cursor (constant memory) when the
    caller is inside a transaction."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(batch_rows_sql(), [batch.pk])
        while True:
            fetched = cursor.fetchmany(chunk)
            if not fetched:
                return
            for row in fetched:
                yield JournalRow(*row)


def _money(value: Decimal | None) -> Money:
    return Money(value if value is not None else ZERO, GBP)


def reconciliation(*, authority: Any, up_to: date | None = None) -> dict:
    """Per account of `authority`: the ledger balance (entries dated on or before `up_to`), the sum of the lines in
    exported or confirmed batches, the sum in draft batches, and the difference (ledger less exported), which is
    what is still to go to the finance system. `differences` lists the accounts where it is not zero."""
    entries = Entry.objects.filter(account__authority=authority)
    if up_to is not None:
        entries = entries.filter(transaction__transaction_date__lte=up_to)
    totals = {
        row["account_id"]: row
        for row in entries.values("account_id").annotate(
            ledger=Sum("amount"),
            exported=Sum("amount", filter=Q(journal_line__batch__status__in=EXPORTED)),
            draft=Sum("amount", filter=Q(journal_line__batch__status=BatchStatus.DRAFT)),
            waiting=Count("id", filter=Q(journal_line__isnull=True)),
        )
    }
    rows = []
    for account in Account.objects.filter(authority=authority).select_related("counterparty"):
        found = totals.get(account.pk, {})
        ledger = found.get("ledger") or ZERO
        exported = found.get("exported") or ZERO
        rows.append({
            "account": account, "name": account.name, "code": account.code,
            "ledger": _money(ledger), "exported": _money(exported), "draft": _money(found.get("draft")),
            "difference": _money(ledger - exported), "waiting": found.get("waiting") or 0,
        })
    return {
        "rows": rows,
        "differences": [row for row in rows if row["difference"].amount != 0],
        "ledger_total": _money(sum((r["ledger"].amount for r in rows), ZERO)),
        "exported_total": _money(sum((r["exported"].amount for r in rows), ZERO)),
    }


def authorities_for(user: Any) -> list[Any]:
    from organisations.models import Authority

    return list(Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name"))
