"""The decision (reg 18): recorded once the notice allows it, approved or returned by a team manager who
is not its author, changed and resubmitted."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Decision, NoticeOfProposal
from ..models.assessments import ApprovalStatus
from ..models.decisions import DecisionOutcome
from ..models.notices import NoticeStatus
from ..models.plans import PlanStatus
from ._approval import _manager_approve, _manager_send_back
from ._common import _lock, _record_creation, _require_casework, _save, _today, _transition
from .errors import InvalidTransition
from .letters import request_letter
from .plans import _plan_end


@transaction.atomic
def decision_record(
    *, notice: NoticeOfProposal, outcome: str, reasons: str, decided_date: date, by: Any, now: datetime,
) -> Decision:
    """Reg 18. Only once representations arrived, the person said they are satisfied, or the window ended."""
    _require_casework(by, "record a decision")
    notice = _lock(notice)
    if notice.status == NoticeStatus.OPEN:
        raise InvalidTransition(
            "No decision yet: wait for representations, for the family to say they are satisfied, or for the "
            f"window to end ({notice.window_end_date:%-d %B %Y})."
        )
    if Decision.objects.filter(notice=notice).exists():
        raise InvalidTransition("A decision is already recorded for this notice.")
    errors = {}
    # The window's last day is still inside it: without a response, the decision comes the day after.
    earliest = notice.response_date or notice.window_end_date + timedelta(days=1)
    if decided_date > _today(now):
        errors["decided_date"] = "The date of the decision must be today or in the past"
    elif decided_date < earliest:
        errors["decided_date"] = f"The date of the decision must be on or after {earliest:%-d %B %Y}"
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "Select the decision"
    if not reasons.strip():
        errors["reasons"] = "Enter the reasons for the decision"
    if errors:
        raise ValidationError(errors)
    decision = Decision(request=notice.request, notice=notice, outcome=outcome, basis=notice.status, reasons=reasons,
                        decided_date=decided_date, author=by, status=ApprovalStatus.SUBMITTED)
    _save(decision, by)
    _record_creation(decision, request=notice.request, by=by, now=now, effective_date=decided_date,
                     note=f"{decision.get_outcome_display()}: sent for approval")
    return decision


@transaction.atomic
def decision_approve(*, decision: Decision, by: Any, now: datetime) -> Decision:
    decision = _lock(decision)
    request = _lock(decision.request)
    _manager_approve(decision, request=request, what="decision", by=by, now=now)
    _transition(request, "decide", request=request, by=by, now=now, note=decision.get_outcome_display())
    if decision.outcome == DecisionOutcome.NOT_PROVIDE:
        if request.plans.filter(status=PlanStatus.ACTIVE).exists():
            for plan in request.plans.filter(status=PlanStatus.ACTIVE):
                _plan_end(plan, end_date=max(_today(now), plan.start_date), reason="Decided not to provide support",
                          by=by, now=now)
        _transition(request, "close", request=request, by=by, now=now, note="Decided not to provide support")
        request.closed_date, request.closure_reason = _today(now), "Decided not to provide support"
        _save(request, by, update_fields=["closed_date", "closure_reason"])
    planned = decision.notice.proposed_services if decision.outcome == DecisionOutcome.PROVIDE else ""
    request_letter(kind="notice_of_decision", request=request, about=decision, by=by, now=now, context={
        "outcome": ("We have decided to provide adoption support." if decision.outcome == DecisionOutcome.PROVIDE
                    else "We have decided not to provide adoption support."),
        "reasons": decision.reasons, "services": planned,
    })
    return decision


@transaction.atomic
def decision_return(*, decision: Decision, reason: str, by: Any, now: datetime) -> Decision:
    decision = _lock(decision)
    _manager_send_back(decision, reason=reason, what="decision", by=by, now=now)
    return decision


@transaction.atomic
def decision_resubmit(*, decision: Decision, outcome: str, reasons: str, by: Any, now: datetime) -> Decision:
    _require_casework(by, "change a decision")
    decision = _lock(decision)
    if not reasons.strip():
        raise ValidationError({"reasons": "Enter the reasons for the decision"})
    decision.outcome, decision.reasons = outcome, reasons
    _transition(decision, "resubmit", request=decision.request, by=by, now=now)
    _save(decision, by, update_fields=["outcome", "reasons"])
    decision.contributors.add(by)
    return decision
