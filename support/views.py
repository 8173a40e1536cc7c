"""Support pages. Each checks role (`role_required`) and scope (`for_user`: out of scope is a 404), parses a form,
calls one service or selector, and renders. Service errors come back as GOV.UK field errors; nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from moneyed import Money

from core.audit import record_access
from organisations.access import role_required
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for

from . import forms, selectors, services
from .models import (
    Assessment,
    Child,
    Decision,
    Household,
    NoticeOfProposal,
    Person,
    Review,
    SupportPlan,
    SupportRequest,
)
from .models.assessments import ApprovalStatus
from .models.notices import NoticeStatus
from .models.plans import PlanStatus
from .models.requests import RequestStage

READERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR)
WRITERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
APPROVERS: tuple[str, ...] = (Role.TEAM_MANAGER,)
PAGE_SIZE = 25


def _scoped(model: type[Model], user: Any, pk: int) -> Any:
    return get_object_or_404(model.objects.for_user(user), pk=pk)  # type: ignore[attr-defined]


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _form_page(
    request: HttpRequest, *, form: Any, save: Callable[[dict[str, Any]], Any], title: str, caption: str = "",
    back_url: str, submit: str = "Save and continue", context: dict[str, Any] | None = None,
    template: str = "support/form.html",
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save(cleaned_data)`, which returns where to go next. Domain errors
    become GOV.UK errors on the fields (the service saved nothing)."""
    if request.method == "POST" and form.is_valid():
        try:
            target = save(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            return redirect(target)
    return render(request, template, {"form": form, "title": title, "caption": caption, "back_url": back_url,
                                      "submit": submit, **(context or {})},
                  status=400 if form.errors else 200)


def _now() -> Any:
    return timezone.now()


def _today() -> date:
    return timezone.localdate()


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --------------------------------------------------------------------------------------------------- lists


def _caseload_page(request: HttpRequest, *, mine: bool) -> HttpResponse:
    workers = forms.social_workers_of(authority_ids_for(request.user))
    form = forms.CaseloadFilterForm(request.GET or None, workers=workers)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    rows = selectors.caseload(user=request.user, mine=mine, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return render(request, "support/caseload.html", {
        "form": form, "page_obj": page, "mine": mine, "query_string": query,
        "next_steps": selectors.next_steps(user=request.user) if mine else [],
        "title": "My caseload" if mine else "Team caseload", "filtered": bool(filters),
    })


@role_required(*WRITERS)
def caseload(request: HttpRequest) -> HttpResponse:
    return _caseload_page(request, mine=True)


@role_required(*READERS)
def team_caseload(request: HttpRequest) -> HttpResponse:
    return _caseload_page(request, mine=False)


@role_required(*READERS)
def due_soon(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    today = _today()
    items = selectors.due_soon(user=request.user, today=today, mine=mine)
    return render(request, "support/due_soon.html", {"items": items, "mine": mine, "today": today,
                                                      "horizon": settings.DUE_SOON_WORKING_DAYS})


@role_required(*APPROVERS)
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "support/approvals.html",
                  {"rows": selectors.approvals_waiting(user=request.user, today=_today())})


# --------------------------------------------------------------------------------------------------- family


@role_required(*WRITERS)
def household_create(request: HttpRequest) -> HttpResponse:
    form = forms.HouseholdForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        household = services.household_create(by=request.user, now=_now(), **data)
        messages.success(request, f"{household} recorded. Add each child and their legal orders.")
        visible = Household.objects.for_user(request.user).filter(pk=household.pk).exists()
        return reverse("support:household_detail", args=[household.pk]) if visible else reverse("support:caseload")

    return _form_page(request, form=form, save=save, title="Record a family", back_url=reverse("support:caseload"))


@role_required(*READERS)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        household = selectors.household_for_record(user=request.user, pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404("No such family") from exc
    record_access(user=request.user, obj=household, request=request, authority=household.responsible_authority)
    return render(request, "support/household_detail.html", {
        "household": household, "timeline": selectors.household_timeline(user=request.user, household=household),
        "can_write": request.user.role in WRITERS,  # type: ignore[union-attr]
    })


@role_required(*WRITERS)
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    household = _scoped(Household, request.user, pk)
    form = forms.MoveForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.household_move(household=household, by=request.user, now=_now(), **data)
        messages.success(request, "Move recorded; the three-year rule has been applied again.")
        visible = Household.objects.for_user(request.user).filter(pk=household.pk).exists()
        return reverse("support:household_detail", args=[pk]) if visible else reverse("support:caseload")

    return _form_page(request, form=form, save=save, title="Record a move", caption=str(household),
                      back_url=reverse("support:household_detail", args=[pk]))


@role_required(*WRITERS)
def child_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = _scoped(Household, request.user, pk)
    form = forms.ChildForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        child = services.child_create(household=household, by=request.user, now=_now(), **data)
        messages.success(request, f"{child.full_name} added. Now record their legal order.")
        return reverse("support:legal_order_add", args=[child.pk])

    return _form_page(request, form=form, save=save, title="Add a child", caption=str(household),
                      back_url=reverse("support:household_detail", args=[pk]))


@role_required(*WRITERS)
def child_update(request: HttpRequest, pk: int) -> HttpResponse:
    child = _scoped(Child, request.user, pk)
    initial = {f: getattr(child, f) for f in ("first_name", "last_name", "date_of_birth", "previously_looked_after",
                                              "ehc_plan_start_date", "ehc_plan_end_date")}
    form = forms.ChildForm(_data(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        services.child_update(child=child, by=request.user, now=_now(), **data)
        messages.success(request, f"{child.first_name}'s details saved.")
        return reverse("support:household_detail", args=[child.household_id])

    return _form_page(request, form=form, save=save, title=f"Change {child.full_name}'s details",
                      back_url=reverse("support:household_detail", args=[child.household_id]))


@role_required(*WRITERS)
def legal_order_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _scoped(Child, request.user, pk)
    form = forms.LegalOrderForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.legal_order_add(child=child, by=request.user, now=_now(), **data)
        child.refresh_from_db()
        messages.success(request, f"Order recorded. {child.responsibility_reason}")
        visible = Household.objects.for_user(request.user).filter(pk=child.household_id).exists()
        return reverse("support:household_detail", args=[child.household_id]) if visible else reverse(
            "support:caseload")

    return _form_page(request, form=form, save=save, title=f"Record a legal order for {child.full_name}",
                      back_url=reverse("support:household_detail", args=[child.household_id]))


@role_required(*WRITERS)
def person_create(request: HttpRequest) -> HttpResponse:
    authorities = Authority.objects.filter(pk__in=authority_ids_for(request.user))
    related = None
    if request.GET.get("child"):
        related = _scoped(Child, request.user, int(request.GET["child"])) if request.GET["child"].isdigit() else None
    form = forms.PersonForm(_data(request), authorities=authorities,
                            initial={"authority": authorities.first()})

    def save(data: dict[str, Any]) -> str:
        person = services.person_create(by=request.user, now=_now(), related_child=related, **data)
        messages.success(request, f"{person.full_name} recorded.")
        return reverse("support:person_detail", args=[person.pk])

    return _form_page(request, form=form, save=save, title="Record a birth relative or adult adoptee",
                      caption=f"Birth family of {related.full_name}" if related else "",
                      back_url=reverse("support:caseload"))


@role_required(*READERS)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.for_user(request.user).select_related("authority", "related_child"),
                               pk=pk)
    requests = person.requests.for_user(request.user).select_related("allocated_worker")  # type: ignore[attr-defined]
    return render(request, "support/person_detail.html", {"person": person, "requests": requests,
                                                          "can_write": request.user.role in WRITERS})  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------- request


def _request_form(request: HttpRequest, *, child: Child | None, person: Person | None, back_url: str,
                  caption: str) -> HttpResponse:
    form = forms.RequestForm(_data(request), initial={"received_date": _today(),
                                                      "requester": "birth_parent" if person else "adoptive_parent"})
    responsibility = None
    if child is not None:
        responsibility = services.child_responsibility(child=child, on_date=_today())

    def save(data: dict[str, Any]) -> str:
        created = services.request_create(by=request.user, now=_now(), child=child, person=person, **data)
        messages.success(request, f"Request {created.reference} recorded.")
        return reverse("support:request_detail", args=[created.pk])

    return _form_page(request, form=form, save=save, title="Record a request for support", caption=caption,
                      back_url=back_url, context={"responsibility": responsibility})


@role_required(*WRITERS)
def request_create_for_child(request: HttpRequest, pk: int) -> HttpResponse:
    child = _scoped(Child, request.user, pk)
    return _request_form(request, child=child, person=None, caption=child.full_name,
                         back_url=reverse("support:household_detail", args=[child.household_id]))


@role_required(*WRITERS)
def request_create_for_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = _scoped(Person, request.user, pk)
    return _request_form(request, child=None, person=person, caption=person.full_name,
                         back_url=reverse("support:person_detail", args=[pk]))


@role_required(*READERS)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        support_request = selectors.request_for_page(user=request.user, pk=pk)
    except SupportRequest.DoesNotExist as exc:
        raise Http404("No such request") from exc
    subject: Any = support_request.child or support_request.person
    record_access(user=request.user, obj=subject, request=request, authority=support_request.responsible_authority,
                  family=support_request.child.household if support_request.child else subject)
    steps = selectors.request_steps(request=support_request)
    role = request.user.role  # type: ignore[union-attr]
    return render(request, "support/request_detail.html", {
        "req": support_request, **steps, "can_write": role in WRITERS, "can_approve": role in APPROVERS,
        "RequestStage": RequestStage, "ApprovalStatus": ApprovalStatus, "NoticeStatus": NoticeStatus,
        "today": _today(),
    })


@role_required(*WRITERS)
def request_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    workers = forms.social_workers_of([support_request.responsible_authority_id])
    form = forms.AllocateForm(_data(request), workers=workers)

    def save(data: dict[str, Any]) -> str:
        services.request_allocate(request=support_request, worker=data["worker"], by=request.user, now=_now())
        return reverse("support:request_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Allocate a social worker", caption=str(support_request),
                      back_url=reverse("support:request_detail", args=[pk]))


def _reason_page(request: HttpRequest, pk: int, *, action: Callable[..., Any], title: str, submit: str) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    form = forms.ReasonForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        action(request=support_request, reason=data["reason"], by=request.user, now=_now())
        return reverse("support:request_detail", args=[pk])

    return _form_page(request, form=form, save=save, title=title, caption=str(support_request), submit=submit,
                      back_url=reverse("support:request_detail", args=[pk]))


@role_required(*WRITERS)
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_page(request, pk, action=services.request_withdraw, title="Withdraw the request",
                        submit="Withdraw the request")


@role_required(*WRITERS)
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_page(request, pk, action=services.request_close, title="Close the request",
                        submit="Close the request")


# --------------------------------------------------------------------------------------------------- assessment


@role_required(*WRITERS)
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    form = forms.StartAssessmentForm(_data(request), initial={"started_date": _today()})

    def save(data: dict[str, Any]) -> str:
        assessment = services.assessment_start(request=support_request, by=request.user, now=_now(), **data)
        return reverse("support:assessment_edit", args=[assessment.pk])

    return _form_page(request, form=form, save=save, title="Start the assessment of need",
                      caption=str(support_request), back_url=reverse("support:request_detail", args=[pk]))


@role_required(*WRITERS)
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.for_user(request.user).select_related("request"), pk=pk)
    initial = {name: getattr(assessment, name) for name in services.ASSESSMENT_FIELDS}
    form = forms.AssessmentForm(_data(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        services.assessment_update(assessment=assessment, by=request.user, now=_now(), **data)
        if request.POST.get("submit_for_approval"):
            services.assessment_submit(assessment=assessment, by=request.user, now=_now())
            messages.success(request, "Assessment sent to a team manager for approval.")
        else:
            messages.success(request, "Assessment saved.")
        return reverse("support:request_detail", args=[assessment.request_id])

    return _form_page(request, form=form, save=save, title="Assessment of need (regulation 14)",
                      caption=str(assessment.request), submit="Save as draft",
                      back_url=reverse("support:request_detail", args=[assessment.request_id]),
                      context={"assessment": assessment, "second_submit": ("submit_for_approval",
                                                                           "Save and send for approval")})


def _approval_page(request: HttpRequest, *, obj: Any, what: str, approve: Callable[..., Any],
                   send_back: Callable[..., Any], key: str) -> HttpResponse:
    form = forms.ApprovalForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        if data["action"] == "approve":
            approve(**{key: obj}, by=request.user, now=_now())
            messages.success(request, f"The {what} is approved.")
        else:
            send_back(**{key: obj}, reason=data["reason"], by=request.user, now=_now())
            messages.success(request, f"The {what} was returned to {obj.author}.")
        return reverse("support:request_detail", args=[obj.request_id])

    return _form_page(request, form=form, save=save, title=f"Approve the {what}", caption=str(obj.request),
                      submit="Confirm", back_url=reverse("support:approvals"),
                      context={"approval_of": obj, "approval_kind": what},
                      template="support/approval.html")


@role_required(*APPROVERS)
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.for_user(request.user).select_related("request", "author"),
                                   pk=pk)
    return _approval_page(request, obj=assessment, what="assessment", approve=services.assessment_approve,
                          send_back=services.assessment_return, key="assessment")


# --------------------------------------------------------------------------------------------------- notice, decision


@role_required(*WRITERS)
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    assessment = support_request.assessments.order_by("-pk").first()
    form = forms.NoticeForm(_data(request), initial={
        "issued_date": _today(), "proposes_support": "yes",
        "window_days": settings.REPRESENTATION_WINDOW_DAYS,
        "statement_of_needs": assessment.summary_of_needs if assessment else "",
        "proposed_services": assessment.recommended_services if assessment else "",
    })

    def save(data: dict[str, Any]) -> str:
        services.notice_issue(request=support_request, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Send the notice of proposal (regulation 17)",
                      caption=str(support_request), back_url=reverse("support:request_detail", args=[pk]))


@role_required(*WRITERS)
def notice_response(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(NoticeOfProposal.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.NoticeResponseForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.notice_record_response(notice=notice, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[notice.request_id])

    return _form_page(request, form=form, save=save, title="Record the family's response to the notice",
                      caption=f"{notice.request}: representations by {notice.window_end_date:%-d %B %Y}",
                      back_url=reverse("support:request_detail", args=[notice.request_id]))


@require_POST
@role_required(*WRITERS)
def notice_end_window(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _scoped(NoticeOfProposal, request.user, pk)
    try:
        services.notice_end_window(notice=notice, by=request.user, now=_now())
    except services.SupportError as error:
        messages.error(request, str(error))
    return redirect("support:request_detail", pk=notice.request_id)


@role_required(*WRITERS)
def decision_record(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(NoticeOfProposal.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.DecisionForm(_data(request), initial={"decided_date": _today(),
                                                       "outcome": "provide" if notice.proposes_support else ""})

    def save(data: dict[str, Any]) -> str:
        services.decision_record(notice=notice, by=request.user, now=_now(), **data)
        messages.success(request, "Decision sent to a team manager for approval.")
        return reverse("support:request_detail", args=[notice.request_id])

    return _form_page(request, form=form, save=save, title="Record the decision (regulation 18)",
                      caption=str(notice.request), submit="Send for approval",
                      back_url=reverse("support:request_detail", args=[notice.request_id]))


@role_required(*APPROVERS)
def decision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.for_user(request.user).select_related("request", "author"), pk=pk)
    return _approval_page(request, obj=decision, what="decision", approve=services.decision_approve,
                          send_back=services.decision_return, key="decision")


@role_required(*WRITERS)
def decision_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.ResubmitDecisionForm(_data(request), initial={"outcome": decision.outcome,
                                                               "reasons": decision.reasons})

    def save(data: dict[str, Any]) -> str:
        services.decision_resubmit(decision=decision, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[decision.request_id])

    return _form_page(request, form=form, save=save, title="Change and resubmit the decision",
                      caption=f"Returned: {decision.return_reason}", submit="Send for approval",
                      back_url=reverse("support:request_detail", args=[decision.request_id]))


# --------------------------------------------------------------------------------------------------- plan


@role_required(*WRITERS)
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    interim = request.GET.get("interim") == "1"
    form = forms.PlanForm(_data(request), initial={"start_date": _today()})

    def save(data: dict[str, Any]) -> str:
        plan = services.plan_create(request=support_request, by=request.user, now=_now(), interim=interim, **data)
        return reverse("support:plan_detail", args=[plan.pk])

    title = "Put urgent support in place (regulation 21)" if interim else "Write the support plan"
    return _form_page(request, form=form, save=save, title=title, caption=str(support_request),
                      back_url=reverse("support:request_detail", args=[pk]))


@role_required(*READERS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = selectors.plan_for_page(user=request.user, pk=pk)
    except SupportPlan.DoesNotExist as exc:
        raise Http404("No such plan") from exc
    role = request.user.role  # type: ignore[union-attr]
    return render(request, "support/plan_detail.html", {"plan": plan, "can_write": role in WRITERS,
                                                        "PlanStatus": PlanStatus})


@role_required(*WRITERS)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    initial = {name: getattr(plan, name) for name in (*services.PLAN_FIELDS, "start_date")}
    form = forms.PlanForm(_data(request), initial=initial, with_review=False)

    def save(data: dict[str, Any]) -> str:
        services.plan_update(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Change the draft plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def planned_service_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.PlannedServiceForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        data = {**data, "estimated_cost": Money(data["estimated_cost"], "GBP")}
        services.planned_service_add(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Add a service to the plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def outcome_measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.OutcomeMeasureForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.outcome_measure_add(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Add an outcome measure", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@require_POST
@role_required(*WRITERS)
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    try:
        services.plan_activate(plan=plan, by=request.user, now=_now())
        messages.success(request, "The plan is in place.")
    except services.SupportError as error:
        messages.error(request, str(error))
    return redirect("support:plan_detail", pk=pk)


@role_required(*WRITERS)
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.RevisePlanForm(_data(request), initial={"start_date": _today()})

    def save(data: dict[str, Any]) -> str:
        new = services.plan_revise(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[new.pk])

    return _form_page(request, form=form, save=save, title="Revise the plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.EndPlanForm(_data(request), initial={"end_date": _today()})

    def save(data: dict[str, Any]) -> str:
        services.plan_end(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="End the plan", caption=str(plan), submit="End the plan",
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def review_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.ReviewScheduleForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.review_schedule(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Schedule a review", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def review_complete(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.for_user(request.user).select_related("plan"), pk=pk)
    form = forms.ReviewForm(_data(request), measures=list(review.plan.measures.all()),
                            initial={"completed_date": _today()})

    def save(data: dict[str, Any]) -> str:
        fields = {k: data[k] for k in ("completed_date", "outcome", "notes", "next_review_date")}
        services.review_complete(review=review, by=request.user, now=_now(), scores=form.scores(), **fields)
        return reverse("support:plan_detail", args=[review.plan_id])

    return _form_page(request, form=form, save=save, title="Record the review (regulation 19)",
                      caption=f"{review.plan}: {review}",
                      back_url=reverse("support:plan_detail", args=[review.plan_id]))
