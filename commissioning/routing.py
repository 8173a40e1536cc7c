"""Routing a planned service to the provider commissioned for it: a pure rule (no ORM, no clock).

Everything arrives as arguments: the contracts as `ContractOption` facts (built by
`commissioning.selectors.contract_options`), the places each contract has used in the contract year, the date.

The rules, in the order they are checked for each contract:
  1. the contract is open for referrals (not terminated) and active on the date: start <= date <= end,
     both inclusive;
  2. one of its service elements covers the service type;
  3. the authority is a party to it;
  4. its provider is on the approved list and, for every kind of registration check it has ever held, holds one
     in date on the date (a provider with no checks at all is unverified and never chosen);
  5. it has capacity left this contract year (`capacity_per_year` None means unlimited).
Eligible contracts are ranked: block contracts before call-offs before service agreements before anything
else, then the most places left (unlimited first), then the contract ending last, then reference and id, so the
same facts always give the same answer. Nothing eligible: a spot purchase is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol


class RouteKind(StrEnum):
    BLOCK = "block"
    CALL_OFF = "call_off"
    SERVICE_AGREEMENT = "service_agreement"
    SPOT = "spot"
    OTHER = "other"


ROUTE_RANK: dict[str, int] = {
    RouteKind.BLOCK: 0,
    RouteKind.CALL_OFF: 1,
    RouteKind.SERVICE_AGREEMENT: 2,
    RouteKind.OTHER: 3,
    RouteKind.SPOT: 4,
}
ROUTE_LABEL: dict[str, str] = {
    RouteKind.BLOCK: "block contract",
    RouteKind.CALL_OFF: "framework call-off",
    RouteKind.SERVICE_AGREEMENT: "service agreement",
    RouteKind.OTHER: "contract",
    RouteKind.SPOT: "spot contract",
}


class Named(Protocol):
    """Anything with an id and a name: a ServiceType or Authority row, or a plain stand-in in tests."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class CheckFact:
    """One registration check a provider holds (Ofsted, DBS, insurance, HCPC)."""

    kind: str
    checked: date
    valid_until: date

    def covers(self, on_date: date) -> bool:
        return self.checked <= on_date <= self.valid_until


@dataclass(frozen=True)
class ContractOption:
    """What routing needs to know about one contract."""

    contract_id: int
    reference: str
    provider_id: int
    provider_name: str
    route_kind: str
    start: date
    end: date | None
    service_type_ids: frozenset[int]
    party_authority_ids: frozenset[int]
    capacity_per_year: int | None = None
    provider_checks: tuple[CheckFact, ...] = ()
    provider_approved: bool = True
    open_for_referrals: bool = True
    title: str = ""

    @property
    def route_label(self) -> str:
        return ROUTE_LABEL.get(self.route_kind, ROUTE_LABEL[RouteKind.OTHER])


@dataclass(frozen=True)
class Considered:
    """A contract routing looked at, and why it was or was not eligible."""

    option: ContractOption
    eligible: bool
    why: str
    capacity_left: int | None = None


@dataclass(frozen=True)
class RouteResult:
    chosen: ContractOption | None
    reason: str
    alternatives: tuple[Considered, ...] = ()  # eligible, ranked, excluding the chosen one
    excluded: tuple[Considered, ...] = ()  # not eligible, with the reason, in reference order
    capacity_left: int | None = None

    @property
    def needs_spot_purchase(self) -> bool:
        return self.chosen is None

    @property
    def provider_id(self) -> int | None:
        return self.chosen.provider_id if self.chosen else None

    @property
    def contract_id(self) -> int | None:
        return self.chosen.contract_id if self.chosen else None


def _format(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def anniversary(start: date, years: int) -> date:
    """`start` moved on by whole years; 29 February becomes 28 February in a year without one."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def contract_year(start: date, on_date: date) -> tuple[date, date]:
    """The contract year holding `on_date`: (first day, first day of the next year), counted from `start`.
    Dates before the start fall in the first year."""
    years = max(on_date.year - start.year, 0)
    begins = anniversary(start, years)
    if begins > on_date and years > 0:
        years -= 1
        begins = anniversary(start, years)
    return begins, anniversary(start, years + 1)


def lapsed_check(checks: Iterable[CheckFact], on_date: date) -> str | None:
    """None when the provider is verified on `on_date`: it holds at least one check, and for every kind of check
    it holds, one of that kind covers the date. Otherwise what has lapsed (or that there are no checks)."""
    by_kind: dict[str, list[CheckFact]] = {}
    for check in checks:
        by_kind.setdefault(check.kind, []).append(check)
    if not by_kind:
        return "no registration checks recorded"
    for kind in sorted(by_kind):
        if not any(check.covers(on_date) for check in by_kind[kind]):
            latest = max(by_kind[kind], key=lambda c: c.valid_until)
            if latest.checked > on_date:
                return f"{kind} check not made until {_format(latest.checked)}"
            return f"{kind} check lapsed on {_format(latest.valid_until + timedelta(days=1))}"
    return None


def assess(
    option: ContractOption, *, service_type_id: int, authority_id: int, on_date: date, used: int
) -> Considered:
    """Whether one contract is eligible, and a short reason either way."""
    if not option.open_for_referrals:
        return Considered(option, False, "not open for referrals")
    if on_date < option.start:
        return Considered(option, False, f"starts on {_format(option.start)}")
    if option.end is not None and on_date > option.end:
        return Considered(option, False, f"ended on {_format(option.end)}")
    if service_type_id not in option.service_type_ids:
        return Considered(option, False, "does not cover this service")
    if authority_id not in option.party_authority_ids:
        return Considered(option, False, "the authority is not a party")
    if not option.provider_approved:
        return Considered(option, False, f"{option.provider_name} is not on the approved list")
    lapsed = lapsed_check(option.provider_checks, on_date)
    if lapsed:
        return Considered(option, False, f"{option.provider_name}: {lapsed}")
    if option.capacity_per_year is None:
        return Considered(option, True, "eligible, no capacity limit", None)
    left = option.capacity_per_year - used
    if left <= 0:
        return Considered(
            option, False, f"capacity reached ({used} of {option.capacity_per_year} this contract year)", 0
        )
    return Considered(option, True, f"eligible, {left} of {option.capacity_per_year} places left", left)


def _sort_key(considered: Considered) -> tuple:
    option = considered.option
    left = considered.capacity_left
    return (
        ROUTE_RANK.get(option.route_kind, ROUTE_RANK[RouteKind.OTHER]),
        0 if left is None else 1,
        -(left or 0),
        -(option.end.toordinal() if option.end else date.max.toordinal()),
        option.reference,
        option.contract_id,
    )


def route(
    *,
    service_type: Named,
    authority: Named,
    on_date: date,
    contracts: Iterable[ContractOption],
    capacity_used: Mapping[int, int] | None = None,
) -> RouteResult:
    """The provider and contract for `service_type` for `authority` on `on_date`, with a one-line reason and
    the ranked alternatives; `chosen` is None when nothing covers it and a spot purchase is needed.
    `capacity_used` maps contract id to places used in the contract year holding `on_date` (missing = 0)."""
    used = capacity_used or {}
    considered = [
        assess(
            option,
            service_type_id=service_type.id,
            authority_id=authority.id,
            on_date=on_date,
            used=used.get(option.contract_id, 0),
        )
        for option in {o.contract_id: o for o in contracts}.values()
    ]
    eligible = sorted((c for c in considered if c.eligible), key=_sort_key)
    excluded = tuple(
        sorted(
            (c for c in considered if not c.eligible), key=lambda c: (c.option.reference, c.option.contract_id)
        )
    )
    what = f"{service_type.name} for {authority.name} on {_format(on_date)}"
    if not eligible:
        reason = f"No active contract covers {what}: a spot purchase is needed"
        if excluded:
            plural = "s" if len(excluded) != 1 else ""
            reason += f" ({len(excluded)} contract{plural} considered, none eligible)"
        return RouteResult(None, reason + ".", (), excluded)
    best, rest = eligible[0], tuple(eligible[1:])
    option = best.option
    reason = f"{option.provider_name} under {option.reference} ({option.route_label}) covers {what}"
    if best.capacity_left is not None:
        reason += f"; {best.capacity_left} of {option.capacity_per_year} places left this contract year"
    if rest:
        runner_up = rest[0].option
        if ROUTE_RANK.get(runner_up.route_kind, 3) > ROUTE_RANK.get(option.route_kind, 3):
            why = f"{option.route_label} before {runner_up.route_label}"
        elif best.capacity_left != rest[0].capacity_left:
            why = "more places left"
        else:
            why = "first by end date and reference"
        reason += f"; chosen over {len(rest)} other{'s' if len(rest) != 1 else ''} ({why})"
    return RouteResult(option, reason + ".", rest, excluded, best.capacity_left)
