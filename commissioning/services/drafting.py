"""A referral from draft to sent: created from a plan's service (or straight from a request about a person), routed
to the provider commissioned for it, its notes edited, sent; after a decline, re-routed past the providers that
declined."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from core.workdays import add_working_days, bank_holidays_around
from support.models import PlannedService, ServiceType, SupportRequest

from .. import routing, selectors
from ..models import Referral, ReferralStatus, RouteType, SpotPurchaseStatus
from ._common import _locked, _log, _save, _today, _transition
from .errors import InvalidTransition, NoRoute, ReferralError
from .letters import referral_letter

RESPONSE_WORKING_DAYS = 10  # a provider answers a referral within ten working days (configurable later)


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
    referral_letter(referral=referral, by=by, now=now)
    return referral


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
