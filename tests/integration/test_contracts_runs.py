"""Apportionment runs: calculated from usage, explained line by line, frozen on approval, recharged through the
ledger in the lead authority's books (PostgreSQL)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from moneyed import Money

import contracts.services.runs
from contracts.apportionment import exact_shares
from contracts.models import ApportionmentRun, ApportionmentRunStatusChange, RunStatus, UsageRecord
from contracts.services.errors import InvalidTransition
from contracts.services.register import contract_update
from contracts.services.run_spreadsheets import run_spreadsheet_bytes
from contracts.services.runs import RunError, run_approve, run_calculate, run_create, run_recharge
from contracts.tasks import run_spreadsheet_request
from ledger.models import Account, AccountCode, Entry, Transaction
from ledger.selectors import balance
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    medway = AuthorityFactory(short_code="medway", name="Medway")
    bexley = AuthorityFactory(short_code="bexley", name="Bexley")
    cafis = ActiveContractFactory(reference="CAFIS", lead_authority=kent, parties=[medway, bexley],
                                  start_date=date(2016, 4, 1), end_date=date(2018, 3, 31))
    history = ActiveContractFactory(reference="HIST", lead_authority=kent, parties=[medway, bexley],
                                    start_date=date(2012, 4, 1), end_date=date(2015, 3, 31))
    for authority, count in ((kent, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2013, 6, 1), measure="children",
                           quantity=Decimal(count - 1))
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2014, 6, 1), measure="children",
                           quantity=Decimal(1))
    return {"kent": kent, "medway": medway, "bexley": bexley, "cafis": cafis, "history": history,
            "maker": UserFactory(authority=kent), "checker": UserFactory(authority=kent, role=Role.FINANCE_OFFICER)}


def make_run(world, **extra):  # type: ignore[no-untyped-def]
    kwargs = {"contract": world["cafis"], "title": "CAFIS 2016-18", "total_cost": gbp("752550.00"),
              "cost_start_date": date(2016, 4, 1), "cost_end_date": date(2018, 3, 31), "basis": "children",
              "basis_label": "adoptions 2012-15", "basis_contracts": [world["history"]],
              "usage_start_date": date(2012, 4, 1), "usage_end_date": date(2015, 3, 31), "by": world["maker"],
              "now": NOW, **extra}
    return run_create(**kwargs)


def sheet_usage(run):  # type: ignore[no-untyped-def]
    """The usage rows the run's spreadsheet lists, authority by authority, as (authority, contract, date,
    quantity, source key)."""
    from contracts.selectors import run_sheet

    sheet = run_sheet(run=ApportionmentRun.objects.get(pk=run.pk))
    return [(line.name, *row) for line in sheet.lines for row in sheet.usage_rows(line.authority_id)]


class TestCalculate:
    def test_splits_by_usage_and_explains_each_line(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        lines = {line.authority_name: line for line in run.lines.all()}
        assert {k: v.amount for k, v in lines.items()} == {
            "Kent": gbp("526173.17"), "Medway": gbp("140720.73"), "Bexley": gbp("85656.10")
        }
        assert sum((line.amount for line in lines.values()), gbp("0")) == gbp("752550.00")
        assert lines["Medway"].explanation == "Medway: 115 of 615 adoptions 2012-15 = 18.70%"
        assert lines["Kent"].explanation == "Kent: 430 of 615 adoptions 2012-15 = 69.92%"
        assert run.status == RunStatus.CALCULATED and run.weight_total == Decimal("615.00")
        assert len(sheet_usage(run)) == 6 and run.inputs["usage_records"] == 6
        assert run.inputs["basis_contracts"] == ["HIST"] and run.inputs["total_cost"] == "752550.00"

    def test_freezes_every_counted_record_in_authority_date_record_order(self, world):  # type: ignore[no-untyped-def]
        other = ActiveContractFactory(reference="OTHER", lead_authority=world["kent"], parties=[world["medway"]],
                                      start_date=date(2012, 4, 1), end_date=date(2015, 3, 31))
        UsageRecordFactory(contract=other, authority=world["medway"], usage_date=date(2013, 6, 1),
                           measure="children", quantity=Decimal("2.50"), source_key="late:1")
        UsageRecordFactory(contract=world["history"], authority=world["medway"], usage_date=date(2012, 5, 1),
                           measure="children", quantity=Decimal("0.25"), source_key="late:2")
        run = run_calculate(run=make_run(world, basis_contracts=[world["history"], other]),
                            by=world["maker"], now=NOW)
        frozen = sheet_usage(run)
        expected = sorted(
            UsageRecord.objects.filter(measure="children").values_list(
                "authority__name", "usage_date", "id", "contract__reference", "quantity", "source_key"),
        )  # the sheet's lines are in name order, each authority's records in (date, record) order
        assert frozen == [(row[0], row[3], row[1], row[4], row[5]) for row in expected]
        weights = {line.authority_name: line.weight for line in run.lines.all()}
        assert weights == {"Kent": Decimal("430.00"), "Medway": Decimal("117.75"), "Bexley": Decimal("70.00")}
        assert run.inputs["usage_records"] == 8 and run.weight_total == Decimal("617.75")

    def test_a_recalculation_replaces_the_frozen_lines(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        UsageRecordFactory(contract=world["history"], authority=world["bexley"], usage_date=date(2014, 1, 1),
                           measure="children", quantity=Decimal(5))
        run = run_calculate(run=run, by=world["maker"], now=NOW)
        assert len(sheet_usage(run)) == 7 and run.inputs["usage_records"] == 7
        assert run.usage_watermark == UsageRecord.objects.order_by("-id").values_list("id", flat=True)[0]
        assert not run.usage_lines.exists()  # nothing copied: the sheet reads the records up to the watermark

    def test_a_fixed_share_is_split_equally_first(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world, total_cost=gbp("1000.00"), fixed_share_percent=Decimal(20)),
                            by=world["maker"], now=NOW)
        lines = {line.authority_name: line for line in run.lines.all()}
        assert sum((line.fixed_amount for line in lines.values()), gbp("0")) == gbp("200.00")
        assert sum((line.amount for line in lines.values()), gbp("0")) == gbp("1000.00")
        assert "plus 1/3 of the 20% shared equally" in lines["Medway"].explanation

    def test_usage_outside_the_period_or_of_another_measure_does_not_count(self, world):  # type: ignore[no-untyped-def]
        UsageRecordFactory(contract=world["history"], authority=world["medway"], usage_date=date(2015, 3, 31),
                           measure="referrals", quantity=Decimal(1000))
        run = run_calculate(run=make_run(world, usage_end_date=date(2014, 3, 31)), by=None, now=NOW)
        assert {line.authority_name: line.weight for line in run.lines.all()} == {
            "Kent": Decimal("429.00"), "Medway": Decimal("114.00"), "Bexley": Decimal("69.00")
        }

    def test_no_usage_at_all_is_refused(self, world):  # type: ignore[no-untyped-def]
        run = make_run(world, usage_start_date=date(2010, 1, 1), usage_end_date=date(2010, 12, 31))
        with pytest.raises(RunError, match="nothing to share by"):
            run_calculate(run=run, by=None, now=NOW)
        assert ApportionmentRun.objects.get(pk=run.pk).status == RunStatus.DRAFT

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"total_cost": Money("1.00", "EUR")}, "GBP"),
            ({"total_cost": gbp("-1.00")}, "negative"),
            ({"cost_end_date": date(2015, 1, 1)}, "cost period"),
            ({"usage_end_date": date(2011, 1, 1)}, "usage period"),
            ({"fixed_share_percent": Decimal(101)}, "fixed share"),
            ({"tolerance_percent": Decimal(3)}, "estimate"),
            ({"basis": "adoptions"}, "not a usage measure"),
        ],
    )
    def test_bad_inputs_are_refused(self, world, change, message):  # type: ignore[no-untyped-def]
        with pytest.raises(RunError, match=message):
            make_run(world, **change)
        assert not ApportionmentRun.objects.exists()


class TestApproveAndFreeze:
    def test_the_calculator_cannot_approve_their_own_run(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        with pytest.raises(InvalidTransition, match="Someone other"):
            run_approve(run=run, by=world["maker"], now=NOW)
        run_approve(run=run, by=world["checker"], now=NOW)
        steps = list(ApportionmentRunStatusChange.objects.filter(run=run).values_list("from_status", "to_status"))
        assert steps == [("", "draft"), ("draft", "calculated"), ("calculated", "approved")]

    def test_the_person_who_set_up_the_run_cannot_approve_it_either(self, world):  # type: ignore[no-untyped-def]
        """The maker sets the cost and the basis; a second person calculates: the maker still cannot approve."""
        calculator = UserFactory(authority=world["kent"], role=Role.FINANCE_OFFICER)
        run = run_calculate(run=make_run(world), by=calculator, now=NOW)
        with pytest.raises(InvalidTransition, match="set up and calculated"):
            run_approve(run=run, by=world["maker"], now=NOW)
        assert run_approve(run=run, by=world["checker"], now=NOW).status == "approved"

    def test_a_run_the_system_calculated_is_calculated_by_a_person_before_approval(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world, by=None), by=None, now=NOW)
        with pytest.raises(InvalidTransition, match="calculate it again"):
            run_approve(run=run, by=world["checker"], now=NOW)
        run = run_calculate(run=run, by=world["maker"], now=NOW)
        assert run_approve(run=run, by=world["checker"], now=NOW).status == "approved"

    def test_an_approved_run_is_frozen(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        run = run_approve(run=run, by=world["checker"], now=NOW)
        before = list(run.lines.values_list("authority_name", "weight", "amount"))
        UsageRecordFactory(contract=world["history"], authority=world["bexley"], usage_date=date(2014, 1, 1),
                           measure="children", quantity=Decimal(500))
        with pytest.raises(InvalidTransition, match="frozen"):
            run_calculate(run=run, by=world["maker"], now=NOW)
        assert list(run.lines.values_list("authority_name", "weight", "amount")) == before

    def test_a_backdated_record_added_after_approval_changes_neither_sheet_nor_figures(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        run = run_approve(run=run, by=world["checker"], now=NOW)
        before = (sheet_usage(run), list(run.lines.values_list("authority_name", "weight", "amount")), run.inputs)
        assert len(before[0]) == 6
        # Inside the usage period, of the run's measure, on its basis contract, by a party: only its id is later.
        UsageRecordFactory(contract=world["history"], authority=world["medway"], usage_date=date(2013, 1, 1),
                           measure="children", quantity=Decimal(40), source_key="backdated:1")
        contract_update(contract=world["history"], by=world["maker"], reference="HIST-RENAMED")
        run = ApportionmentRun.objects.get(pk=run.pk)
        after = (sheet_usage(run), list(run.lines.values_list("authority_name", "weight", "amount")), run.inputs)
        assert after == before
        assert {row[1] for row in after[0]} == {"HIST"}  # the reference as frozen at calculation

    def test_a_run_calculated_before_the_watermark_reads_its_frozen_copy(self, world):  # type: ignore[no-untyped-def]
        from contracts.models import ApportionmentUsageLine

        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        ApportionmentRun.objects.filter(pk=run.pk).update(usage_watermark=None)
        ApportionmentUsageLine.objects.create(run=run, authority=world["kent"], contract_reference="OLD",
                                              usage_date=date(2013, 6, 1), quantity=Decimal(429), source_key="old:1")
        assert sheet_usage(run) == [("Kent", "OLD", date(2013, 6, 1), Decimal("429.00"), "old:1")]

    def test_the_calculation_holds_the_usage_table_in_share_mode(self, world, monkeypatch):  # type: ignore[no-untyped-def]
        from django.db import connection

        seen: list[str] = []
        real = exact_shares

        def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
            with connection.cursor() as cursor:
                cursor.execute("SELECT mode FROM pg_locks WHERE locktype = 'relation' AND pid = pg_backend_pid() "
                               "AND relation = 'contracts_usagerecord'::regclass")
                seen.extend(row[0] for row in cursor.fetchall())
            return real(*args, **kwargs)

        monkeypatch.setattr(contracts.services.runs, "exact_shares", spy)
        run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        assert "ShareLock" in seen


class TestUsageIsAppendOnly:
    """PostgreSQL refuses to change or remove a usage record, whoever asks (runs read them by reference)."""

    @pytest.mark.parametrize("statement", [
        "UPDATE contracts_usagerecord SET quantity = quantity + 1",
        "UPDATE contracts_usagerecord SET usage_date = '2011-01-01'",
        "DELETE FROM contracts_usagerecord",
    ])
    def test_raw_sql_cannot_change_a_record(self, world, statement):  # type: ignore[no-untyped-def]
        from django.db import DatabaseError, connection, transaction

        before = list(UsageRecord.objects.order_by("id").values_list("id", "usage_date", "quantity"))
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert list(UsageRecord.objects.order_by("id").values_list("id", "usage_date", "quantity")) == before
        assert len(before) == 6

    def test_the_orm_cannot_either(self, world):  # type: ignore[no-untyped-def]
        from django.db import DatabaseError, transaction

        record = UsageRecord.objects.first()
        assert record is not None
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            record.delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            UsageRecord.objects.filter(pk=record.pk).update(quantity=Decimal(9))
        assert UsageRecord.objects.get(pk=record.pk).quantity == record.quantity


class TestDraftAndStates:
    def test_a_draft_cannot_be_approved_or_recharged(self, world):  # type: ignore[no-untyped-def]
        run = make_run(world)
        with pytest.raises(InvalidTransition):
            run_approve(run=run, by=world["checker"], now=NOW)
        with pytest.raises(InvalidTransition):
            run_recharge(run=run, by=world["checker"], now=NOW, today=date(2018, 4, 30))

    def test_the_database_refuses_an_unknown_state(self, world):  # type: ignore[no-untyped-def]
        run = make_run(world)
        with pytest.raises(IntegrityError):
            ApportionmentRun.objects.filter(pk=run.pk).update(status="paid")


class TestRecharge:
    def approved(self, world, **extra):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world, **extra), by=world["maker"], now=NOW)
        return run_approve(run=run, by=world["checker"], now=NOW)

    def test_posts_each_partners_share_in_the_leads_books(self, world):  # type: ignore[no-untyped-def]
        run = run_recharge(run=self.approved(world), by=world["checker"], now=NOW, today=date(2018, 4, 30))
        assert run.status == RunStatus.RECHARGED
        kent, medway, bexley = world["kent"], world["medway"], world["bexley"]
        from_medway = Account.objects.get(authority=kent, code=AccountCode.RECHARGE_RECEIVABLE, counterparty=medway)
        from_bexley = Account.objects.get(authority=kent, code=AccountCode.RECHARGE_RECEIVABLE, counterparty=bexley)
        recovered = Account.objects.get(authority=kent, code=AccountCode.CONTRACT_COST_RECOVERED, counterparty=None)
        assert balance(account=from_medway) == gbp("140720.73")
        assert balance(account=from_bexley) == gbp("85656.10")
        assert balance(account=recovered) == gbp("-226376.83")
        assert Transaction.objects.count() == 2
        assert not Account.objects.filter(authority__in=[medway, bexley]).exists()
        assert set(Transaction.objects.values_list("idempotency_key", flat=True)) == {
            f"contracts.apportionmentrun:{run.pk}:recharge:{medway.pk}",
            f"contracts.apportionmentrun:{run.pk}:recharge:{bexley.pk}",
        }

    def test_recharging_twice_posts_once(self, world):  # type: ignore[no-untyped-def]
        run = self.approved(world)
        run_recharge(run=run, by=world["checker"], now=NOW, today=date(2018, 4, 30))
        run_recharge(run=run, by=world["checker"], now=NOW, today=date(2018, 4, 30))
        assert Transaction.objects.count() == 2 and Entry.objects.count() == 4

    def test_a_true_up_recharges_only_differences_beyond_the_tolerance(self, world):  # type: ignore[no-untyped-def]
        estimate = self.approved(world, total_cost=gbp("100000.00"))
        run_recharge(run=estimate, by=world["checker"], now=NOW, today=date(2017, 4, 30))
        # The actual cost came in 2% higher for everyone: within 3%, nothing to adjust; a 10% rise is adjusted.
        within = self.approved(world, total_cost=gbp("102000.00"), estimate=estimate, tolerance_percent=Decimal(3))
        assert {line.adjustment for line in within.lines.all()} == {gbp("0.00")}
        run_recharge(run=within, by=world["checker"], now=NOW, today=date(2018, 4, 30))
        assert Transaction.objects.count() == 2
        beyond = self.approved(world, total_cost=gbp("110000.00"), estimate=estimate, tolerance_percent=Decimal(3))
        lines = {line.authority_name: line for line in beyond.lines.all()}
        assert lines["Medway"].adjustment == lines["Medway"].amount - lines["Medway"].estimate_amount
        assert lines["Medway"].adjustment == gbp("1869.92")
        run_recharge(run=beyond, by=world["checker"], now=NOW, today=date(2018, 4, 30))
        from_medway = Account.objects.get(authority=world["kent"], code=AccountCode.RECHARGE_RECEIVABLE,
                                          counterparty=world["medway"])
        assert balance(account=from_medway) == gbp("18699.19") + gbp("1869.92")


class TestSpreadsheet:
    def approved(self, world):  # type: ignore[no-untyped-def]
        run = run_calculate(run=make_run(world), by=world["maker"], now=NOW)
        return run_approve(run=run, by=world["checker"], now=NOW)

    def test_reopened_the_stored_values_and_totals_equal_the_run(self, world):  # type: ignore[no-untyped-def]
        import io

        import openpyxl

        run = self.approved(world)
        book = openpyxl.load_workbook(io.BytesIO(run_spreadsheet_bytes(run=run)))
        summary = book["Summary"]
        lines = list(run.lines.order_by("position"))
        assert [summary[f"A{13 + i}"].value for i in range(3)] == [line.authority_name for line in lines]
        for i, line in enumerate(lines):
            row = 13 + i
            assert Decimal(str(summary[f"G{row}"].value)) == line.amount.amount
            assert summary[f"B{row}"].value == line.weight
            assert summary[f"F{row}"].value == f"=D{row}+E{row}"
            assert summary[f"I{row}"].value == line.explanation
        assert summary["G16"].value == "=SUM(G13:G15)"
        assert summary["B5"].value == Decimal("752550.00") or summary["B5"].value == 752550
        assert summary["B10"].value.startswith(f"Approved by {world['checker']}")
        assert book.sheetnames == ["Summary", "Bexley", "Kent", "Medway"]
        medway = book["Medway"]
        assert [medway[f"C{r}"].value for r in (2, 3)] == [114, 1] and medway["C4"].value == "=SUM(C2:C3)"

    def test_an_approved_run_rebuilds_byte_for_byte_even_after_recharge(self, world):  # type: ignore[no-untyped-def]
        run = self.approved(world)
        first = run_spreadsheet_bytes(run=run)
        world["medway"].name = "Medway Council (renamed)"
        world["medway"].save()
        UsageRecordFactory(contract=world["history"], authority=world["bexley"], usage_date=date(2014, 1, 1),
                           measure="children", quantity=Decimal(500))
        run = run_recharge(run=run, by=world["checker"], now=NOW, today=date(2018, 4, 30))
        assert run_spreadsheet_bytes(run=ApportionmentRun.objects.get(pk=run.pk)) == first

    def test_the_task_builds_it_on_a_job_and_keeps_the_file(self, world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
        from core.models import BackgroundJob, JobStatus

        run = self.approved(world)
        with django_capture_on_commit_callbacks(execute=True):
            job = run_spreadsheet_request(run=run, by=world["checker"])
        job = BackgroundJob.objects.get(pk=job.pk)
        assert job.status == JobStatus.SUCCEEDED and job.percent == 100
        assert job.progress_total == 6 and job.target == f"contracts.apportionmentrun:{run.pk}"
        assert job.result_name == f"apportionment-CAFIS-run-{run.pk}.xlsx"
        with job.result_file.open("rb") as handle:
            assert handle.read() == run_spreadsheet_bytes(run=run)

    def test_a_draft_has_no_spreadsheet(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(RunError, match="Calculate"):
            run_spreadsheet_request(run=make_run(world), by=None)
