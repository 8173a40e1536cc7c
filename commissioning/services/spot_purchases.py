"""Spot purchases: buying one service from an approved provider outside any contract, requested with a
justification and decided by a team manager who did not ask for it; approval routes the referral to the provider."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django_fsm import TransitionNotAllowed
from moneyed import Money

from core.dates import long_date
from core.money import require_gbp
from organisations.models import Provider, Role

from .. import routing
from ..models import Referral, ReferralStatus, RouteType, SpotPurchase, SpotPurchaseStatus
from ._common import _locked, _today
from .drafting import ROUTE_FIELDS
from .errors import SpotPurchaseError


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
        f"Spot purchase from {spot.provider} approved by {by} on {long_date(referral.routed_date)}: "
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
