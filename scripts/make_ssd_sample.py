"""Write the demo's sample SSD extract for Kent (docs/samples/ssd-kent/, and a zip beside it) from the demo's
families, so a data manager can try the import on the seeded demo:

    python scripts/make_ssd_sample.py
    python manage.py import_ssd --authority kent docs/samples/ssd-kent --dry-run

What it holds, against the seeded demo: every child Kent placed, with its orders, SDQ scores and addresses (mostly
unchanged; Ellie Hughes's date of birth and Ravi Patel's SEND flag differ from the record, to be reported; Jack
Wright's order date differs by a day, to be updated; the Clarke family's move to Medway is new, so Medway becomes
responsible); three children with orders the demo does not know yet; five children with no permanence order
(ignored); and one placed for adoption with no order yet (ignored)."""

from __future__ import annotations

import csv
import os
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from support.demo import FAMILIES, case_system_id, extra_kent_families  # noqa: E402
from support.ssd.fields import COLUMNS, ORDER_LABELS, nhs_check_digit  # noqa: E402

OUT = ROOT / "docs" / "samples" / "ssd-kent"


def nhs_number(seed: int) -> str:
    base = 400_000_000 + seed * 7919
    while True:
        nine = f"{base:09d}"
        check = nhs_check_digit(nine)
        if check is not None:
            return nine + str(check)
        base += 1


def main() -> None:
    people, permanence, sdq, addresses = [], [], [], []
    families = [f for f in (*FAMILIES, *extra_kent_families()) if (f.placing or f.authority) == "kent"]
    for index, family in enumerate(families):
        pid = case_system_id(family)
        born = family.born + timedelta(days=1) if family.family_name == "Hughes" else family.born
        send = "Y" if family.born.year <= 2012 or family.family_name == "Patel" else "N"
        people.append([pid, "FMU"[index % 3], ["WBRI", "MWBC", "BAFR", "WOTH", "AIND"][index % 5],
                       f"{born.isoformat()} 00:00:00.000", nhs_number(index), send])
        order_date = family.order_date + timedelta(days=1) if family.family_name == "Wright" else family.order_date
        placement = ""
        if family.order_kind in ("adoption", "special_guardianship"):
            placement = max(family.born + timedelta(days=400), family.order_date - timedelta(days=300)).isoformat()
        permanence.append([f"PERM{index + 1:04d}", pid, order_date.isoformat(), ORDER_LABELS[family.order_kind],
                           "", "", placement, "N"])
        sdq.append([f"SDQ{2 * index + 1:04d}", pid, f"{min(family.order_date.year + 1, 2024)}-06-01 10:15:00.000",
                    str(10 + index % 20), ""])
        sdq.append([f"SDQ{2 * index + 2:04d}", pid, f"{min(family.order_date.year + 2, 2025)}-06-01",
                    "" if index % 4 == 0 else str(8 + index % 25), "SDQ2" if index % 4 == 0 else ""])
        addresses.append([f"ADDR{index + 1:04d}", pid, family.moved_in.isoformat(), "", family.postcode, "Home"])
        if family.family_name == "Clarke":
            addresses[-1][3] = "2024-04-30"
            addresses.append([f"ADDR{index + 501:04d}", pid, "2024-05-01", "", "ME7 2AA", "Home"])
    for n, (kind, day) in enumerate([("Adoption", "2023-02-14"), ("Special Guardianship", "2022-11-30"),
                                     ("Child Arrangements/Residence Order", "2021-07-19")]):
        pid = f"{9_100_001 + n}"
        people.append([pid, "F", "WBRI", "2018-03-0" + str(n + 1), nhs_number(900 + n), "N"])
        permanence.append([f"PERM{900 + n}", pid, day, kind, "2019-01-01", "", "", "Y"])
    for n in range(5):
        people.append([f"{9_200_001 + n}", "M", "NOBT", f"201{n}-05-05", "", "N"])
    people.append(["9300001", "U", "REFU", "2022-01-01", "", ""])
    permanence.append(["PERM999", "9300001", "", "", "2023-06-01", "2023-09-01", "2023-08-01", ""])
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {"ssd_person": people, "ssd_permanence": permanence, "ssd_sdq_scores": sdq, "ssd_address": addresses}
    for table, rows in tables.items():
        with (OUT / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS[table])
            writer.writerows(rows)
    with zipfile.ZipFile(OUT.parent / "ssd-kent.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            info = zipfile.ZipInfo(f"ssd-kent/{table}.csv", date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, (OUT / f"{table}.csv").read_bytes(), zipfile.ZIP_DEFLATED)
    print(f"Wrote {sum(len(r) for r in tables.values())} rows to {OUT} and {OUT.parent / 'ssd-kent.zip'}")


if __name__ == "__main__":
    main()
