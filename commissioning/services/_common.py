"""Helpers every commissioning service shares: the clock's date, the row lock, the transition recipe (with its
status-change row), the provider-staff check and the usage a referral records against its contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django_fsm import TransitionNotAllowed

from contracts.services.usage import InvalidUsage, usage_record
from organisations.models import Scope

from ..models import Referral, ReferralStatusChange
from .errors import InvalidTransition, NotYourReferral, ReferralError


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
