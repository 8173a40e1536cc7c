"""SSD extracts for the tests: a Kent world whose children carry case-system ids, and an extract that covers
every field of the four tables against it (to create, to update, unchanged, ignored, unmatched, differences).
`extract(...)` takes rows per table (dicts by column) and gives the files as bytes, ready for open_files."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from organisations.models import Role, Scope
from support.ssd.fields import COLUMNS
from tests.factories import AuthorityFactory, PartnershipFactory, UserFactory
from tests.factories_support import ChildFactory, HouseholdFactory, LegalOrderFactory

TODAY = date(2026, 12, 1)
NOW = timezone.make_aware(datetime(2026, 12, 1, 12, 0))


def csv_bytes(table: str, rows: list[dict[str, str]], *, columns: tuple[str, ...] | None = None,
              encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    header = columns or COLUMNS[table]
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in header})
    return buffer.getvalue().encode(encoding)


def extract(**tables: list[dict[str, str]]) -> dict[str, bytes]:
    return {f"{table}.csv": csv_bytes(table, rows) for table, rows in tables.items()}


def person(pid: str, **values: str) -> dict[str, str]:
    return {"pers_person_id": pid, "pers_sex": "F", "pers_ethnicity": "WBRI", "pers_dob": "2016-05-04",
            "pers_common_child_id": "9434765919", "pers_send_flag": "N", **values}


def permanence(table_id: str, pid: str, **values: str) -> dict[str, str]:
    return {"perm_table_id": table_id, "perm_person_id": pid, "perm_permanence_order_date": "2019-06-01",
            "perm_permanence_order_type": "Adoption", "perm_adm_decision_date": "2018-01-05 00:00:00.000",
            "perm_placed_for_adoption_date": "2018-11-01", "perm_placement_order_date": "",
            "perm_adopted_by_carer_flag": "N", **values}


def sdq(table_id: str, pid: str, **values: str) -> dict[str, str]:
    return {"csdq_table_id": table_id, "csdq_person_id": pid, "csdq_sdq_completed_date": "2024-06-01",
            "csdq_sdq_score": "14", "csdq_sdq_reason": "", **values}


def address(table_id: str, pid: str, **values: str) -> dict[str, str]:
    return {"addr_table_id": table_id, "addr_person_id": pid, "addr_address_start_date": "2015-01-01",
            "addr_address_end_date": "", "addr_address_postcode": "ME14 1AA", "addr_address_type": "Home", **values}


@dataclass
class World:
    kent: Any
    medway: Any
    ellie: Any
    jack: Any
    data_manager: Any
    medway_data_manager: Any
    administrator: Any
    social_worker: Any


def world() -> World:
    kent = AuthorityFactory(short_code="kent", name="Kent County Council", postcode_districts="CT TN ME14 ME15")
    medway = AuthorityFactory(short_code="medway", name="Medway Council", postcode_districts="ME1 ME4 ME7")
    partnership = PartnershipFactory(members=[kent, medway])
    ellie = ChildFactory(first_name="Ellie", household__family_name="Hughes", household__responsible_authority=kent,
                         date_of_birth=date(2016, 5, 4), case_system_id="K001", case_system_authority=kent)
    LegalOrderFactory(child=ellie, kind="adoption", order_date=date(2019, 6, 1), placing_authority=kent)
    jack = ChildFactory(first_name="Jack", household__family_name="Wright", household__responsible_authority=kent,
                        date_of_birth=date(2014, 12, 1), case_system_id="K002", case_system_authority=kent)
    LegalOrderFactory(child=jack, kind="special_guardianship", order_date=date(2020, 4, 14), placing_authority=kent)
    ChildFactory(first_name="Other", household__responsible_authority=medway, case_system_id="K001",
                 case_system_authority=medway)  # Medway's case system uses the same id for someone else
    HouseholdFactory(responsible_authority=kent)
    return World(
        kent=kent, medway=medway, ellie=ellie, jack=jack,
        data_manager=UserFactory(username="kent.dm", authority=kent, role=Role.DATA_MANAGER),
        medway_data_manager=UserFactory(username="medway.dm", authority=medway, role=Role.DATA_MANAGER),
        administrator=UserFactory(username="raa.admin", role=Role.ADMINISTRATOR, scope=Scope.PARTNERSHIP,
                                  partnership=partnership, authority=None),
        social_worker=UserFactory(username="kent.sw", authority=kent, role=Role.SOCIAL_WORKER),
    )


def good_tables() -> dict[str, list[dict[str, str]]]:
    """Every field of every table, against `world()`:
    - K001 Ellie: her adoption order as recorded (unchanged), a placement order (to create), two SDQ readings
      (to create: a score, and a reason with no score), her first address as recorded (unchanged) and a move to
      Medway in 2022 (to create: more than three years after the order, so Medway becomes responsible);
    - K002 Jack: his SGO a day later than recorded (to update); a date of birth and a SEND flag that differ from
      the record (reported, not written);
    - K003: an adoption order and no child here (unmatched), with an SDQ row (ignored);
    - K004: no permanence row; K005: placed, no order yet (both ignored)."""
    return {
        "ssd_person": [
            person("K001", pers_dob="2016-05-04 00:00:00.000"),
            person("K002", pers_sex="M", pers_ethnicity="MWBC", pers_dob="2014-12-02", pers_common_child_id="",
                   pers_send_flag="Y"),
            person("K003", pers_sex="U", pers_ethnicity="REFU", pers_common_child_id="4010232137"),
            person("K004", pers_ethnicity="NOBT", pers_send_flag=""),
            person("K005", pers_dob=""),
        ],
        "ssd_permanence": [
            permanence("P1", "K001", perm_placement_order_date="2018-09-01 00:00:00.000",
                       perm_adopted_by_carer_flag="Y"),
            permanence("P2", "K002", perm_permanence_order_date="2020-04-15",
                       perm_permanence_order_type="Special Guardianship", perm_placed_for_adoption_date=""),
            permanence("P3", "K003", perm_permanence_order_date="2023-02-14 09:30:00.000"),
            permanence("P5", "K005", perm_permanence_order_date="", perm_permanence_order_type="",
                       perm_adopted_by_carer_flag=""),
        ],
        "ssd_sdq_scores": [
            sdq("S1", "K001", csdq_sdq_score="14", csdq_sdq_completed_date="2023-06-01 10:15:00.000"),
            sdq("S2", "K001", csdq_sdq_score="", csdq_sdq_reason="SDQ2", csdq_sdq_completed_date="2024-06-01"),
            sdq("S3", "K003", csdq_sdq_score="40"),
        ],
        "ssd_address": [
            address("A1", "K001", addr_address_end_date="2022-02-28"),
            address("A2", "K001", addr_address_start_date="2022-03-01", addr_address_postcode="ME4 4TB"),
            address("A3", "K003", addr_address_postcode="CT1 2AA"),
        ],
    }


def good_files() -> dict[str, bytes]:
    return extract(**good_tables())


def bad_files() -> dict[str, bytes]:
    """The good extract with one SDQ row for a person the extract does not hold (ssd_sdq_scores.csv line 5)."""
    tables = good_tables()
    tables["ssd_sdq_scores"].append(sdq("S9", "NOBODY"))
    return extract(**tables)
