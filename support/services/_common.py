"""What every support service shares: the clock, saving with history, row locks, transitions with their
status-change rows, date checks and role checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import django_fsm
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from organisations.models import Role

from ..models import StatusChange, SupportRequest
from .errors import InvalidTransition, NotPermitted


def _today(now: datetime) -> date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


def _history(obj: models.Model, by: Any) -> None:
    obj._history_user = by  # type: ignore[attr-defined]


def _save(obj: models.Model, by: Any, **kwargs: Any) -> None:
    _history(obj, by)
    obj.full_clean(validate_constraints=False)
    obj.save(**kwargs)


def _lock(obj: models.Model) -> Any:
    """A fresh copy of `obj` with its row locked for the rest of the transaction."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _state_field(obj: models.Model) -> str:
    return "stage" if isinstance(obj, SupportRequest) else "status"


def _transition(obj: Any, name: str, *, request: SupportRequest, by: Any, now: datetime, note: str = "",
                effective_date: date | None = None) -> StatusChange:
    """Run the transition `name` on `obj`, save it, and write the StatusChange row; refuse with a clear message."""
    field = _state_field(obj)
    before = getattr(obj, field)
    method = getattr(obj, name)
    if not django_fsm.can_proceed(method):
        label = getattr(obj, f"get_{field}_display")()
        verb = name.replace("_", " ")
        raise InvalidTransition(f"Cannot {verb}: the {obj._meta.verbose_name} is {label.lower()}.")
    method()
    _history(obj, by)
    obj.save()
    return StatusChange.objects.create(
        request=request, subject=obj._meta.model_name, subject_id=obj.pk, transition=name, from_state=before,
        to_state=getattr(obj, field), note=note[:400], by=by, at=now, effective_date=effective_date or _today(now),
    )


def _record_creation(obj: Any, *, request: SupportRequest, by: Any, now: datetime, note: str = "",
                     effective_date: date | None = None) -> StatusChange:
    return StatusChange.objects.create(
        request=request, subject=obj._meta.model_name, subject_id=obj.pk, transition="create", from_state="",
        to_state=getattr(obj, _state_field(obj)), note=note[:400], by=by, at=now,
        effective_date=effective_date or _today(now),
    )


def _not_future(value: date | None, field: str, label: str, today: date) -> None:
    if value is not None and value > today:
        raise ValidationError({field: f"{label} must be today or in the past"})


def _require_role(by: Any, *roles: str, action: str) -> None:
    if getattr(by, "role", None) not in roles:
        raise NotPermitted(f"Only a {' or '.join(Role(r).label.lower() for r in roles)} can {action}.")


def _require_casework(by: Any, action: str) -> None:
    _require_role(by, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, action=action)
