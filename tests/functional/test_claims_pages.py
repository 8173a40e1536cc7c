"""Claims pages through the test client: every URL pattern refuses other authorities and wrong roles; the
journeys work; bad input gets the GOV.UK error summary and writes nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models.applications import ASFApplication, Status
from claims.models.invoices import ProviderInvoice
from claims.models.remittances import Remittance
from claims.services.invoices import invoice_record
from claims.services.rule_changes import fund_rule_set_save
from claims.urls import urlpatterns
from ledger.models import Transaction
from organisations.models import Role
from tests.factories import UserFactory
from tests.factories_claims import at, build, gbp, world
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

READERS = {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR}
CASEWORK = {Role.SOCIAL_WORKER, Role.TEAM_MANAGER}
FINANCE = {Role.FINANCE_OFFICER}
ALL_ROLES = set(Role.values)


@pytest.fixture
def kent():
    w = world(short_code="kent")
    w.child.last_name = "Okafor-Lane-Zq"  # a name no other page text can contain by chance
    w.child.save()
    w.draft = build(w, Status.DRAFT, therapy="1000.00")
    w.delivery = build(w, Status.IN_DELIVERY, therapy="800.00")
    w.invoice = invoice_record(application=w.delivery, line=w.delivery.lines.get(), invoice_number="K-1",
                               invoice_date=date(2025, 6, 1), amount=gbp("200.00"), by=w.finance,
                               now=at(date(2025, 6, 1)))
    return w


def user_of(w, role):
    return UserFactory(role=role, authority=w.authority)


# url name -> (how to build the URL from the Kent world, roles allowed, is it about one Kent record?)
CASES = {
    "queue": (lambda w: reverse("claims:queue"), READERS, False),
    "create": (lambda w: reverse("claims:create"), CASEWORK, False),
    "rechecks": (lambda w: reverse("claims:rechecks"), READERS, False),
    "report": (lambda w: reverse("claims:report"), {Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR}, False),
    "remittance_import": (lambda w: reverse("claims:remittance_import"), FINANCE, False),
    "invoice_approve": (lambda w: reverse("claims:invoice_approve", args=[w.invoice.pk]),
                        {Role.FINANCE_OFFICER, Role.TEAM_MANAGER}, True),
    "invoice_pay": (lambda w: reverse("claims:invoice_pay", args=[w.invoice.pk]), FINANCE, True),
    "detail": (lambda w: reverse("claims:detail", args=[w.draft.pk]), READERS, True),
    "edit": (lambda w: reverse("claims:edit", args=[w.draft.pk]), CASEWORK, True),
    "line_add": (lambda w: reverse("claims:line_add", args=[w.draft.pk]), CASEWORK, True),
    "line_remove": (lambda w: reverse("claims:line_remove", args=[w.draft.pk, w.draft.lines.get().pk]), CASEWORK,
                    True),
    "invoice_add": (lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]), FINANCE, True),
    "export": (lambda w: reverse("claims:export", args=[w.draft.pk]), READERS, True),
    "action": (lambda w: reverse("claims:action", args=[w.draft.pk, "withdraw"]), CASEWORK, True),
}


def test_every_url_pattern_has_a_scope_and_role_case():
    names = {p.name for p in urlpatterns}
    assert names == set(CASES), f"missing cases for {names - set(CASES)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_roles_are_refused(client, kent, name):
    make_url, allowed, _ = CASES[name]
    url = make_url(kent)
    for role in sorted(ALL_ROLES - allowed):
        if role == Role.PROVIDER_STAFF:
            from tests.factories import ProviderUserFactory

            user = ProviderUserFactory()
        else:
            user = user_of(kent, role)
        method = client.post if name == "line_remove" else client.get
        response = method(url) if signed_in(client, user) else None
        assert response is not None and response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_authority_cannot_see_kent(client, kent, name):
    make_url, allowed, about_one_record = CASES[name]
    medway = world(short_code="medway")
    url = make_url(kent)
    for role in sorted(allowed):
        signed_in(client, user_of(medway, role))
        response = client.post(url) if name == "line_remove" else client.get(url)
        if about_one_record:
            assert response.status_code == 404, (role, response.status_code)
        else:
            assert response.status_code == 200, (role, response.status_code)
            body = response.content.decode()
            assert kent.draft.reference not in body and kent.child.last_name not in body
    assert ASFApplication.objects.get(pk=kent.draft.pk).lines.count() == 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_roles_in_kent_get_the_page(client, kent, name):
    make_url, allowed, _ = CASES[name]
    if name == "line_remove":
        return  # a POST that changes data: covered by test_removing_a_service
    for role in sorted(allowed):
        signed_in(client, user_of(kent, role))
        response = client.get(make_url(kent))
        assert response.status_code == 200, (role, response.status_code)


def test_the_queue_page_makes_a_bounded_number_of_queries(client, kent, django_assert_max_num_queries):
    for _ in range(5):
        build(kent, Status.SUBMITTED, therapy="100.00")
    signed_in(client, kent.finance)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("claims:queue") + "?queue=awaiting_decision")
    assert response.status_code == 200


def test_drafting_through_the_pages(client, kent):
    signed_in(client, kent.social_worker)
    response = client.post(reverse("claims:create"), {
        "assessment": kent.assessment.pk, "start_date_day": "10", "start_date_month": "5", "start_date_year": "2025",
        "purpose_for_fund": "DDP for developmental trauma"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    app = ASFApplication.objects.exclude(pk__in=[kent.draft.pk, kent.delivery.pk]).get()
    assert response.status_code == 302 and response.url == reverse("claims:line_add", args=[app.pk])
    response = client.post(reverse("claims:line_add", args=[app.pk]), {
        "service_type": kent.therapy_type.pk, "provider": kent.provider.pk, "sessions": "10",
        "unit_cost": "125.50", "travel": "20", "description_for_fund": "Weekly sessions"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.therapy_total == gbp("1275.00")
    page = client.get(reverse("claims:detail", args=[app.pk])).content.decode()
    assert "The fund can still pay" in page and "£1,275.00 from the fund" in page


@pytest.mark.parametrize("unit_cost", ["-10", "12.345", "ten pounds", "1e3x"])
def test_a_bad_amount_gets_the_error_summary_and_nothing_saved(client, kent, unit_cost):
    signed_in(client, kent.social_worker)
    response = client.post(reverse("claims:line_add", args=[kent.draft.pk]), {
        "service_type": kent.therapy_type.pk, "provider": kent.provider.pk, "sessions": "1", "unit_cost": unit_cost})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert kent.draft.lines.count() == 1


def test_an_out_of_scope_assessment_cannot_be_chosen(client, kent):
    medway = world(short_code="medway")
    signed_in(client, kent.social_worker)
    response = client.post(reverse("claims:create"), {
        "assessment": medway.assessment.pk, "start_date_day": "10", "start_date_month": "5", "start_date_year": "2025"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert ASFApplication.objects.count() == 2


def test_a_manager_approves_and_the_author_cannot(client, kent):
    app = build(kent, Status.AWAITING_MANAGER)
    signed_in(client, kent.social_worker)
    assert client.post(reverse("claims:action", args=[app.pk, "manager_approve"])).status_code == 403
    signed_in(client, kent.manager)
    response = client.post(reverse("claims:action", args=[app.pk, "manager_approve"]))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.READY


def test_recording_an_approval_that_does_not_fit_shows_the_reason(client, kent):
    app = build(kent, Status.SUBMITTED, therapy="1000.00")
    before = Transaction.objects.count()
    signed_in(client, kent.finance)
    response = client.post(reverse("claims:action", args=[app.pk, "approve"]), {
        "fund_reference": "ASGSF-9", "decision_date_day": "20", "decision_date_month": "5",
        "decision_date_year": "2025", "fund_amount": "5000"})
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body and "at most £1,000.00" in body
    assert Transaction.objects.count() == before


def test_an_invoice_for_a_withdrawn_application_is_refused_on_the_page(client, kent):
    app = build(kent, Status.WITHDRAWN)
    signed_in(client, kent.finance)
    response = client.post(reverse("claims:invoice_add", args=[app.pk]), {
        "line": app.lines.get().pk, "invoice_number": "W-1", "invoice_date_day": "1", "invoice_date_month": "6",
        "invoice_date_year": "2025", "amount": "100"})
    assert response.status_code == 200 and "withdrawn" in response.content.decode()
    assert not ProviderInvoice.objects.filter(invoice_number="W-1").exists()


class TestInvoiceApproval:
    """Maker and checker on the pages: whoever recorded an invoice cannot approve it; only an approved invoice is
    paid; a refusal is a GOV.UK error summary and changes nothing."""

    def test_the_recorder_is_told_and_refused(self, client, kent):
        signed_in(client, kent.finance)  # recorded K-1
        page = client.get(reverse("claims:invoice_approve", args=[kent.invoice.pk])).content.decode()
        assert "You recorded this invoice" in page and "Approve the invoice</button>" not in page
        before = ProviderInvoice.history.count()
        response = client.post(reverse("claims:invoice_approve", args=[kent.invoice.pk]))
        body = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in body and "you cannot approve it" in body
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "received" and ProviderInvoice.history.count() == before

    def test_an_unapproved_invoice_cannot_be_paid(self, client, kent):
        signed_in(client, kent.finance)
        before = Transaction.objects.count()
        response = client.post(reverse("claims:invoice_pay", args=[kent.invoice.pk]), {
            "paid_date_day": "10", "paid_date_month": "6", "paid_date_year": "2025"})
        body = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in body and "not been approved" in body
        assert Transaction.objects.count() == before

    def test_a_manager_approves_then_finance_pays(self, client, kent):
        signed_in(client, kent.manager)
        detail = client.get(reverse("claims:detail", args=[kent.delivery.pk])).content.decode()
        assert reverse("claims:invoice_approve", args=[kent.invoice.pk]) in detail
        assert reverse("claims:invoice_pay", args=[kent.invoice.pk]) not in detail
        response = client.post(reverse("claims:invoice_approve", args=[kent.invoice.pk]))
        assert response.status_code == 302
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "approved" and kent.invoice.approved_by == kent.manager
        signed_in(client, kent.finance)
        queue = client.get(reverse("claims:queue") + "?queue=invoices").content.decode()
        assert reverse("claims:invoice_pay", args=[kent.invoice.pk]) in queue
        response = client.post(reverse("claims:invoice_pay", args=[kent.invoice.pk]), {
            "paid_date_day": "10", "paid_date_month": "6", "paid_date_year": "2025"})
        assert response.status_code == 302
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "paid"
        steps = list(kent.invoice.status_changes.values_list("from_status", "to_status", "by"))
        assert steps == [("", "received", kent.finance.pk), ("received", "approved", kent.manager.pk),
                         ("approved", "paid", kent.finance.pk)]

    def test_another_finance_officer_may_approve(self, client, kent):
        signed_in(client, user_of(kent, Role.FINANCE_OFFICER))
        assert client.post(reverse("claims:invoice_approve", args=[kent.invoice.pk])).status_code == 302
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "approved"

    def test_another_authoritys_manager_gets_a_404_and_changes_nothing(self, client, kent):
        medway = world(short_code="medway")
        signed_in(client, medway.manager)
        assert client.post(reverse("claims:invoice_approve", args=[kent.invoice.pk])).status_code == 404
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "received" and kent.invoice.approved_by is None

    def test_a_social_worker_cannot_approve(self, client, kent):
        signed_in(client, kent.social_worker)
        assert client.post(reverse("claims:invoice_approve", args=[kent.invoice.pk])).status_code == 403
        kent.invoice.refresh_from_db()
        assert kent.invoice.status == "received"


def test_removing_a_service(client, kent):
    signed_in(client, kent.social_worker)
    line = kent.draft.lines.get()
    response = client.post(reverse("claims:line_remove", args=[kent.draft.pk, line.pk]))
    assert response.status_code == 302
    kent.draft.refresh_from_db()
    assert kent.draft.lines.count() == 0 and kent.draft.therapy_total == gbp("0")


class TestRemittancePage:
    def upload(self, client, kent, text):
        return client.post(reverse("claims:remittance_import"), {
            "authority": kent.authority.pk, "payment_date_day": "30", "payment_date_month": "6",
            "payment_date_year": "2025",
            "file": SimpleUploadedFile("remit.csv", text.encode(), content_type="text/csv")})

    def test_a_dry_run_lists_unmatched_rows_and_imports_nothing(self, client, kent):
        app = build(kent, Status.APPROVED, therapy="700.00")
        before = Remittance.objects.count()
        signed_in(client, kent.finance)
        response = self.upload(client, kent, f"Fund reference,Amount\n{app.fund_reference},700.00\nNOPE-1,10\n")
        body = response.content.decode()
        assert "Unmatched" in body and "NOPE-1" in body and "Nothing was imported" in body
        assert Remittance.objects.count() == before

    def test_a_confirm_with_nothing_checked_gets_the_error_summary(self, client, kent):
        before = Remittance.objects.count()
        response = signed_in(client, kent.finance).post(reverse("claims:remittance_import"), {"confirm": "yes"})
        body = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in body and "Upload the file again" in body
        assert Remittance.objects.count() == before

    def test_check_then_confirm(self, client, kent):
        app = build(kent, Status.APPROVED, therapy="700.00")
        before = Remittance.objects.count()
        signed_in(client, kent.finance)
        response = self.upload(client, kent, f"Fund reference,Amount paid\n{app.fund_reference},700.00\n")
        assert "Import 1 rows" in response.content.decode()
        assert Remittance.objects.count() == before
        response = client.post(reverse("claims:remittance_import"), {"confirm": "yes"})
        assert response.status_code == 302
        app.refresh_from_db()
        assert app.status == Status.FUNDS_RECEIVED and app.funds_received == gbp("700.00")


def test_the_report_shows_who_paid_child_by_child(client, kent):
    signed_in(client, kent.finance)
    response = client.get(reverse("claims:report") + f"?authority={kent.authority.pk}&financial_year=2025-26")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Child {kent.child.pk}" in body and "£800.00" in body and "£200.00" in body
    assert kent.child.first_name not in body


def test_the_detail_page_links_every_amount_to_its_ledger_entries(client, kent):
    signed_in(client, kent.finance)
    body = client.get(reverse("claims:detail", args=[kent.delivery.pk])).content.decode()
    assert f"?source=claims.asfapplication:{kent.delivery.pk}" in body
    assert f"?source=claims.providerinvoice:{kent.invoice.pk}" in body


def test_the_rule_changes_page_lists_old_and_new_splits(client, kent, django_assert_max_num_queries):
    from claims.models.fund_rules import FundRuleSet

    for _ in range(3):
        build(kent, Status.DRAFT, therapy="2900.00")
    rule_set = FundRuleSet.objects.get(effective_from_date=date(2025, 4, 1))
    rule_set.combined_limit = gbp("2500.00")
    changed = fund_rule_set_save(rule_set=rule_set, by=kent.manager, now=at(date(2025, 6, 1)))
    assert len(changed) == 3
    signed_in(client, kent.social_worker)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("claims:rechecks"))
    body = response.content.decode()
    # £800 of the child's 2025-26 is already approved: £2,200 of each draft fitted under £3,000, £1,700 under £2,500
    assert body.count("£2,200.00") == 3 and body.count("£1,700.00") == 3


def test_the_report_makes_a_bounded_number_of_queries(client, kent, django_assert_max_num_queries):
    for _ in range(4):
        build(kent, Status.IN_DELIVERY, therapy="300.00", invoice_therapy="100.00")
    signed_in(client, kent.finance)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("claims:report") + f"?authority={kent.authority.pk}&financial_year=2025-26")
    assert response.status_code == 200
