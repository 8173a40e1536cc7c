"""Helpers every letterbox service shares: the clock's date, the transition recipe and its history row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from ..models import Arrangement, ContactEvent, Exchange
from .errors import InvalidTransition


def _today(now: datetime) -> date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


def _transition(obj: Arrangement | Exchange, name: str, *, refusal: str) -> str:
    before = obj.status
    try:
        getattr(obj, name)()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"This {_noun(obj)} is {obj.get_status_display().lower()}: {refusal}") from exc
    return before


def _noun(obj: models.Model) -> str:
    return "arrangement" if isinstance(obj, Arrangement) else "item"


def _save(obj: models.Model, by: Any, *fields: str) -> None:
    obj._history_user = by  # type: ignore[attr-defined]
    obj.full_clean(exclude=["scan", "redacted_scan", "relatives", "status"])
    obj.save(update_fields=["status", *fields])


def _log(*, arrangement: Arrangement, before: str, after: str, action: str, by: Any, now: datetime,
         exchange: Exchange | None = None, note: str = "") -> ContactEvent:
    return ContactEvent.objects.create(
        arrangement=arrangement, exchange=exchange, from_status=before, to_status=after, action=action,
        changed_by=by, changed_at=now, note=note[:600],
    )
