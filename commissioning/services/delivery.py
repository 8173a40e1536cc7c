"""An accepted referral delivered: started, its sessions recorded (each one's usage against the contract), completed;
or cancelled with the reason."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from contracts.models import UsageMeasure
from core.dates import long_date
from organisations.models import Scope

from ..models import Referral, ReferralStatus, SessionDelivered
from ._common import _check_provider_user, _locked, _log, _save, _today, _transition, _usage
from .errors import InvalidTransition, ReferralError


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
            f"The session is dated before the referral was accepted ({long_date(referral.accepted_date)})."
        )
    if duration_minutes is not None and duration_minutes <= 0:
        raise ReferralError("A session's length must be more than zero minutes.")
    if referral.sessions.filter(session_date=session_date).exists():
        raise ReferralError(f"A session on {long_date(session_date)} is already recorded for {referral.reference}.")
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
