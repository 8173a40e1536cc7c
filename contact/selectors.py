"""Every letterbox read a page needs, scoped by `for_user`, with its joins: the coordinator's due, overdue and held
lists, the arrangement and item pages, the counts for the dashboard, and who may see birth relatives' details."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from organisations.models import Role, Scope
from support.models import SupportRequest

from .models import Arrangement, ArrangementStatus, ContactEvent, ContactTask, Exchange, ExchangeStatus

RECEIVED_STATES = (ExchangeStatus.RECEIVED, ExchangeStatus.HELD, ExchangeStatus.REDACTED, ExchangeStatus.FORWARDED,
                   ExchangeStatus.RETURNED)
LIST_JOINS = ("arrangement", "arrangement__child", "arrangement__provider")


def may_see_relatives(*, user: Any, arrangement: Arrangement) -> bool:
    """Birth relatives' details: the coordinator (the authority's, or the provider coordinating it) and the child's
    own workers (allocated to one of the child's requests). Others see that there is a relative, not who."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.LETTERBOX_COORDINATOR:
        return user.scope == Scope.AUTHORITY and user.authority_id == arrangement.authority_id
    if user.role == Role.PROVIDER_STAFF:
        return arrangement.provider_id is not None and user.provider_id == arrangement.provider_id
    return SupportRequest.objects.filter(child_id=arrangement.child_id, allocated_worker=user).exists()


def arrangements(*, user: Any) -> QuerySet[Arrangement]:
    return (Arrangement.objects.for_user(user).select_related("child", "provider", "authority")
            .annotate(open_items=Count("exchanges", filter=Q(exchanges__status__in=[
                ExchangeStatus.RECEIVED, ExchangeStatus.HELD, ExchangeStatus.REDACTED])))
            .order_by("status", "-agreed_date", "-id"))


def arrangement_detail(*, user: Any, pk: int) -> Arrangement:
    return (Arrangement.objects.for_user(user)
            .select_related("child", "household", "authority", "provider", "referral", "plan", "created_by")
            .prefetch_related("relatives").get(pk=pk))


def arrangement_exchanges(*, arrangement: Arrangement) -> QuerySet[Exchange]:
    return arrangement.exchanges.select_related("written_by").order_by("-due_date", "writer")


def arrangement_events(*, arrangement: Arrangement) -> QuerySet[ContactEvent]:
    return arrangement.events.select_related("changed_by", "exchange").order_by("-changed_at", "-id")


def exchange_detail(*, user: Any, pk: int) -> Exchange:
    return (Exchange.objects.for_user(user)
            .select_related("arrangement", "arrangement__child", "arrangement__household",
                            "arrangement__authority", "arrangement__provider", "written_by", "redacted_by")
            .prefetch_related("checks__checked_by", "arrangement__relatives").get(pk=pk))


def due_list(*, user: Any, today: date, authority_id: int | None = None) -> QuerySet[Exchange]:
    """Items expected now: their month has come and they are not overdue yet."""
    rows = Exchange.objects.for_user(user).filter(status=ExchangeStatus.EXPECTED, due_date__lte=today,
                                                  overdue_date__gt=today)
    if authority_id is not None:
        rows = rows.filter(authority_id=authority_id)
    return rows.select_related(*LIST_JOINS).order_by("overdue_date", "id")


def overdue_list(*, user: Any, today: date, authority_id: int | None = None) -> QuerySet[Exchange]:
    rows = Exchange.objects.for_user(user).filter(status=ExchangeStatus.EXPECTED, overdue_date__lte=today)
    if authority_id is not None:
        rows = rows.filter(authority_id=authority_id)
    return rows.select_related(*LIST_JOINS).order_by("overdue_date", "id")


def to_check_list(*, user: Any) -> QuerySet[Exchange]:
    return (Exchange.objects.for_user(user)
            .filter(status__in=[ExchangeStatus.RECEIVED, ExchangeStatus.HELD, ExchangeStatus.REDACTED])
            .select_related(*LIST_JOINS).order_by("received_date", "id"))


def open_tasks(*, user: Any) -> QuerySet[ContactTask]:
    return (ContactTask.objects.for_user(user).filter(done_at__isnull=True)
            .select_related("arrangement", "exchange").order_by("created_at", "id"))


@dataclass(frozen=True)
class PeriodCounts:
    active_arrangements: int
    due: int
    on_time: int
    late: int
    missed: int
    held: int
    forwarded: int

    def rows(self) -> list[tuple[str, int]]:
        return [("Active arrangements", self.active_arrangements), ("Exchanges due", self.due),
                ("Received on time", self.on_time), ("Received late", self.late), ("Missed", self.missed),
                ("Held", self.held), ("Forwarded", self.forwarded)]


def _exchange_counts(*, start: date, end: date, today: date, prefix: str = "") -> dict[str, Count]:
    """The counts of `period_counts` as aggregates over exchanges due from `start` to `end` (excused ones left out),
    so one grouped query can give them for several periods at once (`prefix` names each period's)."""
    due = Q(due_date__gte=start, due_date__lt=end) & ~Q(status=ExchangeStatus.EXCUSED)
    received = Q(status__in=RECEIVED_STATES)
    return {
        f"{prefix}due": Count("id", filter=due),
        f"{prefix}on_time": Count("id", filter=due & received & Q(received_date__lt=F("overdue_date"))),
        f"{prefix}late": Count("id", filter=due & received & Q(received_date__gte=F("overdue_date"))),
        f"{prefix}missed": Count("id", filter=due & (Q(status=ExchangeStatus.MISSED)
                                                     | Q(status=ExchangeStatus.EXPECTED, overdue_date__lte=today))),
        f"{prefix}held": Count("id", filter=due & Q(held_date__isnull=False)),
        f"{prefix}forwarded": Count("id", filter=due & Q(status=ExchangeStatus.FORWARDED)),
    }


def _active_in(*, start: date, end: date) -> Q:
    """Arrangements active at some time in the period: agreed before its end, not ended before its start."""
    return (Q(status__in=[ArrangementStatus.ACTIVE, ArrangementStatus.PAUSED]) | Q(ended_date__gte=start)) & Q(
        agreed_date__lt=end)


def period_counts(*, user: Any, start: date, end: date, today: date) -> PeriodCounts:
    """Counts for items due in months from `start` (inclusive) to `end` (exclusive), in two queries. Received on
    time: before the item's overdue date; missed: overdue and not received (or marked missed)."""
    counts = (Exchange.objects.for_user(user).filter(due_date__gte=start, due_date__lt=end)
              .aggregate(**_exchange_counts(start=start, end=end, today=today)))
    active = Arrangement.objects.for_user(user).filter(_active_in(start=start, end=end)).count()
    return PeriodCounts(active_arrangements=active, **counts)


COUNT_NAMES = ("due", "on_time", "late", "missed", "held", "forwarded")


def authority_period_counts(
    *, authority_ids: Iterable[int], periods: Mapping[str, tuple[date, date]], today: date,
    group: Callable[[str], Any] | None = None,
) -> dict[str, dict[tuple[int, Any], PeriodCounts]]:
    """`period_counts` for each of `periods` (key -> (start, end)) by authority, for figures that name no family
    (the support scorecard and its board return): {period key: {(authority id, group): counts}}. `group(path)`,
    given the path from a row to its child, is an expression to split by as well (None: no split, group None).
    Two queries whatever the number of periods or authorities; not scoped to a user (the caller decides who may
    see figures); an (authority, group) with nothing in a period is absent."""
    ids = list(authority_ids)
    aggregates: dict[str, Any] = {}
    active: dict[str, Any] = {}
    for n, (start, end) in enumerate(periods.values()):
        aggregates.update(_exchange_counts(start=start, end=end, today=today, prefix=f"p{n}_"))
        active[f"p{n}_active"] = Count("id", filter=_active_in(start=start, end=end))
    if not periods:
        return {}
    first = min(start for start, _ in periods.values())
    last = max(end for _, end in periods.values())
    exchanges = Exchange._base_manager.filter(authority__in=ids, due_date__gte=first, due_date__lt=last)
    arrangements = Arrangement._base_manager.filter(authority__in=ids, agreed_date__lt=last)
    if group is not None:
        exchanges = exchanges.annotate(grp=group("arrangement__child"))
        arrangements = arrangements.annotate(grp=group("child"))
    fields = ["authority", "grp"] if group is not None else ["authority"]
    rows: dict[tuple[int, Any], dict[str, int]] = {}
    for row in exchanges.values(*fields).annotate(**aggregates).order_by():
        rows.setdefault((row["authority"], row.get("grp")), {}).update(row)
    for row in arrangements.values(*fields).annotate(**active).order_by():
        rows.setdefault((row["authority"], row.get("grp")), {}).update(row)
    out: dict[str, dict[tuple[int, Any], PeriodCounts]] = {}
    for n, key in enumerate(periods):
        out[key] = {}
        for where, row in rows.items():
            counts = PeriodCounts(active_arrangements=row.get(f"p{n}_active", 0),
                                  **{name: row.get(f"p{n}_{name}", 0) for name in COUNT_NAMES})
            if any(getattr(counts, name) for name in ("active_arrangements", *COUNT_NAMES)):
                out[key][where] = counts
    return out
