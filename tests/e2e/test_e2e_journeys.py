"""The three users' journeys in a real browser: the lead commissioner over contracts and apportionment, the social
worker with JavaScript off through the support forms, the finance officer over claims and the ledger. axe-core checks
every page visited with JavaScript on."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from moneyed import Money

from claims.models.applications import ASFApplication, Status
from contracts.models import Contract
from contracts.services.runs import run_approve, run_calculate, run_create
from organisations.models import Role
from tests.factories import PASSWORD, AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_claims import build, world
from tests.factories_commissioning import checked_provider, live_contract
from tests.factories_contracts import NOW, ActiveContractFactory, UsageRecordFactory
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
    lead = PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER)
    finance = UserFactory(authority=kent, role=Role.FINANCE_OFFICER)
    previous = ActiveContractFactory(reference="IA-PREVIOUS", title="Inter-country agreements held today",
                                     lead_authority=kent, parties=[medway, bexley], start_date=date(2012, 4, 1),
                                     end_date=date(2015, 3, 31), status="expired")
    for authority, adoptions in ((kent, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=previous, authority=authority, usage_date=date(2014, 6, 1),
                           measure="referrals", quantity=Decimal(adoptions))

    # The lead commissioner adds CAFIS to the register: Kent leading, Medway and Bexley sharing.
    sign_in(page, lead.username, PASSWORD)
    page.wait_for_url("**/")
    a11y.check(page)
    page.goto("/contracts/")
    a11y.check(page)
    page.get_by_role("link", name="Add a contract to the register").click()
    page.wait_for_url("**/contracts/new/")
    a11y.check(page)
    page.get_by_role("button", name="Add the contract").click()  # nothing filled in: the errors are named
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Enter the contract reference" in page.locator(".govuk-error-summary").inner_text()
    a11y.check(page)
    page.get_by_label("Reference").fill("KENT-CAFIS-2016")
    page.get_by_label("Title").fill("Barnardo's CAFIS post-adoption services")
    page.get_by_label("Provider").select_option(label="Barnardo's")
    page.get_by_label("Lead authority").select_option(label="Kent")
    page.get_by_label("Medway").check()
    page.get_by_label("Bexley").check()
    page.get_by_label("Block contract").check()
    page.get_by_label("Block sum").check()
    _fill_date(page, "Start date", date(2016, 4, 1))
    _fill_date(page, "End date", date(2030, 3, 31))
    page.get_by_label("Total value, in pounds").fill("752550.00")
    page.get_by_label("Capacity a year (optional)").fill("120")
    page.get_by_role("button", name="Add the contract").click()
    page.wait_for_url("**/contracts/*/")
    assert "is on the register as planned" in _banner(page)
    contract = Contract.objects.get(reference="KENT-CAFIS-2016")
    assert contract.status == "planned"
    assert {a.name for a in contract.parties.all()} == {"Kent", "Medway", "Bexley"}

    page.goto("/contracts/")
    assert "KENT-CAFIS-2016" in page.content()
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
    with page.expect_navigation(url="**/contracts/apportionments/*/"):
        page.get_by_role("button", name="Create the run").click()
    assert "Run created" in _banner(page)
    a11y.check(page)
    with page.expect_navigation(url="**/contracts/apportionments/*/"):
        page.get_by_role("button", name="Calculate").click()
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
        # The form posts and comes back to the same address: wait for that navigation itself (waiting for the
        # address alone can match the page before the post and then miss the load).
        with finance_page.expect_navigation(url=run_url):
            finance_page.get_by_role("button", name="Approve and freeze").click()
        assert "Run approved" in _banner(finance_page)
        a11y.check(finance_page)
        with finance_page.expect_navigation(url=run_url):
            finance_page.get_by_role("button", name="Post the recharges").click()
        assert "Recharges posted to the ledger" in _banner(finance_page)
        a11y.check(finance_page)
    finally:
        finance_context.close()

    page.goto(run_url)
    assert "Recharged" in page.get_by_role("heading", level=1).inner_text()
    recharges = page.locator("h2:has-text('Recharges from') + ul").inner_text()
    # 752,550 split 430:115:70 of 615, pennies by largest remainder
    assert "Medway: £140,720.73" in recharges and "Bexley: £85,656.10" in recharges, recharges
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


class Person:
    """One user in their own browser context (JavaScript off), signed in."""

    def __init__(self, browser, live_server, user) -> None:  # type: ignore[no-untyped-def]
        self.context = _context(browser, live_server, javascript=False)
        self.page = self.context.new_page()
        sign_in(self.page, user.username, PASSWORD)
        self.page.wait_for_url("**/")

    def close(self) -> None:
        self.context.close()


def test_social_worker_journey_from_request_to_asf_submission_without_javascript(  # type: ignore[no-untyped-def]
        page_without_js, browser, live_server, a11y, seeded_catalogues):
    """Priya's week with JavaScript off: request, assessment, her manager approves it, notice of proposal, the
    family are satisfied, decision (approved by the manager), support plan with DDP and letterbox contact, the
    contact service referred and routed to Barnardo's CAFIS, the ASF application drafted, approved by the
    manager (never by her) and its submission to the fund recorded. Every page is axe-checked in a JS twin."""
    kent = AuthorityFactory(short_code="kent", name="Kent")
    child = ChildFactory(household__responsible_authority=kent, first_name="Ava", last_name="Example",
                         household__family_name="Example", date_of_birth=date(2016, 5, 4))
    LegalOrderFactory(child=child)
    worker = UserFactory(authority=kent, role=Role.SOCIAL_WORKER)
    manager = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
    barnardos = checked_provider(name="Barnardo's")
    checked_provider(name="Coram")
    live_contract(provider=barnardos, lead=kent, services=("direct-letterbox-contact", "birth-parent-support"),
                  reference="KENT-CAFIS", title="Barnardo's CAFIS", start=date(2016, 4, 1), end=date(2035, 3, 31))
    page = page_without_js

    def check() -> None:
        a11y.check_without_js(page)

    sign_in(page, worker.username, PASSWORD)
    page.wait_for_url("**/")
    check()
    page.goto(f"/support/families/{child.household_id}/")
    check()
    page.get_by_role("link", name="Record a request for Ava").click()
    assert page.get_by_role("heading", name="Record a request for support").is_visible()
    check()
    page.get_by_label("Adoptive parent or special guardian").check()
    page.get_by_label("What they are asking for").fill("Therapeutic parenting support after school exclusions")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/support/requests/*/")
    assert "recorded" in _banner(page)
    assert _stage(page) == "Received"
    request_url = page.url
    check()

    page.get_by_role("link", name="Start the assessment of need").click()
    check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/support/assessments/*/")
    check()
    page.get_by_label("The needs of the child, including developmental needs").fill("Developmental trauma")
    page.get_by_label("Summary of assessed needs").fill("Therapeutic support for attachment difficulties")
    page.get_by_role("button", name="Save and send for approval").click()
    page.wait_for_url(request_url)
    assert _stage(page) == "Assessing need"
    assert _assessment_status(page) == "Waiting for approval"
    assert not page.get_by_role("link", name="Approve or return the assessment").count()

    tom = Person(browser, live_server, manager)
    try:
        tom.page.goto(request_url)
        tom.page.get_by_role("link", name="Approve or return the assessment").click()
        a11y.check_without_js(tom.page)
        tom.page.get_by_label("Approve", exact=True).check()
        tom.page.get_by_role("button", name="Confirm").click()
        tom.page.wait_for_url(request_url)
        assert "The assessment is approved." in _banner(tom.page)
        assert _assessment_status(tom.page) == "Approved"
    finally:
        tom.close()

    page.reload()
    assert _assessment_status(page) == "Approved"
    page.get_by_role("link", name="Send the notice of proposal").click()
    check()
    page.get_by_label("Propose to provide support").check()
    page.get_by_label("Statement of assessed needs").fill("Therapeutic support for attachment difficulties")
    page.get_by_label("Proposed services (optional)").fill("Dyadic Developmental Psychotherapy; letterbox contact")
    page.get_by_label("Days for representations").fill("28")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(request_url)
    check()

    page.get_by_role("link", name="Record the family's response").click()
    check()
    page.get_by_label("They said they are satisfied with the proposal").check()
    _fill_date(page, "Date of the response", timezone.localdate())
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(request_url)
    check()

    page.get_by_role("link", name="Record the decision").click()
    check()
    page.get_by_label("Provide support", exact=True).check()
    page.get_by_label("Reasons for the decision").fill("Assessed needs are met by the proposed services")
    page.get_by_role("button", name="Send for approval").click()
    page.wait_for_url(request_url)

    tom = Person(browser, live_server, manager)
    try:
        tom.page.goto(request_url)
        tom.page.get_by_role("link", name="Approve or return the decision").click()
        a11y.check_without_js(tom.page)
        tom.page.get_by_label("Approve", exact=True).check()
        tom.page.get_by_role("button", name="Confirm").click()
        tom.page.wait_for_url(request_url)
    finally:
        tom.close()

    page.reload()
    check()
    page.get_by_role("link", name="Write the support plan").click()
    check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/support/plans/*/")
    plan_url = page.url
    check()
    for name, cost, provider in (("Dyadic Developmental Psychotherapy", "1800.00", "Coram"),
                                 ("Direct and letterbox contact", "0", "")):
        page.get_by_role("link", name="Add a service").click()
        check()
        page.get_by_label("Service", exact=True).select_option(label=name)
        page.get_by_label("How often").fill("Weekly for 12 weeks")
        page.get_by_label("Estimated cost in pounds").fill(cost)
        if provider:
            page.get_by_label("Provider (optional)").select_option(label=provider)
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url(plan_url)
    page.get_by_role("button", name="Put the plan in place").click()
    page.wait_for_url("**/support/plans/*/")
    assert "Active" in page.content()
    check()

    page.goto("/referrals/")
    check()
    page.get_by_role("link", name="Refer Direct and letterbox contact").click()
    check()
    page.get_by_role("button", name="Create and route referral").click()
    page.wait_for_url("**/referrals/*/")
    assert "KENT-CAFIS" in page.content() and "Barnardo's" in page.content()
    check()
    page.get_by_role("button", name="Send to Barnardo's").click()
    page.wait_for_url("**/referrals/*/")
    assert "Sent" in page.content()
    check()

    page.goto("/claims/new/")
    check()
    page.get_by_label("The approved assessment of need").select_option(index=1)
    _fill_date(page, "When the services start", timezone.localdate())
    page.get_by_label("Summary for the fund").fill("Therapy for developmental trauma and attachment difficulties")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/claims/*/services/add/")
    assert "drafted" in _banner(page)
    check()
    page.get_by_label("Service", exact=True).select_option(label="Dyadic Developmental Psychotherapy")
    page.get_by_label("Provider", exact=True).select_option(label="Coram")
    page.get_by_label("Number of sessions").fill("12")
    page.get_by_label("Cost per session").fill("150.00")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/claims/*/")
    application_url = page.url
    check()
    page.get_by_role("link", name="Send to a manager for approval").click()
    check()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(application_url)
    assert not page.get_by_role("link", name="Approve the application").count()

    tom = Person(browser, live_server, manager)
    try:
        tom.page.goto("/claims/")
        a11y.check_without_js(tom.page)
        tom.page.goto(application_url)
        tom.page.get_by_role("link", name="Approve the application").click()
        a11y.check_without_js(tom.page)
        tom.page.get_by_role("button", name="Confirm").click()
        tom.page.wait_for_url(application_url)
        assert "Ready to submit" in tom.page.content()
    finally:
        tom.close()

    page.reload()
    page.get_by_role("link", name="Record submission to the fund").click()
    check()
    _fill_date(page, "Date submitted to the fund", timezone.localdate())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(application_url)
    assert "Submitted to the fund" in page.content()
    check()
    application = ASFApplication.objects.get()
    assert application.status == Status.SUBMITTED
    assert application.author_id == worker.pk and application.manager_approved_by_id == manager.pk


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


@pytest.fixture
def celery_worker_process(live_server):  # type: ignore[no-untyped-def]
    """Starts a real Celery worker on the test database when called (the spreadsheet job then runs outside the
    request, so the progress page is seen first); stops it at the end."""
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    procs: list[subprocess.Popen] = []

    def start() -> None:
        db = settings.DATABASES["default"]
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CELERY_TASK_ALWAYS_EAGER="false",
                   DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"e2e-{os.getpid()}@%h"],
            env=env, cwd=settings.BASE_DIR))

    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.worker
def test_finance_officer_from_fund_approval_to_the_apportionment_spreadsheet(  # type: ignore[no-untyped-def]
        page, browser, live_server, a11y, seeded_catalogues, celery_worker_process, tmp_path):
    """Mark's month: the fund's approval recorded, its remittance imported from a file, Coram's invoice recorded,
    approved by a second finance officer (never the one who recorded it), paid, the spend confirmed; then the
    approved apportionment's spreadsheet built behind a progress page, downloaded and read back."""
    import openpyxl

    w = world()
    application = build(w, Status.SUBMITTED, therapy="1200.00")
    checker = UserFactory(authority=w.authority, role=Role.FINANCE_OFFICER)
    medway, bexley = AuthorityFactory(name="Medway"), AuthorityFactory(name="Bexley")
    lead = UserFactory(authority=w.authority, role=Role.LEAD_COMMISSIONER)
    contract = ActiveContractFactory(reference="KENT-IA", title="Inter-country adoption agreement",
                                     lead_authority=w.authority, parties=[medway, bexley],
                                     start_date=date(2025, 4, 1), end_date=date(2030, 3, 31))
    for authority, adoptions in ((w.authority, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=contract, authority=authority, usage_date=date(2014, 6, 1),
                           measure="referrals", quantity=Decimal(adoptions))
    run = run_create(
        contract=contract, title="Inter-country 2025-26", total_cost=Money("20000.00", "GBP"),
        cost_start_date=date(2025, 4, 1), cost_end_date=date(2026, 3, 31), basis="referrals",
        usage_start_date=date(2012, 4, 1), usage_end_date=date(2015, 3, 31), by=lead, now=NOW)
    run_calculate(run=run, by=lead, now=NOW)
    run_approve(run=run, by=checker, now=NOW)
    decided = application.submitted_date + timedelta(days=10)

    sign_in(page, w.finance.username, PASSWORD)
    page.wait_for_url("**/")
    assert page.locator("[data-count=awaiting_decision]").inner_text().startswith("1")
    a11y.check(page)
    page.locator("[data-count=awaiting_decision] a").click()
    page.wait_for_url("**/claims/?queue=awaiting_decision")
    a11y.check(page)
    page.get_by_role("link", name=application.reference).click()
    page.wait_for_url(f"**/claims/{application.pk}/")
    application_url = page.url
    a11y.check(page)

    page.get_by_role("link", name="Record the fund's approval").click()
    a11y.check(page)
    page.get_by_label("The fund's reference").fill("ASGSF-2025-0042")
    _fill_date(page, "Date of the fund's decision", decided)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(application_url)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    a11y.check(page)

    remittance = tmp_path / "asgsf-remittance.csv"
    remittance.write_text(f"Fund reference,Amount paid\nASGSF-2025-0042,{application.approved_fund.amount}\n")
    page.goto("/claims/remittances/import/")
    a11y.check(page)
    _fill_date(page, "Date the fund paid", decided + timedelta(days=20))
    page.get_by_label("Remittance file (CSV or Excel)").set_input_files(str(remittance))
    page.get_by_role("button", name="Check the file").click()
    a11y.check(page)
    page.get_by_role("button", name="Import 1 rows").click()
    page.wait_for_url("**/claims/")
    assert "Remittance imported: 1 rows" in _banner(page)
    application.refresh_from_db()
    assert application.status == Status.FUNDS_RECEIVED
    assert application.funds_received == application.approved_fund

    page.goto(application_url)
    page.get_by_role("link", name="Record a provider's invoice").click()
    a11y.check(page)
    page.get_by_label("Application line").select_option(index=1)
    page.get_by_label("Provider's invoice number").fill("CORAM-7781")
    _fill_date(page, "Invoice date", decided + timedelta(days=30))
    page.get_by_label("Amount").fill("1000.00")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(application_url)
    assert "Invoice recorded." in _banner(page)
    assert not page.get_by_role("link", name="Pay").count()  # not until someone else approves it
    a11y.check(page)

    checker_context = _context(browser, live_server, javascript=True)
    try:
        checker_page = checker_context.new_page()
        sign_in(checker_page, checker.username, PASSWORD)
        checker_page.wait_for_url("**/")
        checker_page.goto(application_url)
        checker_page.get_by_role("link", name="Approve", exact=False).filter(has_text="CORAM-7781").first.click()
        a11y.check(checker_page)
        checker_page.get_by_role("button", name="Approve the invoice").click()
        checker_page.wait_for_url(application_url)
        assert "approved" in _banner(checker_page)
    finally:
        checker_context.close()

    page.reload()
    page.get_by_role("link", name="Pay", exact=False).filter(has_text="CORAM-7781").first.click()
    a11y.check(page)
    _fill_date(page, "Date paid", decided + timedelta(days=35))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(application_url)
    assert "paid" in _banner(page)

    page.get_by_role("link", name="Record that the services started").click()
    a11y.check(page)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(application_url)
    application.refresh_from_db()
    assert application.status == Status.IN_DELIVERY
    page.get_by_role("link", name="Confirm the spend (the unspent part goes back)").click()
    a11y.check(page)
    _fill_date(page, "Date", decided + timedelta(days=90))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(application_url)
    application.refresh_from_db()
    assert application.status == Status.SPEND_CONFIRMED
    assert application.unspent_returned == application.approved_fund - Money("1000.00", "GBP")
    a11y.check(page)

    page.goto(f"/contracts/apportionments/{run.pk}/")
    a11y.check(page)
    page.get_by_role("button", name="Build the spreadsheet").click()
    page.wait_for_url("**/contracts/jobs/*/")
    progress = page.locator("progress.app-progress")
    assert progress.is_visible()  # queued: no worker yet, so the page shows the bar and refreshes itself
    assert "This page refreshes by itself" in page.content()
    a11y.check(page)
    celery_worker_process()
    page.get_by_role("heading", name="Ready").wait_for(timeout=120_000)
    a11y.check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the spreadsheet").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name == f"apportionment-KENT-IA-run-{run.pk}.xlsx"

    workbook = openpyxl.load_workbook(saved)
    summary = workbook["Summary"]
    rows = {row[0]: row for row in summary.iter_rows(values_only=True) if row and row[0]}
    # 20,000 split 430:115:70 (of 615): 13,983.74 / 3,739.84 / 2,276.42, the pennies by largest remainder
    for name, amount in (("Kent Council", "13983.74"), ("Medway", "3739.84"), ("Bexley", "2276.42")):
        assert Decimal(amount) in [Decimal(str(v)).quantize(Decimal("0.01")) for v in rows[name][1:]
                                   if isinstance(v, int | float | Decimal)], rows[name]
        assert name in workbook.sheetnames or any(name in s for s in workbook.sheetnames)
