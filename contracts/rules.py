"""The contract's own rules, pure: no ORM, no clock; everything arrives as arguments. Dates of a contract's term,
and the checks every row of its schedule meets (service elements, year values, KPIs, extension options), each
returning the problem in words a user can act on, or None."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

PENNY = Decimal("0.01")


def financial_year_of(day: date) -> int:
    """The financial year (April to March) a date falls in, named by its starting year."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    return f"{year}-{str(year + 1)[-2:]}"


def day_text(day: date) -> str:
    """1 April 2016, as people write a date."""
    return f"{day.day} {day:%B %Y}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it is shorter (31 Mar + 6 = 30 Sep)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def maximum_end_date(*, end_date: date, option_months: Iterable[int]) -> date:
    """The contract's maximum term ends here: its end date moved on by each extension option not yet taken up, in
    turn (as `contracts.services.register.contract_extend` moves it)."""
    for months in option_months:
        end_date = add_months(end_date, months)
    return end_date


def year_value_problem(*, financial_year: int, start_date: date, maximum_end: date, value: Decimal,
                       taken: Collection[int]) -> tuple[str, str] | None:
    """A year's value: a financial year inside the contract's maximum term, one value a year, in pounds and
    pence, not negative. The problem is (the field it concerns, the message)."""
    first, last = financial_year_of(start_date), financial_year_of(maximum_end)
    if not first <= financial_year <= last:
        return "financial_year", (
            f"{financial_year_label(financial_year)} is outside the contract's term: its years run from "
            f"{financial_year_label(first)} to {financial_year_label(last)}, extension options included."
        )
    if financial_year in taken:
        return "financial_year", (
            f"The contract already has a value for {financial_year_label(financial_year)}: change that one instead."
        )
    if value < 0:
        return "value", "A year's value cannot be negative."
    if value != value.quantize(PENNY):
        return "value", f"£{value} is not a whole number of pence."
    return None


def kpi_target_problem(*, unit: str, target: Decimal) -> str | None:
    """A KPI's target in its unit: a percentage from 0 to 100, a number or a number of days not negative, a number
    whole. `unit` is a `contracts.models.KpiUnit` value."""
    if not target.is_finite():
        return "The target must be a number."
    if target < 0:
        return "The target cannot be negative."
    if unit == "percent" and target > 100:
        return f"A percentage target must be between 0 and 100, not {target}."
    if unit == "count" and target != target.to_integral_value():
        return f"A target that counts must be a whole number, not {target}."
    return None


def extension_option_problem(*, length_months: int, decision_by_date: date, start_date: date,
                             maximum_end: date) -> tuple[str, str] | None:
    """An extension option stays inside the contract's maximum term: at least a month long, and decided while the
    contract may still run (from its start to the end of its term with every other option taken up), since an
    option decided after that could only extend a contract that has ended. `maximum_end` leaves this option out."""
    if length_months < 1:
        return "length_months", "An extension must be at least one month long."
    if decision_by_date < start_date:
        return "decision_by_date", (
            f"The decision cannot be due before the contract starts ({day_text(start_date)})."
        )
    if decision_by_date > maximum_end:
        return "decision_by_date", (
            f"The decision must be due by {day_text(maximum_end)}, the end of the contract's maximum term (its end "
            f"date with every other extension option taken up): an option decided later would extend a contract "
            f"that has ended."
        )
    return None
