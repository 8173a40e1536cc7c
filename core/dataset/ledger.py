"""The ledger: each generated authority's chart of accounts and the postings of each approved ASF application."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from core.dataset.claims import AppFact
from core.dataset.clock import TODAY
from core.dataset.context import PENNY, Context, model_or_none, table_exists
from core.dataset.referrals import ReferralFact


def write_ledger(ctx: Context, applications: list[AppFact], referrals: list[ReferralFact]) -> None:
    """Accounts for every generated authority and the ASF money story of each approved application
    (ARCHITECTURE.md, 'Money and the ledger'); every transaction's entries sum to zero for its authority."""
    w = ctx.w
    Account = model_or_none("ledger.Account")
    Transaction = model_or_none("ledger.Transaction")
    Entry = model_or_none("ledger.Entry")
    if not (table_exists(Account) and table_exists(Entry)):
        return
    # core sits below ledger in the import layers: read its chart through the model's module, not an import.
    ledger_models = sys.modules[Account.__module__]
    CHART, AccountCode = ledger_models.CHART, ledger_models.AccountCode

    accounts: dict[tuple[int, str], int] = {}
    rows = []
    acc_ids = iter(w.ids(Account, len(ctx.authorities) * len(CHART)))
    for a in ctx.authorities:
        for code, kind in CHART.items():
            aid = next(acc_ids)
            accounts[(a, str(code))] = aid
            rows.append({"id": aid, "authority_id": a, "code": str(code), "name": AccountCode(code).label,
                         "kind": str(kind), "currency": "GBP"})
    with transaction.atomic():
        w.write(Account, rows, total=len(rows))

    source_type = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    if model_or_none("claims.ASFApplication") is not None and table_exists(model_or_none("claims.ASFApplication")):
        source_type = ContentType.objects.get_for_model(model_or_none("claims.ASFApplication")).pk

    def legs(app: AppFact) -> list[tuple[str, date, list[tuple[str, Decimal]]]]:
        out = [("approve", app.decided, [("asf_receivable", app.approved), ("asf_grant_in_advance", -app.approved)])]
        if app.received:
            out.append(("receipt", _month_end(app.decided),
                        [("bank", app.received), ("asf_receivable", -app.received)]))
        if app.spent:
            day = app.decided + timedelta(days=90)
            out.append(("invoice", day, [("support_expenditure", app.spent), ("provider_creditors", -app.spent),
                                         ("asf_grant_in_advance", app.spent), ("asf_income", -app.spent)]))
            out.append(("payment", day + timedelta(days=30), [("provider_creditors", app.spent), ("bank", -app.spent)]))
        if app.returned:
            out.append(("return", app.decided + timedelta(days=330),
                        [("asf_grant_in_advance", app.returned), ("bank", -app.returned)]))
        return out

    plan = [(app, name, day, lines) for app in applications for name, day, lines in legs(app)]
    tx_ids = w.ids(Transaction, len(plan))
    n_entries = sum(len(p[3]) for p in plan)
    e_ids = iter(w.ids(Entry, n_entries))
    tx_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    for tid, (app, name, day, lines) in zip(tx_ids, plan, strict=True):
        tx_rows.append({
            "id": tid, "transaction_date": min(day, TODAY), "memo": f"ASF {name} G{app.id}",
            "idempotency_key": f"generated:asf:{app.id}:{name}", "source_type_id": source_type,
            "source_id": str(app.id) if source_type else "", "reverses_id": None, "created_by_id": None,
            "created_at": datetime.combine(min(day, TODAY), datetime.min.time(), tzinfo=UTC),
        })
        for code, amount in lines:
            entry_rows.append({"id": next(e_ids), "transaction_id": tid, "account_id": accounts[(app.authority, code)],
                               "amount": amount.quantize(PENNY), "amount_currency": "GBP"})
    # In chunks, each its own database transaction: the zero-sum trigger is deferred to each commit, and ANALYZE
    # before the commit gives its per-row lookups an index plan instead of one made for the empty table.
    chunk = 50_000
    tick_tx = w.progress.start("ledger.Transaction", len(tx_rows))
    e_at = 0
    for start in range(0, len(tx_rows), chunk):
        txs = tx_rows[start:start + chunk]
        last = txs[-1]["id"]
        e_end = e_at
        while e_end < len(entry_rows) and entry_rows[e_end]["transaction_id"] <= last:
            e_end += 1
        with transaction.atomic():
            w.write(Transaction, txs, total=len(txs), quiet=True)
            w.write(Entry, entry_rows[e_at:e_end], total=e_end - e_at, quiet=True)
            if w.postgres:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE ledger_transaction, ledger_entry")
        e_at = e_end
        tick_tx(start + len(txs))


def _month_end(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)
