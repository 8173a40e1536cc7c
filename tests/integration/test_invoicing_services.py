"""Invoicing's services on PostgreSQL: raising (prices, caps, the bad-input corpus), the query conversation,
approval and its accrual, separation of duties, payment runs and their settlement, the payment file."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.models import UsageMeasure, UsageRecord
from core.dates import long_date
from core.models import AccessLog
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, PaymentRun, ProviderBankDetails, ReferralTerms
from invoicing.services.bank_details import bank_details_approve, bank_details_enter
from invoicing.services.errors import BadFile, InvalidTransition, InvoicingError, LinesRefused, NotPermitted
from invoicing.services.invoices import (
    Extra,
    credit_note_raise,
    invoice_answer,
    invoice_approve,
    invoice_query,
    invoice_reject,
)
from invoicing.services.runs import payment_run_make
from invoicing.services.terms import referral_terms_set
from ledger.models import Account, AccountCode, Entry, Transaction
from ledger.selectors import balance
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories_invoicing import NOW, PDF, RATE, TODAY, gbp, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> Any:
    return world()


def refused(exc: Any, call: Any) -> str:
    before = table_counts()
    with pytest.raises(exc) as raised:
        call()
    assert changed(before, table_counts()) == {}
    return str(raised.value)


def _balance(authority: Any, code: str) -> Decimal:
    account = Account.objects.filter(authority=authority, code=code, counterparty=None).first()
    return balance(account=account).amount if account else Decimal("0")


class TestRaising:
    def test_prices_each_session_at_the_contract_rate(self, w):
        invoice = w.raise_(sessions=w.sessions[:3])
        assert invoice.total == RATE * 3
        assert invoice.status == InvoiceStatus.SUBMITTED
        assert invoice.due_date == TODAY + timedelta(days=30)
        assert {line.amount for line in invoice.lines.all()} == {RATE}
        assert all("Contract" in line.rate_source for line in invoice.lines.all())
        assert invoice.contributors.filter(pk=w.staff.pk).exists()

    def test_the_pdf_is_stored_privately_with_its_hash(self, w):
        invoice = w.raise_()
        with invoice.pdf.open("rb") as handle:
            assert handle.read() == PDF
        from django.core.files.storage import storages

        assert invoice.pdf.storage is storages["invoices"]  # the private store: no URL serves it
        assert re.search(rf"/{invoice.provider_id}-{invoice.pk}(_\w+)?\.pdf$", invoice.pdf.name)  # not the upload's

    def test_adds_agreed_extras_within_the_allowance(self, w):
        referral_terms_set(referral=w.referral, by=w.lc, now=NOW, travel_allowance=gbp("50.00"),
                           report_price=gbp("200.00"))
        invoice = w.raise_(stated_total=gbp("330.00"), extras=[
            Extra(referral_id=w.referral.pk, kind="travel", amount=gbp("30.00")),
            Extra(referral_id=w.referral.pk, kind="report", amount=gbp("200.00"))])
        assert invoice.total == gbp("330.00")
        message = refused(LinesRefused, lambda: w.raise_(number="INV-2", sessions=w.sessions[1:2], extras=[
            Extra(referral_id=w.referral.pk, kind="travel", amount=gbp("30.00"))]))
        assert "more than the £50.00 agreed" in message

    def test_refuses_extras_not_agreed(self, w):
        message = refused(LinesRefused, lambda: w.raise_(extras=[
            Extra(referral_id=w.referral.pk, kind="travel", amount=gbp("10.00"))]))
        assert "travel is not agreed" in message

    def test_refuses_more_sessions_than_agreed(self, w):
        referral_terms_set(referral=w.referral, by=w.lc, now=NOW, agreed_sessions=2)
        message = refused(LinesRefused, lambda: w.raise_(sessions=w.sessions[:3]))
        assert "3 sessions would be invoiced, more than the 2 agreed" in message


class TestBadInputs:
    """The corpus from issue 21: each a clear error, nothing half-written."""

    def test_a_duplicate_invoice_number(self, w):
        w.raise_(number="INV-9")
        message = refused(InvoicingError, lambda: w.raise_(number="INV-9", sessions=w.sessions[1:2]))
        assert "already has an invoice or credit note numbered INV-9" in message

    def test_a_session_invoiced_twice(self, w):
        w.raise_(number="A")
        message = refused(LinesRefused, lambda: w.raise_(number="B"))
        assert "it is already invoiced" in message

    def test_a_session_of_another_provider(self, w):
        message = refused(LinesRefused, lambda: w.raise_(sessions=[w.other_sessions[0]]))
        assert f"Session {w.other_sessions[0].pk}: it is not a session referred to your organisation" in message

    def test_a_foreign_referral_id(self, w):
        message = refused(LinesRefused, lambda: w.raise_(extras=[Extra(referral_id=999999, kind="travel",
                                                                       amount=gbp("5.00"))]))
        assert "Referral 999999: it is not a referral to your organisation" in message

    def test_a_session_of_another_authoritys_referral(self, w):
        message = refused(LinesRefused, lambda: w.raise_(sessions=[w.medway_sessions[0]]))
        assert "another authority made the referral" in message

    def test_a_session_before_it_was_delivered(self, w):
        message = refused(LinesRefused, lambda: w.raise_(invoice_date=w.sessions[0].session_date - timedelta(days=1)))
        assert "delivered after the invoice date" in message

    @pytest.mark.parametrize("amount, words", [("-5.00", "more than £0"), ("0", "more than £0"),
                                                ("10.005", "whole number of pence")])
    def test_negative_zero_or_non_penny_amounts(self, w, amount, words):
        message = refused(InvoicingError, lambda: w.raise_(stated_total=gbp(amount)))
        assert words in message
        referral_terms_set(referral=w.referral, by=w.lc, now=NOW, travel_allowance=gbp("50.00"))
        message = refused(LinesRefused, lambda: w.raise_(extras=[Extra(referral_id=w.referral.pk, kind="travel",
                                                                       amount=gbp(amount))]))
        assert words in message

    def test_a_non_pdf_renamed_pdf(self, w):
        message = refused(BadFile, lambda: w.raise_(pdf_content=b"MZ\x90\x00 an executable", pdf_name="invoice.pdf"))
        assert "not a PDF" in message

    def test_an_oversized_file(self, w):
        message = refused(BadFile, lambda: w.raise_(pdf_content=b"%PDF-" + b"0" * (10 * 1024 * 1024)))
        assert "smaller than 10 MB" in message

    def test_a_payment_run_with_an_unapproved_invoice(self, w):
        w.bank()
        invoice = w.raise_()
        message = refused(InvoicingError, lambda: payment_run_make(
            authority=w.kent, due_by=TODAY + timedelta(days=60), payment_date=TODAY, by=w.fo, now=NOW,
            invoice_ids=[invoice.pk]))
        assert "Only approved invoices can be paid" in message and "INV-1 is submitted" in message


class TestConversation:
    def test_finance_queries_and_the_provider_answers(self, w):
        invoice = w.raise_()
        invoice_query(invoice=invoice, message="Which clinician?", by=w.fo, now=NOW)
        answered = invoice_answer(invoice=invoice, message="Dr Rivers", by=w.staff, now=NOW)
        assert answered.status == InvoiceStatus.SUBMITTED
        assert [e.message for e in answered.events.order_by("pk")][-2:] == ["Which clinician?", "Dr Rivers"]

    def test_only_the_invoices_provider_answers(self, w):
        invoice = w.raise_()
        invoice_query(invoice=invoice, message="Which clinician?", by=w.fo, now=NOW)
        refused(NotPermitted, lambda: invoice_answer(invoice=invoice, message="x", by=w.other_staff, now=NOW))

    def test_a_rejection_frees_the_sessions(self, w):
        invoice = w.raise_()
        invoice_reject(invoice=invoice, reason="Cancelled session", by=w.fo, now=NOW)
        again = w.raise_(number="INV-2")
        assert again.lines.get().session_id == w.sessions[0].pk

    def test_another_authoritys_finance_cannot_query(self, w):
        invoice = w.raise_()
        refused(NotPermitted, lambda: invoice_query(invoice=invoice, message="?", by=w.medway_fo, now=NOW))


class TestApprovalAndTheLedger:
    def test_approval_posts_the_accrual_and_records_spend_under_the_contract(self, w):
        invoice = w.approved(sessions=w.sessions[:2])
        assert _balance(w.kent, AccountCode.SUPPORT_EXPENDITURE) == Decimal("200.00")
        assert _balance(w.kent, AccountCode.PROVIDER_CREDITORS) == Decimal("-200.00")
        spend = UsageRecord.objects.filter(contract=w.contract, measure=UsageMeasure.SPEND, authority=w.kent)
        assert sum(u.quantity for u in spend) == Decimal("200.00")
        assert Transaction.objects.filter(idempotency_key=f"invoicing.invoice:{invoice.pk}:accrual").count() == 1

    def test_a_partnership_officer_approves_for_a_member_only_in_that_members_books(self, w):
        invoice = w.raise_(sessions=w.medway_sessions[:1], authority=w.medway)
        invoice_approve(invoice=invoice, by=w.raa_fo, now=NOW)
        authorities = set(Entry.objects.filter(transaction__idempotency_key=f"invoicing.invoice:{invoice.pk}:accrual")
                          .values_list("account__authority_id", flat=True))
        assert authorities == {w.medway.pk}

    def test_a_credit_note_never_takes_a_line_below_nothing(self, w):
        invoice = w.approved()
        line = invoice.lines.get()
        note = credit_note_raise(invoice=invoice, credit_number="CN-1", credit_date=TODAY,
                                 credits=[(line.pk, gbp("60.00"))], pdf_content=PDF, by=w.staff, now=NOW)
        message = refused(LinesRefused, lambda: credit_note_raise(
            invoice=invoice, credit_number="CN-2", credit_date=TODAY, credits=[(line.pk, gbp("40.01"))],
            pdf_content=PDF, by=w.staff, now=NOW))
        assert "more than the £40.00 left" in message
        invoice_approve(invoice=note, by=w.fo2, now=NOW)
        assert _balance(w.kent, AccountCode.PROVIDER_CREDITORS) == Decimal("-40.00")


class TestSeparationOfDuties:
    def test_a_finance_officer_who_typed_in_the_invoice_cannot_approve_it(self, w):
        invoice = w.raise_(by=w.fo)
        message = refused(NotPermitted, lambda: invoice_approve(invoice=invoice, by=w.fo, now=NOW))
        assert "raised or changed" in message

    def test_provider_staff_cannot_approve(self, w):
        invoice = w.raise_()
        refused(NotPermitted, lambda: invoice_approve(invoice=invoice, by=w.staff, now=NOW))

    def test_the_approver_cannot_put_the_invoice_in_a_run(self, w):
        w.bank()
        invoice = w.approved()
        message = refused(NotPermitted, lambda: payment_run_make(
            authority=w.kent, due_by=invoice.due_date, payment_date=TODAY, by=w.fo2, now=NOW))
        assert "You approved" in message
        run = payment_run_make(authority=w.kent, due_by=invoice.due_date, payment_date=TODAY, by=w.fo, now=NOW)
        assert run.total == RATE

    def test_whoever_entered_bank_details_cannot_approve_them(self, w):
        details = bank_details_enter(provider=w.provider, account_name="FTL", sort_code="309950",
                                     account_number="12345678", by=w.fo, now=NOW)
        refused(NotPermitted, lambda: bank_details_approve(details=details, by=w.fo, now=NOW))
        approved = bank_details_approve(details=details, by=w.fo2, now=NOW)
        assert approved.status == "approved"

    def test_new_bank_details_replace_the_old_once_approved(self, w):
        old = w.bank()
        new = bank_details_enter(provider=w.provider, account_name="FTL", sort_code="112233",
                                 account_number="87654321", by=w.staff, now=NOW)
        bank_details_approve(details=new, by=w.fo2, now=NOW)
        old.refresh_from_db()
        assert old.status == "replaced"
        assert ProviderBankDetails.history.filter(id=old.pk).count() >= 3

    def test_a_medway_officer_cannot_run_kents_payments(self, w):
        refused(NotPermitted, lambda: payment_run_make(authority=w.kent, due_by=TODAY, payment_date=TODAY,
                                                       by=w.medway_fo, now=NOW))


class TestPaymentRuns:
    def _two_providers(self, w: Any) -> tuple[Any, Any]:
        w.bank()
        w.bank(w.other_provider)
        first = w.approved(sessions=w.sessions[:2])
        from invoicing.services.invoices import invoice_raise

        second = invoice_raise(provider=w.other_provider, paying_authority=w.kent, invoice_number="O-1",
                               invoice_date=TODAY, stated_total=RATE, session_ids=[w.other_sessions[0].pk],
                               pdf_content=PDF, by=w.other_staff, now=NOW)
        invoice_approve(invoice=second, by=w.fo2, now=NOW)
        return first, second

    def test_pays_per_provider_settles_the_ledger_and_writes_the_file(self, w):
        first, second = self._two_providers(w)
        run = payment_run_make(authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo,
                               now=NOW)
        assert run.total == gbp("300.00")
        assert run.advices.count() == 2
        for invoice in (first, second):
            invoice.refresh_from_db()
            assert invoice.status == InvoiceStatus.PAID and invoice.paid_date == TODAY
            assert invoice.remittance_reference.startswith(run.reference)
        assert _balance(w.kent, AccountCode.PROVIDER_CREDITORS) == Decimal("0.00")
        assert _balance(w.kent, AccountCode.BANK) == Decimal("-300.00")
        rows = list(csv.reader(io.StringIO(run.bacs_csv)))
        assert rows[0] == ["Payee", "Sort code", "Account number", "Amount", "Reference"]
        assert sorted(r[3] for r in rows[1:]) == ["100.00", "200.00"]

    def test_leaves_out_invoices_not_yet_due(self, w):
        self._two_providers(w)
        refused(InvoicingError, lambda: payment_run_make(authority=w.kent, due_by=TODAY, payment_date=TODAY,
                                                         by=w.fo, now=NOW))

    def test_a_second_run_pays_nothing_twice(self, w):
        self._two_providers(w)
        payment_run_make(authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo, now=NOW)
        message = refused(InvoicingError, lambda: payment_run_make(
            authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo, now=NOW))
        assert "No approved invoices" in message

    def test_a_provider_without_approved_bank_details_stops_the_run(self, w):
        invoice = w.approved()
        message = refused(InvoicingError, lambda: payment_run_make(
            authority=w.kent, due_by=invoice.due_date, payment_date=TODAY, by=w.fo, now=NOW))
        assert "No approved bank details for Family Therapy Ltd" in message

    def test_the_file_neutralises_formulas(self, w):
        details = bank_details_enter(provider=w.provider, account_name="=HYPERLINK(\"http://x\")",
                                     sort_code="309950", account_number="12345678", by=w.staff, now=NOW)
        bank_details_approve(details=details, by=w.fo, now=NOW)
        invoice = w.approved()
        run = payment_run_make(authority=w.kent, due_by=invoice.due_date, payment_date=TODAY, by=w.fo, now=NOW)
        payee = list(csv.reader(io.StringIO(run.bacs_csv)))[1][0]
        assert payee.startswith("'=")

    def test_a_credit_note_is_set_off_against_the_providers_payment(self, w):
        w.bank()
        invoice = w.approved(sessions=w.sessions[:2])
        note = credit_note_raise(invoice=invoice, credit_number="CN-1", credit_date=TODAY,
                                 credits=[(invoice.lines.first().pk, gbp("25.00"))], pdf_content=PDF, by=w.staff,
                                 now=NOW)
        invoice_approve(invoice=note, by=w.fo2, now=NOW)
        run = payment_run_make(authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo,
                               now=NOW)
        assert run.total == gbp("175.00")
        assert _balance(w.kent, AccountCode.PROVIDER_CREDITORS) == Decimal("0.00")
        assert _balance(w.kent, AccountCode.BANK) == Decimal("-175.00")

    def test_run_totals_equal_the_lines_to_the_penny(self, w):
        self._two_providers(w)
        run = payment_run_make(authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo,
                               now=NOW)
        lines = InvoiceLine.objects.filter(invoice__run_item__run=run)
        assert sum(line.amount.amount for line in lines) == run.total.amount
        assert sum(a.total.amount for a in run.advices.all()) == run.total.amount


class TestWhoSetsTerms:
    @pytest.mark.parametrize("who", ["fo", "raa_fo", "staff"])
    def test_only_the_lead_commissioner_sets_a_referrals_terms(self, w, who):
        refused(NotPermitted, lambda: referral_terms_set(referral=w.referral, by=getattr(w, who), now=NOW,
                                                         agreed_sessions=3))
        assert not ReferralTerms.objects.exists()

    def test_a_lead_commissioner_of_another_authority_cannot(self, w):
        refused(NotPermitted, lambda: referral_terms_set(referral=w.referral, by=w.medway_lc, now=NOW,
                                                         agreed_sessions=3))

    def test_the_partnerships_lead_commissioner_can_with_history(self, w):
        terms = referral_terms_set(referral=w.referral, by=w.lc, now=NOW, agreed_sessions=3)
        assert terms.history.get().history_user == w.lc


class TestRemittanceAdviceLetters:
    def test_each_advice_issues_a_letter_to_its_provider_with_invoices_amounts_run_and_date(self, w):
        from notifications.models import Letter, LetterKind
        from tests.integration.test_notifications_letters import pdf_text

        w.bank()
        w.bank(w.other_provider)
        invoice = w.approved(number="INV-77", sessions=w.sessions[:2])
        note = credit_note_raise(invoice=invoice, credit_number="CN-9", credit_date=TODAY,
                                 credits=[(invoice.lines.first().pk, gbp("25.00"))], pdf_content=PDF, by=w.staff,
                                 now=NOW)
        invoice_approve(invoice=note, by=w.fo2, now=NOW)
        from invoicing.services.invoices import invoice_raise

        other = invoice_raise(provider=w.other_provider, paying_authority=w.kent, invoice_number="O-1",
                              invoice_date=TODAY, stated_total=RATE, session_ids=[w.other_sessions[0].pk],
                              pdf_content=PDF, by=w.other_staff, now=NOW)
        invoice_approve(invoice=other, by=w.fo2, now=NOW)
        run = payment_run_make(authority=w.kent, due_by=TODAY + timedelta(days=30), payment_date=TODAY, by=w.fo,
                               now=NOW)
        advices = {a.provider_id: a for a in run.advices.select_related("letter")}
        assert Letter.objects.filter(kind=LetterKind.REMITTANCE_ADVICE).count() == 2
        ours, theirs = advices[w.provider.pk], advices[w.other_provider.pk]
        assert ours.letter.provider_id == w.provider.pk and ours.letter.authority_id == w.kent.pk
        assert ours.letter.recipient_name == w.provider.name
        with ours.letter.pdf.open("rb") as handle:
            text = pdf_text(handle.read())
        for words in ["Remittance advice", "Kent", w.provider.name, "£175.00", long_date(TODAY), run.reference,
                      ours.reference, "INV-77", "£200.00", "CN-9 (credit note)", "-£25.00"]:
            assert words in text, words
        assert "O-1" not in text and w.other_provider.name not in text
        with theirs.letter.pdf.open("rb") as handle:
            assert "INV-77" not in pdf_text(handle.read())

    def test_a_refused_letter_leaves_no_run(self, w, monkeypatch):
        from invoicing.services import runs
        from notifications.recipients import RecipientNotAllowed

        def refuse(**kwargs: Any) -> None:
            raise RecipientNotAllowed("no")

        w.bank()
        invoice = w.approved()
        monkeypatch.setattr(runs, "remittance_letter", refuse)
        with pytest.raises(RecipientNotAllowed):
            payment_run_make(authority=w.kent, due_by=invoice.due_date, payment_date=TODAY, by=w.fo, now=NOW)
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.APPROVED and not PaymentRun.objects.exists()
        assert not Transaction.objects.filter(idempotency_key__startswith="invoicing.paymentrun").exists()


class TestDownloadsAreAudited:
    def test_nothing_is_logged_until_someone_downloads(self, w):
        w.raise_()
        assert not AccessLog.objects.exists()
        assert Invoice.objects.count() == 1 and PaymentRun.objects.count() == 0


class TestNotATransition:
    def test_an_approved_invoice_cannot_be_queried(self, w):
        invoice = w.approved()
        refused(InvalidTransition, lambda: invoice_query(invoice=invoice, message="?", by=w.fo, now=NOW))
