"""Working days in England: weekends and bank holidays do not count. Pure functions; the holidays come in
as an argument (a set of dates), `england_bank_holidays` builds that set from the `holidays` package."""

from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib


@lru_cache(maxsize=64)
def _england(year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays("GB", subdiv="ENG", years=year).keys())


def england_bank_holidays(*years: int) -> frozenset[date]:
    out: set[date] = set()
    for year in years:
        out |= _england(year)
    return frozenset(out)


def bank_holidays_around(day: date, *, span_years: int = 2) -> frozenset[date]:
    return england_bank_holidays(*range(day.year - 1, day.year + span_years + 1))


def is_working_day(day: date, *, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, *, holidays: Collection[date]) -> date:
    """The date `days` working days after `start` (start itself not counted). `days` may be 0 or negative."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current, holidays=holidays):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, *, holidays: Collection[date]) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start, holidays=holidays)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays=holidays):
            count += 1
    return count
