"""The usage export to .xlsx against the libraries writing the same cells from the same database read, in one run.

    ours        contracts.spreadsheets.write_usage_workbook fed by contracts.selectors.usage_export_rows
                (xlsxwriter constant-memory; neutralised text, dates formatted, bold frozen header, widths)
    xlsxwriter  the anchor: xlsxwriter constant-memory with nothing else, each cell by its typed method
                (write_string, write_datetime with a date format, write_number), fed by the same read
    openpyxl    openpyxl write-only with nothing else, ws.append(row), fed by the same read
    default     django-import-export's default path: Resource.export(queryset) -> tablib Dataset -> xlsx bytes
                (not run unless named in --methods: it holds the whole file in memory, about 2.7 GB at 1M rows)

Each method runs in a forked child so its memory is its own: "peak growth" is the child's peak resident size
(VmHWM) minus its resident size when it started. Rows per second count data rows written, the database read
included; rows per CPU second count the child's own CPU time, which another user's load on the machine moves far
less than the wall clock. With --repeat N every method runs N times, in turns (every other turn in reverse
order), and the medians are kept.

    python scripts/with_services.py -- .venv/bin/python bench/export_usage.py                 # 1,000,000 rows
    python scripts/with_services.py -- .venv/bin/python bench/export_usage.py --rows 100000 1000000
    (or with DATABASE_URL unset: a temporary SQLite file)

The rows are the bench's own contract's (BENCH-1), added where missing, so the script runs again on the database
it leaves. Goal (issue 17): ours at least 0.9x the xlsxwriter anchor, peak growth under 50 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from probe import in_child  # noqa: E402  (bench/probe.py: bench/ is on the path of a script run from it)

GOAL_RATIO = 0.9
GOAL_GROWTH_MB = 50


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def prepare(total: int) -> int:
    """Migrate, then make sure the bench contract has at least `total` usage rows (fixture data, written in bulk:
    SQL on PostgreSQL, bulk_create on SQLite). Returns the contract's id."""
    from django.core.management import call_command
    from django.db import connection
    from moneyed import Money

    from contracts.models import Contract, UsageRecord
    from organisations.models import Authority, Provider

    call_command("migrate", verbosity=0)
    authorities = [Authority.objects.get_or_create(short_code=code, defaults={"name": code.title(),
                                                                             "ons_code": f"E0{n:07d}"})[0]
                   for n, code in enumerate(("kent", "medway", "bexley"))]
    provider, _ = Provider.objects.get_or_create(name="Bench provider", defaults={"kind": "asa"})
    contract, _ = Contract.objects.get_or_create(
        reference="BENCH-1",
        defaults={"title": "Bench", "provider": provider, "lead_authority": authorities[0],
                  "procurement_route": "block", "pricing": "block_sum", "status": "active",
                  "start_date": date(2000, 1, 1), "end_date": date(2099, 12, 31), "total_value": Money("1.00", "GBP")},
    )
    have = UsageRecord.objects.filter(contract=contract).count()
    start = date(2010, 1, 1)
    measures = ("referrals", "sessions", "hours", "spend")
    if have < total and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contracts_usagerecord (contract_id, authority_id, usage_date, measure, quantity, "
                "source_key, recorded_at) SELECT %s, (%s::int[])[1 + mod(n, 3)], %s::date + mod(n, 5000), "
                "(%s::text[])[1 + mod(n, 4)], mod(n, 97) + 0.25, 'bench.usage:' || n, now() "
                "FROM generate_series(%s, %s) AS n",
                [contract.pk, [a.pk for a in authorities], start, list(measures), have, total - 1],
            )
            cursor.execute("VACUUM ANALYZE contracts_usagerecord")
    elif have < total:
        batch = []
        for n in range(have, total):
            batch.append(UsageRecord(contract=contract, authority=authorities[n % 3],
                                     usage_date=start + timedelta(days=n % 5000), measure=measures[n % 4],
                                     quantity=Decimal(n % 97) + Decimal("0.25"), source_key=f"bench.usage:{n}"))
            if len(batch) == 20000:
                UsageRecord.objects.bulk_create(batch)
                batch = []
        UsageRecord.objects.bulk_create(batch)
    return contract.pk


def queryset(contract_id: int, rows: int):  # type: ignore[no-untyped-def]
    """The contract's first `rows` usage records."""
    from contracts.models import UsageRecord

    records = UsageRecord.objects.filter(contract_id=contract_id)
    last = records.order_by("id").values_list("id", flat=True)[rows - 1]
    return records.filter(id__lte=last)


def read(contract_id: int, rows: int):  # type: ignore[no-untyped-def]
    """The export's own database read, the one every method but the default is fed by."""
    from contracts.selectors import usage_export_rows

    return usage_export_rows(queryset=queryset(contract_id, rows))


def run_ours(contract_id: int, rows: int, path: str) -> int:
    from contracts.spreadsheets import write_usage_workbook

    with open(path, "wb") as handle:
        return write_usage_workbook(read(contract_id, rows), handle)


def run_xlsxwriter(contract_id: int, rows: int, path: str) -> int:
    import xlsxwriter

    from contracts.spreadsheets import DATE_FORMAT, USAGE_EXPORT_HEADERS

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = workbook.add_worksheet("Usage")
    day = workbook.add_format({"num_format": DATE_FORMAT})
    ws.write_row(0, 0, USAGE_EXPORT_HEADERS)
    text, number, when = ws.write_string, ws.write_number, ws.write_datetime
    count = 0
    for count, (reference, authority, usage_date, measure, quantity, source_key) in enumerate(
            read(contract_id, rows), start=1):
        text(count, 0, reference)
        text(count, 1, authority)
        when(count, 2, usage_date, day)
        text(count, 3, measure)
        number(count, 4, quantity)
        text(count, 5, source_key)
    workbook.close()
    return count


def run_openpyxl(contract_id: int, rows: int, path: str) -> int:
    from openpyxl import Workbook

    from contracts.spreadsheets import USAGE_EXPORT_HEADERS

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Usage")
    ws.append(USAGE_EXPORT_HEADERS)
    count = 0
    for row in read(contract_id, rows):
        ws.append(row)
        count += 1
    workbook.save(path)
    return count


def run_default(contract_id: int, rows: int, path: str) -> int:
    from contracts.resources import UsageExportResource

    dataset = UsageExportResource().export(queryset(contract_id, rows).select_related("contract", "authority"))
    Path(path).write_bytes(dataset.export("xlsx"))
    return len(dataset)


METHODS = {"ours": run_ours, "xlsxwriter": run_xlsxwriter, "openpyxl": run_openpyxl, "default": run_default}


def measure(name: str, contract_id: int, rows: int) -> dict[str, Any]:
    """Run one method in a forked child (bench/probe.py); return its rows, seconds and memory."""

    def work() -> dict[str, Any]:
        path = os.path.join(tempfile.mkdtemp(), f"{name}.xlsx")
        began, cpu = time.perf_counter(), time.process_time()
        count = METHODS[name](contract_id, rows, path)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        result = {"rows": count, "seconds": seconds, "rate": count / seconds, "cpu_rate": count / cpu,
                  "file_mb": os.path.getsize(path) / 1e6}
        os.unlink(path)
        return result

    return in_child(work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--methods", nargs="+", default=["ours", "xlsxwriter", "openpyxl"], choices=list(METHODS))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each method, interleaved (median kept)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    began = time.perf_counter()
    contract_id = prepare(max(args.rows))
    print(f"usage export: {connection.vendor}; {max(args.rows):,} usage rows ready in "
          f"{time.perf_counter() - began:.0f} s; {os.cpu_count()} CPUs")
    print(f"{'rows':>10} {'method':>10} {'seconds':>8} {'rows/s':>9} {'peak growth MB':>15} {'file MB':>8} "
          f"{'rows/CPU s':>12}")
    figures: dict[int, dict[str, Any]] = {}
    failed = False
    for rows in sorted(args.rows):
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in args.methods}
        for turn in range(args.repeat):
            for name in args.methods if turn % 2 == 0 else args.methods[::-1]:
                result = measure(name, contract_id, rows)
                if "error" in result:
                    print(f"{rows:>10,} {name:>10}  failed: {result['error']}", flush=True)
                    failed = True
                    continue
                runs[name].append(result)
                print(f"{rows:>10,} {name:>10} {result['seconds']:>8.1f} {result['rate']:>9,.0f} "
                      f"{result['growth_mb']:>15.1f} {result['file_mb']:>8.1f} {result['cpu_rate']:>12,.0f}",
                      flush=True)
        summary = {name: {"rate": statistics.median(r["rate"] for r in done),
                          "cpu_rate": statistics.median(r["cpu_rate"] for r in done),
                          "growth_mb": max(r["growth_mb"] for r in done), "runs": done}
                   for name, done in runs.items() if done}
        figures[rows] = summary
        ours = summary.get("ours")
        if ours:
            for other in ("xlsxwriter", "openpyxl", "default"):
                if other in summary:
                    summary[f"ours/{other}"] = ours["rate"] / summary[other]["rate"]
                    summary[f"ours/{other} cpu"] = ours["cpu_rate"] / summary[other]["cpu_rate"]
                    goal = f" (goal >= {GOAL_RATIO}x)" if other == "xlsxwriter" else ""
                    print(f"{rows:>10,}   ours / {other}: {summary[f'ours/{other}']:.2f}x{goal}; in the "
                          f"process's own CPU time {summary[f'ours/{other} cpu']:.2f}x")
            print(f"{rows:>10,}   ours peak growth {ours['growth_mb']:.1f} MB (goal < {GOAL_GROWTH_MB} MB)")
    if args.json:
        args.json.write_text(json.dumps({"rows": figures, "cpus": os.cpu_count()}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
