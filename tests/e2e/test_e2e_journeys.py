"""The three users' journeys in a real browser: the lead commissioner over contracts and apportionment, the social
worker with JavaScript off through the support forms, the finance officer over claims and the ledger. axe-core checks
every page visited with JavaScript on."""

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money

from claims.models import Status
from contracts import services as contract_services
from organisations.models import Role
from tests.factories import PASSWORD, AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_claims import build, world
from tests.factories_contracts import NOW, ActiveContractFactory, KpiFactory, KpiReturnFactory, UsageRecordFactory
from tests.factories_support import ChildFactory, LegalOrderFactory

from .conftest import _context, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded_catalogues():  # type: ignore[no-untyped-def]
    """A transactional test before this one may have emptied the seeded catalogues (the service types and the fund
    rule sets); the migrations' seed functions are idempotent, so run them again."""
    import importlib

    from django.apps import apps

    for module in ("support.migrations.0002_seed_service_catalogue", "claims.migrations.0002_seed_fund_rule_sets"):
        importlib.import_module(module).seed(apps, None)


def test_lead_commissioner_reviews_contracts_monitoring_and_an_apportionment(page, a11y):  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    contract = ActiveContractFactory(reference="KENT-1", title="Kent and Medway service", lead_authority=kent,
                                     parties=[medway], start_date=date(2016, 4, 1), end_date=date(2030, 3, 31))
    for authority, count in ((kent, 30), (medway, 10)):
        UsageRecordFactory(contract=contract, authority=authority, usage_date=date(2017, 5, 1),
                           measure="referrals", quantity=Decimal(count))
    kpi = KpiFactory(contract=contract, name="Contact within 5 days", target=Decimal(90))
    KpiReturnFactory(kpi=kpi, financial_year=2017, quarter=1, value=Decimal(85))
    lead = PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER)
    kent_lc = UserFactory(authority=kent, role=Role.LEAD_COMMISSIONER)
    run = contract_services.run_create(
        contract=contract, title="Kent and Medway 2017-18", total_cost=Money("1000.00", "GBP"),
        cost_start_date=date(2017, 4, 1), cost_end_date=date(2018, 3, 31), basis="referrals",
        usage_start_date=date(2017, 4, 1), usage_end_date=date(2018, 3, 31), by=kent_lc, now=NOW)
    contract_services.run_calculate(run=run, by=kent_lc, now=NOW)

    sign_in(page, lead.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/contracts/")
    assert page.get_by_role("heading", name="Contracts", exact=True).is_visible()
    assert "KENT-1" in page.content()
    a11y.check(page)

    page.goto(f"/contracts/{contract.pk}/")
    assert page.get_by_role("heading", name="Kent and Medway service").is_visible()
    assert page.get_by_role("heading", name="Monitoring").is_visible()
    assert "Contact within 5 days" in page.content()
    a11y.check(page)

    page.goto(f"/contracts/apportionments/{run.pk}/")
    heading = page.get_by_role("heading", level=1)
    assert "Kent and Medway 2017-18" in heading.inner_text()
    assert "Calculated" in heading.inner_text()
    assert "Medway" in page.content()
    a11y.check(page)


def _stage(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("h1 + p.govuk-body").inner_text().strip()


def _assessment_status(page) -> str:  # type: ignore[no-untyped-def]
    row = page.locator(".govuk-summary-list__row").filter(has=page.locator("dt", has_text="Status"))
    return row.locator("dd").first.inner_text().strip()


def test_social_worker_records_a_request_and_assessment_without_javascript(  # type: ignore[no-untyped-def]
        page_without_js, browser, live_server):
    kent = AuthorityFactory(short_code="kent", name="Kent")
    child = ChildFactory(household__responsible_authority=kent, first_name="Ava", last_name="Example",
                         household__family_name="Example")
    LegalOrderFactory(child=child)
    worker = UserFactory(authority=kent, role=Role.SOCIAL_WORKER)
    manager = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
    page = page_without_js

    sign_in(page, worker.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/support/families/{child.household_id}/")
    page.get_by_role("link", name="Record a request for Ava").click()
    assert page.get_by_role("heading", name="Record a request for support").is_visible()
    page.get_by_label("Adoptive parent or special guardian").check()
    page.get_by_label("What they are asking for").fill("Therapeutic parenting support after school exclusions")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/support/requests/*/")
    assert "recorded" in page.locator(".govuk-notification-banner").inner_text()
    assert _stage(page) == "Received"
    request_url = page.url

    page.get_by_role("link", name="Start the assessment of need").click()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/support/assessments/*/")
    page.get_by_label("The needs of the child, including developmental needs").fill("Developmental trauma")
    page.get_by_label("Summary of assessed needs").fill("Therapeutic support for attachment difficulties")
    page.get_by_role("button", name="Save and send for approval").click()
    page.wait_for_url(request_url)
    assert _stage(page) == "Assessing need"
    assert _assessment_status(page) == "Waiting for approval"

    manager_context = _context(browser, live_server, javascript=False)
    try:
        manager_page = manager_context.new_page()
        sign_in(manager_page, manager.username, PASSWORD)
        manager_page.wait_for_url("**/")
        manager_page.goto(request_url)
        manager_page.get_by_role("link", name="Approve or return the assessment").click()
        manager_page.get_by_label("Approve", exact=True).check()
        manager_page.get_by_role("button", name="Confirm").click()
        manager_page.wait_for_url(request_url)
        assert "The assessment is approved." in manager_page.locator(".govuk-notification-banner").inner_text()
        assert _assessment_status(manager_page) == "Approved"
    finally:
        manager_context.close()

    page.reload()
    assert _assessment_status(page) == "Approved"
    assert page.get_by_role("link", name="Send the notice of proposal").is_visible()


def test_finance_officer_opens_the_queue_an_approved_application_and_its_ledger_entries(  # type: ignore[no-untyped-def]
        page, a11y, seeded_catalogues):
    w = world()
    approved = build(w, Status.APPROVED, therapy="1200.00")
    other_child, other_assessment = w.new_child()
    submitted = build(w, Status.SUBMITTED, child=other_child, assessment_record=other_assessment)

    sign_in(page, w.finance.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/claims/")
    assert page.get_by_role("heading", name="ASF applications").is_visible()
    assert "Awaiting the fund's decision (1)" in page.content()  # the finance officer's default queue
    assert submitted.reference in page.content() and approved.reference not in page.content()
    a11y.check(page)
    page.get_by_role("link", name="Awaiting funds (1)").click()
    page.wait_for_url("**/claims/?queue=awaiting_funds")
    assert approved.reference in page.content() and submitted.reference not in page.content()
    a11y.check(page)

    page.goto(f"/claims/{approved.pk}/")
    assert approved.reference in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("h1 + p.govuk-body .govuk-tag").first.inner_text().strip() == approved.get_status_display()
    a11y.check(page)

    page.get_by_role("link", name="Every ledger entry for this application").click()
    page.wait_for_url("**/ledger/entries/**")
    assert page.get_by_role("heading", name="Ledger entries behind a record").is_visible()
    entries = page.get_by_role("table").first
    assert entries.is_visible()
    assert "1,200.00" in entries.inner_text()
    a11y.check(page)
