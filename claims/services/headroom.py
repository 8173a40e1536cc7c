"""The child's financial-year limit row, and the headroom an application would have if it were approved now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from moneyed import Money

from core.money import zero

from .. import rules
from ..models.applications import ASFApplication
from ..models.fund_rules import ChildYearLimit
from .rule_sets import rule_sets_from_db


def year_limit(*, child: Any, financial_year: str) -> ChildYearLimit:
    """The child's limit row for the year, created if missing (two creators at once: one wins, both read it)."""
    found = ChildYearLimit.objects.filter(child=child, financial_year=financial_year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ChildYearLimit.objects.create(child=child, financial_year=financial_year)
    except IntegrityError:
        return ChildYearLimit.objects.get(child=child, financial_year=financial_year)


@dataclass(frozen=True)
class Headroom:
    financial_year: str
    rule_set: rules.RuleSet
    therapy_so_far: Money
    assessment_so_far: Money
    fund_so_far: Money
    fund_left: Money | None
    split: rules.FundSplit


def headroom_for(*, application: ASFApplication) -> Headroom:
    """What the child's year already holds, what the fund can still pay, and how this application would split
    if it were approved now (shown before submitting)."""
    rule_set = rules.rules_on(application.start_date, rule_sets_from_db(cached=True))
    limit = ChildYearLimit.objects.filter(child_id=application.child_id,
                                          financial_year=application.financial_year).first()
    ytd_t = limit.therapy_approved if limit else zero()
    ytd_a = limit.assessment_approved if limit else zero()
    fund_so_far = limit.fund_committed if limit else zero()
    return Headroom(
        financial_year=application.financial_year,
        rule_set=rule_set,
        therapy_so_far=ytd_t,
        assessment_so_far=ytd_a,
        fund_so_far=fund_so_far,
        fund_left=rules.headroom(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                                 fund_so_far=fund_so_far),
        split=rules.split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                                  therapy=application.therapy_total, assessment=application.assessment_total,
                                  fund_so_far=fund_so_far),
    )


@dataclass(frozen=True)
class ChildYearHeadroom:
    financial_year: str
    rule_set: rules.RuleSet
    therapy_so_far: Money
    assessment_so_far: Money
    fund_so_far: Money
    fund_left: Money | None  # None: the year's rules set no yearly cap


def headroom_for_child(*, child: Any, financial_year: str) -> ChildYearHeadroom:
    """What the fund has already committed for `child` in `financial_year` (e.g. "2025-26") and what it can still
    pay under that year's rules. Reads only: a year with no limit row yet has nothing committed. Raises
    rules.RuleError for a year that is not one, or one no rules cover."""
    start, _end = rules.financial_year_bounds(financial_year)
    rule_set = rules.rules_on(start, rule_sets_from_db(cached=True))
    limit = ChildYearLimit.objects.filter(child=child, financial_year=financial_year).first()
    therapy = limit.therapy_approved if limit else zero()
    assessment = limit.assessment_approved if limit else zero()
    fund = limit.fund_committed if limit else zero()
    return ChildYearHeadroom(
        financial_year=financial_year, rule_set=rule_set, therapy_so_far=therapy, assessment_so_far=assessment,
        fund_so_far=fund,
        fund_left=rules.headroom(rule_set, year_to_date_therapy=therapy, year_to_date_assessment=assessment,
                                 fund_so_far=fund),
    )
