"""Support requests: recorded (held by the authority the three-year rule names), allocated, withdrawn,
closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from organisations.models import Role
from organisations.scoping import authority_ids_for

from ..models import Child, Person, SupportRequest
from ..models.plans import PlanStatus
from ._common import (
    _lock,
    _not_future,
    _record_creation,
    _require_casework,
    _require_role,
    _save,
    _today,
    _transition,
)
from .errors import InvalidTransition
from .responsibility import child_responsibility


@transaction.atomic
def request_create(
    *, by: Any, now: datetime, received_date: date, summary: str, requester: str, child: Child | None = None,
    person: Person | None = None, urgent: bool = False, allocated_worker: Any = None,
) -> SupportRequest:
    """Record a request. For a child the three-year rule on the received date decides which authority holds it;
    a worker may only record a request their own authority (or partnership) is responsible for."""
    # A case system's API client records requests too, as the front door does (docs/decisions/0008-api-clients.md).
    _require_role(by, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.API_CLIENT, action="record a request")
    if (child is None) == (person is None):
        raise ValidationError("A request is about exactly one child or one person.")
    today = _today(now)
    _not_future(received_date, "received_date", "The date the request was received", today)
    if child is not None:
        if received_date < child.date_of_birth:
            raise ValidationError({"received_date": "The date the request was received must be after the "
                                                    "child's date of birth"})
        authority, reason = child_responsibility(child=child, on_date=received_date)
        if authority is None:
            raise ValidationError(reason)
    else:
        assert person is not None
        authority = person.authority
        reason = (f"{authority.name} recorded {person.full_name} ({person.get_kind_display().lower()}); "
                  "the three-year rule does not apply to birth family or adult adoptee services.")
    if authority.pk not in authority_ids_for(by):
        raise ValidationError(f"{authority.name} is responsible for this request, not you: {reason}")
    support_request = SupportRequest(
        child=child, person=person, responsible_authority=authority, responsibility_reason=reason[:400],
        received_date=received_date, requester=requester, summary=summary, urgent=urgent,
        allocated_worker=allocated_worker or (by if by.role == Role.SOCIAL_WORKER else None), created_by=by,
    )
    _save(support_request, by)
    _record_creation(support_request, request=support_request, by=by, now=now, effective_date=received_date,
                     note="Request received" + (" (urgent)" if urgent else ""))
    return support_request


@transaction.atomic
def request_allocate(*, request: SupportRequest, worker: Any, by: Any, now: datetime) -> SupportRequest:
    _require_casework(by, "allocate a request")
    request = _lock(request)
    if worker.role != Role.SOCIAL_WORKER or worker.authority_id != request.responsible_authority_id:
        raise ValidationError({"worker": "Choose a social worker in the authority that holds the request"})
    request.allocated_worker = worker
    _save(request, by)
    return request


@transaction.atomic
def request_withdraw(*, request: SupportRequest, reason: str, by: Any, now: datetime) -> SupportRequest:
    _require_casework(by, "withdraw a request")
    request = _lock(request)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the request is withdrawn"})
    _transition(request, "withdraw", request=request, by=by, now=now, note=reason)
    request.closed_date, request.closure_reason = _today(now), reason[:400]
    _save(request, by, update_fields=["closed_date", "closure_reason"])
    return request


@transaction.atomic
def request_close(*, request: SupportRequest, reason: str, by: Any, now: datetime,
                  closed_date: date | None = None) -> SupportRequest:
    _require_casework(by, "close a request")
    request = _lock(request)
    if request.plans.filter(status=PlanStatus.ACTIVE).exists():
        raise InvalidTransition("End the active support plan before closing the request.")
    _transition(request, "close", request=request, by=by, now=now, note=reason)
    request.closed_date, request.closure_reason = closed_date or _today(now), reason[:400]
    _save(request, by, update_fields=["closed_date", "closure_reason"])
    return request
