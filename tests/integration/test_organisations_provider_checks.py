"""`Provider.checks_valid_on` (shown on provider pages) and routing's `lapsed_check` (which chooses providers) apply
one rule: at least one check, and for every kind ever held, one of that kind in date."""

from datetime import date

import pytest

from commissioning.routing import CheckFact, lapsed_check
from organisations.models import CheckKind
from tests.factories import ProviderFactory, RegistrationCheckFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 6, 1)
OLD = (date(2023, 1, 1), date(2025, 12, 31))  # lapsed before ON
NOW = (date(2025, 6, 1), date(2027, 5, 31))  # covers ON
LATER = (date(2026, 7, 1), date(2028, 6, 30))  # not made until after ON


@pytest.mark.parametrize(("checks", "verified"), [
    ([], False),
    ([(CheckKind.OFSTED, NOW)], True),
    ([(CheckKind.OFSTED, OLD)], False),
    ([(CheckKind.OFSTED, OLD), (CheckKind.OFSTED, NOW)], True),  # renewed: the lapsed one no longer counts
    ([(CheckKind.OFSTED, NOW), (CheckKind.DBS, OLD)], False),
    ([(CheckKind.OFSTED, NOW), (CheckKind.DBS, OLD), (CheckKind.DBS, NOW)], True),
    ([(CheckKind.OFSTED, LATER)], False),
    ([(CheckKind.OFSTED, NOW), (CheckKind.INSURANCE, LATER), (CheckKind.HCPC, NOW)], False),
])
def test_the_provider_page_and_routing_agree_on_who_is_verified(checks, verified):
    provider = ProviderFactory()
    for kind, (checked, until) in checks:
        RegistrationCheckFactory(provider=provider, kind=kind, checked_date=checked, valid_until_date=until)
    facts = [CheckFact(kind=k, checked=c, valid_until=u) for k, (c, u) in checks]
    assert provider.checks_valid_on(ON) is verified
    assert (lapsed_check(facts, ON) is None) is verified
