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

# A target saved without a date applies from here: before any record the product holds.
TARGETS_ALWAYS_FROM = date(2000, 4, 1)
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


def protect_row(cells: Sequence[int], total: int, *, hide: Collection[int] = (),
                total_hidden: bool = False) -> tuple[list[bool], bool]:
    """Which cells of a row, and whether its total, may not be published: (cells hidden, total hidden).

    Primary: a count of 1 to 4 is hidden, and so is any cell in `hide` (hidden elsewhere, so hidden here too)
    and the total when `total_hidden`. Secondary, as official statistics do: a row whose total is published and
    which has exactly one hidden cell would give that cell away (the total less the others), so the next smallest
    cell above zero is hidden as well (the first of equals); where no such cell is left, the total is hidden
    instead. A hidden total with every cell shown would be the cells' sum, so the smallest cell above zero is
    hidden too. Zero is never hidden, so a reader knows only that each hidden cell is at least 1: with two or
    more hidden cells of which one is 5 or more, their sum cannot be split (`tests/unit/test_scorecard_rules.py`
    holds that no hidden cell can be worked out from its row)."""
    hidden = [is_suppressed(c) or i in hide for i, c in enumerate(cells)]
    total_hidden = total_hidden or is_suppressed(total)

    def hide_next_smallest() -> bool:
        candidates = [(c, i) for i, c in enumerate(cells) if c > 0 and not hidden[i]]
        if not candidates:
            return False
        hidden[min(candidates)[1]] = True
        return True

    def given_away() -> bool:
        """With the total shown, the hidden cells' sum is known; each is at least 1, so one alone, or several
        that can only be 1 each, are given away."""
        count = sum(hidden)
        return count == 1 or (count > 1 and sum(c for c, h in zip(cells, hidden, strict=True) if h) == count)

    if total_hidden:
        if not any(hidden) and any(c > 0 for c in cells):
            hide_next_smallest()
    else:
        while given_away():
            if not hide_next_smallest():
                total_hidden = True
                break
    return hidden, total_hidden


@dataclass(frozen=True)
class ProtectedTable:
    """The masks of a table of rows (one per authority: its cells by kind and its total) under a summary row (each
    authority's total, then the grand total)."""

    rows: list[list[bool]]
    row_totals: list[bool]
    grand_total: bool


def protect_table(rows: Sequence[Sequence[int]]) -> ProtectedTable:
    """`protect_row` over an authority-by-kind table and its summary, until they agree: an authority's total hidden
    in the summary is hidden on its own row (with a cell of that row, so the cells do not add up to it), and a
    total its own row had to hide is hidden in the summary (with another authority's). Each pass hides more, so it
    ends."""
    totals = [sum(row) for row in rows]
    grand = sum(totals)
    forced: set[int] = set()
    while True:
        summary, grand_hidden = protect_row(totals, grand, hide=forced)
        masks = [protect_row(row, total, total_hidden=summary[i]) for i, (row, total) in enumerate(
            zip(rows, totals, strict=True))]
        more = {i for i, (_cells, total_hidden) in enumerate(masks) if total_hidden and not summary[i]}
        if not more:
            return ProtectedTable([m[0] for m in masks], summary, grand_hidden)
        forced |= more


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


@dataclass(frozen=True)
class LetterboxMeasure:
    """A letterbox figure (`contact.selectors.PeriodCounts`): `field` names the count it reads."""

    key: str
    label: str
    field: str
    explain: str


LETTERBOX_MEASURES: tuple[LetterboxMeasure, ...] = (
    LetterboxMeasure("letterbox_active", "Letterbox arrangements active", "active_arrangements",
                     "Arrangements agreed before the period ended and not ended before it started."),
    LetterboxMeasure("letterbox_due", "Letterbox exchanges due", "due",
                     "Exchanges due in a month of the period (excused ones not counted)."),
    LetterboxMeasure("letterbox_on_time", "Letterbox exchanges received on time", "on_time",
                     "Exchanges due in the period that were received before their overdue date."),
    LetterboxMeasure("letterbox_late", "Letterbox exchanges received late", "late",
                     "Exchanges due in the period that were received on or after their overdue date."),
    LetterboxMeasure("letterbox_missed", "Letterbox exchanges missed", "missed",
                     "Exchanges due in the period marked missed, or overdue today and not received."),
    LetterboxMeasure("letterbox_held", "Letterbox exchanges held", "held",
                     "Exchanges due in the period that were held back at some time."),
    LetterboxMeasure("letterbox_forwarded", "Letterbox exchanges forwarded", "forwarded",
                     "Exchanges due in the period that were forwarded to the other side."),
)

LETTERBOX_BY_KEY = {m.key: m for m in LETTERBOX_MEASURES}
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


def target_in_force(history: Iterable[tuple[date, int]], on: date) -> int | None:
    """The target (working days) in force on `on` from (effective from, working days) pairs: the one with the
    latest date on or before `on`; None when every target starts later (or there is none)."""
    best: tuple[date, int] | None = None
    for start, days in history:
        if start <= on and (best is None or start > best[0]):
            best = (start, days)
    return best[1] if best else None


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


def letterbox_figures(
    counts: Mapping[Any, Any], authority_ids: Sequence[int],
) -> dict[str, dict[int | None, int]]:
    """Each letterbox measure's figure for each authority and their sum (key None), from counts keyed by
    (authority id, group) (several groups of one authority are added up); an authority absent has 0."""
    out: dict[str, dict[int | None, int]] = {}
    for measure in LETTERBOX_MEASURES:
        row: dict[int | None, int] = {pk: 0 for pk in authority_ids}
        for (authority, _group), figures in counts.items():
            if authority in row:
                row[authority] += getattr(figures, measure.field)
        row[None] = sum(row[pk] for pk in authority_ids)
        out[measure.key] = row
    return out


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
