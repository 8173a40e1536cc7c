"""Fund headroom answers from the process's copy of the fund rule sets (one query: the child's limit row), and
never from a copy older than a change to the rules, committed or rolled back (PostgreSQL)."""

from datetime import date

import pytest
from django.db import transaction

from claims.models.applications import Status
from claims.models.fund_rules import FundRuleSet
from claims.services.headroom import headroom_for
from claims.services.rule_changes import fund_rule_set_save
from claims.services.rule_sets import _RULE_SETS_CACHE
from tests.factories_claims import at, build, gbp, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():  # type: ignore[no-untyped-def]
    # as in a fresh process: an earlier test's change to the rules (rolled back with its test) leaves the copy
    # unused until a call outside any transaction, which the test database never makes
    _RULE_SETS_CACHE.pop("rule_sets", None)
    _RULE_SETS_CACHE.pop("changed", None)
    w = world()
    build(w, Status.APPROVED, therapy="1000.00")
    application = build(w, Status.DRAFT, therapy="2500.00")
    application.w = w
    return application


def test_the_headroom_costs_one_query_once_the_rules_are_read(draft, django_assert_num_queries):  # type: ignore[no-untyped-def]
    headroom_for(application=draft)
    with django_assert_num_queries(1):
        room = headroom_for(application=draft)
    assert room.fund_left == gbp("2000.00")


def test_a_changed_rule_set_is_used_at_once(draft):  # type: ignore[no-untyped-def]
    assert headroom_for(application=draft).fund_left == gbp("2000.00")
    rule_set = FundRuleSet.objects.get(effective_from_date=date(2025, 4, 1))
    rule_set.combined_limit = gbp("2500.00")
    fund_rule_set_save(rule_set=rule_set, by=draft.w.manager, now=at(date(2025, 6, 1)))
    assert headroom_for(application=draft).fund_left == gbp("1500.00")


def test_a_rolled_back_change_is_not_kept(draft):  # type: ignore[no-untyped-def]
    assert headroom_for(application=draft).fund_left == gbp("2000.00")
    with transaction.atomic():
        rule_set = FundRuleSet.objects.get(effective_from_date=date(2025, 4, 1))
        rule_set.combined_limit = gbp("2500.00")
        fund_rule_set_save(rule_set=rule_set, by=draft.w.manager, now=at(date(2025, 6, 1)))
        assert headroom_for(application=draft).fund_left == gbp("1500.00")
        transaction.set_rollback(True)
    assert headroom_for(application=draft).fund_left == gbp("2000.00")
