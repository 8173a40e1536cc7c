"""Letterbox rules, pure: no ORM, no clock (today arrives as an argument).

When exchanges are due: once or twice a year, in named months. A due month is the calendar month; an item
written in it is expected by the end of the month, and it is overdue `weeks` whole weeks after that. Nothing is
expected in a month the arrangement is paused in (a pause that covers any day of the month), nor in a month that
starts on or after the child's 18th birthday (the arrangement ends then).

How an item moves: logged when received, then held, redacted, returned or forwarded. An item is forwarded only
when every point of the checklist has been confirmed for the copy that is sent (a redaction makes a new copy, so
checks made before it no longer count), and by a second, different worker where the arrangement asks for one."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

MONTH_NAMES = tuple(calendar.month_name)[1:]

# What a worker confirms before an item is forwarded: nothing in it identifies the adoptive family.
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("surname", "No surname of the adoptive family"),
    ("address", "No address or postcode"),
    ("school", "No school, club or uniform that names one"),
    ("town", "No town, area or landmark near the family's home"),
    ("social_media", "No social media names, email addresses or telephone numbers"),
    ("photo_metadata", "No identifying detail in photos (location data, signs, number plates)"),
)
CHECKLIST_KEYS = frozenset(key for key, _ in CHECKLIST)


class InvalidSchedule(ValueError):
    """The frequency asked for is not one the service runs."""


def check_months(months: Iterable[int]) -> tuple[int, ...]:
    """The due months, sorted: one or two different months of the year (1 to 12)."""
    chosen = tuple(sorted(set(months)))
    if not chosen:
        raise InvalidSchedule("Choose the month or months the exchange is due.")
    if len(chosen) > 2:
        raise InvalidSchedule("An exchange is due once or twice a year: choose one or two months.")
    if any(not 1 <= m <= 12 for m in chosen):
        raise InvalidSchedule("Choose months of the year.")
    return chosen


def months_in_words(months: Sequence[int]) -> str:
    names = [MONTH_NAMES[m - 1] for m in sorted(months)]
    if len(names) == 1:
        return f"Once a year, in {names[0]}"
    return f"Twice a year, in {names[0]} and {names[1]}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def eighteenth_birthday(date_of_birth: date) -> date:
    """The 18th birthday; someone born on 29 February turns 18 on 1 March in a year that is not a leap year."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + 18)
    except ValueError:
        return date(date_of_birth.year + 18, 3, 1)


@dataclass(frozen=True)
class Pause:
    start: date
    until: date | None = None  # inclusive; None: paused with no end date yet

    def covers_month(self, first_day: date) -> bool:
        last_day = month_end(first_day)
        return self.start <= last_day and (self.until is None or self.until >= first_day)


def due_months(*, months: Sequence[int], agreed_date: date, date_of_birth: date, until: date,
               pauses: Sequence[Pause] = (), ended_date: date | None = None) -> list[date]:
    """The first day of every due month after the month the arrangement was agreed, up to and including the month
    of `until`: skipping months a pause covers, and stopping at the 18th birthday or the end of the arrangement."""
    chosen = check_months(months)
    stop = eighteenth_birthday(date_of_birth)
    if ended_date is not None:
        stop = min(stop, ended_date)
    due: list[date] = []
    day = next_month(month_start(agreed_date))
    last = month_start(until)
    while day <= last and day < stop:
        if day.month in chosen and not any(p.covers_month(day) for p in pauses):
            due.append(day)
        day = next_month(day)
    return due


def overdue_date(*, due: date, weeks: int) -> date:
    """The first day an item due in the month of `due` counts as overdue: `weeks` whole weeks after the month."""
    if weeks < 0:
        raise InvalidSchedule("The weeks before an exchange is overdue cannot be negative.")
    return month_end(due) + timedelta(weeks=weeks, days=1)


def is_overdue(*, due: date, weeks: int, today: date, received: bool) -> bool:
    return not received and today >= overdue_date(due=due, weeks=weeks)


def timeliness(*, due: date, weeks: int, received_date: date | None, today: date) -> str:
    """'on_time', 'late', 'missed' (overdue and still not received) or 'waiting'."""
    limit = overdue_date(due=due, weeks=weeks)
    if received_date is not None:
        return "on_time" if received_date < limit else "late"
    return "missed" if today >= limit else "waiting"


def repeated_misses(timeliness_in_order: Sequence[str]) -> int:
    """How many due exchanges in a row, counting back from the latest decided one, were missed."""
    run = 0
    for value in reversed([t for t in timeliness_in_order if t != "waiting"]):
        if value != "missed":
            break
        run += 1
    return run


# ---- items ------------------------------------------------------------------------------------------------------

EXPECTED = "expected"
RECEIVED = "received"
HELD = "held"
REDACTED = "redacted"
FORWARDED = "forwarded"
RETURNED = "returned"
MISSED = "missed"
EXCUSED = "excused"

# action -> (states it may start from, the state it ends in). The model's django-fsm transitions say the same.
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "receive": (frozenset({EXPECTED}), RECEIVED),
    "hold": (frozenset({RECEIVED, REDACTED}), HELD),
    "redact": (frozenset({RECEIVED, HELD}), REDACTED),
    "forward": (frozenset({RECEIVED, REDACTED}), FORWARDED),
    "return_to_writer": (frozenset({RECEIVED, HELD}), RETURNED),
    "miss": (frozenset({EXPECTED}), MISSED),
    "excuse": (frozenset({EXPECTED}), EXCUSED),
    "reinstate": (frozenset({EXCUSED}), EXPECTED),
}
CONTENT_CHANGES = frozenset({"receive", "redact"})  # each makes a new copy that must be checked again


class MoveRefused(Exception):
    """The item cannot move as asked; the message says why."""


@dataclass(frozen=True)
class Check:
    by: int
    version: int
    points: frozenset[str]


@dataclass(frozen=True)
class Item:
    state: str = EXPECTED
    version: int = 0
    second_check_required: bool = False
    checks: tuple[Check, ...] = field(default_factory=tuple)


def forward_refusals(*, version: int, checks: Sequence[Check], second_check_required: bool) -> list[str]:
    """Why an item may not be forwarded yet (empty when it may): every point confirmed on the current copy, by
    two different workers where a second check is required."""
    complete = {c.by for c in checks if c.version == version and c.points >= CHECKLIST_KEYS}
    reasons = []
    if not complete:
        reasons.append("Every point of the checklist must be confirmed for the copy being sent.")
    elif second_check_required and len(complete) < 2:
        reasons.append("This arrangement needs a second worker to check the item before it is forwarded.")
    return reasons


def apply(item: Item, action: str, *, by: int = 0, points: Iterable[str] = ()) -> Item:
    """The item after `action` ("check" records a worker's check; the others are moves), or MoveRefused."""
    if action == "check":
        if item.state not in (RECEIVED, HELD, REDACTED):
            raise MoveRefused("Only an item that has been received can be checked.")
        unknown = set(points) - CHECKLIST_KEYS
        if unknown:
            raise MoveRefused("The checklist has no such point.")
        return replace(item, checks=(*item.checks, Check(by=by, version=item.version, points=frozenset(points))))
    if action not in MOVES:
        raise MoveRefused(f"No such action: {action}.")
    sources, target = MOVES[action]
    if item.state not in sources:
        raise MoveRefused(f"An item that is {item.state} cannot be moved that way.")
    if action == "forward":
        reasons = forward_refusals(version=item.version, checks=item.checks,
                                   second_check_required=item.second_check_required)
        if reasons:
            raise MoveRefused(" ".join(reasons))
    version = item.version + 1 if action in CONTENT_CHANGES else item.version
    return replace(item, state=target, version=version)


# ---- changing the terms -----------------------------------------------------------------------------------------

DIRECTION_WORDS = {"from_family": "the family writes", "from_relatives": "the birth relatives write",
                   "both_ways": "both ways"}


@dataclass(frozen=True)
class Terms:
    """What an arrangement agrees: how often and in which months, who writes, what may be included, the special
    conditions and whether a second worker checks every item."""

    due_months: tuple[int, ...]
    direction: str
    overdue_after_weeks: int = 4
    photos_allowed: bool = False
    gifts_allowed: bool = False
    cards_allowed: bool = True
    conditions: str = ""
    second_check_required: bool = False


def _allowed(word: str, now_allowed: bool) -> str:
    return f"{word} may now be included" if now_allowed else f"{word} may no longer be included"


def terms_changes(before: Terms, after: Terms) -> list[str]:
    """Each change in plain words, in a fixed order; empty when nothing changed. The special conditions are named,
    not quoted (the history is read by people who may not see their detail)."""
    changes: list[str] = []
    if tuple(sorted(before.due_months)) != tuple(sorted(after.due_months)):
        words = months_in_words(after.due_months)
        changes.append(words[0].lower() + words[1:])
    if before.direction != after.direction:
        changes.append(f"who writes: {DIRECTION_WORDS.get(after.direction, after.direction)}")
    if before.overdue_after_weeks != after.overdue_after_weeks:
        weeks = after.overdue_after_weeks
        changes.append(f"overdue {weeks} week{'s' if weeks != 1 else ''} after the due month")
    for word, old, new in (("photos", before.photos_allowed, after.photos_allowed),
                           ("gifts", before.gifts_allowed, after.gifts_allowed),
                           ("cards", before.cards_allowed, after.cards_allowed)):
        if old != new:
            changes.append(_allowed(word, new))
    if before.conditions.strip() != after.conditions.strip():
        changes.append("special conditions changed" if after.conditions.strip() else "special conditions removed")
    if before.second_check_required != after.second_check_required:
        changes.append("a second worker now checks every item" if after.second_check_required
                       else "a second check is no longer needed")
    return changes


def describe_terms_change(before: Terms, after: Terms) -> str:
    """For the history, after "Terms changed: ": "twice a year, in March and September; photos may now be
    included" (empty when nothing changed)."""
    return "; ".join(terms_changes(before, after))


def sides_for(direction: str) -> tuple[str, ...]:
    """Who writes under a direction: "family", "relatives" or both."""
    return {"from_family": ("family",), "from_relatives": ("relatives",),
            "both_ways": ("family", "relatives")}.get(direction, ())


@dataclass(frozen=True)
class Reschedule:
    """What happens to the items of the months after the change: still expected but no longer due under the new
    terms (excused), excused but due again and not in a pause (expected again), and due with no item yet
    (created). Every other item is left as it is."""

    excuse: frozenset[tuple[date, str]]
    reinstate: frozenset[tuple[date, str]]
    create: frozenset[tuple[date, str]]


def reschedule(*, items: dict[tuple[date, str], str], wanted: Iterable[tuple[date, str]]) -> Reschedule:
    """`items`: the (month, writer) of every item of a month after the change, and its state; `wanted`: the
    (month, writer) the new terms expect in those months, without the months a pause in force covers."""
    want = frozenset(wanted)
    return Reschedule(
        excuse=frozenset(slot for slot, state in items.items() if state == EXPECTED and slot not in want),
        reinstate=frozenset(slot for slot, state in items.items() if state == EXCUSED and slot in want),
        create=frozenset(slot for slot in want if slot not in items),
    )
