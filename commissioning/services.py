"""Every write in commissioning: referrals, routing, the referral state machine, sessions and spot purchases.

Keyword-only, atomic, the acting user as `by`, the clock as `now`. Each state change locks the referral, runs the
django-fsm-2 transition, saves with `update_fields` and writes a `ReferralStatusChange` row in the same
transaction. Acceptance and each session write `contracts.UsageRecord` rows once each (by source key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from moneyed import Money

from contracts.models import UsageMeasure
from contracts.services.usage import InvalidUsage, usage_record
from core.money import require_gbp
from core.workdays import add_working_days, bank_holidays_around
from organisations.models import Provider, Role, Scope
from support.models import PlannedService, ServiceType, SupportRequest

from . import routing, selectors
from .models import (
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RouteType,
    SessionDelivered,
    SpotPurchase,
    SpotPurchaseStatus,
)

RESPONSE_WORKING_DAYS = 10  # a provider answers a referral within ten working days (configurable later)


class ReferralError(Exception):
    """A referral cannot do what was asked; the message says why, for the page."""


class NoRoute(ReferralError):
    pass


class InvalidTransition(ReferralError):
    pass


class NotYourReferral(ReferralError):
    pass


class SpotPurchaseError(ReferralError):
    pass


@dataclass(frozen=True)
class DeclineResult:
    referral: Referral
    next_option: routing.Considered | None


def _today(now: datetime) -> date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _log(referral: Referral, before: str, *, by: Any, now: datetime, note: str = "") -> None:
    ReferralStatusChange.objects.create(
        referral=referral, from_status=before, to_status=referral.status, changed_by=by, changed_at=now,
        note=note[:600],
    )


def _transition(referral: Referral, name: str, *, refusal: str) -> str:
    before = referral.status
    try:
        getattr(referral, name)()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(
            f"{referral.reference} is {referral.get_status_display().lower()}: {refusal}"
        ) from exc
    return before


def _save(referral: Referral, by: Any, *fields: str) -> None:
    referral._history_user = by  # type: ignore[attr-defined]
    referral.save(update_fields=["status", *fields])


def _declined_providers(referral: Referral) -> set[int]:
    """Providers that declined this referral or any it was re-routed from."""
    out: set[int] = set()
    current: Referral | None = referral
    while current is not None:
        if current.status == ReferralStatus.DECLINED and current.sent_to_id:
            out.add(current.sent_to_id)
        current = current.previous
    return out


def _considered_json(result: routing.RouteResult) -> list[dict]:
    rows = []
    ranked = ([routing.Considered(result.chosen, True, "chosen", result.capacity_left)] if result.chosen else [])
    for rank, item in enumerate([*ranked, *result.alternatives, *result.excluded], start=1):
        rows.append(
            {
                "rank": rank if item.eligible else None,
                "contract_id": item.option.contract_id,
                "reference": item.option.reference,
                "provider_id": item.option.provider_id,
                "provider_name": item.option.provider_name,
                "route": item.option.route_label,
                "eligible": item.eligible,
                "why": item.why,
            }
        )
    return rows


def _route(referral: Referral, *, on_date: date, exclude_providers: set[int]) -> routing.RouteResult:
    options = [o for o in selectors.contract_options(on_date=on_date) if o.provider_id not in exclude_providers]
    return routing.route(
        service_type=referral.service_type,
        authority=referral.authority,
        on_date=on_date,
        contracts=options,
        capacity_used=selectors.capacity_used(options=options, on_date=on_date),
    )


def _apply_route(referral: Referral, result: routing.RouteResult, *, on_date: date) -> None:
    referral.routed_date = on_date
    referral.routing_reason = result.reason[:600]
    referral.routing_considered = _considered_json(result)
    if result.chosen is None:
        referral.route_type = RouteType.NONE
        referral.provider = None
        referral.contract = None
    else:
        referral.route_type = RouteType.CONTRACT
        referral.provider_id = result.chosen.provider_id
        referral.contract_id = result.chosen.contract_id


ROUTE_FIELDS = ["route_type", "provider", "contract", "routed_date", "routing_reason", "routing_considered"]


def _create(
    *, support_request: SupportRequest, planned_service: PlannedService | None, service_type: ServiceType,
    notes_for_provider: str, by: Any, now: datetime, previous: Referral | None = None,
) -> Referral:
    referral = Referral(
        authority_id=support_request.responsible_authority_id,
        support_request=support_request,
        planned_service=planned_service,
        service_type=service_type,
        notes_for_provider=notes_for_provider.strip(),
        created_by=by,
        created_at=now,
        previous=previous,
    )
    referral.full_clean(exclude=["status", "contract", "provider", "sent_to", "previous"])
    referral._history_user = by  # type: ignore[attr-defined]
    today = _today(now)
    _apply_route(referral, _route(referral, on_date=today,
                                  exclude_providers=_declined_providers(previous) if previous else set()),
                 on_date=today)
    referral.save()
    _log(referral, "", by=by, now=now, note=referral.routing_reason)
    return referral


@transaction.atomic
def referral_create_from_plan(
    *, planned_service: PlannedService, by: Any, now: datetime, notes_for_provider: str = ""
) -> Referral:
    """A referral for one service in a support plan, routed at once."""
    if planned_service.signposted:
        raise ReferralError("This service is signposted, not provided: there is nothing to refer.")
    open_one = planned_service.referrals.exclude(
        status__in=[ReferralStatus.DECLINED, ReferralStatus.CANCELLED]
    ).first()
    if open_one is not None:
        raise ReferralError(f"This planned service already has referral {open_one.reference}.")
    return _create(
        support_request=planned_service.plan.request, planned_service=planned_service,
        service_type=planned_service.service_type, notes_for_provider=notes_for_provider, by=by, now=now,
    )


@transaction.atomic
def referral_create_from_request(
    *, support_request: SupportRequest, service_type: ServiceType, by: Any, now: datetime,
    notes_for_provider: str = "",
) -> Referral:
    """A referral straight from a request about a birth parent, birth relative or adult adoptee: CAFIS services
    need no plan. A request about a child goes through its support plan."""
    if support_request.person_id is None:
        raise ReferralError("A request about a child is referred from its support plan, not directly.")
    if not support_request.is_open:
        raise ReferralError(f"{support_request.reference} is closed: reopen it before referring.")
    return _create(
        support_request=support_request, planned_service=None, service_type=service_type,
        notes_for_provider=notes_for_provider, by=by, now=now,
    )


@transaction.atomic
def referral_route(*, referral: Referral, by: Any, now: datetime) -> Referral:
    """Route (again) a draft referral on today's contracts. An approved spot purchase stands."""
    referral = _locked(referral)
    if referral.status != ReferralStatus.DRAFT:
        raise InvalidTransition(f"{referral.reference} has been sent: its route can no longer change.")
    if referral.route_type == RouteType.SPOT:
        return referral
    today = _today(now)
    _apply_route(referral, _route(referral, on_date=today, exclude_providers=_declined_providers(referral)),
                 on_date=today)
    referral._history_user = by  # type: ignore[attr-defined]
    referral.save(update_fields=ROUTE_FIELDS)
    return referral


@transaction.atomic
def referral_update_notes(*, referral: Referral, notes_for_provider: str, by: Any) -> Referral:
    referral = _locked(referral)
    if referral.status != ReferralStatus.DRAFT:
        raise InvalidTransition(f"{referral.reference} has been sent: what the provider sees can no longer change.")
    referral.notes_for_provider = notes_for_provider.strip()
    referral._history_user = by  # type: ignore[attr-defined]
    referral.save(update_fields=["notes_for_provider"])
    return referral


@transaction.atomic
def referral_send(*, referral: Referral, by: Any, now: datetime) -> Referral:
    """Send a routed referral to its provider. Refused, with nothing changed, when it has no route: no contract
    covers it and there is no approved spot purchase with a justification."""
    referral = _locked(referral)
    today = _today(now)
    if referral.route_type == RouteType.NONE:
        pending = referral.spot_purchases.filter(status=SpotPurchaseStatus.REQUESTED).exists()
        if pending:
            raise NoRoute(
                f"{referral.reference} cannot be sent yet: its spot purchase is waiting for a manager's approval."
            )
        raise NoRoute(
            f"{referral.reference} cannot be sent: no contract covers it and it has no approved spot purchase. "
            "Request a spot purchase with a justification, or re-route it."
        )
    if referral.route_type == RouteType.CONTRACT:
        options = [o for o in selectors.contract_options(on_date=today) if o.contract_id == referral.contract_id]
        used = selectors.capacity_used(options=options, on_date=today)
        still = options and routing.assess(
            options[0], service_type_id=referral.service_type_id, authority_id=referral.authority_id,
            on_date=today, used=used.get(referral.contract_id, 0),  # type: ignore[arg-type]
        )
        if not still or not still.eligible:
            why = still.why if still else "the contract is no longer live"
            raise NoRoute(f"{referral.reference} cannot be sent under its contract ({why}): re-route it first.")
    before = _transition(referral, "send", refusal="only a draft can be sent.")
    referral.sent_to_id = referral.provider_id
    referral.sent_date = today
    referral.response_due_date = add_working_days(
        today, RESPONSE_WORKING_DAYS, holidays=bank_holidays_around(today)
    )
    _save(referral, by, "sent_to", "sent_date", "response_due_date")
    _log(referral, before, by=by, now=now, note=f"Sent to {referral.sent_to}")
    return referral


def _check_provider_user(referral: Referral, by: Any) -> None:
    if getattr(by, "scope", None) != Scope.PROVIDER or by.provider_id != referral.sent_to_id:
        raise NotYourReferral(f"{referral.reference} was not sent to your organisation.")


def _usage(referral: Referral, *, usage_date: date, measure: str, quantity: Decimal, source_key: str,
           by: Any) -> None:
    if referral.contract is None:
        return
    try:
        usage_record(
            contract=referral.contract, authority=referral.authority, usage_date=usage_date, measure=measure,
            quantity=quantity, source_key=source_key, by=by,
        )
    except InvalidUsage as exc:
        raise ReferralError(str(exc)) from exc


@transaction.atomic
def referral_accept(*, referral: Referral, by: Any, now: datetime) -> Referral:
    """The provider takes the referral on. Records one referral of usage against the contract."""
    referral = _locked(referral)
    _check_provider_user(referral, by)
    refusal = (
        f"it was declined on {referral.declined_date:%d %B %Y} and cannot be accepted."
        if referral.status == ReferralStatus.DECLINED and referral.declined_date
        else "only a referral waiting for an answer can be accepted."
    )
    before = _transition(referral, "accept", refusal=refusal)
    today = _today(now)
    referral.accepted_date = today
    _save(referral, by, "accepted_date")
    _log(referral, before, by=by, now=now)
    _usage(referral, usage_date=today, measure=UsageMeasure.REFERRALS, quantity=Decimal(1),
           source_key=f"commissioning.referral:{referral.pk}:accepted", by=by)
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: Any, now: datetime, reason: str) -> DeclineResult:
    """The provider cannot take the referral. The reason is required; the next alternative is offered."""
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError("Give the reason the referral is declined.")
    referral = _locked(referral)
    _check_provider_user(referral, by)
    before = _transition(referral, "decline", refusal="only a referral waiting for an answer can be declined.")
    today = _today(now)
    referral.declined_date = today
    referral.decline_reason = reason[:600]
    _save(referral, by, "declined_date", "decline_reason")
    _log(referral, before, by=by, now=now, note=reason)
    return DeclineResult(referral, next_alternative(referral=referral, on_date=today))


def next_alternative(*, referral: Referral, on_date: date) -> routing.Considered | None:
    """What routing would choose now, leaving out every provider that has declined this referral."""
    result = _route(referral, on_date=on_date, exclude_providers=_declined_providers(referral))
    if result.chosen is None:
        return None
    return routing.Considered(result.chosen, True, result.reason, result.capacity_left)


@transaction.atomic
def referral_reroute(*, referral: Referral, by: Any, now: datetime) -> Referral:
    """After a decline: a new draft referral for the same need, routed past the providers that declined."""
    referral = _locked(referral)
    if referral.status != ReferralStatus.DECLINED:
        raise InvalidTransition(f"{referral.reference} has not been declined: there is nothing to re-route.")
    if Referral.objects.filter(previous=referral).exists():
        raise ReferralError(f"{referral.reference} has already been re-routed.")
    return _create(
        support_request=referral.support_request, planned_service=referral.planned_service,
        service_type=referral.service_type, notes_for_provider=referral.notes_for_provider, by=by, now=now,
        previous=referral,
    )


@transaction.atomic
def referral_start(*, referral: Referral, by: Any, now: datetime) -> Referral:
    referral = _locked(referral)
    before = _transition(referral, "start", refusal="only an accepted referral can start.")
    _save(referral, by)
    _log(referral, before, by=by, now=now)
    return referral


@transaction.atomic
def referral_record_session(
    *, referral: Referral, session_date: date, by: Any, now: datetime, duration_minutes: int | None = None,
    note: str = "",
) -> SessionDelivered:
    """A session delivered. The first one starts an accepted referral. Records one session (and its hours) of
    usage against the contract, once."""
    referral = _locked(referral)
    _check_provider_user(referral, by)
    today = _today(now)
    if referral.status not in (ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE):
        raise InvalidTransition(
            f"{referral.reference} is {referral.get_status_display().lower()}: sessions are recorded only on an "
            "accepted or active referral."
        )
    if session_date > today:
        raise ReferralError("A session cannot be recorded before it happens: the date is in the future.")
    if referral.accepted_date and session_date < referral.accepted_date:
        raise ReferralError(
            f"The session is dated before the referral was accepted ({referral.accepted_date:%d %B %Y})."
        )
    if duration_minutes is not None and duration_minutes <= 0:
        raise ReferralError("A session's length must be more than zero minutes.")
    if referral.sessions.filter(session_date=session_date).exists():
        raise ReferralError(f"A session on {session_date:%d %B %Y} is already recorded for {referral.reference}.")
    session = SessionDelivered(
        referral=referral, session_date=session_date, duration_minutes=duration_minutes, note=note.strip()[:300],
        recorded_by=by, recorded_at=now,
    )
    session._history_user = by  # type: ignore[attr-defined]
    session.save()
    fields = []
    if referral.status == ReferralStatus.ACCEPTED:
        before = _transition(referral, "start", refusal="only an accepted referral can start.")
        _log(referral, before, by=by, now=now, note="First session recorded")
    if referral.first_session_date is None or session_date < referral.first_session_date:
        referral.first_session_date = session_date
        fields.append("first_session_date")
    _save(referral, by, *fields)
    key = f"commissioning.session:{session.pk}"
    _usage(referral, usage_date=session_date, measure=UsageMeasure.SESSIONS, quantity=Decimal(1),
           source_key=key, by=by)
    if duration_minutes:
        hours = (Decimal(duration_minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        _usage(referral, usage_date=session_date, measure=UsageMeasure.HOURS, quantity=hours, source_key=key, by=by)
    return session


@transaction.atomic
def referral_complete(*, referral: Referral, by: Any, now: datetime) -> Referral:
    referral = _locked(referral)
    if getattr(by, "scope", None) == Scope.PROVIDER:
        _check_provider_user(referral, by)
    before = _transition(referral, "complete", refusal="only an active referral can be completed.")
    referral.completed_date = _today(now)
    _save(referral, by, "completed_date")
    _log(referral, before, by=by, now=now)
    return referral


@transaction.atomic
def referral_cancel(*, referral: Referral, by: Any, now: datetime, reason: str) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError("Give the reason the referral is cancelled.")
    referral = _locked(referral)
    before = _transition(referral, "cancel", refusal="it can no longer be cancelled.")
    referral.cancelled_date = _today(now)
    referral.cancel_reason = reason[:600]
    _save(referral, by, "cancelled_date", "cancel_reason")
    _log(referral, before, by=by, now=now, note=reason)
    return referral


# ---- spot purchases -------------------------------------------------------------------------------------------


@transaction.atomic
def spot_purchase_request(
    *, referral: Referral, provider: Provider, justification: str, estimated_cost: Money, by: Any, now: datetime
) -> SpotPurchase:
    """Ask a manager to approve buying this one service from an approved provider outside any contract."""
    referral = _locked(referral)
    justification = (justification or "").strip()
    if referral.status != ReferralStatus.DRAFT:
        raise SpotPurchaseError(f"{referral.reference} has been sent: a spot purchase is for a draft referral.")
    if referral.route_type == RouteType.CONTRACT:
        raise SpotPurchaseError(
            f"{referral.reference} is covered by contract {referral.contract}: a spot purchase is not needed."
        )
    if referral.spot_purchases.exclude(status=SpotPurchaseStatus.REFUSED).exists():
        raise SpotPurchaseError(f"{referral.reference} already has a spot purchase request.")
    if not justification:
        raise SpotPurchaseError("A spot purchase needs a justification: why no contract can meet this need.")
    if not provider.approved:
        raise SpotPurchaseError(f"{provider} is not on the approved-provider list.")
    checks = [routing.CheckFact(c.kind, c.checked_date, c.valid_until_date) for c in provider.registration_checks.all()]
    lapsed = routing.lapsed_check(checks, _today(now))
    if lapsed:
        raise SpotPurchaseError(f"{provider} cannot be used: {lapsed}.")
    cost = require_gbp(estimated_cost, what="estimated cost")
    if cost.amount < 0:
        raise SpotPurchaseError("The estimated cost cannot be negative.")
    spot = SpotPurchase(  # type: ignore[misc]
        referral=referral, provider=provider, justification=justification,
        estimated_cost=Money(cost.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "GBP"),
        requested_by=by, requested_at=now,
    )
    spot._history_user = by  # type: ignore[attr-defined]
    spot.save()
    return spot


def _decide(spot: SpotPurchase, *, by: Any, now: datetime, name: str, note: str) -> SpotPurchase:
    if getattr(by, "role", None) != Role.TEAM_MANAGER:
        raise SpotPurchaseError("Only a team manager can decide a spot purchase.")
    if by.pk == spot.requested_by_id:
        raise SpotPurchaseError("You asked for this spot purchase: another manager must decide it.")
    try:
        getattr(spot, name)()
    except TransitionNotAllowed as exc:
        raise SpotPurchaseError(f"This spot purchase has already been {spot.status}.") from exc
    spot.decided_by = by
    spot.decided_at = now
    spot.decision_note = note.strip()[:600]
    spot._history_user = by  # type: ignore[attr-defined]
    spot.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return spot


@transaction.atomic
def spot_purchase_approve(*, spot_purchase: SpotPurchase, by: Any, now: datetime, note: str = "") -> SpotPurchase:
    """A manager (never the requester) approves: the referral is routed to the spot provider."""
    spot = SpotPurchase.objects.select_for_update().get(pk=spot_purchase.pk)
    referral = _locked(spot.referral)
    if referral.status != ReferralStatus.DRAFT:
        raise SpotPurchaseError(f"{referral.reference} is no longer a draft.")
    _decide(spot, by=by, now=now, name="approve", note=note)
    referral.route_type = RouteType.SPOT
    referral.provider_id = spot.provider_id
    referral.contract = None
    referral.routed_date = _today(now)
    referral.routing_reason = (
        f"Spot purchase from {spot.provider} approved by {by} on {referral.routed_date:%d %b %Y}: "
        f"{spot.justification}"
    )[:600]
    referral._history_user = by  # type: ignore[attr-defined]
    referral.save(update_fields=ROUTE_FIELDS)
    return spot


@transaction.atomic
def spot_purchase_refuse(*, spot_purchase: SpotPurchase, by: Any, now: datetime, note: str) -> SpotPurchase:
    if not (note or "").strip():
        raise SpotPurchaseError("Give the reason the spot purchase is refused.")
    spot = SpotPurchase.objects.select_for_update().get(pk=spot_purchase.pk)
    return _decide(spot, by=by, now=now, name="refuse", note=note)
