"""The way to the fund before it decides: sent to a manager, approved or sent back by a manager, submitted,
returned by the fund for rework, resubmitted, or withdrawn."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from core.dates import long_date

from .. import rules
from ..models.applications import WITHDRAWABLE, ASFApplication
from ._common import _estimate, _lock, _require_role, _require_scope, _transition
from .errors import ClaimsError, InvalidTransition, NotPermitted, OutsideWindow
from .roles import CASEWORKERS, MANAGERS, RETURN_RECORDERS
from .rule_sets import rules_for


def assessment_date(application: ASFApplication) -> date | None:
    """The date that starts the application window: the assessment's approval (or completion)."""
    assessment = application.assessment
    return assessment.approved_date or assessment.completed_date


@transaction.atomic
def application_send_to_manager(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "send an application for approval")
    _require_scope(by, application)
    if not application.lines.exists():
        raise ClaimsError("Add at least one service before sending the application for approval.")
    return _transition(application, "send_to_manager", by=by, now=now)


@transaction.atomic
def application_manager_approve(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, MANAGERS, "approve an application")
    _require_scope(by, application)
    if by.pk == application.author_id:
        raise NotPermitted("A manager cannot approve an application they wrote.")
    if application.contributors.filter(pk=by.pk).exists():
        raise NotPermitted("A manager cannot approve an application they changed: another manager must approve it.")
    application._acting_user = by  # type: ignore[attr-defined]
    application.manager_approved_by = by
    application.manager_approved_at = now
    return _transition(application, "manager_approve", by=by, now=now,
                       fields=["manager_approved_by", "manager_approved_at"])


@transaction.atomic
def application_manager_send_back(*, application: ASFApplication, by: Any, now: datetime, note: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, MANAGERS, "send an application back")
    _require_scope(by, application)
    if not note.strip():
        raise ClaimsError("Say what needs to change.")
    return _transition(application, "manager_send_back", by=by, now=now, note=note.strip())


@transaction.atomic
def application_submit(*, application: ASFApplication, by: Any, now: datetime, submitted_date: date,
                       fund_reference: str = "") -> ASFApplication:
    """Record that the application went to the fund. Inside the window after the assessment, or with a recorded
    exceptional reason."""
    application = _lock(application)
    _require_role(by, CASEWORKERS, "submit an application")
    _require_scope(by, application)
    assessed = assessment_date(application)
    rule_set = rules_for(application.start_date)
    # The window is for the first submission: an application the fund returned, changed and approved again by a
    # manager goes back to the fund whenever it is ready.
    window_ok = application.first_submitted_date is not None or (
        assessed is not None and rules.within_window(rule_set, assessment_date=assessed, submitted_date=submitted_date)
    )
    if not window_ok and not application.exceptional_reason.strip():
        deadline = rules.application_deadline(rule_set, assessment_date=assessed) if assessed else None
        raise OutsideWindow(
            "The application is outside the window after the assessment"
            + (f" (it closed on {long_date(deadline)})" if deadline else "")
            + ": record the exceptional reason first."
        )
    application._window_ok = window_ok  # type: ignore[attr-defined]
    _estimate(application)
    application.submitted_date = submitted_date
    application.first_submitted_date = application.first_submitted_date or submitted_date
    if fund_reference.strip():
        application.fund_reference = fund_reference.strip()
    return _transition(application, "submit", by=by, now=now,
                       fields=["submitted_date", "first_submitted_date", "fund_reference", "estimated_fund",
                               "estimated_authority"])


@transaction.atomic
def application_return_for_rework(*, application: ASFApplication, by: Any, now: datetime, note: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, RETURN_RECORDERS, "record that the fund returned an application")
    _require_scope(by, application)
    if not note.strip():
        raise ClaimsError("Record what the fund asked to change.")
    return _transition(application, "return_for_rework", by=by, now=now, note=note.strip())


@transaction.atomic
def application_resubmit(*, application: ASFApplication, by: Any, now: datetime,
                         submitted_date: date) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "resubmit an application")
    _require_scope(by, application)
    if application.manager_approved_by_id is None:
        raise NotPermitted("The application was changed after the fund returned it: send it to a manager for "
                           "approval first, then record its submission.")
    _estimate(application)
    application.submitted_date = submitted_date
    return _transition(application, "resubmit", by=by, now=now,
                       fields=["submitted_date", "estimated_fund", "estimated_authority"])


@transaction.atomic
def application_withdraw(*, application: ASFApplication, by: Any, now: datetime, reason: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "withdraw an application")
    _require_scope(by, application)
    if application.status not in WITHDRAWABLE:
        raise InvalidTransition("Only an application the fund has not decided can be withdrawn.")
    if not reason.strip():
        raise ClaimsError("Say why the application is withdrawn.")
    return _transition(application, "withdraw", by=by, now=now, note=reason.strip())
