"""The three users' journeys in a real browser: the lead commissioner over contracts and apportionment, the social
worker with JavaScript off through the support forms, the finance officer over claims and the ledger. axe-core checks
every page visited with JavaScript on."""

from datetime import date
from decimal import Decimal

import pytest

from claims.models import Status
from contracts.models import Contract
from organisations.models import Role
from tests.factories import PASSWORD, AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_claims import build, world
from tests.factories_commissioning import checked_provider
from tests.factories_contracts import ActiveContractFactory, UsageRecordFactory
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


def _fill_date(page, label: str, day: date) -> None:  # type: ignore[no-untyped-def]
    """A GOV.UK date input: the fieldset's legend names it; day, month and year are its three boxes."""
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _banner(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-notification-banner").first.inner_text()


def test_lead_commissioner_registers_a_contract_monitors_it_and_shares_its_cost(  # type: ignore[no-untyped-def]
        page, a11y, browser, live_server):
    """The CAFIS contract registered through the register's form, made active, monitored, and its cost shared by
    previous usage (Kent 430, Medway 115, Bexley 70): the lead commissioner creates and calculates the run, a
    finance officer of the lead authority approves it (never the person who calculated it) and posts the
    recharges, which the run then shows with their ledger entries."""
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    checked_provider(name="Barnardo's")
    administrator = PartnershipUserFactory(partnership=partnership, role=Role.ADMINISTRATOR, is_staff=True,
                                           is_superuser=True)
    lead = PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER)
    finance = UserFactory(authority=kent, role=Role.FINANCE_OFFICER)
    previous = ActiveContractFactory(reference="IA-PREVIOUS", title="Inter-country agreements held today",
                                     lead_authority=kent, parties=[medway, bexley], start_date=date(2012, 4, 1),
                                     end_date=date(2015, 3, 31), status="expired")
    for authority, adoptions in ((kent, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=previous, authority=authority, usage_date=date(2014, 6, 1),
                           measure="referrals", quantity=Decimal(adoptions))

    # The register's form (the back office keeps the register): CAFIS, Kent leading, Medway and Bexley party.
    admin_context = _context(browser, live_server, javascript=False)
    try:
        admin_page = admin_context.new_page()
        sign_in(admin_page, administrator.username, PASSWORD)
        admin_page.wait_for_url("**/")
        admin_page.goto("/admin/contracts/contract/add/")
        # Not axe-checked: Django's own back-office form fails it (filter_horizontal's help icon carries a
        # prohibited aria attribute; django-money's amount and currency boxes have no label). Reported, not fixed.
        admin_page.get_by_label("Reference").fill("KENT-CAFIS-2016")
        admin_page.get_by_label("Title").fill("Barnardo's CAFIS post-adoption services")
        admin_page.get_by_label("Provider").select_option(label="Barnardo's")
        admin_page.get_by_label("Lead authority").select_option(label="Kent")
        admin_page.get_by_label("Procurement route").select_option(label="Block contract")
        admin_page.get_by_label("Pricing").select_option(value="block_sum")
        admin_page.locator("#id_parties").select_option(label=["Medway", "Bexley"])
        admin_page.locator("#id_start_date").fill("01/04/2016")
        admin_page.locator("#id_end_date").fill("31/03/2030")
        admin_page.locator("#id_total_value_0").fill("752550.00")
        admin_page.locator("#id_capacity_per_year").fill("120")
        admin_page.get_by_role("button", name="Save", exact=True).click()
        errors = admin_page.locator(".errors, .errornote").evaluate_all("els => els.map(e => e.className + ' ' + e.innerText.slice(0, 200))")
        assert "was added successfully" in admin_page.content(), errors
    finally:
        admin_context.close()
    contract = Contract.objects.get(reference="KENT-CAFIS-2016")
    assert contract.status == "planned"
    assert {a.name for a in contract.parties.all()} == {"Kent", "Medway", "Bexley"}

    sign_in(page, lead.username, PASSWORD)
    page.wait_for_url("**/")
    a11y.check(page)
    page.goto("/contracts/")
    assert "KENT-CAFIS-2016" in page.content()
    a11y.check(page)
    page.get_by_role("link", name="KENT-CAFIS-2016").first.click()
    page.wait_for_url(f"**/contracts/{contract.pk}/")
    assert page.get_by_role("heading", name="Barnardo's CAFIS post-adoption services").is_visible()
    a11y.check(page)

    page.get_by_role("link", name="Change its status").click()
    a11y.check(page)
    page.get_by_label("Make it active").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/contracts/{contract.pk}/")
    contract.refresh_from_db()
    assert contract.status == "active"
    assert page.get_by_role("heading", name="Monitoring").is_visible()
    a11y.check(page)

    page.get_by_role("link", name="Share this contract's cost").click()
    a11y.check(page)
    page.get_by_label("Title").fill("CAFIS 2016-18 by previous usage")
    page.get_by_label("Cost to share, in pounds").fill("752550.00")
    _fill_date(page, "Cost period starts", date(2016, 4, 1))
    _fill_date(page, "Cost period ends", date(2018, 3, 31))
    page.get_by_label("Referrals", exact=True).check()
    page.get_by_label("How the basis reads (optional)").fill("adoptions from care 2012-15")
    page.get_by_label("IA-PREVIOUS").check()
    _fill_date(page, "Usage counted from", date(2012, 4, 1))
    _fill_date(page, "Usage counted to", date(2015, 3, 31))
    page.get_by_role("button", name="Create the run").click()
    page.wait_for_url("**/contracts/apportionments/*/")
    assert "Run created" in _banner(page)
    a11y.check(page)
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_url("**/contracts/apportionments/*/")
    assert "Run calculated" in _banner(page)
    assert "Calculated" in page.get_by_role("heading", level=1).inner_text()
    assert not page.get_by_role("button", name="Approve and freeze").count()  # the maker cannot check
    a11y.check(page)
    run_url = page.url

    finance_context = _context(browser, live_server, javascript=True)
    try:
        finance_page = finance_context.new_page()
        sign_in(finance_page, finance.username, PASSWORD)
        finance_page.wait_for_url("**/")
        finance_page.goto(run_url)
        finance_page.get_by_role("button", name="Approve and freeze").click()
        finance_page.wait_for_url(run_url)
        assert "Run approved" in _banner(finance_page)
        a11y.check(finance_page)
        finance_page.get_by_role("button", name="Post the recharges").click()
        finance_page.wait_for_url(run_url)
        assert "Recharges posted to the ledger" in _banner(finance_page)
        a11y.check(finance_page)
    finally:
        finance_context.close()

    page.goto(run_url)
    assert "Recharged" in page.get_by_role("heading", level=1).inner_text()
    recharges = page.locator("h2:has-text('Recharges from') + ul").inner_text()
    # 752,550 split 430:115:70 of 615, pennies by largest remainder
    assert "Medway: £140720.73" in recharges and "Bexley: £85656.10" in recharges, recharges
    a11y.check(page)
    page.get_by_role("link", name="the ledger entries").first.click()
    page.wait_for_url("**/ledger/entries/**")
    assert "140,720.73" in page.content()
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
