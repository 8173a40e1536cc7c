"""Benchmark: one payment run (`invoicing.services.runs.payment_run_make`) of --lines invoice lines across
--providers providers, against the raw posting anchor measured in the same run, on PostgreSQL.

    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/payment_run.py --lines 1000 --providers 20
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/payment_run.py   # 10,000 lines, 200 providers

Fixture (bulk, not timed): an authority, --providers providers with approved bank details and a per-session
contract, one referral each, one session per line, and approved invoices of --per-invoice lines each (approved by
one finance officer; the run is made by another).

    run   payment_run_make over all of them: lock, group per provider, the payment file, one settlement posting per
          invoice (Dr provider creditors / Cr bank), each invoice moved to paid with its history and event rows
          (in bulk), and one remittance advice letter (a PDF) per provider, timed apart as well.
    raw   the same number of two-line postings written by a bare psycopg loop (one database transaction each:
          INSERT the transaction, INSERT its two entries, COMMIT), the anchor of bench/ledger_concurrency.py.

Prints seconds, queries, and settlement postings/s for the run against raw postings/s, and their ratio. Timings
depend on the machine and on whatever else runs on it: read the ratio. `--json PATH` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="payment-run-bench-"))

DAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL: run it through scripts/with_services.py")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fixture(*, lines: int, providers: int, per_invoice: int, tag: str) -> tuple[Any, Any]:
    """The authority and the finance officer who will make the run (not the approver)."""
    from django.db import transaction
    from moneyed import Money

    from commissioning.models import Referral, ReferralStatus, RouteType, SessionDelivered
    from contracts.models import Contract, ContractStatus, Pricing, ProcurementRoute
    from invoicing.models import (
        BankDetailsStatus,
        Funding,
        Invoice,
        InvoiceLine,
        InvoiceStatus,
        LineKind,
        ProviderBankDetails,
    )
    from ledger.services import chart_ensure
    from organisations.models import Authority, Provider, Role, Scope, User
    from support.models import ServiceType
    from tests.factories_support import SupportRequestFactory

    rate = Money(Decimal("100.00"), "GBP")
    with transaction.atomic():
        authority = Authority.objects.create(short_code=f"pr{tag}", name=f"Payment run bench {tag}",
                                             ons_code=f"ZP{tag[-7:]:0>7}")
        chart_ensure(authority=authority)
        approver = User.objects.create(username=f"pr{tag}.approver", role=Role.FINANCE_OFFICER,
                                       scope=Scope.AUTHORITY, authority=authority)
        payer = User.objects.create(username=f"pr{tag}.payer", role=Role.FINANCE_OFFICER, scope=Scope.AUTHORITY,
                                    authority=authority)
        request = SupportRequestFactory(child__household__responsible_authority=authority)
        service = ServiceType.objects.get(code="ddp")
        made = Provider.objects.bulk_create([Provider(name=f"Bench provider {tag}-{n:04d}", kind="asa",
                                                      ofsted_urn=f"BP{tag[-4:]}{n:04d}") for n in range(providers)])
        staff = User.objects.bulk_create([User(username=f"pr{tag}.staff{n}", role=Role.PROVIDER_STAFF,
                                               scope=Scope.PROVIDER, provider=p) for n, p in enumerate(made)])
        ProviderBankDetails.objects.bulk_create([
            ProviderBankDetails(provider=p, account_name=p.name, sort_code="309950", account_number=f"{n:08d}",
                                status=BankDetailsStatus.APPROVED, entered_by=staff[n], entered_at=NOW,
                                decided_by=payer, decided_at=NOW) for n, p in enumerate(made)])
        contracts = Contract.objects.bulk_create([
            Contract(reference=f"PRB-{tag}-{n:04d}", title="Bench", provider=p, lead_authority=authority,  # type: ignore[misc]
                     procurement_route=ProcurementRoute.FRAMEWORK_CALL_OFF, pricing=Pricing.PER_SESSION,
                     unit_price=rate, status=ContractStatus.ACTIVE, start_date=DAY - timedelta(days=365),
                     end_date=DAY + timedelta(days=365), total_value=Money(Decimal("1000000"), "GBP"))
            for n, p in enumerate(made)])
        referrals = Referral.objects.bulk_create([
            Referral(authority=authority, support_request=request, service_type=service, route_type=RouteType.CONTRACT,  # type: ignore[misc]
                     provider=p, contract=contracts[n], sent_to=p, status=ReferralStatus.ACTIVE,
                     sent_date=DAY - timedelta(days=301), accepted_date=DAY - timedelta(days=300),
                     routed_date=DAY - timedelta(days=302), created_by=approver, created_at=NOW)
            for n, p in enumerate(made)])
        per_provider = lines // providers
        sessions = SessionDelivered.objects.bulk_create([
            SessionDelivered(referral=r, session_date=DAY - timedelta(days=1 + k), duration_minutes=60,
                             recorded_by=staff[n], recorded_at=NOW)
            for n, r in enumerate(referrals) for k in range(per_provider)])
        invoices, planned = [], []
        for n, p in enumerate(made):
            mine = sessions[n * per_provider:(n + 1) * per_provider]
            for start in range(0, len(mine), per_invoice):
                chunk = mine[start:start + per_invoice]
                invoices.append(Invoice(provider=p, paying_authority=authority, invoice_number=f"B-{start}",  # type: ignore[misc]
                                        invoice_date=DAY, due_date=DAY, total=rate * len(chunk),
                                        stated_total=rate * len(chunk), status=InvoiceStatus.APPROVED,
                                        raised_by=staff[n], raised_at=NOW, approved_by=approver, approved_at=NOW))
                planned.append((n, chunk))
        Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create([
            InvoiceLine(invoice=invoice, referral=referrals[n], session=s, kind=LineKind.SESSION,  # type: ignore[misc]
                        funding=Funding.CONTRACT, description="Session", rate_source="Contract",
                        expected_amount=rate, amount=rate, contract=contracts[n])
            for invoice, (n, chunk) in zip(invoices, planned, strict=True) for s in chunk])
    return authority, payer


def raw_postings(count: int, authority: Any, tag: str) -> float:
    """The anchor: `count` two-line postings by a bare psycopg loop; postings per second."""
    import psycopg

    from ledger.models import Account, AccountCode

    bank = Account.objects.get(authority=authority, code=AccountCode.BANK, counterparty=None).pk
    creditors = Account.objects.get(authority=authority, code=AccountCode.PROVIDER_CREDITORS, counterparty=None).pk
    insert_transaction = (
        "INSERT INTO ledger_transaction (transaction_date, memo, idempotency_key, source_type_id, source_id, "
        "reverses_id, created_by_id, created_at) VALUES (%s, %s, %s, NULL, '', NULL, NULL, now()) RETURNING id"
    )
    insert_entries = ("INSERT INTO ledger_entry (transaction_id, account_id, amount_currency, amount) "
                      "VALUES (%s, %s, 'GBP', %s), (%s, %s, 'GBP', %s)")
    amount = Decimal("100.00")
    with psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as connection:
        started = time.perf_counter()
        for index in range(count):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(insert_transaction, (DAY, "bench", f"bench:payment-run-raw:{tag}:{index}"))
                row = cursor.fetchone()
                assert row is not None
                cursor.execute(insert_entries, (row[0], creditors, amount, row[0], bank, -amount))
        return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--per-invoice", type=int, default=10)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    setup()
    from django.db import connection

    from invoicing.models import Invoice, InvoiceStatus
    from invoicing.services import runs
    from invoicing.services.runs import payment_run_make
    from ledger.models import Transaction

    tag = f"{int(time.time()) % 10_000_000:07d}"
    started = time.perf_counter()
    authority, payer = fixture(lines=args.lines, providers=args.providers, per_invoice=args.per_invoice, tag=tag)
    print(f"  fixture: {args.lines:,} lines across {args.providers} providers in "
          f"{time.perf_counter() - started:.1f}s", flush=True)
    invoices = Invoice.objects.filter(paying_authority=authority).count()
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    letters = {"seconds": 0.0, "queries": 0, "count": 0}
    issue = runs.remittance_letter

    def timed_letter(**kwargs: Any) -> Any:  # the remittance letters (WeasyPrint PDFs), timed apart
        before, started = queries, time.perf_counter()
        try:
            return issue(**kwargs)
        finally:
            letters["seconds"] += time.perf_counter() - started
            letters["queries"] += queries - before
            letters["count"] += 1

    runs.remittance_letter = timed_letter  # type: ignore[assignment]
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        run = payment_run_make(authority=authority, due_by=DAY, payment_date=DAY, by=payer, now=NOW)
        seconds = time.perf_counter() - started
    settled = Transaction.objects.filter(idempotency_key__startswith=f"invoicing.paymentrun:{run.pk}:").count()
    paid = Invoice.objects.filter(paying_authority=authority, status=InvoiceStatus.PAID).count()
    ok = (settled == invoices == paid and run.advices.count() == args.providers
          and run.advices.filter(letter__isnull=False).count() == args.providers == letters["count"])
    run_rate = settled / seconds
    settling = seconds - letters["seconds"]
    settle_rate = settled / settling
    raw_rate = raw_postings(settled, authority, tag)
    ratio = run_rate / raw_rate
    print(f"  payment run: {args.lines:,} lines, {invoices:,} invoices, {args.providers} providers: {seconds:.2f}s, "
          f"{queries:,} queries ({queries / invoices:.1f} per invoice), {run_rate:,.0f} settlement postings/s")
    print(f"    of which {letters['count']} remittance letters (PDFs): {letters['seconds']:.2f}s, "
          f"{letters['queries']:,} queries; the run without them: {settling:.2f}s, "
          f"{(queries - letters['queries']) / invoices:.1f} queries per invoice, {settle_rate:,.0f} postings/s")
    print(f"  raw posting anchor: {raw_rate:,.0f} postings/s; ratio run/raw {ratio:.2f}x "
          f"({settle_rate / raw_rate:.2f}x without the letters); "
          f"checks {'passed' if ok else 'FAILED'} (settled {settled}, paid {paid}, total {run.total})")
    if args.json:
        Path(args.json).write_text(json.dumps({"lines": args.lines, "providers": args.providers,
                                               "invoices": invoices, "seconds": seconds, "queries": queries,
                                               "run_postings_per_s": run_rate, "raw_postings_per_s": raw_rate,
                                               "ratio": ratio, "letters": letters["count"],
                                               "letter_seconds": letters["seconds"],
                                               "letter_queries": letters["queries"],
                                               "ratio_without_letters": settle_rate / raw_rate, "ok": ok},
                                              indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
