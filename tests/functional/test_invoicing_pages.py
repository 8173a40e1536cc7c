"""Invoicing pages through the test client: every URL pattern refuses wrong roles and other organisations; the
provider raises and answers, finance checks side by side and decides, another officer pays in a run; bad input
gets the GOV.UK error summary and writes nothing; every PDF and payment file download is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AccessAction, AccessLog
from invoicing.models import Invoice, InvoiceStatus, PaymentRun, ReferralTerms
from invoicing.services.bank_details import bank_details_enter
from invoicing.services.invoices import invoice_query
from invoicing.services.runs import payment_run_make
from invoicing.urls import urlpatterns
from organisations.models import Role
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories import ProviderUserFactory, UserFactory
from tests.factories_invoicing import NOW, PDF, TODAY, world
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

PROVIDER = {Role.PROVIDER_STAFF}
FINANCE = {Role.FINANCE_OFFICER}
EITHER = PROVIDER | FINANCE
ALL_ROLES = set(Role.values)


@pytest.fixture
def w() -> Any:
    w = world()
    w.bank()
    w.invoice = w.raise_(number="INV-1")
    w.paid = w.approved(number="INV-2", sessions=w.sessions[1:2])
    w.run = payment_run_make(authority=w.kent, due_by=w.paid.due_date, payment_date=TODAY, by=w.fo, now=NOW)
    w.paid.refresh_from_db()
    w.queried = w.raise_(number="INV-3", sessions=w.sessions[2:3])
    invoice_query(invoice=w.queried, message="Which clinician?", by=w.fo, now=NOW)
    w.pending_bank = bank_details_enter(
        provider=w.other_provider, account_name="Other", sort_code="112233", account_number="11223344",
        by=w.other_staff, now=NOW)
    return w


# url name -> (URL from the world, roles allowed, about one record of Kent or the provider?)
CASES = {
    "provider_list": (lambda w: reverse("invoicing:provider_list"), PROVIDER, False),
    "raise": (lambda w: reverse("invoicing:raise"), PROVIDER, False),
    "queue": (lambda w: reverse("invoicing:queue"), FINANCE, False),
    "detail": (lambda w: reverse("invoicing:detail", args=[w.invoice.pk]), EITHER, True),
    "answer": (lambda w: reverse("invoicing:answer", args=[w.queried.pk]), PROVIDER, True),
    "credit": (lambda w: reverse("invoicing:credit", args=[w.paid.pk]), PROVIDER, True),
    "pdf": (lambda w: reverse("invoicing:pdf", args=[w.invoice.pk]), EITHER, True),
    "runs": (lambda w: reverse("invoicing:runs"), FINANCE, False),
    "run_detail": (lambda w: reverse("invoicing:run_detail", args=[w.run.pk]), FINANCE, True),
    "run_file": (lambda w: reverse("invoicing:run_file", args=[w.run.pk]), FINANCE, True),
    "advices": (lambda w: reverse("invoicing:advices"), EITHER, False),
    "advice_letter": (lambda w: reverse("invoicing:advice_letter", args=[w.run.advices.get().pk]), EITHER, True),
    "bank_details": (lambda w: reverse("invoicing:bank_details"), EITHER, False),
    "terms": (lambda w: reverse("invoicing:terms", args=[w.referral.pk]), {Role.LEAD_COMMISSIONER}, True),
    "bank_details_decide": (lambda w: reverse("invoicing:bank_details_decide", args=[w.pending_bank.pk]), FINANCE,
                            False),
}


def user_for(w: Any, role: str, *, authority: Any = None, provider: Any = None) -> Any:
    if role == Role.PROVIDER_STAFF:
        return ProviderUserFactory(provider=provider or w.provider)
    return UserFactory(role=role, authority=authority or w.kent)


def test_every_url_pattern_has_a_scope_and_role_case():
    assert {p.name for p in urlpatterns} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_roles_are_refused(client, w, name):
    make_url, allowed, _ = CASES[name]
    for role in sorted(ALL_ROLES - allowed):
        signed_in(client, user_for(w, role))
        assert client.get(make_url(w)).status_code == 403, role


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_roles_get_the_page(client, w, name):
    make_url, allowed, _ = CASES[name]
    for role in sorted(allowed):
        signed_in(client, user_for(w, role))
        assert client.get(make_url(w)).status_code == 200, role


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[2]))
def test_another_authority_or_provider_gets_a_404(client, w, name):
    make_url, allowed, _ = CASES[name]
    for role in sorted(allowed):
        stranger = user_for(w, role, authority=w.medway, provider=w.other_provider)
        signed_in(client, stranger)
        assert client.get(make_url(w)).status_code == 404, role


def test_lists_show_nothing_of_another_organisation(client, w):
    signed_in(client, w.other_staff)
    assert "INV-1" not in client.get(reverse("invoicing:provider_list")).content.decode()
    assert "Family Therapy" not in client.get(reverse("invoicing:advices")).content.decode()
    signed_in(client, w.medway_fo)
    assert "INV-1" not in client.get(reverse("invoicing:queue")).content.decode()
    assert w.run.reference not in client.get(reverse("invoicing:runs")).content.decode()


def test_the_pdf_download_is_audited(client, w):
    for user in (w.staff, w.fo):
        signed_in(client, user)
        response = client.get(reverse("invoicing:pdf", args=[w.invoice.pk]))
        assert response.status_code == 200 and b"".join(response) == PDF
        assert response["Cache-Control"] == "private, no-store"
        assert AccessLog.objects.filter(user=user, action=AccessAction.DOWNLOAD, object_id=str(w.invoice.pk)).exists()


class TestTheRemittanceAdviceLetter:
    def test_the_provider_opens_it_from_their_advices_page_and_every_opening_is_audited(self, client, w):
        advice = w.run.advices.get()
        signed_in(client, w.staff)
        url = reverse("invoicing:advice_letter", args=[advice.pk])
        assert url in client.get(reverse("invoicing:advices")).content.decode()
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert response["Cache-Control"] == "private, no-store"
            assert b"".join(response).startswith(b"%PDF")
        rows = AccessLog.objects.filter(user=w.staff, action=AccessAction.DOWNLOAD, object_id=str(advice.letter_id))
        assert rows.count() == 2
        assert {row.family_key for row in rows} == {f"invoicing.remittanceadvice:{advice.pk}"}

    def test_another_provider_and_another_authority_get_a_404_and_no_audit_row(self, client, w):
        advice = w.run.advices.get()
        for user in (w.other_staff, w.medway_fo):
            signed_in(client, user)
            assert client.get(reverse("invoicing:advice_letter", args=[advice.pk])).status_code == 404
            assert not AccessLog.objects.filter(user=user, object_id=str(advice.letter_id)).exists()


class TestTheTermsPage:
    def _post(self, client, w, **changes: str):  # type: ignore[no-untyped-def]
        data = {"agreed_sessions": "12", "spot_price": "95.00", "travel_allowance": "£60", "report_price": "",
                **changes}
        return client.post(reverse("invoicing:terms", args=[w.referral.pk]), data)

    def test_the_lead_commissioner_reaches_it_from_the_referral_and_saves_the_terms(self, client, w):
        signed_in(client, w.lc)
        url = reverse("invoicing:terms", args=[w.referral.pk])
        assert url in client.get(reverse("commissioning:detail", args=[w.referral.pk])).content.decode()
        response = self._post(client, w)
        assert response.status_code == 302
        terms = ReferralTerms.objects.get(referral=w.referral)
        assert terms.agreed_sessions == 12 and str(terms.spot_price.amount) == "95.00"
        assert str(terms.travel_allowance.amount) == "60.00" and terms.report_price is None
        assert terms.set_by == w.lc
        page = client.get(url).content.decode()
        assert 'value="95.00"' in page and 'value="12"' in page and "Last set by" in page

    def test_others_see_no_link_on_the_referral(self, client, w):
        signed_in(client, UserFactory(role=Role.TEAM_MANAGER, authority=w.kent))
        page = client.get(reverse("commissioning:detail", args=[w.referral.pk])).content.decode()
        assert reverse("invoicing:terms", args=[w.referral.pk]) not in page

    @pytest.mark.parametrize(("changes", "words"), [
        ({"agreed_sessions": "0"}, "The sessions agreed must be at least 1"),
        ({"agreed_sessions": "two"}, "Enter the sessions agreed as a whole number"),
        ({"spot_price": "-5"}, "price"),
        ({"travel_allowance": "12.345"}, "Travel allowance"),
    ])
    def test_bad_input_gets_the_error_summary_and_writes_nothing(self, client, w, changes, words):
        signed_in(client, w.lc)
        response = self._post(client, w, **changes)
        page = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in page and words in page
        assert not ReferralTerms.objects.exists()

    def test_a_medway_lead_commissioner_gets_a_404_and_writes_nothing(self, client, w):
        signed_in(client, w.medway_lc)
        assert self._post(client, w).status_code == 404
        assert not ReferralTerms.objects.exists()

    def test_a_finance_officer_is_refused_and_writes_nothing(self, client, w):
        for user in (w.fo, w.raa_fo):
            signed_in(client, user)
            assert self._post(client, w).status_code == 403
        assert not ReferralTerms.objects.exists()


def test_the_payment_file_download_is_audited_and_the_same_bytes(client, w):
    signed_in(client, w.fo2)
    first = client.get(reverse("invoicing:run_file", args=[w.run.pk])).content
    second = client.get(reverse("invoicing:run_file", args=[w.run.pk])).content
    assert first == second == w.run.bacs_csv.encode()
    assert AccessLog.objects.filter(user=w.fo2, action=AccessAction.DOWNLOAD).count() == 2


def _raise_post(w: Any, **changes: Any) -> dict:
    data = {"paying_authority": w.kent.pk, "invoice_number": "WEB-1", "invoice_date_day": str(TODAY.day),
            "invoice_date_month": str(TODAY.month), "invoice_date_year": str(TODAY.year), "stated_total": "100.00",
            "sessions": [w.sessions[3].pk], "pdf": SimpleUploadedFile("invoice.pdf", PDF, "application/pdf")}
    data.update(changes)
    return data


class TestTheFlow:
    def test_the_provider_raises_finance_queries_provider_answers_finance_approves_another_pays(self, client, w):
        signed_in(client, w.staff)
        response = client.post(reverse("invoicing:raise"), _raise_post(w))
        assert response.status_code == 302, response.content.decode()[-2000:]
        invoice = Invoice.objects.get(invoice_number="WEB-1")
        signed_in(client, w.fo)
        page = client.get(reverse("invoicing:detail", args=[invoice.pk])).content.decode()
        assert "Matches" in page and "Contract" in page
        client.post(reverse("invoicing:detail", args=[invoice.pk]), {"decision": "query", "message": "Length?"})
        signed_in(client, w.staff)
        client.post(reverse("invoicing:answer", args=[invoice.pk]), {"message": "60 minutes"})
        signed_in(client, w.fo2)
        client.post(reverse("invoicing:detail", args=[invoice.pk]), {"decision": "approve", "message": ""})
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.APPROVED
        signed_in(client, w.fo)
        due = invoice.due_date
        response = client.post(reverse("invoicing:runs"), {
            "authority": w.kent.pk, "due_by_day": str(due.day), "due_by_month": str(due.month),
            "due_by_year": str(due.year), "payment_date_day": str(TODAY.day),
            "payment_date_month": str(TODAY.month), "payment_date_year": str(TODAY.year)})
        assert response.status_code == 302, response.content.decode()[-2000:]
        signed_in(client, w.staff)
        page = client.get(reverse("invoicing:provider_list")).content.decode()
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID and invoice.remittance_reference in page

    def test_differences_are_highlighted_for_finance(self, client, w):
        signed_in(client, w.staff)
        client.post(reverse("invoicing:raise"), _raise_post(w, stated_total="120.00"))
        invoice = Invoice.objects.get(invoice_number="WEB-1")
        signed_in(client, w.fo)
        page = client.get(reverse("invoicing:detail", args=[invoice.pk])).content.decode()
        assert "The provider&#x27;s PDF says £120.00, the lines add up to £100.00." in page


class TestBadInputOnThePages:
    @pytest.mark.parametrize("changes, words", [
        ({"pdf": SimpleUploadedFile("invoice.pdf", b"<html>not a pdf</html>", "application/pdf")}, "not a PDF"),
        ({"stated_total": "-5"}, "cannot be negative"),
        ({"stated_total": "10.001"}, "no more than 2 decimal places"),
        ({"invoice_number": "INV-1"}, "already has an invoice or credit note numbered INV-1"),
        ({"sessions": [99999999]}, "not one of the available choices"),
    ])
    def test_a_clear_error_and_nothing_written(self, client, w, changes, words):
        signed_in(client, w.staff)
        before = table_counts()
        response = client.post(reverse("invoicing:raise"), _raise_post(w, **changes))
        assert response.status_code == 200
        body = response.content.decode().replace("&#x27;", "'")
        assert "govuk-error-summary" in body and words in body
        assert changed(before, table_counts()) == {}

    def test_the_approver_is_told_they_cannot_pay(self, client, w):
        another = w.approved(number="INV-9", sessions=w.sessions[3:4])
        signed_in(client, w.fo2)
        due = another.due_date
        response = client.post(reverse("invoicing:runs"), {
            "authority": w.kent.pk, "due_by_day": str(due.day), "due_by_month": str(due.month),
            "due_by_year": str(due.year), "payment_date_day": str(TODAY.day),
            "payment_date_month": str(TODAY.month), "payment_date_year": str(TODAY.year)})
        assert "You approved" in response.content.decode()
        assert PaymentRun.objects.count() == 1


def test_the_queue_makes_a_bounded_number_of_queries(client, w, django_assert_max_num_queries):
    w.raise_(number="Q-1", sessions=w.sessions[3:4])
    w.raise_(number="Q-2", sessions=w.medway_sessions[:1], authority=w.medway)
    signed_in(client, w.raa_fo)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("invoicing:queue")).status_code == 200


def test_home_pages_link_to_invoicing(client, w):
    signed_in(client, w.staff)
    assert reverse("invoicing:provider_list") in client.get("/").content.decode()
    signed_in(client, w.fo)
    assert reverse("invoicing:queue") in client.get("/").content.decode()
