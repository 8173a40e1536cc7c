"""Benchmark: export usage rows to .xlsx three ways, in the same run, on the same rows.

    ours      contracts.spreadsheets.write_usage_workbook fed by contracts.selectors.usage_export_rows
              (openpyxl write-only, neutralised text, widths, frozen header, chunked server-side cursor)
    plain     openpyxl write-only with nothing else: ws.append(row) for the same values_list iterator
    default   django-import-export's default path: Resource.export(queryset) -> tablib Dataset -> xlsx bytes

Each method runs in a forked child so its peak memory is its own: "peak growth" is the child's VmHWM minus its
resident size when it started. Rows per second count data rows written (the read from the database included).

    python scripts/with_services.py -- .venv/bin/python bench/export_usage.py --rows 100000 1000000
    (or with DATABASE_URL unset: a temporary SQLite file)

The goal (issue 6): ours at least 0.7 of plain openpyxl, flat memory, well ahead of the default export.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    return 0


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def prepare(total: int) -> tuple[int, int]:
    """Migrate, then write `total` usage rows (fixture data for the bench, written in bulk). Returns the first and
    last primary keys."""
    from django.core.management import call_command
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
    batch = []
    start = date(2010, 1, 1)
    measures = ("referrals", "sessions", "hours", "spend")
    for n in range(have, total):
        batch.append(UsageRecord(contract=contract, authority=authorities[n % 3],
                                 usage_date=start + timedelta(days=n % 5000), measure=measures[n % 4],
                                 quantity=Decimal(n % 97) + Decimal("0.25"),
                                 source_key=f"bench.usage:{n}"))
        if len(batch) == 20000:
            UsageRecord.objects.bulk_create(batch)
            batch = []
    if batch:
        UsageRecord.objects.bulk_create(batch)
    ids = UsageRecord.objects.filter(contract=contract).order_by("id").values_list("id", flat=True)
    first, last = ids.first(), ids.last()
    assert first is not None and last is not None
    return first, last


def queryset(first_id: int, rows: int):  # type: ignore[no-untyped-def]
    from contracts.models import UsageRecord

    return UsageRecord.objects.filter(id__gte=first_id, id__lt=first_id + rows)


def run_ours(first_id: int, rows: int, path: str) -> int:
    from contracts.selectors import usage_export_rows
    from contracts.spreadsheets import write_usage_workbook

    with open(path, "wb") as handle:
        return write_usage_workbook(usage_export_rows(queryset=queryset(first_id, rows)), handle)


def run_plain(first_id: int, rows: int, path: str) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Usage")
    ws.append(["contract_reference", "authority", "usage_date", "measure", "quantity", "source_key"])
    count = 0
    values = (queryset(first_id, rows).order_by("id")
              .values_list("contract__reference", "authority__short_code", "usage_date", "measure", "quantity",
                           "source_key").iterator(chunk_size=5000))
    for row in values:
        ws.append(row)
        count += 1
    workbook.save(path)
    return count


def run_default(first_id: int, rows: int, path: str) -> int:
    from contracts.resources import UsageExportResource

    dataset = UsageExportResource().export(queryset(first_id, rows).select_related("contract", "authority"))
    Path(path).write_bytes(dataset.export("xlsx"))
    return len(dataset)


METHODS = {"ours": run_ours, "plain": run_plain, "default": run_default}


def measure(name: str, first_id: int, rows: int) -> dict:
    """Run one method in a forked child; return its rows, seconds and memory."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            start_rss = _status("VmRSS")
            path = os.path.join(tempfile.mkdtemp(), f"{name}.xlsx")
            began = time.perf_counter()
            count = METHODS[name](first_id, rows, path)
            seconds = time.perf_counter() - began
            result: dict = {"rows": count, "seconds": seconds, "start_kb": start_rss, "peak_kb": _status("VmHWM"),
                      "bytes": os.path.getsize(path)}
            os.unlink(path)
        except Exception as exc:  # reported, not raised: the parent carries on with the other methods
            result = {"error": repr(exc)}  # type: ignore[no-redef]
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    began = time.perf_counter()
    first_id, _ = prepare(max(args.rows))
    print(f"database: {connection.vendor}; {max(args.rows):,} usage rows ready in {time.perf_counter() - began:.0f} s")
    print(f"{'rows':>10} {'method':>8} {'seconds':>9} {'rows/s':>9} {'peak growth MB':>15} {'file MB':>8}")
    for rows in sorted(args.rows):
        results = {}
        for name in args.methods:
            result = measure(name, first_id, rows)
            results[name] = result
            if "error" in result:
                print(f"{rows:>10,} {name:>8}  failed: {result['error']}")
                continue
            rate = result["rows"] / result["seconds"]
            result["rate"] = rate
            growth = (result["peak_kb"] - result["start_kb"]) / 1024
            print(f"{rows:>10,} {name:>8} {result['seconds']:>9.1f} {rate:>9,.0f} {growth:>15.1f} "
                  f"{result['bytes'] / 1e6:>8.1f}", flush=True)
        ours = results.get("ours", {}).get("rate")
        if ours:
            for other in ("plain", "default"):
                if results.get(other, {}).get("rate"):
                    print(f"{rows:>10,}   ours / {other}: {ours / results[other]['rate']:.2f}")


if __name__ == "__main__":
    main()
