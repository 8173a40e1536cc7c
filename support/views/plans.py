"""The support plan (reg 16): written, its page, changed, services and measures added, put in place,
revised, ended."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from moneyed import Money

from organisations.access import role_required

from .. import forms, selectors
from ..models import SupportPlan, SupportRequest
from ..models.plans import PlanStatus
from ..services import plans
from ..services.errors import SupportError
from ._pages import READERS, WRITERS, _data, _form_page, _now, _scoped, _today


@role_required(*WRITERS)
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    interim = request.GET.get("interim") == "1"
    form = forms.PlanForm(_data(request), initial={"start_date": _today()})

    def save(data: dict[str, Any]) -> str:
        plan = plans.plan_create(request=support_request, by=request.user, now=_now(), interim=interim, **data)
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
    initial = {name: getattr(plan, name) for name in (*plans.PLAN_FIELDS, "start_date")}
    form = forms.PlanForm(_data(request), initial=initial, with_review=False)

    def save(data: dict[str, Any]) -> str:
        plans.plan_update(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Change the draft plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def planned_service_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.PlannedServiceForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        data = {**data, "estimated_cost": Money(data["estimated_cost"], "GBP")}
        plans.planned_service_add(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Add a service to the plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def outcome_measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.OutcomeMeasureForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        plans.outcome_measure_add(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Add an outcome measure", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@require_POST
@role_required(*WRITERS)
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    try:
        plans.plan_activate(plan=plan, by=request.user, now=_now())
        messages.success(request, "The plan is in place.")
    except SupportError as error:
        messages.error(request, str(error))
    return redirect("support:plan_detail", pk=pk)


@role_required(*WRITERS)
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.RevisePlanForm(_data(request), initial={"start_date": _today()})

    def save(data: dict[str, Any]) -> str:
        new = plans.plan_revise(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[new.pk])

    return _form_page(request, form=form, save=save, title="Revise the plan", caption=str(plan),
                      back_url=reverse("support:plan_detail", args=[pk]))


@role_required(*WRITERS)
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.EndPlanForm(_data(request), initial={"end_date": _today()})

    def save(data: dict[str, Any]) -> str:
        plans.plan_end(plan=plan, by=request.user, now=_now(), **data)
        return reverse("support:plan_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="End the plan", caption=str(plan), submit="End the plan",
                      back_url=reverse("support:plan_detail", args=[pk]))
