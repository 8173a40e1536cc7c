"""The journal export's services on PostgreSQL: batches, control totals, each posting once, periods, mappings, the
stored file, confirmation, reconciliation, the command and the task."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from moneyed import Money

from core.models import BackgroundJob, JobStatus
from ledger.journals import services
from ledger.journals.models import (
    AccountMapping,
    BatchStatus,
    FinancialPeriod,
    JournalBatch,
    JournalLine,
    JournalSettings,
)
from ledger.journals.selectors import reconciliation
from ledger.models import Entry
from organisations.models import Role
from tests.factories import AuthorityFactory
from tests.factories_journals import NOW, TODAY, exported, map_all, officer
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    map_all(kent)
    return kent


@pytest.fixture
def medway():  # type: ignore[no-untyped-def]
    medway = AuthorityFactory(short_code="medway", name="Medway")
    map_all(medway)
    return medway


def create(authority, **kwargs):  # type: ignore[no-untyped-def]
    options = {"cut_off_date": TODAY, "layout": "generic", "by": None, "today": TODAY, "now": NOW} | kwargs
    return services.batch_create(authority=authority, **options)


class TestBatchCreate:
    def test_takes_every_posting_up_to_the_cut_off_with_balanced_control_totals(self, kent, medway):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "100.00"), ("asf_receivable", "-100.00"), on=date(2026, 5, 1))
        posted(kent, ("support_expenditure", "250.55"), ("provider_creditors", "-200.00"), ("bank", "-50.55"),
               on=date(2026, 6, 30))
        posted(kent, ("bank", "9.99"), ("asf_income", "-9.99"), on=date(2026, 7, 1))  # after the cut-off
        posted(medway, ("bank", "777.00"), ("asf_income", "-777.00"), on=date(2026, 5, 1))
        finance = officer(kent)
        batch = create(kent, cut_off_date=date(2026, 6, 30), by=finance)
        assert batch.number == 1
        assert batch.status == BatchStatus.DRAFT
        assert batch.line_count == 5
        assert batch.total_debit == batch.total_credit == Money(Decimal("350.55"), "GBP")
        assert batch.created_by == finance
        assert set(JournalLine.objects.filter(batch=batch).values_list("entry__account__authority", flat=True)) \
            == {kent.pk}

    def test_a_second_batch_takes_only_what_the_first_did_not(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "100.00"), ("asf_receivable", "-100.00"), on=date(2026, 5, 1))
        first = create(kent, cut_off_date=date(2026, 5, 31))
        posted(kent, ("bank", "20.00"), ("asf_receivable", "-20.00"), on=date(2026, 5, 2))  # late, back-dated
        posted(kent, ("bank", "30.00"), ("asf_receivable", "-30.00"), on=date(2026, 6, 2))
        second = create(kent)
        assert (first.number, second.number) == (1, 2)
        assert second.line_count == 4
        assert second.total_debit == Money(Decimal("50.00"), "GBP")
        entries = Entry.objects.filter(account__authority=kent).count()
        assert JournalLine.objects.count() == entries == 6
        assert JournalLine.objects.values("entry").distinct().count() == entries

    def test_nothing_to_export_is_refused_and_writes_nothing(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(services.NothingToExport, match="no postings of Kent up to 02 July 2026"):
            create(kent)
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        create(kent)
        with pytest.raises(services.NothingToExport):
            create(kent)
        assert JournalBatch.objects.count() == 1

    def test_a_cut_off_in_the_future_is_refused(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        with pytest.raises(services.BadCutOff, match="03 July 2026 is in the future"):
            create(kent, cut_off_date=date(2026, 7, 3))
        assert not JournalBatch.objects.exists() and not JournalLine.objects.exists()

    def test_an_unknown_layout_is_refused(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        with pytest.raises(services.LayoutNotKnown, match="no journal layout called 'sap'"):
            create(kent, layout="sap")
        assert not JournalBatch.objects.exists()

    def test_unmapped_accounts_block_the_export_with_the_list_to_map(self):  # type: ignore[no-untyped-def]
        bexley = AuthorityFactory(short_code="bexley", name="Bexley")
        map_all(bexley, skip=("asf_income", "provider_creditors"))
        posted(bexley, ("bank", "5.00"), ("asf_income", "-5.00"), on=date(2026, 5, 1))
        posted(bexley, ("support_expenditure", "5.00"), ("provider_creditors", "-5.00"), on=date(2026, 5, 1),
               source=bexley)
        with pytest.raises(services.UnmappedAccounts) as refused:
            create(bexley)
        assert refused.value.missing == [("asf_income", ""), ("provider_creditors", "organisations.authority")]
        assert "ASF income (asf_income)" in str(refused.value)
        assert "Provider creditors (provider_creditors, postings from organisations.authority)" in str(refused.value)
        assert not JournalBatch.objects.exists() and not JournalLine.objects.exists()

    def test_a_mapping_for_the_kind_of_record_wins_over_the_accounts_own(self, kent):  # type: ignore[no-untyped-def]
        AccountMapping.objects.create(authority=kent, account_code="support_expenditure",
                                      source_kind="organisations.authority", cost_centre="CC-CONTRACTS",
                                      subjective="S-SHARED", project_code="PRJ7")
        posted(kent, ("support_expenditure", "5.00"), ("bank", "-5.00"), on=date(2026, 5, 1), source=kent)
        posted(kent, ("support_expenditure", "6.00"), ("bank", "-6.00"), on=date(2026, 5, 1))
        batch = create(kent)
        got = sorted(JournalLine.objects.filter(batch=batch, entry__account__code="support_expenditure")
                     .values_list("entry__amount", "cost_centre", "subjective", "project_code"))
        assert got == [(Decimal("5.00"), "CC-CONTRACTS", "S-SHARED", "PRJ7"),
                       (Decimal("6.00"), "CC100", "S-support_expenditure", "")]

    def test_a_posting_in_a_closed_period_goes_to_the_next_open_one_with_a_note(self, kent):  # type: ignore[no-untyped-def]
        services.period_set(authority=kent, year=2026, number=2, closed=True, by=None, now=NOW)
        services.period_set(authority=kent, year=2026, number=3, closed=True, by=None, now=NOW)
        posted(kent, ("bank", "5.00"), ("asf_receivable", "-5.00"), on=date(2026, 5, 20))  # P2, closed
        posted(kent, ("bank", "7.00"), ("asf_receivable", "-7.00"), on=date(2026, 4, 20))  # P1, open
        batch = create(kent)
        lines = {line.entry.amount.amount: line for line in JournalLine.objects.filter(batch=batch)
                 .select_related("entry")}
        assert (lines[Decimal("5.00")].period_year, lines[Decimal("5.00")].period_number) == (2026, 4)
        assert lines[Decimal("5.00")].period_note == "2026-27 P02 is closed: booked in 2026-27 P04"
        assert (lines[Decimal("7.00")].period_number, lines[Decimal("7.00")].period_note) == (1, "")

    @pytest.mark.parametrize("role", [r for r in Role.values if r not in (Role.FINANCE_OFFICER, Role.PROVIDER_STAFF)])
    def test_only_a_finance_officer_may_export(self, kent, role):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        with pytest.raises(services.NotPermitted):
            create(kent, by=officer(kent, role=role))
        assert not JournalBatch.objects.exists()

    def test_another_authoritys_finance_officer_is_refused(self, kent, medway):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        with pytest.raises(services.NotPermitted, match="cannot export the journals of Kent"):
            create(kent, by=officer(medway))
        assert not JournalBatch.objects.exists()


class TestTheFile:
    def test_every_download_is_the_same_bytes_even_after_mappings_and_periods_change(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "100.00"), ("asf_receivable", "-100.00"), on=date(2026, 5, 1), memo="=cmd|' /C calc'!A0")
        batch = exported(kent)
        assert batch.status == BatchStatus.EXPORTED and batch.exported_at == NOW
        with batch.file.open("rb") as stored:
            first = stored.read()
        assert hashlib.sha256(first).hexdigest() == batch.file_sha256
        assert services.batch_file_bytes(batch=batch) == first
        AccountMapping.objects.filter(authority=kent).update(cost_centre="CHANGED")
        services.period_set(authority=kent, year=2026, number=2, closed=True, by=None, now=NOW)
        with JournalBatch.objects.get(pk=batch.pk).file.open("rb") as again:
            assert again.read() == first
        assert services.batch_file_bytes(batch=JournalBatch.objects.get(pk=batch.pk)) == first
        assert first.decode().splitlines() == [
            "Date,Period,Cost centre,Subjective,Project,Debit,Credit,Description,Reference,Batch",
            f"2026-05-01,2026-27 P02,CC100,S-bank,,100.00,,'=cmd|' /C calc'!A0,T{Entry.objects.first().transaction_id},"
            "J-KENT-000001",
            f"2026-05-01,2026-27 P02,CC100,S-asf_receivable,,,100.00,'=cmd|' /C calc'!A0,"
            f"T{Entry.objects.first().transaction_id},J-KENT-000001",
        ]

    def test_writing_an_exported_batch_again_changes_nothing(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        batch = exported(kent)
        again = services.batch_write_file(batch=batch, now=NOW.replace(year=2027))
        assert (again.file.name, again.exported_at) == (batch.file.name, NOW)

    def test_confirm_only_an_exported_batch_and_once(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        finance = officer(kent)
        draft = create(kent, by=finance)
        with pytest.raises(services.JournalError, match="Only an exported batch can be confirmed"):
            services.batch_confirm(batch=draft, by=finance, now=NOW)
        batch = services.batch_write_file(batch=draft, now=NOW)
        batch = services.batch_confirm(batch=batch, by=finance, now=NOW, finance_reference=" GL-4411 ")
        assert (batch.status, batch.confirmed_by, batch.finance_reference) == (BatchStatus.CONFIRMED, finance,
                                                                               "GL-4411")
        assert services.batch_confirm(batch=batch, by=finance, now=NOW).confirmed_at == NOW
        assert batch.history.filter(status=BatchStatus.CONFIRMED, history_user=finance).exists()


class TestReconciliation:
    def test_lists_what_is_not_yet_exported(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "100.00"), ("asf_receivable", "-100.00"), on=date(2026, 5, 1))
        exported(kent)
        posted(kent, ("bank", "40.00"), ("asf_income", "-40.00"), on=date(2026, 6, 1))
        found = reconciliation(authority=kent)
        by_code = {row["code"]: row for row in found["rows"]}
        assert by_code["bank"]["ledger"] == Money(Decimal("140.00"), "GBP")
        assert by_code["bank"]["exported"] == Money(Decimal("100.00"), "GBP")
        assert {row["code"]: row["difference"].amount for row in found["differences"]} == {
            "bank": Decimal("40.00"), "asf_income": Decimal("-40.00")}
        exported(kent)
        assert reconciliation(authority=kent)["differences"] == []


class TestCommand:
    def test_writes_the_batch_file(self, kent, tmp_path):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "12.34"), ("asf_receivable", "-12.34"), on=date(2026, 5, 1))
        target = tmp_path / "journal.csv"
        call_command("export_journal", "--authority", "kent", "--to", "2026-06-30", "--layout", "unit4", str(target))
        batch = JournalBatch.objects.get()
        assert batch.status == BatchStatus.EXPORTED and batch.created_by is None
        assert target.read_bytes() == services.batch_file_bytes(batch=batch)
        assert target.read_text().startswith("J-KENT-000001,BI,GL,GL,KENT,S-bank,CC100,,GBP,1,12.34,12.34,")

    @pytest.mark.parametrize(("args", "message"), [
        (["--authority", "nowhere", "--to", "2026-06-30", "--layout", "generic"], "no authority"),
        (["--authority", "kent", "--to", "30/06/2026", "--layout", "generic"], "YYYY-MM-DD"),
        (["--authority", "kent", "--to", "2026-06-30", "--layout", "sage"], "no journal layout called 'sage'"),
        (["--authority", "kent", "--to", "2999-01-01", "--layout", "generic"], "in the future"),
        (["--authority", "kent", "--to", "2026-04-01", "--layout", "generic"], "no postings"),
    ])
    def test_bad_inputs_exit_non_zero_and_write_nothing(self, kent, tmp_path, args, message):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "12.34"), ("asf_receivable", "-12.34"), on=date(2026, 5, 1))
        target = tmp_path / "journal.csv"
        with pytest.raises(CommandError, match=message):
            call_command("export_journal", *args, str(target))
        assert not target.exists()
        assert not JournalBatch.objects.exists()


class TestTheTask:
    def test_the_task_makes_the_batch_and_writes_its_file_with_progress(self, kent,  # type: ignore[no-untyped-def]
                                                                        django_capture_on_commit_callbacks):
        for n in range(3):
            posted(kent, ("bank", f"{n + 1}.00"), ("asf_receivable", f"-{n + 1}.00"), on=date(2026, 5, 1))
        finance = officer(kent)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            job = services.batch_request(authority=kent, cut_off_date=TODAY, layout="unit4", by=finance,
                                         today=TODAY)
        assert not JournalBatch.objects.exists() and len(queued) == 1
        for callback in queued:
            callback()
        job = BackgroundJob.objects.get(pk=job.pk)
        batch = JournalBatch.objects.get()
        assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 6, 6)
        assert job.target == f"ledger.journalbatch:{batch.pk}"
        assert job.message == "Journal J-KENT-000001: 6 postings written"
        assert (batch.status, batch.created_by, batch.layout) == (BatchStatus.EXPORTED, finance, "unit4")

    def test_what_can_be_refused_at_once_is_refused_in_the_request(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(services.BadCutOff):
            services.batch_request(authority=kent, cut_off_date=date(2026, 7, 3), layout="generic", by=None,
                                   today=TODAY)
        with pytest.raises(services.LayoutNotKnown):
            services.batch_request(authority=kent, cut_off_date=TODAY, layout="sage", by=None, today=TODAY)
        with pytest.raises(services.NotPermitted):
            services.batch_request(authority=kent, cut_off_date=TODAY, layout="generic",
                                   by=officer(kent, role=Role.SOCIAL_WORKER), today=TODAY)
        assert not BackgroundJob.objects.exists()

    def test_a_refusal_in_the_task_ends_the_job_with_its_words(self, kent, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
        bare = AuthorityFactory(short_code="bare", name="Bare")
        posted(bare, ("bank", "1.00"), ("asf_receivable", "-1.00"), on=date(2026, 5, 1))
        with django_capture_on_commit_callbacks(execute=True):
            job = services.batch_request(authority=bare, cut_off_date=TODAY, layout="generic", by=officer(bare),
                                         today=TODAY)
        job = BackgroundJob.objects.get(pk=job.pk)
        assert job.status == JobStatus.FAILED
        assert sorted(job.message.splitlines()[1:]) == ["ASF receivable (asf_receivable)", "Bank (bank)"]
        assert not JournalBatch.objects.exists()


class TestJournalSettings:
    def test_the_layouts_use_the_authoritys_settings_frozen_on_each_batch(self, kent):  # type: ignore[no-untyped-def]
        admin = officer(kent, role=Role.ADMINISTRATOR)
        services.settings_save(authority=kent, oracle_ledger_id=" 300000046975971 ", unit4_client="KC",
                               unit4_voucher_type="AS", by=admin)
        posted(kent, ("bank", "5.00"), ("asf_receivable", "-5.00"), on=date(2026, 5, 1))
        oracle = exported(kent, layout="oracle")
        posted(kent, ("bank", "6.00"), ("asf_receivable", "-6.00"), on=date(2026, 5, 2))
        unit4 = exported(kent, layout="unit4")
        with oracle.file.open("rb") as first, unit4.file.open("rb") as second:
            oracle_bytes, unit4_bytes = first.read(), second.read()
        assert all(line.split(",")[1] == "300000046975971" for line in oracle_bytes.decode().splitlines())
        assert all(line.split(",")[2:5] == ["AS", "GL", "KC"] for line in unit4_bytes.decode().splitlines())
        # A later change is used by the next batch and never changes a file already made.
        services.settings_save(authority=kent, oracle_ledger_id="", unit4_client="", unit4_voucher_type="GL",
                               by=admin)
        assert services.batch_file_bytes(batch=JournalBatch.objects.get(pk=oracle.pk)) == oracle_bytes
        assert services.batch_file_bytes(batch=JournalBatch.objects.get(pk=unit4.pk)) == unit4_bytes
        posted(kent, ("bank", "7.00"), ("asf_receivable", "-7.00"), on=date(2026, 5, 3))
        later = exported(kent, layout="unit4")
        with later.file.open("rb") as third:
            assert all(line.split(",")[2:5] == ["GL", "GL", "KENT"] for line in third.read().decode().splitlines())

    def test_an_authority_without_settings_gets_the_defaults(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "5.00"), ("asf_receivable", "-5.00"), on=date(2026, 5, 1))
        batch = exported(kent, layout="oracle")
        assert (batch.oracle_ledger_id, batch.unit4_client, batch.unit4_voucher_type) == ("", "", "GL")

    def test_changes_keep_history_with_who(self, kent):  # type: ignore[no-untyped-def]
        admin = officer(kent, role=Role.ADMINISTRATOR)
        services.settings_save(authority=kent, oracle_ledger_id="1", by=admin)
        chosen = services.settings_save(authority=kent, oracle_ledger_id="2", unit4_client="KC", by=admin)
        assert list(chosen.history.values_list("oracle_ledger_id", "unit4_client", "history_user")) == [
            ("2", "KC", admin.pk), ("1", "", admin.pk)]

    @pytest.mark.parametrize(("values", "message"), [
        ({"oracle_ledger_id": "LEDGER-1"}, "digits only"),
        ({"unit4_client": "K C"}, "letters and digits"),
        ({"unit4_voucher_type": "=X"}, "letters and digits"),
        ({"unit4_voucher_type": " "}, "Enter the Unit4 voucher type"),
        ({"unit4_client": "C" * 26}, "at most 25"),
    ])
    def test_bad_settings_are_refused_and_nothing_is_saved(self, kent, values, message):  # type: ignore[no-untyped-def]
        with pytest.raises(services.JournalError, match=message):
            services.settings_save(authority=kent, by=None, **values)
        assert not JournalSettings.objects.exists()

    def test_only_an_administrator_changes_them(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(services.NotPermitted):
            services.settings_save(authority=kent, oracle_ledger_id="1", by=officer(kent))
        assert not JournalSettings.objects.exists()


class TestMappingsAndPeriods:
    def test_mapping_changes_keep_history_with_who(self, kent):  # type: ignore[no-untyped-def]
        admin = officer(kent, role=Role.ADMINISTRATOR)
        mapping = services.mapping_save(authority=kent, account_code="bank", source_kind="Claims.ASFApplication",
                                        cost_centre=" CC9 ", subjective="S9", by=admin)
        assert (mapping.source_kind, mapping.cost_centre) == ("claims.asfapplication", "CC9")
        services.mapping_save(authority=kent, account_code="bank", source_kind="claims.asfapplication",
                              cost_centre="CC10", subjective="S9", by=admin, mapping=mapping)
        assert list(mapping.history.values_list("cost_centre", "history_user")) == [("CC10", admin.pk),
                                                                                     ("CC9", admin.pk)]

    def test_bad_mappings_are_refused(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(services.JournalError, match=r"app\.model"):
            services.mapping_save(authority=kent, account_code="bank", source_kind="claims", cost_centre="C",
                                  subjective="S", by=None)
        with pytest.raises(services.JournalError):
            services.mapping_save(authority=kent, account_code="bank", cost_centre="C", subjective="S", by=None)
        with pytest.raises(services.NotPermitted):
            services.mapping_save(authority=kent, account_code="bank", source_kind="x.y", cost_centre="C",
                                  subjective="S", by=officer(kent))

    def test_periods_close_and_reopen_through_transitions(self, kent):  # type: ignore[no-untyped-def]
        admin = officer(kent, role=Role.ADMINISTRATOR)
        period = services.period_set(authority=kent, year=2026, number=5, closed=True, by=admin, now=NOW)
        assert (period.status, period.changed_by) == ("closed", admin)
        period = services.period_set(authority=kent, year=2026, number=5, closed=False, by=admin, now=NOW)
        assert period.status == "open"
        assert FinancialPeriod.objects.count() == 1
        with pytest.raises(services.JournalError, match="1 \\(April\\) to 12"):
            services.period_set(authority=kent, year=2026, number=13, closed=True, by=admin, now=NOW)
