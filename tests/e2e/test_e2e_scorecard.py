"""The scorecard in a real browser, from the navigation: the partnership's authorities side by side (with the
letterbox figures), one authority's year by quarter, the cases behind a figure, outcomes, and asking for a board
return and downloading it. axe-core checks every page."""

from datetime import date

import pytest
from django.utils import timezone

from core.models import AccessAction, AccessLog
from organisations.models import Role
from scorecard import rules
from scorecard.models import ReturnDefinitionSet, ReturnField, ReturnQuery
from support.models.requests import RequestStage
from tests.factories import PASSWORD, AuthorityFactory, PartnershipFactory, UserFactory
from tests.factories_contact import active_arrangement, letterbox_world
from tests.factories_support import ChildFactory, DraftAssessmentFactory, SupportRequestFactory

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_lead_commissioner_compares_drills_down_and_builds_a_board_return(page, a11y, tmp_path) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    year = rules.financial_year_of(today)
    start = rules.financial_year(year).start
    world = letterbox_world("kent")
    kent = world.authority
    medway = AuthorityFactory(short_code="medway", name="Medway")
    PartnershipFactory(members=[kent, medway], name="Kent and Medway adoption partnership")
    active_arrangement(world, months=(start.month,), agreed=start.replace(year=start.year - 1), today=today)
    received = start.replace(day=7)
    child = ChildFactory(household__responsible_authority=kent, first_name="Scorecard", last_name="Child")
    request = SupportRequestFactory(child=child, received_date=received, stage=RequestStage.ASSESSING)
    DraftAssessmentFactory(request=request, started_date=start.replace(day=14))
    definitions = ReturnDefinitionSet.objects.create(title="Quarterly return", version=1,
                                                     valid_from_date=date(2020, 4, 1))
    ReturnField.objects.create(definition_set=definitions, name="Families who asked",
                               definition="Families with a request received in the quarter",
                               query=ReturnQuery.FAMILIES_REQUESTING)
    ReturnField.objects.create(definition_set=definitions, position=2, name="Letterbox exchanges due",
                               definition="Items due in the quarter", query=ReturnQuery.LETTERBOX_DUE)
    lead = UserFactory(username="kent.lead", role=Role.LEAD_COMMISSIONER, authority=kent)

    sign_in(page, lead.username, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Scorecard", exact=True).first.click()
    page.wait_for_url("**/scorecard/")
    assert page.get_by_role("heading", name=f"Support scorecard: {rules.year_label(year)}", level=1).is_visible()
    letterbox = page.locator("table", has=page.locator("caption", has_text="Letterbox contact"))
    assert letterbox.is_visible()
    assert "Letterbox arrangements active" in letterbox.inner_text()
    assert page.locator("svg.app-chart").count() >= 6  # the headline charts and the letterbox charts
    a11y.check(page)

    page.get_by_role("link", name="Q1", exact=True).click()
    page.wait_for_url(lambda url: "/scorecard/?" in url and "quarter=1" in url)
    a11y.check(page)

    page.get_by_role("link", name=f"{kent.name}: ").first.click()
    page.wait_for_url(lambda url: f"/scorecard/kent/{year}/" in url)
    assert page.get_by_role("heading", name="Trends by quarter").is_visible()
    assert page.locator("caption", has_text="Letterbox exchanges due").first.is_visible()
    a11y.check(page)

    page.get_by_role("link", name="Requests received").first.click()
    page.wait_for_url(lambda url: "/cases/requests_received/" in url)
    assert page.get_by_role("heading", name="Requests received", level=1).is_visible()
    assert request.reference in page.locator("main").inner_text()
    a11y.check(page)

    page.goto("/scorecard/")
    page.get_by_role("link", name="Outcomes of support that ended").click()
    page.wait_for_url(lambda url: "/scorecard/outcomes/" in url)
    assert page.locator("h1").inner_text().startswith("Outcomes of support that ended")
    a11y.check(page)

    page.goto("/scorecard/")
    page.get_by_role("link", name="Board return").click()
    page.wait_for_url("**/scorecard/returns/")
    a11y.check(page)
    page.get_by_label("Financial year").select_option(str(year))
    page.get_by_label("Quarter").select_option("1")
    page.get_by_label("CSV").check()
    page.get_by_role("button", name="Build the return").click()
    page.wait_for_url("**/scorecard/returns/jobs/*/")
    page.get_by_role("heading", name="Ready").wait_for(timeout=60_000)
    a11y.check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the return").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name == f"board-return-{year}-q1-v1.csv"
    text = saved.read_text()
    assert f"{kent.name},Total,Families who asked,[c]" in text  # one family: suppressed
    assert "Letterbox exchanges due" in text
    assert AccessLog.objects.filter(user=lead, action=AccessAction.DOWNLOAD).count() == 1
