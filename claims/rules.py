"""The Adoption Support Fund's rules, as pure functions over dated rule sets (DOMAIN.md 1.2, 1.5, 1.6).

No ORM and no clock: the rule sets and every date arrive as arguments. The database keeps the editable copy
(`claims.models.fund_rules.FundRuleSet`); `claims.services.rule_sets.rule_sets_from_db()` turns its rows into the
dataclasses here.

The split of a request between the fund and the authority is path-independent: for a child's financial year
the fund's cumulative share is a function `fund_total(T, A)` of the cumulative therapy T and assessment A, and
a request's share is `fund_total(ytd + request) - fund_total(ytd)`. Splitting a request in parts, or approving
two applications in either order, gives the same totals.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from moneyed import Money

from core.dates import long_date

GBP = "GBP"
PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


class Scheme:
    """How the fund's share is worked out in a period."""

    NO_LIMIT = "no_limit"
    SINGLE_LIMIT_MATCH = "single_limit_match"
    SEPARATE_LIMITS_MATCH = "separate_limits_match"
    COMBINED_LIMIT = "combined_limit"

    CHOICES = (
        (NO_LIMIT, "No limit: the fund pays everything"),
        (SINGLE_LIMIT_MATCH, "One limit for therapy and assessment, match funding above it"),
        (SEPARATE_LIMITS_MATCH, "Separate therapy and assessment limits, match funding above the therapy limit"),
        (COMBINED_LIMIT, "One combined limit, assessment inside it, no match funding"),
    )
    ALL = tuple(code for code, _ in CHOICES)


class RuleError(ValueError):
    """Bad input to a rule: a negative or non-GBP amount, a rule set that does not make sense."""


class NoRulesInForce(RuleError):
    pass


@dataclass(frozen=True)
class RuleSet:
    """One period's rules. Amounts are GBP `Decimal`s with two places; `None` where the period has no such limit."""

    effective_from: date
    name: str
    scheme: str
    therapy_limit: Decimal | None = None  # the fair access limit (FAL); in SINGLE_LIMIT_MATCH, the one limit
    assessment_limit: Decimal | None = None
    combined_limit: Decimal | None = None
    match_funded_cap: Decimal | None = None  # the most the fund pays for therapy with match funding
    age_limit: int = 21  # up to and including this age
    age_limit_with_ehc_plan: int = 25
    application_window_months: int = 3

    def __post_init__(self) -> None:
        if self.scheme not in Scheme.ALL:
            raise RuleError(f"Unknown scheme {self.scheme!r}.")
        needs = {
            Scheme.NO_LIMIT: (),
            Scheme.SINGLE_LIMIT_MATCH: ("therapy_limit", "match_funded_cap"),
            Scheme.SEPARATE_LIMITS_MATCH: ("therapy_limit", "assessment_limit", "match_funded_cap"),
            Scheme.COMBINED_LIMIT: ("combined_limit", "assessment_limit"),
        }[self.scheme]
        for name in needs:
            value = getattr(self, name)
            if value is None:
                raise RuleError(f"The {name.replace('_', ' ')} is needed for this scheme.")
            if value < 0:
                raise RuleError(f"The {name.replace('_', ' ')} cannot be negative.")
        cap, limit = self.match_funded_cap, self.therapy_limit
        if cap is not None and limit is not None and cap < limit:
            raise RuleError("The match-funded cap cannot be below the therapy limit.")
        if self.application_window_months < 1:
            raise RuleError("The application window must be at least one month.")

    @property
    def match_funding(self) -> bool:
        return self.scheme in (Scheme.SINGLE_LIMIT_MATCH, Scheme.SEPARATE_LIMITS_MATCH)

    @property
    def max_fund_per_year(self) -> Money | None:
        """The most the fund can pay for one child in one financial year under these rules (None: no limit)."""
        if self.scheme == Scheme.NO_LIMIT:
            return None
        if self.scheme == Scheme.SINGLE_LIMIT_MATCH:
            return _money(_need(self.match_funded_cap))
        if self.scheme == Scheme.SEPARATE_LIMITS_MATCH:
            return _money(_need(self.match_funded_cap) + _need(self.assessment_limit))
        return _money(_need(self.combined_limit))


@dataclass(frozen=True)
class FundSplit:
    fund: Money
    authority: Money

    @property
    def total(self) -> Money:
        return self.fund + self.authority


def _d(text: str) -> Decimal:
    return Decimal(text)


DEFAULT_RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(date(2015, 5, 1), "National launch: no limit", Scheme.NO_LIMIT,
            age_limit=18, age_limit_with_ehc_plan=25),
    RuleSet(date(2016, 4, 1), "Wider eligibility: no limit", Scheme.NO_LIMIT,
            age_limit=21, age_limit_with_ehc_plan=25),
    RuleSet(date(2016, 10, 6), "Fair access limit with match funding", Scheme.SINGLE_LIMIT_MATCH,
            therapy_limit=_d("5000.00"), match_funded_cap=_d("30000.00")),
    RuleSet(date(2017, 4, 1), "Separate therapy and assessment limits with match funding",
            Scheme.SEPARATE_LIMITS_MATCH, therapy_limit=_d("5000.00"), assessment_limit=_d("2500.00"),
            match_funded_cap=_d("30000.00")),
    RuleSet(date(2025, 4, 1), "Combined limit, no match funding", Scheme.COMBINED_LIMIT,
            combined_limit=_d("3000.00"), assessment_limit=_d("2500.00")),
)


def rules_on(on_date: date, rule_sets: Sequence[RuleSet] | None = None) -> RuleSet:
    """The rule set in force on `on_date`: the latest whose effective date is on or before it."""
    candidates = [r for r in (DEFAULT_RULE_SETS if rule_sets is None else rule_sets) if r.effective_from <= on_date]
    if not candidates:
        raise NoRulesInForce(f"No fund rules were in force on {long_date(on_date)}.")
    return max(candidates, key=lambda r: r.effective_from)


def financial_year_start(on_date: date) -> int:
    return on_date.year if on_date.month >= 4 else on_date.year - 1


def financial_year(on_date: date) -> str:
    """The English public-sector financial year (1 April to 31 March) holding `on_date`, as "2024-25"."""
    start = financial_year_start(on_date)
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_bounds(name: str) -> tuple[date, date]:
    """(first day, first day of the next year): an inclusive start and an exclusive end."""
    try:
        start_text, end_text = name.split("-")
        start = int(start_text)
        if len(start_text) != 4 or len(end_text) != 2 or int(end_text) != (start + 1) % 100:
            raise ValueError
    except ValueError as exc:
        raise RuleError(f"{name!r} is not a financial year like 2024-25.") from exc
    return date(start, 4, 1), date(start + 1, 4, 1)


def _amount(value: Money, what: str) -> Decimal:
    if not isinstance(value, Money):
        raise RuleError(f"The {what} must be a GBP Money amount.")
    if str(value.currency) != GBP:
        raise RuleError(f"The {what} must be in GBP, not {value.currency}.")
    if value.amount < 0:
        raise RuleError(f"The {what} cannot be negative.")
    if value.amount != value.amount.quantize(PENNY):
        raise RuleError(f"The {what} must be a whole number of pence.")
    return value.amount.quantize(PENNY)


def _money(amount: Decimal) -> Money:
    return Money(amount.quantize(PENNY), GBP)


def _half_down(amount: Decimal) -> Decimal:
    return (amount / 2).quantize(PENNY, rounding=ROUND_DOWN)


def _matched(amount: Decimal, limit: Decimal, cap: Decimal) -> Decimal:
    """The fund's share of `amount` with a limit and match funding above it up to a cap."""
    return min(amount, limit) + min(_half_down(max(amount - limit, ZERO)), cap - limit)


def _need(value: Decimal | None) -> Decimal:
    if value is None:  # RuleSet.__post_init__ refuses this; kept for the type checker
        raise RuleError("A limit this scheme needs is missing.")
    return value


def fund_total(rules: RuleSet, *, therapy: Decimal, assessment: Decimal) -> Decimal:
    """The fund's cumulative share for a child-year with cumulative therapy and assessment costs."""
    if rules.scheme == Scheme.NO_LIMIT:
        return therapy + assessment
    if rules.scheme == Scheme.SINGLE_LIMIT_MATCH:
        return _matched(therapy + assessment, _need(rules.therapy_limit), _need(rules.match_funded_cap))
    if rules.scheme == Scheme.SEPARATE_LIMITS_MATCH:
        return _matched(therapy, _need(rules.therapy_limit), _need(rules.match_funded_cap)) + min(
            assessment, _need(rules.assessment_limit)
        )
    return min(_need(rules.combined_limit), therapy + min(assessment, _need(rules.assessment_limit)))


def split_request(
    rules: RuleSet,
    *,
    year_to_date_therapy: Money,
    year_to_date_assessment: Money,
    therapy: Money,
    assessment: Money,
    fund_so_far: Money | None = None,
) -> FundSplit:
    """How a request for `therapy` and `assessment` splits between the fund and the authority, given what the
    child's financial year already holds. fund + authority == therapy + assessment, always.

    The limit is on what the fund pays for the child in the year: the fund's share is what the rules give for
    the whole year with this request, less what the fund already pays (`fund_so_far`), never below nothing nor
    above the request. Without `fund_so_far` it is taken to be what the rules give for the year so far, as when
    the fund paid each earlier request its full share; with it, an earlier approval the fund cut, or an unspent
    part given back, leaves room that this request can use."""
    ytd_t = _amount(year_to_date_therapy, "therapy so far this year")
    ytd_a = _amount(year_to_date_assessment, "assessment so far this year")
    req_t = _amount(therapy, "therapy amount")
    req_a = _amount(assessment, "assessment amount")
    before = (fund_total(rules, therapy=ytd_t, assessment=ytd_a) if fund_so_far is None
              else _amount(fund_so_far, "the fund's payments so far this year"))
    after = fund_total(rules, therapy=ytd_t + req_t, assessment=ytd_a + req_a)
    fund = min(max(after - before, ZERO), req_t + req_a)
    return FundSplit(fund=_money(fund), authority=_money(req_t + req_a - fund))


def headroom(rules: RuleSet, *, year_to_date_therapy: Money, year_to_date_assessment: Money,
             fund_so_far: Money | None = None) -> Money | None:
    """How much more the fund can pay for the child this year (None: no limit): the yearly cap less what the fund
    already pays (`fund_so_far`, or what the rules give for the year so far)."""
    cap = rules.max_fund_per_year
    if cap is None:
        return None
    used = (fund_total(rules, therapy=_amount(year_to_date_therapy, "therapy so far this year"),
                       assessment=_amount(year_to_date_assessment, "assessment so far this year"))
            if fund_so_far is None else _amount(fund_so_far, "the fund's payments so far this year"))
    return _money(max(cap.amount - used, ZERO))


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day where it has no such day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def application_deadline(rules: RuleSet, *, assessment_date: date) -> date:
    """The last day to apply after the assessment (3 months by default; the rule set can say otherwise)."""
    return add_months(assessment_date, rules.application_window_months)


def within_window(rules: RuleSet, *, assessment_date: date, submitted_date: date) -> bool:
    return assessment_date <= submitted_date <= application_deadline(rules, assessment_date=assessment_date)


def age_in_years(*, date_of_birth: date, on_date: date) -> int:
    years = on_date.year - date_of_birth.year
    if (on_date.month, on_date.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_eligible(rules: RuleSet, *, date_of_birth: date, on_date: date, has_ehc_plan: bool) -> bool:
    """Up to and including the age limit (or the higher one with an EHC plan)."""
    limit = rules.age_limit_with_ehc_plan if has_ehc_plan else rules.age_limit
    age = age_in_years(date_of_birth=date_of_birth, on_date=on_date)
    return 0 <= age <= limit
