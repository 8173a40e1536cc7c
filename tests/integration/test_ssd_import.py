"""The SSD import on PostgreSQL: the dry run, the commit, all or nothing for every kind of error, a second
identical import changing nothing, history with the import as its reason, the audit row with the SHA-256, who
may import, and the three-year rule re-applied."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import AccessAction, AccessLog
from support.models import Child, LegalOrder, OutcomeReading, ResidencePeriod, SsdImport
from support.services.errors import NotPermitted
from support.services.families import child_update
from support.ssd.reader import open_files, open_path
from support.ssd.service import ssd_import
from tests.bad_inputs.conftest import changed, table_counts
from tests.ssd_samples import (
    NOW,
    TODAY,
    address,
    csv_bytes,
    extract,
    good_files,
    good_tables,
    permanence,
    person,
    sdq,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    return world()


def run(w: Any, files: dict[str, bytes], *, dry_run: bool = False, by: Any = "dm") -> Any:
    user = w.data_manager if by == "dm" else by
    return ssd_import(authority=w.kent, extract=open_files(files), by=user, now=NOW, today=TODAY, dry_run=dry_run)


def only_the_import_row(before: dict[str, int]) -> None:
    after = table_counts()
    assert changed(before, after) == {"support.SsdImport": (before["support.SsdImport"],
                                                             before["support.SsdImport"] + 1)}


class TestDryRun:
    def test_reports_every_change_and_writes_only_its_audit_row(self, w: Any) -> None:
        before = table_counts()
        result = run(w, good_files(), dry_run=True)
        only_the_import_row(before)
        counts = result.plan.counts()
        assert (counts["create"], counts["update"], counts["unchanged"], counts["errors"]) == (4, 1, 2, 0)
        assert counts["ignored_by_reason"] == {"people with no permanence order": 2,
                                               "SDQ rows of children not matched": 1,
                                               "address rows of children not matched": 1}
        assert counts["rows"] == {"ssd_person": 5, "ssd_permanence": 4, "ssd_sdq_scores": 3, "ssd_address": 3}
        assert sorted((c.what, c.person_id) for c in result.plan.creates) == [
            ("SDQ reading", "K001"), ("SDQ reading", "K001"), ("legal order", "K001"), ("residence", "K001")]
        assert [(c.what, c.person_id, c.description) for c in result.plan.updates] == [
            ("legal order", "K002", "Special Guardianship: date 14 April 2020 becomes 15 April 2020")]
        assert result.plan.unmatched == [{"person_id": "K003", "order_date": "2023-02-14", "kind": "Adoption"}]
        assert {(d["person_id"], d["field"], d["extract"]) for d in result.plan.differences} == {
            ("K002", "pers_dob", "2014-12-02"), ("K002", "pers_send_flag", "Y")}
        record = result.record
        assert (record.status, record.authority, record.by, record.error_count) == ("dry_run", w.kent,
                                                                                   w.data_manager, 0)
        assert record.sha256 == open_files(good_files()).sha256 and len(record.sha256) == 64
        audit = AccessLog.objects.get(object_id=str(record.pk))
        assert (audit.action, audit.user, audit.authority) == (AccessAction.IMPORT, w.data_manager, w.kent)


class TestCommit:
    def test_writes_orders_readings_and_residences_and_reapplies_the_three_year_rule(self, w: Any) -> None:
        assert w.ellie.responsible_authority == w.kent
        result = run(w, good_files())
        assert result.status == "committed"
        ellie, jack = Child.objects.get(pk=w.ellie.pk), Child.objects.get(pk=w.jack.pk)
        assert sorted(ellie.orders.values_list("kind", "order_date")) == [
            ("adoption", date(2019, 6, 1)), ("placement", date(2018, 9, 1))]
        assert ellie.orders.get(kind="placement").placing_authority == w.kent
        assert list(jack.orders.values_list("kind", "order_date")) == [("special_guardianship", date(2020, 4, 15))]
        assert sorted(OutcomeReading.objects.filter(child=ellie).values_list(
            "reading_date", "score", "reason", "source", "source_key", "ssd_import")) == [
            (date(2023, 6, 1), 14, "", "case_system", "S1", result.record.pk),
            (date(2024, 6, 1), None, "SDQ2", "case_system", "S2", result.record.pk)]
        assert list(ResidencePeriod.objects.filter(household=ellie.household).values_list(
            "from_date", "authority__short_code", "address")) == [
            (date(2015, 1, 1), "kent", ""), (date(2022, 3, 1), "medway", "ME4 4TB")]
        # The order was more than three years ago and the family now lives in Medway.
        assert ellie.responsible_authority == w.medway
        assert ellie.household.responsible_authority == w.medway and "Medway" in ellie.responsibility_reason
        # Differences are reported, never written.
        assert jack.date_of_birth == date(2014, 12, 1) and jack.ehc_plan_start_date is None

    def test_every_change_lands_in_history_with_the_import_as_its_reason(self, w: Any) -> None:
        result = run(w, good_files())
        reason = f"SSD import {result.record.pk} (SHA-256 {result.record.sha256[:12]})"
        order = LegalOrder.objects.get(child=w.jack)
        # The import's history rows are dated the import's `now` (frozen here before the fixture's real clock):
        # the row it wrote is the last written.
        latest = order.history.order_by("-history_id").first()  # type: ignore[attr-defined]
        assert (latest.history_type, latest.history_change_reason, latest.history_date) == ("~", reason, NOW)
        for model in (OutcomeReading, ResidencePeriod):
            rows = model.history.filter(history_date=NOW)  # type: ignore[attr-defined]
            assert rows.exists() and set(rows.values_list("history_change_reason", flat=True)) == {reason}
        ellie = Child.objects.get(pk=w.ellie.pk)
        assert ellie.history.first().history_change_reason == reason  # type: ignore[attr-defined]
        assert ellie.household.history.first().history_change_reason == reason  # type: ignore[attr-defined]
        assert ellie.history.first().history_user == w.data_manager  # type: ignore[attr-defined]

    def test_a_second_identical_import_changes_nothing_and_says_so(self, w: Any) -> None:
        first = run(w, good_files())
        before = table_counts()
        second = run(w, good_files())
        only_the_import_row(before)
        counts = second.plan.counts()
        assert (counts["create"], counts["update"], counts["unchanged"]) == (0, 0, 7)
        assert second.status == "committed" and second.plan.previous["id"] == str(first.record.pk)
        assert "Nothing to change" in second.message() and "imported before" in second.message()

    def test_a_data_manager_matches_only_their_own_case_systems_ids(self, w: Any) -> None:
        run(w, good_files())
        other = Child.objects.get(case_system_authority=w.medway, case_system_id="K001")
        assert not other.orders.exists() and not other.outcome_readings.exists()


def bad(**changes: list[dict[str, str]]) -> dict[str, bytes]:
    tables = good_tables()
    for table, rows in changes.items():
        tables[table] = tables[table] + rows
    return extract(**tables)


ERRORS = {
    "unknown person id": (
        bad(ssd_sdq_scores=[sdq("S9", "NOBODY")]),
        ("ssd_sdq_scores.csv", 5, "csdq_person_id", "NOBODY", "no person in ssd_person has this id")),
    "unknown person id in the permanence table": (
        bad(ssd_permanence=[permanence("P9", "NOBODY")]),
        ("ssd_permanence.csv", 6, "perm_person_id", "NOBODY", "no person in ssd_person has this id")),
    "unknown person id in the address table": (
        bad(ssd_address=[address("A9", "NOBODY")]),
        ("ssd_address.csv", 5, "addr_person_id", "NOBODY", "no person in ssd_person has this id")),
    "a date in neither format": (
        bad(ssd_permanence=[permanence("P9", "K004", perm_permanence_order_date="14/02/2023")]),
        ("ssd_permanence.csv", 6, "perm_permanence_order_date", "14/02/2023",
         "the date must be a date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.fff")),
    "a SQL Server date that does not exist": (
        bad(ssd_person=[person("K009", pers_dob="2016-02-30 00:00:00.000")]),
        ("ssd_person.csv", 7, "pers_dob", "2016-02-30 00:00:00.000", "the date is not a real date")),
    "a score out of range": (
        bad(ssd_sdq_scores=[sdq("S9", "K001", csdq_sdq_score="41")]),
        ("ssd_sdq_scores.csv", 5, "csdq_sdq_score", "41", "the score must be from 0 to 40")),
    "an NHS number with a wrong check digit": (
        bad(ssd_person=[person("K009", pers_common_child_id="9434765918")]),
        ("ssd_person.csv", 7, "pers_common_child_id", "9434765918",
         "the NHS number must be 10 digits with a valid check digit")),
    "a duplicate table id": (
        bad(ssd_sdq_scores=[sdq("S1", "K002")]),
        ("ssd_sdq_scores.csv", 5, "csdq_table_id", "S1", "the id is also on line 2: each row must have its own id")),
    "a duplicate person id": (
        bad(ssd_person=[person("K001")]),
        ("ssd_person.csv", 7, "pers_person_id", "K001", "the id is also on line 2: each row must have its own id")),
    "an order before the child's date of birth": (
        bad(ssd_permanence=[permanence("P9", "K001", perm_permanence_order_type="Special Guardianship",
                                       perm_permanence_order_date="2015-01-01")]),
        ("ssd_permanence.csv", 6, "perm_permanence_order_date", "2015-01-01",
         "the order is dated before the child's date of birth on our record (4 May 2016)")),
}


class TestAllOrNothing:
    @pytest.mark.parametrize("case", sorted(ERRORS))
    def test_any_row_error_refuses_the_whole_import_and_writes_nothing(self, w: Any, case: str) -> None:
        files, expected = ERRORS[case]
        before = table_counts()
        result = run(w, files)
        only_the_import_row(before)
        assert result.status == "refused" and result.record.error_count == len(result.plan.errors) == 1
        error = result.plan.errors[0]
        assert (error.file, error.line, error.field, error.value, error.reason) == expected
        assert "refused" in result.message()

    def test_a_missing_column_refuses_the_import(self, w: Any) -> None:
        files = good_files()
        files["ssd_address.csv"] = csv_bytes("ssd_address", good_tables()["ssd_address"], columns=(
            "addr_table_id", "addr_person_id", "addr_address_start_date", "addr_address_end_date",
            "addr_address_type"))
        before = table_counts()
        result = run(w, files)
        only_the_import_row(before)
        assert [(e.file, e.line, e.field, e.reason) for e in result.plan.errors] == [
            ("ssd_address.csv", 1, "addr_address_postcode", "the column is missing from the file's header line")]

    def test_text_in_the_wrong_encoding_refuses_the_import(self, w: Any) -> None:
        files = good_files()
        files["ssd_person.csv"] += b"K010,F,WBRI,2016-05-04,,N\n" + "K011,F,WBRI,,,N,Zoë\n".encode("cp1252")
        before = table_counts()
        result = run(w, files)
        only_the_import_row(before)
        assert [(e.file, e.line) for e in result.plan.errors] == [("ssd_person.csv", 8)]
        assert "not UTF-8" in result.plan.errors[0].reason

    def test_every_error_is_listed_at_once(self, w: Any) -> None:
        tables = good_tables()
        tables["ssd_sdq_scores"] += [sdq("S9", "NOBODY"), sdq("S1", "K002"), sdq("S8", "K001", csdq_sdq_score="99")]
        tables["ssd_person"] += [person("K009", pers_common_child_id="9434765918", pers_dob="2016-13-01")]
        result = run(w, extract(**tables))
        assert result.status == "refused"
        assert sorted((e.file, e.line, e.field) for e in result.plan.errors) == [
            ("ssd_person.csv", 7, "pers_common_child_id"), ("ssd_person.csv", 7, "pers_dob"),
            ("ssd_sdq_scores.csv", 5, "csdq_person_id"), ("ssd_sdq_scores.csv", 6, "csdq_table_id"),
            ("ssd_sdq_scores.csv", 7, "csdq_sdq_score")]
        assert not OutcomeReading.objects.exists()


class TestZipAndFolder:
    def test_a_zip_and_a_folder_import_alike_and_the_zips_sha256_is_the_files(self, w: Any, tmp_path: Path) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in good_files().items():
                archive.writestr(f"kent-extract/{name}", content)
        (tmp_path / "extract.zip").write_bytes(buffer.getvalue())
        folder = tmp_path / "folder"
        folder.mkdir()
        for name, content in good_files().items():
            (folder / name).write_bytes(content)
        dry = ssd_import(authority=w.kent, extract=open_path(folder), by=None, now=NOW, today=TODAY, dry_run=True)
        done = ssd_import(authority=w.kent, extract=open_path(tmp_path / "extract.zip"), by=None, now=NOW,
                          today=TODAY, dry_run=False)
        assert done.record.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()
        assert dry.plan.counts()["create"] == done.plan.counts()["create"] == 4
        assert done.record.by is None and OutcomeReading.objects.count() == 2


class TestWhoMayImport:
    @pytest.mark.parametrize("who", ["social_worker", "medway_data_manager"])
    def test_others_are_refused_and_nothing_is_written(self, w: Any, who: str) -> None:
        before = table_counts()
        with pytest.raises(NotPermitted):
            run(w, good_files(), by=getattr(w, who))
        assert changed(before, table_counts()) == {}

    def test_an_administrator_of_the_partnership_may_import_for_a_member(self, w: Any) -> None:
        assert run(w, good_files(), by=w.administrator).status == "committed"


class TestCaseSystemId:
    def test_a_worker_sets_it_on_the_childs_page_and_it_is_unique_per_authority(self, w: Any) -> None:
        child = child_update(child=w.ellie, by=w.social_worker, now=NOW, first_name="Ellie", last_name="Hughes",
                             date_of_birth=date(2016, 5, 4), previously_looked_after=True,
                             ehc_plan_start_date=None, ehc_plan_end_date=None, case_system_id=" K100 ")
        assert (child.case_system_id, child.case_system_authority) == ("K100", w.kent)
        with pytest.raises(ValidationError, match="already has the case-system id K002"):
            child_update(child=w.ellie, by=w.social_worker, now=NOW, first_name="Ellie", last_name="Hughes",
                         date_of_birth=date(2016, 5, 4), previously_looked_after=True, ehc_plan_start_date=None,
                         ehc_plan_end_date=None, case_system_id="K002")

    def test_the_database_refuses_a_duplicate(self, w: Any) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            Child.objects.filter(pk=w.ellie.pk).update(case_system_id="K002")

    def test_counts_of_imports_are_kept(self, w: Any) -> None:
        run(w, good_files(), dry_run=True)
        run(w, bad(ssd_sdq_scores=[sdq("S9", "NOBODY")]))
        assert list(SsdImport.objects.order_by("pk").values_list("status", "error_count")) == [
            ("dry_run", 0), ("refused", 1)]
