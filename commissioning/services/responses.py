"""The provider's answer to a referral sent to it: accept (one referral of usage against the contract) or decline
(with the reason; the next alternative is offered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from contracts.models import UsageMeasure
from core.dates import long_date

from .. import routing
from ..models import Referral, ReferralStatus
from ._common import _check_provider_user, _locked, _log, _save, _today, _transition, _usage
from .drafting import next_alternative
from .errors import ReferralError


@dataclass(frozen=True)
class DeclineResult:
    referral: Referral
    next_option: routing.Considered | None


@transaction.atomic
def referral_accept(*, referral: Referral, by: Any, now: datetime) -> Referral:
    """The provider takes the referral on. Records one referral of usage against the contract."""
    referral = _locked(referral)
    _check_provider_user(referral, by)
    refusal = (
        f"it was declined on {long_date(referral.declined_date)} and cannot be accepted."
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
