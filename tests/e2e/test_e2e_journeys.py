"""The three users' journeys in a real browser: the lead commissioner over contracts and apportionment, the social
worker with JavaScript off through the support forms, the finance officer over claims and the ledger. axe-core checks
every page visited with JavaScript on."""

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money

from contracts import services as contract_services
from organisations.models import Role
from tests.factories import PASSWORD, AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory, KpiFactory, KpiReturnFactory, UsageRecordFactory

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


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
