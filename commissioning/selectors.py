"""Every read a commissioning page needs, with its joins; and the facts routing reads from the contract register."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from contracts.models import Contract, ContractStatus, ProcurementRoute, UsageMeasure
from contracts.selectors import contracts_for_routing, usage_count
from core import wording
from support.models import PlannedService, SupportRequest

from . import routing
from .models import Referral, ReferralStatus, SessionDelivered, SpotPurchase

ROUTE_KIND: dict[str, str] = {
    ProcurementRoute.BLOCK: routing.RouteKind.BLOCK,
    ProcurementRoute.FRAMEWORK_CALL_OFF: routing.RouteKind.CALL_OFF,
    ProcurementRoute.DYNAMIC_PURCHASING: routing.RouteKind.CALL_OFF,
    ProcurementRoute.SERVICE_AGREEMENT: routing.RouteKind.SERVICE_AGREEMENT,
    ProcurementRoute.SPOT: routing.RouteKind.SPOT,
}


def option_for(contract: Contract) -> routing.ContractOption:
    """The routing facts of one contract (reads its prefetched elements, parties and provider checks)."""
    service_type_ids = {st.pk for element in contract.elements.all() for st in element.service_types.all()}
    party_ids = {a.pk for a in contract.parties.all()} | {contract.lead_authority_id}
    checks = tuple(
        routing.CheckFact(c.kind, c.checked_date, c.valid_until_date)
        for c in contract.provider.registration_checks.all()
    )
    return routing.ContractOption(
        contract_id=contract.pk,
        reference=contract.reference,
        provider_id=contract.provider_id,
        provider_name=contract.provider.name,
        route_kind=ROUTE_KIND.get(contract.procurement_route, routing.RouteKind.OTHER),
        start=contract.start_date,
        end=contract.end_date,
        service_type_ids=frozenset(service_type_ids),
        party_authority_ids=frozenset(party_ids),
        capacity_per_year=contract.capacity_per_year,
        provider_checks=checks,
        provider_approved=contract.provider.approved,
        open_for_referrals=contract.status in (ContractStatus.ACTIVE, ContractStatus.EXTENDED),
        title=contract.title,
    )


def contract_options(*, on_date: date) -> list[routing.ContractOption]:
    return [option_for(contract) for contract in contracts_for_routing(on_date=on_date)]


def capacity_used(*, options: Iterable[routing.ContractOption], on_date: date) -> dict[int, int]:
    """Places each contract has used in the contract year holding `on_date`: the usage recorded in the measure its
    capacity counts, plus (for referral capacity) referrals sent and still waiting for an answer, which hold a
    place before their acceptance is recorded."""
    out: dict[int, int] = {}
    limited = [o for o in options if o.capacity_per_year is not None]
    contracts = Contract.objects.in_bulk([o.contract_id for o in limited])
    for option in limited:
        contract = contracts[option.contract_id]
        begins, next_begins = routing.contract_year(option.start, on_date)
        ends = next_begins - timedelta(days=1)
        used = usage_count(contract=contract, on_date_from=begins, on_date_to=ends,
                           measure=contract.capacity_measure)
        if contract.capacity_measure == UsageMeasure.REFERRALS:
            used += Referral.objects.filter(
                contract=contract, status=ReferralStatus.SENT, sent_date__gte=begins, sent_date__lte=ends
            ).count()
        out[option.contract_id] = int(used)
    return out


# ---- the authority's pages ------------------------------------------------------------------------------------

LIST_RELATED = ("authority", "service_type", "provider", "contract", "sent_to", "support_request__child",
                "support_request__person")


def referrals_for(user: Any) -> QuerySet[Referral]:
    return Referral.objects.for_user(user).select_related(*LIST_RELATED)


def referral_queue(*, user: Any, queue: str, today: date) -> QuerySet[Referral]:
    """to_send: drafts; waiting: sent, not yet answered; overdue: sent and past the response date;
    declined: declined and not yet re-routed; open: accepted or active."""
    qs = referrals_for(user)
    if queue == "to_send":
        return qs.filter(status=ReferralStatus.DRAFT).order_by("created_at", "id")
    if queue == "waiting":
        return qs.filter(status=ReferralStatus.SENT).order_by("sent_date", "id")
    if queue == "overdue":
        return qs.filter(status=ReferralStatus.SENT, response_due_date__lt=today).order_by("response_due_date", "id")
    if queue == "declined":
        return qs.filter(status=ReferralStatus.DECLINED, next_referral__isnull=True).order_by("declined_date", "id")
    if queue == "open":
        return qs.filter(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE]).order_by("sent_date", "id")
    return qs.order_by("-created_at", "-id")


def queue_counts(*, user: Any, today: date) -> dict[str, int]:
    counts = referrals_for(user).aggregate(
        to_send=Count("id", filter=Q(status=ReferralStatus.DRAFT)),
        waiting=Count("id", filter=Q(status=ReferralStatus.SENT)),
        overdue=Count("id", filter=Q(status=ReferralStatus.SENT, response_due_date__lt=today)),
        declined=Count("id", filter=Q(status=ReferralStatus.DECLINED, next_referral__isnull=True)),
        open=Count("id", filter=Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE])),
    )
    return {key: value or 0 for key, value in counts.items()}


def planned_services_to_refer(*, user: Any) -> QuerySet[PlannedService]:
    """Services in active support plans that are provided (not signposted) and have no live referral."""
    # NOT EXISTS (an anti-join on the referral's planned-service index), not NOT IN: over every authority's
    # referrals a NOT IN list outgrows memory and PostgreSQL rescans it for each row (seconds at national scale).
    live = Referral.objects.filter(planned_service=OuterRef("pk")).exclude(
        status__in=[ReferralStatus.DECLINED, ReferralStatus.CANCELLED]
    )
    return (
        PlannedService.objects.for_user(user)
        .filter(signposted=False, plan__status="active")
        .filter(~Exists(live))
        .select_related("service_type", "plan__request__child", "plan__request__responsible_authority")
        .order_by("plan__start_date", "id")
    )


def person_requests_to_refer(*, user: Any) -> QuerySet[SupportRequest]:
    """Open requests about a birth parent, birth relative or adult adoptee with no live referral."""
    live = Referral.objects.filter(support_request=OuterRef("pk")).exclude(
        status__in=[ReferralStatus.DECLINED, ReferralStatus.CANCELLED]
    )
    return (
        SupportRequest.objects.for_user(user)
        .open()
        .filter(person__isnull=False)
        .filter(~Exists(live))
        .select_related("person", "responsible_authority")
        .order_by("received_date", "id")
    )


def referral_detail(*, user: Any, pk: int) -> Referral:
    """The referral for the authority's page, or Referral.DoesNotExist when it is out of scope."""
    return referrals_for(user).select_related(
        "previous", "created_by", "planned_service__plan", "support_request__child__household"
    ).get(pk=pk)


def referral_history(*, referral: Referral) -> list[wording.HistoryLine]:
    """The referral's changes of state, oldest first, in plain words ("Referral accepted by the provider")."""
    changes = referral.status_changes.select_related("changed_by").order_by("changed_at", "id")
    return [wording.history_line("commissioning.referral", from_state=c.from_status, to_state=c.to_status,
                                 when=c.changed_at, by=c.changed_by, note=c.note) for c in changes]


def referral_sessions(*, referral: Referral) -> list[SessionDelivered]:
    return list(referral.sessions.select_related("recorded_by").order_by("session_date", "id"))


def referral_spot_purchases(*, referral: Referral) -> list[SpotPurchase]:
    return list(referral.spot_purchases.select_related("provider", "requested_by", "decided_by").order_by("id"))


def spot_purchases_waiting(*, user: Any) -> QuerySet[SpotPurchase]:
    return (
        SpotPurchase.objects.for_user(user)
        .filter(status="requested")
        .select_related("referral__service_type", "provider", "requested_by", "referral__authority")
        .order_by("requested_at", "id")
    )


# ---- the provider's pages: the minimum the service needs ------------------------------------------------------


@dataclass(frozen=True)
class ProviderReferralView:
    """Everything a provider sees of a referral, and nothing else: no household, no other children, no legal
    orders, no assessment or plan, no costs, no routing alternatives, no authority-internal history."""

    pk: int
    reference: str
    status: str
    status_label: str
    service: str
    authority: str
    service_user: str
    service_user_kind: str
    notes_for_provider: str
    sent_date: date | None
    response_due_date: date | None
    accepted_date: date | None
    declined_date: date | None
    decline_reason: str
    first_session_date: date | None
    completed_date: date | None
    contract_reference: str


def _service_user(referral: Referral) -> tuple[str, str]:
    request = referral.support_request
    person = request.person
    if person is not None:
        return person.full_name, person.get_kind_display()
    child = request.child
    return (child.full_name, "Child") if child else ("", "")


def provider_view(referral: Referral) -> ProviderReferralView:
    name, kind = _service_user(referral)
    return ProviderReferralView(
        pk=referral.pk,
        reference=referral.reference,
        status=referral.status,
        status_label=referral.get_status_display(),
        service=referral.service_type.name,
        authority=referral.authority.name,
        service_user=name,
        service_user_kind=kind,
        notes_for_provider=referral.notes_for_provider,
        sent_date=referral.sent_date,
        response_due_date=referral.response_due_date,
        accepted_date=referral.accepted_date,
        declined_date=referral.declined_date,
        decline_reason=referral.decline_reason,
        first_session_date=referral.first_session_date,
        completed_date=referral.completed_date,
        contract_reference=referral.contract.reference if referral.contract else "Spot purchase",
    )


def provider_inbox(*, user: Any, queue: str = "new") -> QuerySet[Referral]:
    qs = Referral.objects.for_user(user).select_related(*LIST_RELATED)
    if queue == "new":
        return qs.filter(status=ReferralStatus.SENT).order_by("sent_date", "id")
    if queue == "open":
        return qs.filter(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE]).order_by("accepted_date", "id")
    return qs.order_by("-sent_date", "-id")


def provider_referral(*, user: Any, pk: int) -> Referral:
    """A referral sent to the user's organisation, or Referral.DoesNotExist."""
    return Referral.objects.for_user(user).select_related(*LIST_RELATED, "support_request__child__household").get(
        pk=pk
    )


# ---- waiting times --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingTimes:
    provider: str
    contract: str
    referrals: int
    answered: int
    accepted: int
    median_days_to_accept: float | None
    mean_days_to_accept: float | None
    started: int
    median_days_to_first_session: float | None
    mean_days_to_first_session: float | None
    waiting_now: int


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def waiting_times(*, user: Any, sent_from: date, sent_to: date) -> list[WaitingTimes]:
    """Per provider and contract, for referrals sent between the two dates (both included): days from sending to
    acceptance, and from acceptance to the first session (calendar days)."""
    rows = (
        Referral.objects.for_user(user)
        .filter(sent_date__gte=sent_from, sent_date__lte=sent_to)
        .values_list("sent_to__name", "contract__reference", "status", "sent_date", "accepted_date",
                     "declined_date", "first_session_date")
        .order_by("sent_to__name", "contract__reference")
    )
    groups: dict[tuple[str, str], list[tuple]] = {}
    for provider, contract, *rest in rows:
        groups.setdefault((provider or "", contract or "Spot purchase"), []).append(tuple(rest))
    out = []
    for (provider, contract), items in sorted(groups.items()):
        to_accept = [(acc - sent).days for _, sent, acc, _, _ in items if acc]
        to_session = [(first - acc).days for _, _, acc, _, first in items if acc and first]
        out.append(
            WaitingTimes(
                provider=provider,
                contract=contract,
                referrals=len(items),
                answered=sum(1 for _, _, acc, dec, _ in items if acc or dec),
                accepted=len(to_accept),
                median_days_to_accept=_median(to_accept),
                mean_days_to_accept=_mean(to_accept),
                started=len(to_session),
                median_days_to_first_session=_median(to_session),
                mean_days_to_first_session=_mean(to_session),
                waiting_now=sum(1 for status, *_ in items if status == ReferralStatus.SENT),
            )
        )
    return out

