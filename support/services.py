"""Every write in support. Keyword-only, typed, atomic; the acting user is `by=`, the clock `now=` (business dates
come in as arguments). Bad input raises `django.core.exceptions.ValidationError` with a dict of field errors (views
put them on the form); a refused step raises a `SupportError` subclass with a message a worker can read.

The process (DOMAIN.md 2): request -> assessment (reg 14) -> team-manager approval (never the author) -> notice of
proposal with a window for representations -> decision (approved by a team manager who is not its author) ->
support plan -> reviews -> revised or ended. The urgent path (reg 21) puts an interim plan in place before the
notice. Every transition writes a `StatusChange` row in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import django_fsm
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from moneyed import Money

from core.money import GBP, PENNY
from organisations.models import Role
from organisations.scoping import authority_ids_for

from . import rules
from .models import (
    Assessment,
    Child,
    Decision,
    Household,
    LegalOrder,
    NoticeOfProposal,
    OutcomeMeasure,
    OutcomeScore,
    Person,
    PlannedService,
    ResidencePeriod,
    Review,
    ServiceType,
    StatusChange,
    SupportPlan,
    SupportRequest,
)
from .models.assessments import REG14_SECTIONS, ApprovalStatus
from .models.decisions import DecisionOutcome
from .models.notices import NoticeStatus
from .models.plans import PLAN_SECTIONS, PlanStatus
from .models.requests import RequestStage
from .models.reviews import ReviewOutcome, ReviewReason, ReviewStatus


class SupportError(Exception):
    """A step the process refuses. Nothing has been written when it is raised."""


class InvalidTransition(SupportError):
    pass


class SelfApproval(SupportError):
    pass


class NotPermitted(SupportError):
    pass


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


# --------------------------------------------------------------------------------------------------- responsibility


def _residence_history(household: Household) -> list[tuple[Any, date]]:
    return [(r.authority, r.from_date) for r in household.residences.select_related("authority")]


def _order_facts(child: Child) -> list[rules.OrderFact]:
    return [rules.OrderFact(o.kind, o.order_date, o.placing_authority)
            for o in child.orders.select_related("placing_authority")]


def child_responsibility(*, child: Child, on_date: date) -> tuple[Any, str]:
    """The three-year rule for a child on a date (read-only: used by pages to show the answer before saving)."""
    return rules.responsibility_for_child(
        orders=_order_facts(child), residence_history=_residence_history(child.household), on_date=on_date
    )


def _refresh_child(child: Child, *, on_date: date, by: Any) -> bool:
    if not child.orders.exists():
        return False  # until an order is recorded the child stays with the authority that recorded the family
    authority, reason = child_responsibility(child=child, on_date=on_date)
    if authority is None:
        return False
    if child.responsible_authority_id != authority.pk or child.responsibility_reason != reason:
        child.responsible_authority = authority
        child.responsibility_reason = reason[:400]
        _history(child, by)
        child.save(update_fields=["responsible_authority", "responsibility_reason"])
        return True
    return False


def _refresh_household(household: Household, *, on_date: date, by: Any) -> bool:
    """The family's responsible authority now: its most recently ordered child's. A family with no child yet
    stays with the authority that recorded it."""
    children = list(household.children.select_related("responsible_authority"))
    changed = False
    for child in children:
        changed |= _refresh_child(child, on_date=on_date, by=by)
    authority, reason = None, ""
    if children:
        def latest_order(c: Child) -> date:
            order = rules.governing_order(_order_facts(c))
            return order.order_date if order else date.min

        lead = max(children, key=latest_order)
        authority = lead.responsible_authority
        reason = f"Responsible for {lead.first_name}: {lead.responsibility_reason}"
    if authority is not None and (household.responsible_authority_id != authority.pk
                                  or household.responsibility_reason != reason[:400]):
        household.responsible_authority = authority
        household.responsibility_reason = reason[:400]
        _history(household, by)
        household.save(update_fields=["responsible_authority", "responsibility_reason"])
        changed = True
    return changed


def responsibility_refresh(*, today: date, by: Any = None) -> int:
    """Re-apply the three-year rule to every family (daily: an anniversary passing moves a family). Returns how
    many families changed."""
    changed = 0
    for household in Household.objects.order_by("pk").iterator(chunk_size=200):
        with transaction.atomic():
            locked = Household.objects.select_for_update().get(pk=household.pk)
            changed += int(_refresh_household(locked, on_date=today, by=by))
    return changed


# --------------------------------------------------------------------------------------------------- people


@transaction.atomic
def household_create(
    *, by: Any, now: datetime, family_name: str, carer_one_name: str, carer_two_name: str = "",
    arrangement: str, address_line_1: str, address_line_2: str = "", town: str, postcode: str,
    residence_authority: Any, residence_from_date: date,
) -> Household:
    """A family, held by the recording worker's authority until a child and order are recorded (then the
    three-year rule decides)."""
    _require_casework(by, "record a family")
    today = _today(now)
    _not_future(residence_from_date, "residence_from_date", "The date they moved in", today)
    own = authority_ids_for(by)
    holder = residence_authority if residence_authority.pk in own or not by.authority_id else by.authority
    household = Household(
        family_name=family_name.strip(), carer_one_name=carer_one_name.strip(), carer_two_name=carer_two_name.strip(),
        arrangement=arrangement, address_line_1=address_line_1, address_line_2=address_line_2, town=town,
        postcode=postcode.upper().strip(), responsible_authority=holder,
        responsibility_reason=f"Recorded by {holder.name}; no child with a legal order is recorded yet.",
        created_by=by,
    )
    _save(household, by)
    residence = ResidencePeriod(household=household, authority=residence_authority, from_date=residence_from_date,
                                address=", ".join(p for p in (address_line_1, address_line_2, town, postcode) if p))
    _save(residence, by)
    return household


@transaction.atomic
def household_move(
    *, household: Household, by: Any, now: datetime, authority: Any, from_date: date, address_line_1: str,
    address_line_2: str = "", town: str, postcode: str,
) -> ResidencePeriod:
    """A move: a new residence row (the history is kept), the new address, and the three-year rule re-applied."""
    _require_casework(by, "record a move")
    household = _lock(household)
    today = _today(now)
    _not_future(from_date, "from_date", "The date they moved", today)
    latest = household.residences.order_by("-from_date").first()
    if latest is not None and from_date <= latest.from_date:
        raise ValidationError({"from_date": f"The date they moved must be after {latest.from_date:%-d %B %Y}, "
                                            "when they moved to their current address"})
    residence = ResidencePeriod(household=household, authority=authority, from_date=from_date,
                                address=", ".join(p for p in (address_line_1, address_line_2, town, postcode) if p))
    _save(residence, by)
    household.address_line_1, household.address_line_2 = address_line_1, address_line_2
    household.town, household.postcode = town, postcode.upper().strip()
    _save(household, by)
    _refresh_household(household, on_date=today, by=by)
    return residence


def _check_child_dates(*, date_of_birth: date, ehc_plan_start_date: date | None, ehc_plan_end_date: date | None,
                       today: date) -> None:
    errors: dict[str, str] = {}
    if date_of_birth > today:
        errors["date_of_birth"] = "Date of birth must be in the past"
    if ehc_plan_start_date and ehc_plan_start_date < date_of_birth:
        errors["ehc_plan_start_date"] = "EHC plan start date must be on or after the date of birth"
    if ehc_plan_end_date and not ehc_plan_start_date:
        errors["ehc_plan_start_date"] = "Enter the EHC plan start date"
    if ehc_plan_start_date and ehc_plan_end_date and ehc_plan_end_date < ehc_plan_start_date:
        errors["ehc_plan_end_date"] = "EHC plan end date must be on or after the start date"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def child_create(
    *, household: Household, by: Any, now: datetime, first_name: str, last_name: str, date_of_birth: date,
    previously_looked_after: bool = True, ehc_plan_start_date: date | None = None,
    ehc_plan_end_date: date | None = None,
) -> Child:
    _require_casework(by, "record a child")
    today = _today(now)
    _check_child_dates(date_of_birth=date_of_birth, ehc_plan_start_date=ehc_plan_start_date,
                       ehc_plan_end_date=ehc_plan_end_date, today=today)
    household = _lock(household)
    child = Child(household=household, first_name=first_name.strip(), last_name=last_name.strip(),
                  date_of_birth=date_of_birth, previously_looked_after=previously_looked_after,
                  ehc_plan_start_date=ehc_plan_start_date, ehc_plan_end_date=ehc_plan_end_date,
                  responsible_authority=household.responsible_authority,
                  responsibility_reason="No legal order is recorded yet.")
    _save(child, by)
    _refresh_household(household, on_date=today, by=by)
    child.refresh_from_db()
    return child


@transaction.atomic
def child_update(
    *, child: Child, by: Any, now: datetime, first_name: str, last_name: str, date_of_birth: date,
    previously_looked_after: bool, ehc_plan_start_date: date | None, ehc_plan_end_date: date | None,
) -> Child:
    _require_casework(by, "change a child's details")
    today = _today(now)
    _check_child_dates(date_of_birth=date_of_birth, ehc_plan_start_date=ehc_plan_start_date,
                       ehc_plan_end_date=ehc_plan_end_date, today=today)
    child = _lock(child)
    first_order = child.orders.order_by("order_date").first()
    if first_order is not None and first_order.order_date < date_of_birth:
        raise ValidationError({"date_of_birth": "Date of birth must be on or before the date of the child's "
                                                f"first order ({first_order.order_date:%-d %B %Y})"})
    child.first_name, child.last_name, child.date_of_birth = first_name.strip(), last_name.strip(), date_of_birth
    child.previously_looked_after = previously_looked_after
    child.ehc_plan_start_date, child.ehc_plan_end_date = ehc_plan_start_date, ehc_plan_end_date
    _save(child, by)
    return child


@transaction.atomic
def legal_order_add(
    *, child: Child, by: Any, now: datetime, kind: str, order_date: date, placing_authority: Any,
    court: str = "",
) -> LegalOrder:
    _require_casework(by, "record a legal order")
    today = _today(now)
    child = _lock(child)
    _not_future(order_date, "order_date", "The date of the order", today)
    if order_date < child.date_of_birth:
        raise ValidationError({"order_date": "The date of the order must be on or after the child's date of birth "
                                             f"({child.date_of_birth:%-d %B %Y})"})
    if placing_authority is None and kind != "intercountry":
        raise ValidationError({"placing_authority": "Select the placing authority"})
    order = LegalOrder(child=child, kind=kind, order_date=order_date, placing_authority=placing_authority,
                       court=court)
    _save(order, by)
    _refresh_household(child.household, on_date=today, by=by)
    return order


@transaction.atomic
def person_create(
    *, by: Any, now: datetime, kind: str, first_name: str, last_name: str, authority: Any,
    date_of_birth: date | None = None, related_child: Child | None = None, notes: str = "",
) -> Person:
    _require_casework(by, "record a person")
    if date_of_birth is not None and date_of_birth > _today(now):
        raise ValidationError({"date_of_birth": "Date of birth must be in the past"})
    person = Person(kind=kind, first_name=first_name.strip(), last_name=last_name.strip(), authority=authority,
                    date_of_birth=date_of_birth, related_child=related_child, notes=notes)
    _save(person, by)
    return person


# --------------------------------------------------------------------------------------------------- request


@transaction.atomic
def request_create(
    *, by: Any, now: datetime, received_date: date, summary: str, requester: str, child: Child | None = None,
    person: Person | None = None, urgent: bool = False, allocated_worker: Any = None,
) -> SupportRequest:
    """Record a request. For a child the three-year rule on the received date decides which authority holds it;
    a worker may only record a request their own authority (or partnership) is responsible for."""
    _require_casework(by, "record a request")
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


# --------------------------------------------------------------------------------------------------- assessment


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


# --------------------------------------------------------------------------------------------------- notice, decision


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


# --------------------------------------------------------------------------------------------------- plan


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


# --------------------------------------------------------------------------------------------------- review


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
    return review


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
