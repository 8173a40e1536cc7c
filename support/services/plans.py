"""The support plan (reg 16): interim (urgent) or full, its services and outcome measures; put in place,
revised (a new version) or ended."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from moneyed import Money

from core.money import GBP, PENNY

from .. import rules
from ..models import OutcomeMeasure, PlannedService, Review, ServiceType, SupportPlan, SupportRequest
from ..models.assessments import ApprovalStatus
from ..models.decisions import DecisionOutcome
from ..models.plans import PLAN_SECTIONS, PlanStatus
from ..models.requests import RequestStage
from ..models.reviews import ReviewReason, ReviewStatus
from ._common import _lock, _not_future, _record_creation, _require_casework, _save, _today, _transition
from .errors import InvalidTransition

PLAN_FIELDS = tuple(name for name, _ in PLAN_SECTIONS)


def _check_review_date(*, due_date: date | None, start_date: date, field: str) -> None:
    if due_date is not None and due_date < start_date:
        raise ValidationError({field: "The review date must be on or after the plan starts "
                                      f"({start_date:%-d %B %Y})"})


@transaction.atomic
def plan_create(
    *, request: SupportRequest, by: Any, now: datetime, start_date: date, first_review_date: date | None = None,
    interim: bool = False, **sections: str,
) -> SupportPlan:
    """A draft plan. A full plan needs an approved decision to provide support; an interim plan (the urgent path)
    needs an urgent request and comes before the notice. The first review is due at the date chosen, and never
    more than a year after the plan starts."""
    _require_casework(by, "write a support plan")
    request = _lock(request)
    unknown = set(sections) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown plan sections: {sorted(unknown)}")
    if interim:
        if not request.urgent:
            raise InvalidTransition("Only an urgent request can have support before the notice of proposal.")
        if request.stage not in (RequestStage.RECEIVED, RequestStage.ASSESSING):
            raise InvalidTransition(f"Cannot put urgent support in place: the request is "
                                    f"{request.get_stage_display().lower()}.")
    else:
        approved = request.decisions.filter(status=ApprovalStatus.APPROVED, outcome=DecisionOutcome.PROVIDE).exists()
        if not approved or request.stage not in (RequestStage.DECIDED, RequestStage.URGENT_SUPPORT,
                                                 RequestStage.PLAN_IN_PLACE):
            raise InvalidTransition("Cannot write the support plan: it needs an approved decision to provide support.")
    if request.plans.filter(status=PlanStatus.DRAFT).exists():
        raise InvalidTransition("This request already has a draft plan: finish that one.")
    _check_review_date(due_date=first_review_date, start_date=start_date, field="first_review_date")
    previous = request.plans.filter(status=PlanStatus.ACTIVE).order_by("-version").first()
    version = (request.plans.aggregate(v=models.Max("version"))["v"] or 0) + 1
    plan = SupportPlan(request=request, assessment=request.assessments.order_by("-pk").first(), version=version,
                       revision_of=previous, interim=interim, start_date=start_date, author=by, **sections)
    _save(plan, by)
    _record_creation(plan, request=request, by=by, now=now, effective_date=start_date,
                     note=("Interim plan (urgent)" if interim else f"Support plan version {version}"))
    review = Review(plan=plan, due_date=rules.first_review_due(start_date, first_review_date),
                    reason=ReviewReason.SCHEDULED if first_review_date else ReviewReason.ANNUAL)
    _save(review, by)
    if previous is not None:
        for measure in previous.measures.all():
            latest = measure.scores.order_by("-score_date", "-pk").first()
            _save(OutcomeMeasure(plan=plan, name=measure.name,
                                 baseline_score=latest.score if latest else measure.baseline_score,
                                 baseline_date=latest.score_date if latest else measure.baseline_date,
                                 target_score=measure.target_score, higher_is_better=measure.higher_is_better), by)
    return plan


@transaction.atomic
def plan_update(*, plan: SupportPlan, by: Any, now: datetime, start_date: date, **sections: str) -> SupportPlan:
    _require_casework(by, "change a support plan")
    plan = _lock(plan)
    if plan.status != PlanStatus.DRAFT:
        raise InvalidTransition("Only a draft plan can be changed: revise an active plan instead.")
    due = plan.reviews.filter(status=ReviewStatus.DUE).order_by("due_date").first()
    if due is not None:
        _check_review_date(due_date=due.due_date, start_date=start_date, field="start_date")
    plan.start_date = start_date
    for name, value in sections.items():
        if name not in PLAN_FIELDS:
            raise TypeError(f"Unknown plan section {name}")
        setattr(plan, name, value)
    _save(plan, by)
    return plan


def _money(value: Money | Decimal, field: str) -> Money:
    if isinstance(value, float):  # never: money is not a float
        raise TypeError("money is never a float")
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    if isinstance(value, Money) and str(value.currency) != GBP:
        raise ValidationError({field: "The cost must be in pounds (GBP)"})
    if amount < 0:
        raise ValidationError({field: "The estimated cost must be £0 or more"})
    return Money(amount.quantize(PENNY, rounding=ROUND_HALF_UP), GBP)


@transaction.atomic
def planned_service_add(
    *, plan: SupportPlan, by: Any, now: datetime, service_type: ServiceType, frequency: str,
    estimated_cost: Money | Decimal, provider: Any = None, signposted: bool = False, provider_note: str = "",
    notes: str = "",
) -> PlannedService:
    _require_casework(by, "add a service to a plan")
    plan = _lock(plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise InvalidTransition(f"The plan is {plan.get_status_display().lower()}: services cannot be added.")
    if not service_type.active:
        raise ValidationError({"service_type": "That service is no longer offered"})
    service = PlannedService(plan=plan, service_type=service_type, frequency=frequency,
                             estimated_cost=_money(estimated_cost, "estimated_cost"),  # type: ignore[misc]
                             provider=provider,
                             signposted=signposted, provider_note=provider_note, notes=notes)
    _save(service, by)
    return service


@transaction.atomic
def outcome_measure_add(
    *, plan: SupportPlan, by: Any, now: datetime, name: str, baseline_score: Decimal, baseline_date: date,
    target_score: Decimal, higher_is_better: bool = False,
) -> OutcomeMeasure:
    _require_casework(by, "add an outcome measure")
    plan = _lock(plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise InvalidTransition(f"The plan is {plan.get_status_display().lower()}: measures cannot be added.")
    _not_future(baseline_date, "baseline_date", "The date of the baseline score", _today(now))
    improves = target_score > baseline_score if higher_is_better else target_score < baseline_score
    if not improves:
        raise ValidationError({"target_score": "The target must be an improvement on the baseline"})
    measure = OutcomeMeasure(plan=plan, name=name, baseline_score=baseline_score, baseline_date=baseline_date,
                             target_score=target_score, higher_is_better=higher_is_better)
    _save(measure, by)
    return measure


@transaction.atomic
def plan_activate(*, plan: SupportPlan, by: Any, now: datetime) -> SupportPlan:
    """Put the plan in place. An interim plan moves the request to urgent support; a full plan to plan in place;
    a revision replaces the plan it revises."""
    _require_casework(by, "put a support plan in place")
    plan = _lock(plan)
    request = _lock(plan.request)
    if plan.interim:
        _transition(request, "provide_urgent_support", request=request, by=by, now=now,
                    effective_date=plan.start_date)
    elif request.stage in (RequestStage.DECIDED,):
        _transition(request, "put_plan_in_place", request=request, by=by, now=now, effective_date=plan.start_date)
    elif request.stage != RequestStage.PLAN_IN_PLACE:
        raise InvalidTransition(f"Cannot put the plan in place: the request is {request.get_stage_display().lower()}.")
    if plan.revision_of is not None:
        previous = _lock(plan.revision_of)
        if previous.status == PlanStatus.ACTIVE:
            _transition(previous, "supersede", request=request, by=by, now=now, note=f"Replaced by version "
                                                                                     f"{plan.version}")
            # Its reviews still due are closed through their own transition (history and status-change rows).
            for review in previous.reviews.select_for_update().filter(status=ReviewStatus.DUE):
                review.completed_date, review.notes = plan.start_date, "Closed by a revised plan"
                _transition(review, "complete", request=request, by=by, now=now, effective_date=plan.start_date,
                            note=f"Closed by version {plan.version} of the plan")
    _transition(plan, "activate", request=request, by=by, now=now, effective_date=plan.start_date)
    return plan


def _plan_end(plan: SupportPlan, *, end_date: date, reason: str, by: Any, now: datetime) -> SupportPlan:
    if end_date < plan.start_date:
        raise ValidationError({"end_date": f"The end date must be on or after the plan started "
                                          f"({plan.start_date:%-d %B %Y})"})
    _transition(plan, "end", request=plan.request, by=by, now=now, note=reason, effective_date=end_date)
    plan.end_date, plan.end_reason = end_date, reason[:400]
    _save(plan, by, update_fields=["end_date", "end_reason"])
    return plan


@transaction.atomic
def plan_end(*, plan: SupportPlan, end_date: date, reason: str, by: Any, now: datetime,
             close_request: bool = True) -> SupportPlan:
    _require_casework(by, "end a support plan")
    plan = _lock(plan)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the plan is ending"})
    _not_future(end_date, "end_date", "The end date", _today(now))
    _plan_end(plan, end_date=end_date, reason=reason, by=by, now=now)
    request = _lock(plan.request)
    if close_request and not request.plans.filter(status=PlanStatus.ACTIVE).exists() and request.stage in (
        RequestStage.PLAN_IN_PLACE, RequestStage.DECIDED
    ):
        _transition(request, "close", request=request, by=by, now=now, note=reason, effective_date=end_date)
        request.closed_date, request.closure_reason = end_date, reason[:400]
        _save(request, by, update_fields=["closed_date", "closure_reason"])
    return plan


@transaction.atomic
def plan_revise(*, plan: SupportPlan, start_date: date, by: Any, now: datetime) -> SupportPlan:
    """A new draft version of an active plan, copying its sections, services and measures (baseline: the latest
    score). It replaces the active plan when put in place."""
    plan = _lock(plan)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidTransition(f"Only an active plan can be revised: this one is "
                                f"{plan.get_status_display().lower()}.")
    if start_date < plan.start_date:
        raise ValidationError({"start_date": f"The revised plan must start on or after {plan.start_date:%-d %B %Y}"})
    if plan.interim:
        raise InvalidTransition("An interim plan is replaced by the full plan after the decision, not revised.")
    new = plan_create(request=plan.request, by=by, now=now, start_date=start_date, interim=False,
                      **{name: getattr(plan, name) for name in PLAN_FIELDS})
    for service in plan.services.all():
        planned_service_add(plan=new, by=by, now=now, service_type=service.service_type, frequency=service.frequency,
                            estimated_cost=service.estimated_cost, provider=service.provider,
                            signposted=service.signposted, provider_note=service.provider_note, notes=service.notes)
    return new
