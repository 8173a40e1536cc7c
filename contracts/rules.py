"""The contract's own rules, pure: no ORM, no clock; everything arrives as arguments. Dates of a contract's term,
and the checks every row of its schedule meets (service elements, year values, KPIs, extension options), each
returning the problem in words a user can act on, or None."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it is shorter (31 Mar + 6 = 30 Sep)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
