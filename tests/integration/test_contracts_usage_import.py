"""Importing historic usage: a dry run reports every row's problems, all or nothing, and the same file again
changes nothing (PostgreSQL)."""

import hashlib
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import contracts.services.usage_import
from contracts.models import Contract, ImportBatch, UsageRecord
from contracts.services.errors import ContractError
from contracts.services.usage_import import ImportRefused, usage_import
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory

pytestmark = pytest.mark.django_db

HEADER = "contract_reference,authority,usage_date,measure,quantity\n"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=f"{c.title()} Council") for c in
                            ("kent", "medway", "bexley"))
    contract = ActiveContractFactory(reference="CAFIS-2016", lead_authority=kent, parties=[medway, bexley])
    return {"kent": kent, "medway": medway, "bexley": bexley, "contract": contract,
            "user": UserFactory(authority=kent)}


def run(world, text: str, *, dry_run: bool, name: str = "usage.csv", contracts=None):  # type: ignore[no-untyped-def]
    return usage_import(content=text.encode(), file_name=name, by=world["user"], now=NOW, dry_run=dry_run,
                        contracts=contracts)


GOOD = HEADER + (
    "CAFIS-2016,kent,2016-04-05,referrals,3\n"
    "CAFIS-2016,Medway Council,06/05/2016,referrals,1\n"
    "cafis-2016,bexley,2017-03-31,hours,2.5\n"
)


class TestUsageImport:
    def test_a_dry_run_reports_and_writes_nothing(self, world):  # type: ignore[no-untyped-def]
        report = run(world, GOOD, dry_run=True)
        assert report.ok and report.total_rows == 3 and report.new_rows == 3
        assert not UsageRecord.objects.exists() and not ImportBatch.objects.exists()

    def test_the_import_writes_every_row_through_the_service(self, world):  # type: ignore[no-untyped-def]
        report = run(world, GOOD, dry_run=False)
        assert report.ok and report.new_rows == 3
        batch = ImportBatch.objects.get()
        rows = list(UsageRecord.objects.order_by("source_key").values_list(
            "authority__short_code", "usage_date", "measure", "quantity", "source_key", "import_batch", "recorded_by"))
        assert rows == [
            ("kent", date(2016, 4, 5), "referrals", Decimal("3.00"), f"import:{batch.pk}:2", batch.pk,
             world["user"].pk),
            ("medway", date(2016, 5, 6), "referrals", Decimal("1.00"), f"import:{batch.pk}:3", batch.pk,
             world["user"].pk),
            ("bexley", date(2017, 3, 31), "hours", Decimal("2.50"), f"import:{batch.pk}:4", batch.pk,
             world["user"].pk),
        ]
        assert UsageRecord.history.count() == 3

    def test_the_same_file_again_changes_nothing(self, world):  # type: ignore[no-untyped-def]
        run(world, GOOD, dry_run=False)
        before = list(UsageRecord.objects.values_list("id", "quantity", "source_key"))
        preview = run(world, GOOD, dry_run=True)
        again = run(world, GOOD, dry_run=False)
        assert preview.new_rows == 0 and preview.unchanged_rows == 3
        assert again.new_rows == 0 and again.unchanged_rows == 3
        assert list(UsageRecord.objects.values_list("id", "quantity", "source_key")) == before
        assert ImportBatch.objects.count() == 1

    def test_an_excel_workbook_imports_the_same(self, world):  # type: ignore[no-untyped-def]
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["contract_reference", "authority", "usage_date", "measure", "quantity"])
        sheet.append(["CAFIS-2016", "kent", date(2016, 4, 5), "referrals", 3])
        sheet.append([None, None, None, None, None])
        sheet.append(["CAFIS-2016", "bexley", date(2016, 4, 6), "sessions", 1.5])
        buffer = io.BytesIO()
        book.save(buffer)
        report = usage_import(content=buffer.getvalue(), file_name="usage.xlsx", by=world["user"], now=NOW,
                              dry_run=False)
        assert report.ok and report.new_rows == 2
        assert sorted(UsageRecord.objects.values_list("quantity", flat=True)) == [Decimal("1.50"), Decimal("3.00")]

    def test_bad_rows_are_reported_row_by_row_and_nothing_is_written(self, world):  # type: ignore[no-untyped-def]
        other = AuthorityFactory(short_code="other", name="Other Council")
        text = HEADER + (
            "CAFIS-2016,kent,2016-04-05,referrals,3\n"       # row 2: good
            "NOPE-1,kent,2016-04-05,referrals,1\n"           # row 3: unknown contract
            "CAFIS-2016,atlantis,2016-04-05,referrals,1\n"   # row 4: unknown authority
            "CAFIS-2016,kent,2016-04-05,referrals,-2\n"      # row 5: negative
            "CAFIS-2016,kent,2019-01-01,referrals,1\n"       # row 6: outside the contract
            f"CAFIS-2016,{other.short_code},2016-04-05,referrals,1\n"  # row 7: not a party
            "CAFIS-2016,kent,31/02/2016,referrals,1\n"       # row 8: not a date
            "CAFIS-2016,kent,2016-04-05,adoptions,1\n"       # row 9: not a measure
            "CAFIS-2016,kent,2016-04-05,referrals,lots\n"    # row 10: not a number
        )
        preview = run(world, text, dry_run=True)
        found = {(p.row, p.column) for p in preview.problems}
        assert found == {(3, "contract_reference"), (4, "authority"), (5, "quantity"), (6, "usage_date"),
                         (7, "authority"), (8, "usage_date"), (9, "measure"), (10, "quantity")}
        messages = " ".join(p.message for p in preview.problems)
        for words in ("no contract “NOPE-1”", "no authority “atlantis”", "negative", "outside contract CAFIS-2016",
                      "not a party", "not a date", "not a usage measure", "not a number"):
            assert words in messages
        with pytest.raises(ImportRefused) as refused:
            run(world, text, dry_run=False)
        assert refused.value.report.problems == preview.problems
        assert not UsageRecord.objects.exists() and not ImportBatch.objects.exists()

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("contract,authority,usage_date,measure,quantity\nCAFIS-2016,kent,2016-04-05,referrals,1\n",
             "missing contract_reference; unexpected contract"),
            ("contract_reference,authority,usage_date,measure\nCAFIS-2016,kent,2016-04-05,referrals\n",
             "missing quantity"),
            (HEADER.strip() + ",notes\nCAFIS-2016,kent,2016-04-05,referrals,1,x\n", "unexpected notes"),
            (HEADER, "no rows"),
        ],
    )
    def test_wrong_columns_are_refused_before_any_row(self, world, text, message):  # type: ignore[no-untyped-def]
        with pytest.raises(ContractError, match=message):
            run(world, text, dry_run=False)
        assert not UsageRecord.objects.exists() and not ImportBatch.objects.exists()

    def test_a_file_that_is_not_csv_or_excel_is_refused(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(ContractError, match="CSV file"):
            run(world, GOOD, dry_run=True, name="usage.pdf")
        with pytest.raises(ContractError, match="could not be read"):
            usage_import(content=b"not a zip", file_name="u.xlsx", by=None, now=NOW, dry_run=True)

    def test_a_contract_the_user_cannot_see_is_unknown(self, world):  # type: ignore[no-untyped-def]
        report = run(world, GOOD, dry_run=True, contracts=Contract.objects.none())
        assert {p.column for p in report.problems} == {"contract_reference"}
        assert len(report.problems) == 3


    def test_a_party_that_does_not_lead_imports_its_own_usage_only(self, world):  # type: ignore[no-untyped-def]
        """Usage is what apportionment weighs: Medway's officer (a party; Kent leads) may record Medway's usage,
        not Kent's or Bexley's; Kent's officer, the lead, records every party's."""
        medway_officer = UserFactory(authority=world["medway"])
        report = usage_import(content=GOOD.encode(), file_name="usage.csv", by=medway_officer, now=NOW,
                              dry_run=True)
        assert [(p.row, p.column) for p in report.problems] == [(2, "authority"), (4, "authority")]
        assert "Kent Council leads contract CAFIS-2016" in report.problems[0].message
        with pytest.raises(ImportRefused):
            usage_import(content=GOOD.encode(), file_name="usage.csv", by=medway_officer, now=NOW,
                         dry_run=False)
        assert not UsageRecord.objects.exists()
        own = HEADER + "CAFIS-2016,medway,2016-05-06,referrals,1\n"
        assert usage_import(content=own.encode(), file_name="own.csv", by=medway_officer, now=NOW,
                            dry_run=False).new_rows == 1
        assert run(world, GOOD, dry_run=True).ok

def many_rows(count: int, *, bad_at: int | None = None) -> str:
    lines = [f"CAFIS-2016,{('kent', 'medway', 'bexley')[i % 3]},2016-05-{1 + i % 28:02d},sessions,{1 + i % 5}"
             for i in range(count)]
    if bad_at is not None:
        lines[bad_at] = "CAFIS-2016,kent,2016-05-01,sessions,-1"
    return HEADER + "\n".join(lines) + "\n"


class TestUsageImportInChunks:
    def test_rows_over_several_chunks_are_all_written_once(self, world, monkeypatch):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(contracts.services.usage_import, "IMPORT_CHUNK", 4)
        report = run(world, many_rows(11), dry_run=False)
        assert report.ok and report.total_rows == 11 and report.new_rows == 11
        batch = ImportBatch.objects.get()
        assert batch.row_count == 11
        assert sorted(UsageRecord.objects.values_list("source_key", flat=True)) == sorted(
            f"import:{batch.pk}:{n}" for n in range(2, 13))
        assert UsageRecord.history.count() == 11
        again = run(world, many_rows(11), dry_run=False)
        assert again.new_rows == 0 and again.unchanged_rows == 11 and UsageRecord.objects.count() == 11

    def test_a_bad_row_in_a_later_chunk_leaves_nothing_written(self, world, monkeypatch):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(contracts.services.usage_import, "IMPORT_CHUNK", 4)
        with pytest.raises(ImportRefused) as refused:
            run(world, many_rows(11, bad_at=9), dry_run=False)
        assert [(p.row, p.column) for p in refused.value.report.problems] == [(11, "quantity")]
        assert not UsageRecord.objects.exists() and not ImportBatch.objects.exists()

    def test_the_digest_is_the_one_earlier_imports_stored(self, world):  # type: ignore[no-untyped-def]
        text = HEADER + "CAFIS-2016, kent ,2016-04-05,referrals,3\n\nCAFIS-2016,medway,2016-04-06,hours,\"1.5\"\n"
        run(world, text, dry_run=False)
        rows = [["CAFIS-2016", "kent", "2016-04-05", "referrals", "3"], ["CAFIS-2016", "medway", "2016-04-06",
                                                                        "hours", "1.5"]]
        body = json.dumps([["contract_reference", "authority", "usage_date", "measure", "quantity"], rows])
        assert ImportBatch.objects.get().digest == hashlib.sha256(body.encode()).hexdigest()

    def test_the_query_count_does_not_grow_with_the_rows(self, world):  # type: ignore[no-untyped-def]
        counts = []
        for size in (5, 60):
            with CaptureQueriesContext(connection) as captured:
                report = run(world, many_rows(size), dry_run=False)
            assert report.new_rows == size
            counts.append(len(captured))  # usage records are append-only: the second file's rows are new ones
        assert counts[0] == counts[1]

    def test_a_row_wider_than_the_header_is_refused(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(ContractError, match="could not be read as CSV"):
            run(world, HEADER + "CAFIS-2016,kent,2016-04-05,referrals,3,extra\n", dry_run=True)

    def test_a_quantity_with_three_places_is_refused(self, world):  # type: ignore[no-untyped-def]
        report = run(world, HEADER + "CAFIS-2016,kent,2016-04-05,referrals,2.555\n", dry_run=True)
        assert [(p.row, p.column) for p in report.problems] == [(2, "quantity")]
        assert "2 decimal places" in report.problems[0].message
