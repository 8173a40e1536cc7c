"""Four eyes (decision 0006): a team manager who neither wrote nor changed an assessment or a decision
approves it or returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError

from organisations.models import Role

from ..models import SupportRequest
from ._common import _require_role, _save, _today, _transition
from .errors import SelfApproval


def _check_approver(*, by: Any, record: Any, what: str) -> None:
    """A team manager who neither wrote the record nor changed or submitted it (its contributors)."""
    _require_role(by, Role.TEAM_MANAGER, action=f"approve {what}")
    if by.pk == record.author_id:
        raise SelfApproval(f"You wrote this {what}: another team manager must approve it.")
    if record.contributors.filter(pk=by.pk).exists():
        raise SelfApproval(f"You changed this {what}: another team manager must approve it.")


def _manager_approve(record: Any, *, request: SupportRequest, what: str, by: Any, now: datetime,
                     note: str = "") -> None:
    """A team manager who is not its author approves an assessment or a decision (the record is locked)."""
    _check_approver(by=by, record=record, what=what)
    _transition(record, "approve", request=request, by=by, now=now, note=note)
    record.approved_by, record.approved_date = by, _today(now)
    _save(record, by, update_fields=["approved_by", "approved_date"])


def _manager_send_back(record: Any, *, reason: str, what: str, by: Any, now: datetime) -> None:
    """A team manager who is not its author returns an assessment or a decision with what needs to change."""
    _check_approver(by=by, record=record, what=what)
    if not reason.strip():
        raise ValidationError({"reason": "Enter what needs to change"})
    _transition(record, "send_back", request=record.request, by=by, now=now, note=reason)
    record.return_reason = reason
    _save(record, by, update_fields=["return_reason"])
