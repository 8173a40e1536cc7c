"""Pure rules of the journal export: no ORM, no clock.

The council's financial year runs April to March; it is named by the year it starts in (2026 for 2026-27).
Period 1 is April, period 12 is March. A posting dated in a closed period goes into the next open period (perhaps
in the next year), with a note saying so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

Period = tuple[int, int]  # (financial year it starts in, period number 1..12)

#: How many periods a closed run may span before the rule gives up: ten years of closed periods means the
#: periods are set up wrongly, not that the posting belongs eleven years on.
MAX_ROLL = 120


class PeriodsAllClosed(ValueError):
    """Every period for ten years after a posting's date is closed."""


def period_of(day: date) -> Period:
    """The financial year (the year it starts in) and the period number of `day`."""
    year = day.year if day.month >= 4 else day.year - 1
    return year, (day.month - 4) % 12 + 1


def next_period(period: Period) -> Period:
    year, number = period
    return (year, number + 1) if number < 12 else (year + 1, 1)


def period_label(period: Period) -> str:
    """`2026-27 P01`."""
    year, number = period
    return f"{year}-{(year + 1) % 100:02d} P{number:02d}"


def period_start(period: Period) -> date:
    year, number = period
    month = (number + 2) % 12 + 1
    return date(year if month >= 4 else year + 1, month, 1)


@dataclass(frozen=True)
class PeriodChoice:
    year: int
    number: int
    note: str = ""

    @property
    def period(self) -> Period:
        return self.year, self.number


def booking_period(natural: Period, closed: Collection[Period]) -> PeriodChoice:
    """The period a posting whose date falls in `natural` is booked in: `natural` itself when open, otherwise the
    next open one, with a note naming both."""
    chosen = natural
    for _ in range(MAX_ROLL):
        if chosen not in closed:
            break
        chosen = next_period(chosen)
    else:
        raise PeriodsAllClosed(f"Every period from {period_label(natural)} for ten years on is closed.")
    if chosen == natural:
        return PeriodChoice(*natural)
    return PeriodChoice(*chosen, note=f"{period_label(natural)} is closed: booked in {period_label(chosen)}")


def booking_period_of(day: date, closed: Collection[Period]) -> PeriodChoice:
    return booking_period(period_of(day), closed)


def roll_table(closed: Iterable[Period]) -> list[tuple[Period, PeriodChoice]]:
    """For every closed period, where its postings go: the only periods that differ from the date's own."""
    closed_set = frozenset(closed)
    return [(period, booking_period(period, closed_set)) for period in sorted(closed_set)]


MappingKey = tuple[str, str]  # (account code, source kind or "")


def resolve_mapping(code: str, source_kind: str, mappings: Mapping[MappingKey, object]) -> object | None:
    """The mapping for a posting to an account with `code` caused by a record of `source_kind` ("" for none):
    the one for that kind if there is one, else the one for the account alone, else None."""
    if source_kind and (code, source_kind) in mappings:
        return mappings[(code, source_kind)]
    return mappings.get((code, ""))


def unmapped(keys: Iterable[MappingKey], mappings: Mapping[MappingKey, object]) -> list[MappingKey]:
    """The keys no mapping covers, sorted."""
    return sorted({key for key in keys if resolve_mapping(key[0], key[1], mappings) is None})
