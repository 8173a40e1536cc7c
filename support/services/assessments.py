"""The assessment of need (reg 14): started, written, sent for approval, then approved or returned by a
team manager who did not write or change it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Assessment, SupportRequest
from ..models.assessments import REG14_SECTIONS, ApprovalStatus
from ..models.requests import RequestStage
from ._approval import _manager_approve, _manager_send_back
from ._common import _lock, _not_future, _record_creation, _require_casework, _save, _today, _transition
from .errors import InvalidTransition


@transaction.atomic
def assessment_start(*, request: SupportRequest, by: Any, now: datetime, started_date: date) -> Assessment:
    _require_casework(by, "start an assessment")
    request = _lock(request)
    if request.assessments.exists():
        raise InvalidTransition("This request already has an assessment.")
    _not_future(started_date, "started_date", "The date the assessment started", _today(now))
    if started_date < request.received_date:
        raise ValidationError({"started_date": "The date the assessment started must be on or after the date the "
                                               f"request was received ({request.received_date:%-d %B %Y})"})
    if request.stage == RequestStage.RECEIVED:
        _transition(request, "start_assessment", request=request, by=by, now=now, effective_date=started_date)
    elif request.stage != RequestStage.URGENT_SUPPORT:
        raise InvalidTransition(f"Cannot start an assessment: the request is {request.get_stage_display().lower()}.")
    assessment = Assessment(request=request, child=request.child, responsible_authority=request.responsible_authority,
                            author=by, started_date=started_date)
    _save(assessment, by)
    _record_creation(assessment, request=request, by=by, now=now, effective_date=started_date,
                     note="Assessment of need started")
    return assessment


ASSESSMENT_FIELDS = (*(name for name, _ in REG14_SECTIONS), "summary_of_needs", "recommended_services")


@transaction.atomic
def assessment_update(*, assessment: Assessment, by: Any, now: datetime, **sections: str) -> Assessment:
    _require_casework(by, "write an assessment")
    assessment = _lock(assessment)
    if assessment.status not in (ApprovalStatus.DRAFT, ApprovalStatus.RETURNED):
        raise InvalidTransition(f"The assessment is {assessment.get_status_display().lower()}: it cannot be changed.")
    unknown = set(sections) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown assessment sections: {sorted(unknown)}")
    for name, value in sections.items():
        setattr(assessment, name, value)
    _save(assessment, by)
    assessment.contributors.add(by)
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: Any, now: datetime) -> Assessment:
    _require_casework(by, "submit an assessment")
    assessment = _lock(assessment)
    errors = {}
    if not assessment.summary_of_needs.strip():
        errors["summary_of_needs"] = "Enter the summary of needs before sending the assessment for approval"
    if not any(getattr(assessment, name).strip() for name, _ in REG14_SECTIONS):
        errors["needs_of_person"] = "Record at least one of the regulation 14 considerations"
    if errors:
        raise ValidationError(errors)
    _transition(assessment, "submit", request=assessment.request, by=by, now=now, note="Sent for approval")
    assessment.contributors.add(by)
    assessment.completed_date = _today(now)
    _save(assessment, by, update_fields=["completed_date"])
    return assessment


@transaction.atomic
def assessment_approve(*, assessment: Assessment, by: Any, now: datetime) -> Assessment:
    assessment = _lock(assessment)
    _manager_approve(assessment, request=assessment.request, what="assessment", by=by, now=now,
                     note="Assessment approved")
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, reason: str, by: Any, now: datetime) -> Assessment:
    assessment = _lock(assessment)
    _manager_send_back(assessment, reason=reason, what="assessment", by=by, now=now)
    return assessment
