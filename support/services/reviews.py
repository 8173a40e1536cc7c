"""Reviews of a plan (reg 19): scheduled (at least yearly) and recorded with a re-score of each measure;
the outcome continues, revises or ends the plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import rules
from ..models import OutcomeScore, Review, SupportPlan
from ..models.plans import PlanStatus
from ..models.reviews import ReviewOutcome, ReviewReason, ReviewStatus
from ._common import _lock, _require_casework, _save, _today, _transition
from .errors import InvalidTransition
from .letters import request_letter
from .plans import _check_review_date, plan_end, plan_revise


@transaction.atomic
def review_schedule(*, plan: SupportPlan, due_date: date, reason: str, by: Any, now: datetime) -> Review:
    """An extra review (a change of circumstances) or a rescheduled one."""
    _require_casework(by, "schedule a review")
    plan = _lock(plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise InvalidTransition(f"The plan is {plan.get_status_display().lower()}: it has no more reviews.")
    _check_review_date(due_date=due_date, start_date=plan.start_date, field="due_date")
    latest = rules.annual_review_due(plan.start_date)
    last_done = plan.reviews.filter(status=ReviewStatus.COMPLETED).order_by("-completed_date").first()
    if last_done and last_done.completed_date:
        latest = rules.annual_review_due(last_done.completed_date)
    if due_date > latest and not plan.reviews.filter(status=ReviewStatus.DUE, due_date__lte=latest).exists():
        raise ValidationError({"due_date": f"Reviews are at least yearly: the review must be by {latest:%-d %B %Y}"})
    review = Review(plan=plan, due_date=due_date, reason=reason)
    _save(review, by)
    return review


@transaction.atomic
def review_complete(
    *, review: Review, completed_date: date, outcome: str, by: Any, now: datetime, notes: str = "",
    scores: Mapping[int, Decimal] | None = None, next_review_date: date | None = None,
) -> Review:
    """Record a review with a re-score of each outcome measure. Continue: the next review is scheduled (a year on
    at the latest); revise: a new draft version of the plan; end: the plan ends on the review date."""
    _require_casework(by, "record a review")
    review = _lock(review)
    plan = _lock(review.plan)
    errors = {}
    if completed_date > _today(now):
        errors["completed_date"] = "The date of the review must be today or in the past"
    elif completed_date < plan.start_date:
        errors["completed_date"] = f"The review must be on or after the plan started ({plan.start_date:%-d %B %Y})"
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Select the outcome of the review"
    if next_review_date is not None and next_review_date <= completed_date:
        errors["next_review_date"] = "The next review must be after this one"
    if errors:
        raise ValidationError(errors)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidTransition(f"The plan is {plan.get_status_display().lower()}: reviews are of active plans.")
    review.completed_date, review.outcome, review.notes, review.reviewed_by = completed_date, outcome, notes, by
    _transition(review, "complete", request=plan.request, by=by, now=now, effective_date=completed_date,
                note=ReviewOutcome(outcome).label)
    measures = {m.pk: m for m in plan.measures.all()}
    for measure_id, score in (scores or {}).items():
        if measure_id not in measures:
            raise ValidationError(f"Outcome measure {measure_id} is not part of this plan")
        _save(OutcomeScore(measure=measures[measure_id], review=review, score_date=completed_date, score=score), by)
    if outcome == ReviewOutcome.END:
        plan_end(plan=plan, end_date=completed_date, reason=notes or "Ended at review", by=by, now=now)
    elif outcome == ReviewOutcome.CONTINUE:
        if not plan.reviews.filter(status=ReviewStatus.DUE).exists():
            due = rules.first_review_due(completed_date, next_review_date)
            _save(Review(plan=plan, due_date=due,
                         reason=ReviewReason.SCHEDULED if next_review_date else ReviewReason.ANNUAL), by)
    else:
        plan_revise(plan=plan, start_date=completed_date, by=by, now=now)
    next_review = plan.reviews.filter(status=ReviewStatus.DUE).order_by("due_date").first()
    request_letter(kind="review_outcome", request=plan.request, about=review, by=by, now=now, context={
        "review_date": completed_date, "outcome": REVIEW_OUTCOME_TEXT[outcome], "summary": notes,
        "next_review_date": next_review.due_date if next_review and outcome == ReviewOutcome.CONTINUE else None,
    })
    return review


REVIEW_OUTCOME_TEXT: dict[str, str] = {
    ReviewOutcome.CONTINUE: "The support plan continues as it is.",
    ReviewOutcome.REVISE: "We will change the support plan. We will send you the new plan.",
    ReviewOutcome.END: "The support plan has ended.",
}
