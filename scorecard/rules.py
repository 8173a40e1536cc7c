"""Pure rules for the scorecard: no ORM, no clock. The selectors hand in plain facts (tuples of ids and dates);
these rules turn them into figures, so each measure is tested on small hand-made cases with known answers
(tests/unit/test_scorecard_rules.py).

- Periods: financial years (April to March, named by the starting year) and their quarters; a period has an
  inclusive start and an exclusive end.
- Working days: England bank holidays come in as a set (`core.workdays`); a `WorkingDayCounter` answers
  `core.workdays.working_days_between` in constant time for many pairs of dates.
- Percentiles as PostgreSQL's `percentile_cont` (linear interpolation between the closest ranks).
- Suppression of small numbers (1 to 4) in anything that leaves the product, as official statistics do.
- Outcomes: first against last score of a measure, improved, same or worse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.workdays import is_working_day
from support import rules as support_rules

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "[c]"


# Periods ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """From `start` (inclusive) to `end` (exclusive)."""

    start: date
    end: date
    label: str
    key: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def year_label(year: int) -> str:
    return f"{year}-{str(year + 1)[-2:]}"


def financial_year(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 4, 1), year_label(year), "year")


_QUARTER_STARTS = ((0, 4), (0, 7), (0, 10), (1, 1))
_QUARTER_MONTHS = ("April to June", "July to September", "October to December", "January to March")


def quarter(year: int, number: int) -> Period:
    """Quarter 1 to 4 of the financial year `year` (quarter 1 is April to June)."""
    if number not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1, 2, 3 or 4.")
    add, month = _QUARTER_STARTS[number - 1]
    start = date(year + add, month, 1)
    if number == 4:
        end = date(year + 1, 4, 1)
    else:
        next_add, next_month = _QUARTER_STARTS[number]
        end = date(year + next_add, next_month, 1)
    return Period(start, end, f"Q{number} {year_label(year)} ({_QUARTER_MONTHS[number - 1]})", f"q{number}")


def quarters(year: int) -> list[Period]:
    return [quarter(year, n) for n in (1, 2, 3, 4)]


def period_for(year: int, quarter_number: int | None) -> Period:
    return quarter(year, quarter_number) if quarter_number else financial_year(year)


# Working days ----------------------------------------------------------------------------------------------------

class WorkingDayCounter:
    """`working_days_between(start, end)` as in core.workdays (working days after `start` up to and including
    `end`), in constant time: a running count of working days over the span, built once."""

    def __init__(self, first: date, last: date, *, holidays: Collection[date]) -> None:
        self.first = first
        self.last = last
        self._running: list[int] = []
        count = 0
        day = first
        while day <= last:
            if is_working_day(day, holidays=holidays):
                count += 1
            self._running.append(count)
            day += timedelta(days=1)

    def _at(self, day: date) -> int:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the counter's span {self.first} to {self.last}.")
        return self._running[(day - self.first).days]

    def between(self, start: date, end: date) -> int:
        return self._at(end) - self._at(start)


# Statistics ------------------------------------------------------------------------------------------------------

def percentile(values: Sequence[int | Decimal], fraction: Decimal | str) -> Decimal | None:
    """PostgreSQL's `percentile_cont(fraction)`: linear interpolation between the two closest ranks; None when
    there are no values."""
    if not values:
        return None
    ordered = sorted(Decimal(v) for v in values)
    position = Decimal(fraction) * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


def share_within(values: Sequence[int], target: int | None) -> Decimal | None:
    """The share (0 to 100, one decimal place) of `values` at or under `target`; None without a target or values."""
    if target is None or not values:
        return None
    within = sum(1 for v in values if v <= target)
    return (Decimal(within) * 100 / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def one_place(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def suppress(count: int) -> int | str:
    """A count as it may leave the product: 1 to 4 become "[c]" (confidential); 0 and 5 or more stay."""
    return SUPPRESSED if 0 < count < SUPPRESSION_THRESHOLD else count


def is_suppressed(count: int) -> bool:
    return 0 < count < SUPPRESSION_THRESHOLD


# Measures --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CountMeasure:
    """A count: the records whose `date_name` falls in the period."""

    key: str
    label: str
    counts: str
    date_name: str
    group: str


@dataclass(frozen=True)
class DurationMeasure:
    """Working days from the request's received date to the first `to_name`, for the requests whose first
    `to_name` falls in the period."""

    key: str
    label: str
    to_name: str


GROUPS = (
    ("requests", "Requests and assessments"),
    ("decisions", "Notices, decisions, plans and reviews"),
    ("asf", "Adoption Support Fund"),
    ("referrals", "Referrals to providers"),
)

COUNT_MEASURES: tuple[CountMeasure, ...] = (
    CountMeasure("requests_received", "Requests received", "support requests, about a child or a person",
                 "the date the request was received", "requests"),
    CountMeasure("requests_withdrawn", "Requests withdrawn", "support requests withdrawn before a decision",
                 "the date the request was closed", "requests"),
    CountMeasure("assessments_started", "Assessments started", "assessments of need", "the date work started",
                 "requests"),
    CountMeasure("assessments_completed", "Assessments completed", "assessments of need sent for approval",
                 "the date it was sent for approval", "requests"),
    CountMeasure("assessments_approved", "Assessments approved", "assessments of need approved by a manager",
                 "the date of approval", "requests"),
    CountMeasure("notices_issued", "Notices of proposal issued", "notices of proposal", "the date of issue",
                 "decisions"),
    CountMeasure("decisions_provide", "Decisions to provide support", "approved decisions to provide support",
                 "the date of the decision", "decisions"),
    CountMeasure("decisions_not_provide", "Decisions not to provide support",
                 "approved decisions not to provide support", "the date of the decision", "decisions"),
    CountMeasure("plans_started", "Support plans started", "first versions of support plans, once active",
                 "the plan's start date", "decisions"),
    CountMeasure("reviews_due", "Reviews due", "reviews of support plans", "the date the review was due",
                 "decisions"),
    CountMeasure("reviews_done", "Reviews done", "reviews of support plans completed", "the date it was completed",
                 "decisions"),
    CountMeasure("asf_submitted", "ASF applications submitted", "Adoption Support Fund applications",
                 "the date first submitted to the fund", "asf"),
    CountMeasure("asf_approved", "ASF applications approved", "applications the fund approved in full or in part",
                 "the date of the fund's decision", "asf"),
    CountMeasure("asf_rejected", "ASF applications rejected", "applications the fund rejected",
                 "the date of the fund's decision", "asf"),
    CountMeasure("asf_returned", "ASF applications returned", "times the fund returned an application for rework",
                 "the date it was returned", "asf"),
    CountMeasure("referrals_made", "Referrals made", "referrals sent to a provider", "the date sent", "referrals"),
    CountMeasure("referrals_accepted", "Referrals accepted", "referrals a provider accepted",
                 "the date accepted", "referrals"),
    CountMeasure("referrals_first_session", "First sessions delivered", "referrals whose first session took place",
                 "the date of the first session", "referrals"),
)

DURATION_MEASURES: tuple[DurationMeasure, ...] = (
    DurationMeasure("to_assessment_started", "Request to assessment started", "assessment started"),
    DurationMeasure("to_assessment_approved", "Request to assessment approved", "assessment approved"),
    DurationMeasure("to_decision", "Request to decision", "decision on support"),
    DurationMeasure("to_plan", "Request to support plan", "support plan starting"),
    DurationMeasure("to_asf_submitted", "Request to ASF application submitted", "ASF application first submitted"),
    DurationMeasure("to_asf_approved", "Request to ASF application approved", "ASF approval"),
    DurationMeasure("to_first_session", "Request to first session delivered", "first session with a provider"),
)

COUNTS_BY_KEY = {m.key: m for m in COUNT_MEASURES}
DURATIONS_BY_KEY = {m.key: m for m in DURATION_MEASURES}


def count_explanation(measure: CountMeasure) -> str:
    return f"Counts {measure.counts} whose {measure.date_name} falls in the period."


def duration_explanation(measure: DurationMeasure) -> str:
    return (f"Working days (England, bank holidays not counted) from the date the request was received to the "
            f"first {measure.to_name}, for the requests whose first {measure.to_name} falls in the period.")


# Figures from facts ----------------------------------------------------------------------------------------------

def count_in(dates: Iterable[tuple[Any, date]], period: Period) -> Counter:
    """Facts (group, date) counted by group where the date falls in the period."""
    return Counter(group for group, day in dates if day in period)


@dataclass(frozen=True)
class Timeliness:
    count: int
    median: Decimal | None
    p90: Decimal | None
    within_target: Decimal | None
    target: int | None


def timeliness(days: Sequence[int], target: int | None) -> Timeliness:
    return Timeliness(len(days), one_place(percentile(days, "0.5")), one_place(percentile(days, "0.9")),
                      share_within(days, target), target)


def durations_in(
    facts: Iterable[tuple[Any, date, date]], period: Period, counter: WorkingDayCounter
) -> dict[Any, list[int]]:
    """Facts (group, from date, to date) whose `to` date falls in the period: working days by group."""
    out: dict[Any, list[int]] = {}
    for group, start, end in facts:
        if end in period:
            out.setdefault(group, []).append(counter.between(start, end))
    return out


def waiting_at(*, received: date, started: date | None, closed: date | None, at: date) -> bool:
    """A request is waiting for assessment at the start of day `at` when it was received before then, no
    assessment had started and it was not closed (withdrawn, decided or closed) before then."""
    return received < at and (started is None or started >= at) and (closed is None or closed >= at)


def overdue_at(*, due: date, completed: date | None, at: date) -> bool:
    """A review is overdue at the start of day `at` when it fell due before then and was not done before then."""
    return due < at and (completed is None or completed >= at)


# Outcomes --------------------------------------------------------------------------------------------------------
# Each change (improved, same, worse) is `support.rules.outcome_change`, first against last score.

IMPROVED, SAME, WORSE = support_rules.IMPROVED, support_rules.SAME, support_rules.WORSE
CHANGES = support_rules.OUTCOME_CHANGES


def tally_changes(changes: Iterable[str]) -> dict[str, int]:
    """Changes counted: {improved, same, worse}, each present."""
    out = {IMPROVED: 0, SAME: 0, WORSE: 0}
    for change in changes:
        out[change] += 1
    return out


def add_up(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: Counter = Counter()
    for part in parts:
        total.update(part)
    return dict(total)
