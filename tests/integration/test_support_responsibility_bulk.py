"""`households_refresh` (many families at once, after an import) gives the same answers as the one-family refresh
the services use: after it, the daily refresh finds nothing to change."""

from datetime import date

import pytest

from support.models import Child, Household, ResidencePeriod
from support.services.responsibility import child_responsibility, households_refresh, responsibility_refresh
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ChildFactory, LegalOrderFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


def test_the_bulk_refresh_agrees_with_the_one_by_one_refresh() -> None:
    kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
    by = UserFactory(authority=kent)
    moved = ChildFactory(household__responsible_authority=kent, first_name="Moved")
    LegalOrderFactory(child=moved, kind="adoption", order_date=date(2019, 6, 1), placing_authority=kent)
    ResidencePeriod.objects.create(household=moved.household, authority=medway, from_date=date(2022, 3, 1))
    recent = ChildFactory(household__responsible_authority=medway, first_name="Recent")
    LegalOrderFactory(child=recent, kind="special_guardianship", order_date=date(2025, 1, 1), placing_authority=kent)
    no_order = ChildFactory(household__responsible_authority=medway, first_name="Waiting")
    older = ChildFactory(household=recent.household, first_name="Older", date_of_birth=date(2010, 1, 1))
    LegalOrderFactory(child=older, kind="adoption", order_date=date(2014, 1, 1), placing_authority=medway)
    ids = [moved.household_id, recent.household_id, no_order.household_id]

    changed = households_refresh(household_ids=ids, on_date=TODAY, by=by, change_reason="test")

    assert changed == 6  # moved, recent and older, and all three families' reasons
    for child in Child.objects.filter(pk__in=[moved.pk, recent.pk, older.pk]):
        assert (child.responsible_authority, child.responsibility_reason) == child_responsibility(
            child=child, on_date=TODAY)
    assert Child.objects.get(pk=moved.pk).responsible_authority == medway
    assert Household.objects.get(pk=recent.household_id).responsible_authority == kent  # the SGO of 2025 leads
    assert Child.objects.get(pk=no_order.pk).responsible_authority == medway
    assert Child.objects.get(pk=moved.pk).history.first().history_change_reason == "test"  # type: ignore[attr-defined]
    assert responsibility_refresh(today=TODAY) == 0
