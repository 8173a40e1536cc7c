"""Pure rules for support: no ORM, no clock. Everything arrives as arguments (authorities are any objects with
a `name`, or None), so the rules carry exhaustive unit and property tests (tests/unit/test_support_rules.py).

- The three-year rule (DOMAIN.md 1.3): for three years after the order the placing authority is responsible for
  assessing support needs; from the third anniversary on, the authority where the family lives.
- Deadlines: the representations window, the ASF application window, reviews, and "due soon" in working days
  (England bank holidays come in as a set; `core.workdays.bank_holidays_around` builds it)."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.workdays import add_working_days, working_days_between

RESPONSIBILITY_YEARS = 3

# Orders after which the three-year rule runs (a placement order alone leaves the child with the placing authority).
QUALIFYING_ORDER_KINDS = ("adoption", "special_guardianship", "child_arrangements", "intercountry")
PLACEMENT = "placement"


def _name(authority: Any) -> str:
    return getattr(authority, "name", None) or str(authority)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def add_years(day: date, years: int, *, leap_day: str = "1 March") -> date:
    """`day` moved by whole years. A 29 February lands on 1 March in a common year (`leap_day="1 March"`, the
    anniversary of an order) or on 28 February (`leap_day="28 February"`, a deadline that must not slip later)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        if leap_day == "28 February":
            return date(day.year + years, 2, 28)
        return date(day.year + years, 3, 1)


def add_months(day: date, months: int) -> date:
    """`day` moved by calendar months, clamped to the last day of a shorter month (30 November + 3 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def third_anniversary(order_date: date) -> date:
    return add_years(order_date, RESPONSIBILITY_YEARS, leap_day="1 March")


def residence_on(residence_history: Iterable[tuple[Any, date]], on_date: date) -> tuple[Any, date] | None:
    """The (authority, from_date) row in force on `on_date`: the latest from_date on or before it. Rows may come in
    any order; of two rows with the same date the later one in the list wins."""
    current: tuple[Any, date] | None = None
    for authority, from_date in residence_history:
        if from_date <= on_date and (current is None or from_date >= current[1]):
            current = (authority, from_date)
    return current


def responsible_authority(
    *,
    placing_authority: Any,
    residence_history: Sequence[tuple[Any, date]],
    order_date: date,
    on_date: date,
) -> tuple[Any, str]:
    """Which authority must assess support needs on `on_date`, and why (a sentence a worker can read out).

    Before the third anniversary of the order: the placing authority. From the anniversary on: the authority of
    residence on `on_date`. With no placing authority (an inter-country adoption) the authority of residence is
    responsible from the start. With no residence recorded on `on_date` the placing authority stays responsible
    until one is recorded (a child is never left without an authority); with neither, the answer is None."""
    anniversary = third_anniversary(order_date)
    residence = residence_on(residence_history, on_date)
    if placing_authority is not None and on_date < anniversary:
        return placing_authority, (
            f"{_name(placing_authority)} placed the child and the order was made on {_long(order_date)}: "
            f"{_name(placing_authority)} is responsible until the third anniversary on {_long(anniversary)} "
            f"(the three-year rule)."
        )
    if residence is not None:
        authority, from_date = residence
        if placing_authority is None:
            return authority, (
                f"No authority in England placed the child: the family has lived in {_name(authority)} since "
                f"{_long(from_date)}, so {_name(authority)} is responsible."
            )
        return authority, (
            f"The third anniversary of the order ({_long(order_date)}) was on {_long(anniversary)}: the authority "
            f"where the family lives is responsible, and they have lived in {_name(authority)} since "
            f"{_long(from_date)}."
        )
    if placing_authority is not None:
        return placing_authority, (
            f"The third anniversary of the order ({_long(order_date)}) was on {_long(anniversary)}, but no "
            f"address is recorded for {_long(on_date)}: {_name(placing_authority)}, the placing authority, stays "
            f"responsible until the family's address is recorded."
        )
    return None, (
        f"No authority placed the child and no address is recorded for {_long(on_date)}: record where the family "
        f"lives to find the responsible authority."
    )


@dataclass(frozen=True)
class OrderFact:
    kind: str
    order_date: date
    placing_authority: Any


def governing_order(orders: Iterable[OrderFact]) -> OrderFact | None:
    """The order the three-year rule runs from: the latest adoption, special guardianship, child arrangements or
    recognised inter-country order; failing those, the latest placement order."""
    orders = list(orders)
    qualifying = [o for o in orders if o.kind in QUALIFYING_ORDER_KINDS]
    pool = qualifying or [o for o in orders if o.kind == PLACEMENT]
    return max(pool, key=lambda o: o.order_date) if pool else None


def responsibility_for_child(
    *, orders: Iterable[OrderFact], residence_history: Sequence[tuple[Any, date]], on_date: date
) -> tuple[Any, str]:
    """The three-year rule over a child's recorded orders."""
    order = governing_order(orders)
    if order is None:
        residence = residence_on(residence_history, on_date)
        if residence is None:
            return None, "No order and no address are recorded: record the child's legal order."
        return residence[0], (
            f"No legal order is recorded: {_name(residence[0])}, where the family lives, is responsible until "
            f"the order is recorded."
        )
    if order.kind == PLACEMENT:
        if order.placing_authority is None:
            return None, "A placement order needs a placing authority."
        return order.placing_authority, (
            f"The child was placed for adoption by {_name(order.placing_authority)} on {_long(order.order_date)} "
            f"and no adoption order is recorded yet: {_name(order.placing_authority)} is responsible."
        )
    return responsible_authority(
        placing_authority=order.placing_authority, residence_history=residence_history,
        order_date=order.order_date, on_date=on_date,
    )


# --------------------------------------------------------------------------------------------------- deadlines


def representation_window_end(issued_date: date, window_days: int) -> date:
    """The last day for representations: `window_days` calendar days after the notice (28 by default)."""
    if window_days < 1:
        raise ValueError("The window for representations must be at least one day")
    return issued_date + timedelta(days=window_days)


def asf_application_deadline(assessment_date: date, months: int) -> date:
    """The last day to apply to the fund: `months` after the assessment (3 in the guidance; configurable)."""
    return add_months(assessment_date, months)


def annual_review_due(start_date: date) -> date:
    """Reviews are at least yearly: one year on, never later (a 29 February start is due on 28 February)."""
    return add_years(start_date, 1, leap_day="28 February")


def first_review_due(start_date: date, requested: date | None) -> date:
    """The first review: the date the worker chose, but never more than a year after the plan starts."""
    latest = annual_review_due(start_date)
    return latest if requested is None else min(requested, latest)


def working_days_left(today: date, deadline: date, *, holidays: Collection[date]) -> int:
    """Working days from today to the deadline (deadline counted, today not): 0 on the day, negative if overdue."""
    return working_days_between(today, deadline, holidays=holidays)


def is_due_soon(today: date, deadline: date, *, horizon_working_days: int, holidays: Collection[date]) -> bool:
    """Due within the horizon (in working days), or already overdue."""
    return deadline <= add_working_days(today, horizon_working_days, holidays=holidays)


# Outcomes of support: first against last score of a measure (issue 23). The scorecard tallies them by service and
# provider; contract monitoring by the contract's provider.
IMPROVED, SAME, WORSE = "improved", "same", "worse"
OUTCOME_CHANGES = ((IMPROVED, "Improved"), (SAME, "Stayed the same"), (WORSE, "Worsened"))


def outcome_change(first: Decimal | int, last: Decimal | int, *, higher_is_better: bool) -> str:
    """Improved, same or worse from the first score to the last (SDQ difficulties: lower is better)."""
    if Decimal(last) == Decimal(first):
        return SAME
    better = Decimal(last) > Decimal(first) if higher_is_better else Decimal(last) < Decimal(first)
    return IMPROVED if better else WORSE


def first_and_last(readings: Iterable[tuple[date, Decimal | int]]) -> tuple[Decimal, Decimal] | None:
    """The first and the last score by date (ties kept in the order given); None with fewer than two."""
    ordered = sorted(enumerate(readings), key=lambda pair: (pair[1][0], pair[0]))
    if len(ordered) < 2:
        return None
    return Decimal(ordered[0][1][1]), Decimal(ordered[-1][1][1])
