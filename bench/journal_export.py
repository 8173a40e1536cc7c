"""Benchmark: write a journal batch's file against a raw `COPY (SELECT ...) TO STDOUT` of the same rows, in the same
run, on PostgreSQL.

    ours   ledger.journals.services.batch_write_file: the batch's rows in the layout's columns, text neutralised,
           amounts to the penny, streamed to a temporary file and stored (the real path of every export)
    copy   the batch's rows, unformatted, by COPY (SELECT ...) TO STDOUT through psycopg, to a file

Each runs in a forked child so its peak memory is its own ("peak growth": the child's VmHWM less its resident size
when it started). Before them, the postings are made in bulk SQL (fixture data: the ledger's triggers are skipped
for the load only) and the batch is made by `batch_create` (its rate is printed too).

    python scripts/with_services.py -- .venv/bin/python bench/journal_export.py --postings 100000 1000000

The goal (issue 19): ours at least 0.5x the raw copy, and flat memory (peak growth the same at every size).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from probe import in_child  # noqa: E402  (bench/probe.py: bench/ is on the path of a script run from it)


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL (COPY): run it through scripts/with_services.py")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="journal-bench-"))
    import django

    django.setup()


def prepare(postings: int, layout: str) -> int:
    """An authority with `postings` postings (two per transaction), every account mapped; the batch's id."""
    from django.db import connection, transaction

    from ledger.journals.models import AccountMapping
    from ledger.journals.services import batch_create
    from ledger.models import CHART
    from ledger.services import account_for
    from organisations.models import Authority

    code = f"bench{postings}"
    authority, _ = Authority.objects.get_or_create(short_code=code, defaults={"name": f"Bench {postings}",
                                                                            "ons_code": f"B{postings:08d}"[:9]})
    for account_code in CHART:
        AccountMapping.objects.get_or_create(authority=authority, account_code=account_code, source_kind="",
                                             defaults={"cost_centre": "CC100", "subjective": f"S-{account_code}"})
    bank = account_for(authority=authority, code="bank")
    receivable = account_for(authority=authority, code="asf_receivable")
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the fixture load only: no triggers
        cursor.execute(
            "INSERT INTO ledger_transaction (transaction_date, memo, idempotency_key, source_id, created_at) "
            "SELECT DATE '2024-04-01' + (i %% 700), 'Bench posting ' || i || ', family ' || (i %% 997), "
            "%s || i, '', now() FROM generate_series(1, %s) AS i",
            [f"bench:{code}:", postings // 2],
        )
        cursor.execute(
            "INSERT INTO ledger_entry (transaction_id, account_id, amount_currency, amount) "
            "SELECT t.id, CASE WHEN s.side = 1 THEN %s ELSE %s END, 'GBP', "
            "(CASE WHEN s.side = 1 THEN 1 ELSE -1 END) * ((t.id %% 100000) / 100.0 + 1)::numeric(14, 2) "
            "FROM ledger_transaction t CROSS JOIN (VALUES (1), (2)) AS s(side) "
            "WHERE t.idempotency_key LIKE %s ORDER BY t.id, s.side",
            [bank.pk, receivable.pk, f"bench:{code}:%"],
        )
    print(f"{postings:>10,} postings loaded in {time.perf_counter() - began:.1f} s", flush=True)
    began = time.perf_counter()
    batch = batch_create(authority=authority, cut_off_date=date(2026, 3, 31), layout=layout, by=None,
                         today=date(2026, 3, 31), now=datetime(2026, 4, 1, tzinfo=UTC))
    seconds = time.perf_counter() - began
    print(f"{postings:>10,} batch_create: {batch.line_count:,} lines in {seconds:.1f} s "
          f"({batch.line_count / seconds:,.0f} lines/s)", flush=True)
    return batch.pk


def run_ours(batch_id: int, path: str) -> tuple[int, int]:
    from ledger.journals.models import JournalBatch
    from ledger.journals.services import batch_write_file

    batch = batch_write_file(batch=JournalBatch.objects.get(pk=batch_id), now=datetime(2026, 4, 1, tzinfo=UTC))
    with batch.file.open("rb") as stored, open(path, "wb") as out:
        while chunk := stored.read(1 << 20):
            out.write(chunk)
    return batch.line_count, os.path.getsize(batch.file.path)


def run_copy(batch_id: int, path: str) -> tuple[int, int]:
    from django.db import connection

    from ledger.journals.selectors import batch_rows_sql

    sql = batch_rows_sql().replace("%s", str(int(batch_id)))
    rows = 0
    with connection.cursor() as cursor, open(path, "wb") as out, \
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for data in copy:
            out.write(data)
            rows += bytes(data).count(b"\n")
    return rows, os.path.getsize(path)


METHODS = {"ours": run_ours, "copy": run_copy}


def measure(name: str, batch_id: int) -> dict:
    """Run one method in a forked child (bench/probe.py): its rows, seconds, bytes and memory."""

    def work() -> dict:
        path = os.path.join(tempfile.mkdtemp(), f"{name}.csv")
        began = time.perf_counter()
        rows, size = METHODS[name](batch_id, path)
        seconds = time.perf_counter() - began
        os.unlink(path)
        return {"rows": rows, "seconds": seconds, "bytes": size}

    return in_child(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--layout", default="generic")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"{'postings':>10} {'method':>6} {'seconds':>9} {'rows/s':>11} {'peak growth MB':>15} {'file MB':>8}")
    for postings in sorted(args.postings):
        batch_id = prepare(postings, args.layout)
        results = {}
        for name in ("copy", "ours"):
            result = measure(name, batch_id)
            results[name] = result
            if "error" in result:
                print(f"{postings:>10,} {name:>6}  failed: {result['error']}", flush=True)
                continue
            result["rate"] = result["rows"] / result["seconds"]
            growth = (result["peak_kb"] - result["start_kb"]) / 1024
            print(f"{postings:>10,} {name:>6} {result['seconds']:>9.1f} {result['rate']:>11,.0f} {growth:>15.1f} "
                  f"{result['bytes'] / 1e6:>8.1f}", flush=True)
        if results["ours"].get("rate") and results["copy"].get("rate"):
            print(f"{postings:>10,}   ours / copy: {results['ours']['rate'] / results['copy']['rate']:.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
