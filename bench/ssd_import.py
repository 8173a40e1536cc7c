"""Benchmark: the SSD import (issue 19) on a generated extract, beside a raw COPY of the same rows in the same run.

    python scripts/with_services.py -- .venv/bin/python bench/ssd_import.py
    python scripts/with_services.py -- .venv/bin/python bench/ssd_import.py --persons 10000 100000 --matched 5000

The extract: `--persons` people (100,000 by default) and three times as many rows across the four tables in all
(persons 1/3, permanence 1/5, SDQ scores 4/15, addresses 1/5 of the rows): half the permanence rows carry an order,
and `--matched` of those children (5,000) are known here (a household, a residence, a child with its case-system
id; half of them with their order already recorded; then ANALYZE). So the import reads every row, checks every
field, matches, and writes orders, SDQ readings and residences for the matched children, refreshing their families'
responsibility.

Each step runs in a forked child so its peak memory is its own ("peak growth": the child's VmHWM minus its
resident size when it started):
    copy       COPY of the four CSV files into staging tables of text columns (PostgreSQL's own CSV reader)
    dry run    support.ssd.service.ssd_import(dry_run=True): read, check, match, plan; writes its audit row
    import     the same, committed
    again      the same extract imported a second time (everything unchanged)
    changed    an extract of the same rows, every matched child's order, SDQ score and address changed: updates
Rows per second count the extract's data rows. The goal: at least 5,000 rows/s, peak growth under 100 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from probe import in_child  # noqa: E402  (bench/probe.py: bench/ is on the path of a script run from it)


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (scripts/with_services.py does): COPY is the baseline.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


ORDER_TYPES = ("Adoption", "Special Guardianship", "Child Arrangements/Residence Order")


def write_extract(folder: Path, persons: int, changed: bool = False) -> dict[str, int]:
    """The four CSV files for `persons` people, 3 x persons rows in all. `changed`: the same rows with every order a
    day later, every SDQ score one higher and every address in the other authority (so importing it after the first
    updates every row of a matched child)."""
    from support.ssd.fields import COLUMNS, nhs_check_digit

    total = 3 * persons
    counts = {"ssd_person": persons, "ssd_permanence": total // 5, "ssd_sdq_scores": total * 4 // 15}
    counts["ssd_address"] = total - sum(counts.values())
    folder.mkdir(parents=True, exist_ok=True)

    def nhs(n: int) -> str:
        nine = f"{400_000_000 + n * 37:09d}"
        check = nhs_check_digit(nine)
        return "" if check is None else nine + str(check)

    writers = {}
    handles = []
    for table in COLUMNS:
        handle = (folder / f"{table}.csv").open("w", newline="", encoding="utf-8")
        handles.append(handle)
        writers[table] = csv.writer(handle, lineterminator="\n")
        writers[table].writerow(COLUMNS[table])
    base = date(2012, 1, 1)
    for n in range(persons):
        dob = base + timedelta(days=n % 2500)
        writers["ssd_person"].writerow([f"{n:08d}", "FMU"[n % 3], "WBRI", f"{dob.isoformat()} 00:00:00.000",
                                        nhs(n), "YN"[n % 2]])
    for n in range(counts["ssd_permanence"]):
        dob = base + timedelta(days=n % 2500)
        order = dob + timedelta(days=900 + n % 400 + int(changed)) if n % 2 == 0 else None
        writers["ssd_permanence"].writerow([
            f"P{n}", f"{n:08d}", order.isoformat() if order else "", ORDER_TYPES[n % 3] if order else "",
            (dob + timedelta(days=200)).isoformat(), "", (dob + timedelta(days=500)).isoformat() if order else "",
            "N"])
    for n in range(counts["ssd_sdq_scores"]):
        person = n // 2
        writers["ssd_sdq_scores"].writerow([f"S{n}", f"{person:08d}", f"2024-0{1 + n % 9}-15 10:00:00.000",
                                            "" if n % 10 == 0 else str((n + int(changed)) % 41),
                                            "SDQ4" if n % 10 == 0 else ""])
    for n in range(counts["ssd_address"]):
        writers["ssd_address"].writerow([f"A{n}", f"{n:08d}", "2023-04-01", "",
                                         "ME4 4TB" if (n + int(changed)) % 2 else "ME14 1AA", "Home"])
    for handle in handles:
        handle.close()
    return counts


def prepare(matched: int) -> None:
    """Migrate; Kent and Medway with postcode districts; `matched` children known here with case-system ids."""
    from django.core.management import call_command
    from django.db import connection

    from organisations.models import Authority
    from support.models import Child, Household, LegalOrder, ResidencePeriod

    call_command("migrate", verbosity=0)
    kent, _ = Authority.objects.update_or_create(short_code="kent", defaults={
        "name": "Kent", "ons_code": "E10000016", "postcode_districts": "CT TN ME14 ME15"})
    Authority.objects.update_or_create(short_code="medway", defaults={
        "name": "Medway", "ons_code": "E06000035", "postcode_districts": "ME1 ME4 ME7"})
    if Child.objects.filter(case_system_authority=kent).count() >= matched:
        return
    base = date(2012, 1, 1)
    for start in range(0, matched, 2000):
        ids = range(start, min(start + 2000, matched))
        households = Household.objects.bulk_create([
            Household(family_name=f"Bench {n}", carer_one_name="Carer", address_line_1="1 Road", town="Maidstone",
                      postcode="ME14 1AA", responsible_authority=kent) for n in ids])
        ResidencePeriod.objects.bulk_create([ResidencePeriod(household=h, authority=kent, from_date=date(2015, 1, 1))
                                             for h in households])
        children = Child.objects.bulk_create([
            Child(household=h, first_name="Child", last_name=str(n), date_of_birth=base + timedelta(days=2 * n % 2500),
                  responsible_authority=kent, case_system_id=f"{n * 2:08d}", case_system_authority=kent)
            for n, h in zip(ids, households, strict=True)])
        LegalOrder.objects.bulk_create([
            LegalOrder(child=c, kind="adoption", order_date=c.date_of_birth + timedelta(days=900 + (n * 2) % 400),
                       placing_authority=kent) for n, c in zip(ids, children, strict=True) if n % 2 == 0])
    # Statistics for the rows just loaded, as autovacuum would gather within a minute: without them PostgreSQL plans
    # the import's look-ups as if the tables were empty, and the figures measure that, not the import.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run_copy(folder: Path) -> int:
    from django.db import connection

    from support.ssd.fields import COLUMNS

    rows = 0
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            cursor.execute(f"DROP TABLE IF EXISTS staging_{table}")
            cursor.execute(f"CREATE UNLOGGED TABLE staging_{table} ({', '.join(f'{c} text' for c in columns)})")
            with cursor.copy(f"COPY staging_{table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                    (folder / f"{table}.csv").open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
            cursor.execute(f"SELECT count(*) FROM staging_{table}")
            rows += cursor.fetchone()[0]
    return rows


def run_import(folder: Path, dry_run: bool) -> dict[str, Any]:
    from django.utils import timezone

    from organisations.models import Authority
    from support.ssd.reader import open_path
    from support.ssd.service import ssd_import

    result = ssd_import(authority=Authority.objects.get(short_code="kent"), extract=open_path(folder), by=None,
                        now=timezone.now(), today=timezone.localdate(), dry_run=dry_run)
    counts = result.plan.counts()
    return {"rows": counts["rows_total"], "status": result.status, "create": counts["create"],
            "update": counts["update"], "unchanged": counts["unchanged"], "errors": counts["errors"],
            "matched": counts["matched_children"], "unmatched": counts["unmatched"]}


def measure(step: str, folder: Path, changed: Path) -> dict[str, Any]:
    """Run one step in a forked child (bench/probe.py): its rows, seconds, outcome and memory."""

    def work() -> dict[str, Any]:
        began = time.perf_counter()
        out: dict[str, Any] = ({"rows": run_copy(folder)} if step == "copy"
                               else run_import(changed if step == "changed" else folder, dry_run=step == "dry run"))
        return {**out, "seconds": time.perf_counter() - began}

    return in_child(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000])
    parser.add_argument("--matched", type=int, default=5_000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    began = time.perf_counter()
    prepare(args.matched)
    print(f"database: {connection.vendor}; {args.matched:,} matched children ready in "
          f"{time.perf_counter() - began:.0f} s")
    print(f"{'persons':>8} {'rows':>8} {'step':>8} {'seconds':>8} {'rows/s':>8} {'peak growth MB':>15}  outcome")
    results = []
    for persons in sorted(args.persons):
        folder = Path(tempfile.mkdtemp()) / f"ssd-{persons}"
        write_extract(folder, persons)
        changed = folder.with_name(f"ssd-{persons}-changed")
        write_extract(changed, persons, changed=True)
        copy = None
        for step in ("copy", "dry run", "import", "again", "changed"):
            result = measure(step, folder, changed)
            results.append({"persons": persons, "step": step, **result})
            if "error" in result:
                print(f"{persons:>8,} {'':>8} {step:>8} error: {result['error']}")
                continue
            rate = result["rows"] / result["seconds"]
            copy = rate if step == "copy" else copy
            outcome = "" if step == "copy" else (
                f"{result['status']}: {result['create']:,} created, {result['update']:,} updated, "
                f"{result['unchanged']:,} unchanged, {result['matched']:,} matched, {result['unmatched']:,} "
                f"unmatched, {result['errors']} errors; {rate / copy:.2f}x the COPY" if copy else "")
            print(f"{persons:>8,} {result['rows']:>8,} {step:>8} {result['seconds']:>8.1f} {rate:>8,.0f} "
                  f"{result['growth_mb']:>15.1f}  {outcome}", flush=True)
    out = ROOT / "var" / "bench" / "ssd_import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"goal: at least 5,000 rows/s, peak growth under 100 MB. Results in {out}")


if __name__ == "__main__":
    main()
