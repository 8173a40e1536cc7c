"""The notice of proposal (reg 17) and its window for representations: issued, answered by the family, or
ended when the window passes (daily)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .. import rules
from ..models import NoticeOfProposal, SupportRequest
from ..models.assessments import ApprovalStatus
from ..models.notices import NoticeStatus
from ._common import _lock, _record_creation, _require_casework, _save, _today, _transition
from .errors import InvalidTransition
from .letters import request_letter


@transaction.atomic
def notice_issue(
    *, request: SupportRequest, by: Any, now: datetime, issued_date: date, statement_of_needs: str,
    proposed_services: str = "", proposes_support: bool = True, window_days: int | None = None,
) -> NoticeOfProposal:
    _require_casework(by, "issue a notice of proposal")
    request = _lock(request)
    assessment = request.assessments.order_by("-pk").first()
    if assessment is None or assessment.status != ApprovalStatus.APPROVED:
        raise InvalidTransition("Cannot issue a notice: a team manager must approve the assessment first.")
    window_days = settings.REPRESENTATION_WINDOW_DAYS if window_days is None else window_days
    errors = {}
    if window_days < 1:
        errors["window_days"] = "The window for representations must be at least 1 day"
    if issued_date > _today(now):
        errors["issued_date"] = "The date the notice was sent must be today or in the past"
    elif assessment.approved_date and issued_date < assessment.approved_date:
        errors["issued_date"] = ("The date the notice was sent must be on or after the assessment was approved "
                                 f"({assessment.approved_date:%-d %B %Y})")
    if errors:
        raise ValidationError(errors)
    _transition(request, "issue_notice", request=request, by=by, now=now, effective_date=issued_date)
    notice = NoticeOfProposal(
        request=request, assessment=assessment, issued_date=issued_date, window_days=window_days,
        window_end_date=rules.representation_window_end(issued_date, window_days), proposes_support=proposes_support,
        statement_of_needs=statement_of_needs, proposed_services=proposed_services, issued_by=by,
    )
    _save(notice, by)
    _record_creation(notice, request=request, by=by, now=now, effective_date=issued_date,
                     note=f"Representations by {notice.window_end_date:%-d %B %Y}")
    request_letter(kind="notice_of_proposal", request=request, about=notice, by=by, now=now, letter_date=issued_date,
                   context={
        "statement_of_needs": statement_of_needs, "proposes_support": proposes_support,
        "proposed_services": proposed_services, "window_end_date": notice.window_end_date,
    })
    return notice


NOTICE_RESPONSES: dict[str, str] = {
    NoticeStatus.REPRESENTATIONS_RECEIVED: "receive_representations",
    NoticeStatus.PERSON_SATISFIED: "record_satisfied",
}


@transaction.atomic
def notice_record_response(
    *, notice: NoticeOfProposal, response: str, response_date: date, by: Any, now: datetime,
    representations: str = "",
) -> NoticeOfProposal:
    """The family made representations, or said they are satisfied: either way a decision can now be made."""
    _require_casework(by, "record a response to a notice")
    notice = _lock(notice)
    if response not in NOTICE_RESPONSES:
        raise ValidationError({"response": "Select how the family responded"})
    errors = {}
    if response_date > _today(now):
        errors["response_date"] = "The date of the response must be today or in the past"
    elif response_date < notice.issued_date:
        errors["response_date"] = ("The date of the response must be on or after the notice was sent "
                                   f"({notice.issued_date:%-d %B %Y})")
    if response == NoticeStatus.REPRESENTATIONS_RECEIVED and not representations.strip():
        errors["representations"] = "Enter a summary of the representations"
    if errors:
        raise ValidationError(errors)
    _transition(notice, NOTICE_RESPONSES[response], request=notice.request, by=by, now=now,
                effective_date=response_date)
    notice.response_date, notice.representations = response_date, representations
    _save(notice, by, update_fields=["response_date", "representations"])
    return notice


@transaction.atomic
def notice_end_window(*, notice: NoticeOfProposal, by: Any, now: datetime) -> NoticeOfProposal:
    """The period for representations is over (run daily, or by a worker after the last day)."""
    notice = _lock(notice)
    today = _today(now)
    if today <= notice.window_end_date:
        raise InvalidTransition(f"The window for representations is open until {notice.window_end_date:%-d %B %Y}.")
    _transition(notice, "end_window", request=notice.request, by=by, now=now, note="No response within the window")
    return notice


def notices_end_windows(*, now: datetime) -> int:
    """Close every notice whose window has passed with no response. Returns how many."""
    today = _today(now)
    done = 0
    for notice in NoticeOfProposal.objects.filter(status=NoticeStatus.OPEN, window_end_date__lt=today):
        with transaction.atomic():
            notice_end_window(notice=notice, by=None, now=now)
            done += 1
    return done
