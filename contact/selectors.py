"""Every letterbox read a page needs, scoped by `for_user`, with its joins: the coordinator's due, overdue and held
lists, the arrangement and item pages, the counts for the dashboard, and who may see birth relatives' details."""

from __future__ import annotations

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


def period_counts(*, user: Any, start: date, end: date, today: date) -> PeriodCounts:
    """Counts for items due in months from `start` (inclusive) to `end` (exclusive), in two queries. Received on
    time: before the item's overdue date; missed: overdue and not received (or marked missed)."""
    scoped = Exchange.objects.for_user(user).filter(due_date__gte=start, due_date__lt=end)
    received = Q(status__in=RECEIVED_STATES)
    counts = scoped.exclude(status=ExchangeStatus.EXCUSED).aggregate(
        due=Count("id"),
        on_time=Count("id", filter=received & Q(received_date__lt=F("overdue_date"))),
        late=Count("id", filter=received & Q(received_date__gte=F("overdue_date"))),
        missed=Count("id", filter=Q(status=ExchangeStatus.MISSED)
                     | Q(status=ExchangeStatus.EXPECTED, overdue_date__lte=today)),
        held=Count("id", filter=Q(held_date__isnull=False)),
        forwarded=Count("id", filter=Q(status=ExchangeStatus.FORWARDED)),
    )
    active = Arrangement.objects.for_user(user).filter(
        Q(status__in=[ArrangementStatus.ACTIVE, ArrangementStatus.PAUSED]) | Q(ended_date__gte=start),
        agreed_date__lt=end).count()
    return PeriodCounts(active_arrangements=active, **counts)

