"""generate_dataset's letterbox step: one or two arrangements for most children, items in the states real work
leaves them, and each item's overdue date as contact.rules works it (the generator, in core, cannot import it)."""

from __future__ import annotations

import pytest

from contact import rules
from contact.models import Arrangement, Exchange
from core.dataset.generate import generate
from support.models import Child

pytestmark = pytest.mark.django_db


def test_generates_arrangements_and_items_like_real_work() -> None:
    generate(scale_name="tiny", seed=4, fraction=2.0)
    children = Child.objects.count()
    arrangements = Arrangement.objects.count()
    assert children <= arrangements <= 2 * children
    statuses = set(Exchange.objects.values_list("status", flat=True))
    assert {"expected", "forwarded", "missed"} <= statuses
    for item in Exchange.objects.select_related("arrangement")[:500]:
        assert item.overdue_date == rules.overdue_date(due=item.due_date, weeks=item.arrangement.overdue_after_weeks)
        assert item.due_date.month in item.arrangement.due_months
        assert item.authority_id == item.arrangement.authority_id
    assert all(a.relatives.count() == 1 for a in Arrangement.objects.prefetch_related("relatives")[:50])
