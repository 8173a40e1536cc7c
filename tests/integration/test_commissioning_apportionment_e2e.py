"""End to end: referrals accepted by the provider become usage, usage weights the apportionment run, and the
approved run's spreadsheet shows each authority's share with the referrals behind it."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from moneyed import Money
from openpyxl import load_workbook

from commissioning.services import drafting, responses
from contracts.models import UsageMeasure
from contracts.services.run_spreadsheets import run_spreadsheet_bytes
from contracts.services.runs import run_approve, run_calculate, run_create
from organisations.models import Role
from tests.factories import AuthorityFactory, ProviderUserFactory, UserFactory
from tests.factories_commissioning import checked_provider, live_contract
from tests.factories_support import PlannedServiceFactory

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def test_referrals_accepted_feed_the_apportionment_spreadsheet():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=n) for c, n in
                            (("kent", "Kent"), ("medway", "Medway"), ("bexley", "Bexley")))
    coram = checked_provider(name="Coram")
    contract = live_contract(provider=coram, lead=kent, parties=[medway, bexley], reference="KCC-PAS-01")
    staff = ProviderUserFactory(provider=coram)
    workers = {a.pk: UserFactory(authority=a, role=Role.SOCIAL_WORKER) for a in (kent, medway, bexley)}

    # Kent refers three families, Medway one, Bexley two; one Bexley referral is declined (no usage).
    accepted_keys = {}
    for authority, count, declined in ((kent, 3, 0), (medway, 1, 0), (bexley, 2, 1)):
        for n in range(count):
            service = PlannedServiceFactory(plan__request__child__household__responsible_authority=authority)
            referral = drafting.referral_create_from_plan(planned_service=service, by=workers[authority.pk],
                                                          now=at(date(2026, 5, 1)))
            assert referral.contract == contract
            drafting.referral_send(referral=referral, by=workers[authority.pk], now=at(date(2026, 5, 2)))
            if n < declined:
                responses.referral_decline(referral=referral, by=staff, now=at(date(2026, 5, 5)), reason="Full")
                continue
            responses.referral_accept(referral=referral, by=staff, now=at(date(2026, 5, 6)))
            accepted_keys.setdefault(authority.name, []).append(f"commissioning.referral:{referral.pk}:accepted")

    lead = UserFactory(authority=kent, role=Role.LEAD_COMMISSIONER)
    finance = UserFactory(authority=kent, role=Role.FINANCE_OFFICER)
    run = run_create(
        contract=contract, title="Coram 2026-27", total_cost=Money(Decimal("10000.00"), "GBP"),
        cost_start_date=date(2026, 4, 1), cost_end_date=date(2027, 3, 31), basis=UsageMeasure.REFERRALS,
        usage_start_date=date(2026, 4, 1), usage_end_date=date(2026, 11, 30), by=lead, now=at(date(2026, 11, 24)),
    )
    run = run_calculate(run=run, by=lead, now=at(date(2026, 11, 24)))
    shares = {line.authority_name: line.amount for line in run.lines.all()}
    # weights 3 : 1 : 1 of £10,000 -> £6,000, £2,000, £2,000
    assert shares == {"Kent": Money("6000.00", "GBP"), "Medway": Money("2000.00", "GBP"),
                      "Bexley": Money("2000.00", "GBP")}
    run = run_approve(run=run, by=finance, now=at(date(2026, 11, 24)))

    workbook = load_workbook(io.BytesIO(run_spreadsheet_bytes(run=run)))
    cells = {name: [str(c.value) for row in workbook[name].iter_rows() for c in row if c.value is not None]
             for name in workbook.sheetnames}
    summary = " ".join(cells[workbook.sheetnames[0]])
    for name in ("Kent", "Medway", "Bexley"):
        assert name in summary
        sheet = next(s for s in workbook.sheetnames if s.startswith(name))
        for key in accepted_keys[name]:
            assert key in cells[sheet], f"{key} missing from the {sheet} sheet"
    assert sum(len(keys) for keys in accepted_keys.values()) == 5
