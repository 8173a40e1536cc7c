"""A family's record: the household and its moves, its children and their legal orders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.audit import record_access
from notifications.selectors import letters_for_household
from organisations.access import role_required

from .. import forms, selectors
from ..models import Child, Household
from ..services import families
from ._pages import READERS, WRITERS, _data, _form_page, _now, _scoped


@role_required(*WRITERS)
def household_create(request: HttpRequest) -> HttpResponse:
    form = forms.HouseholdForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        household = families.household_create(by=request.user, now=_now(), **data)
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
        "letters": letters_for_household(user=request.user, household_id=household.pk),
    })


@role_required(*WRITERS)
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    household = _scoped(Household, request.user, pk)
    form = forms.MoveForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        families.household_move(household=household, by=request.user, now=_now(), **data)
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
        child = families.child_create(household=household, by=request.user, now=_now(), **data)
        messages.success(request, f"{child.full_name} added. Now record their legal order.")
        return reverse("support:legal_order_add", args=[child.pk])

    return _form_page(request, form=form, save=save, title="Add a child", caption=str(household),
                      back_url=reverse("support:household_detail", args=[pk]))


@role_required(*WRITERS)
def child_update(request: HttpRequest, pk: int) -> HttpResponse:
    child = _scoped(Child, request.user, pk)
    initial = {f: getattr(child, f) for f in ("first_name", "last_name", "date_of_birth", "previously_looked_after",
                                              "ehc_plan_start_date", "ehc_plan_end_date", "case_system_id")}
    form = forms.ChildForm(_data(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        families.child_update(child=child, by=request.user, now=_now(), **data)
        messages.success(request, f"{child.first_name}'s details saved.")
        return reverse("support:household_detail", args=[child.household_id])

    return _form_page(request, form=form, save=save, title=f"Change {child.full_name}'s details",
                      back_url=reverse("support:household_detail", args=[child.household_id]))


@role_required(*WRITERS)
def legal_order_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _scoped(Child, request.user, pk)
    form = forms.LegalOrderForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        families.legal_order_add(child=child, by=request.user, now=_now(), **data)
        child.refresh_from_db()
        messages.success(request, f"Order recorded. {child.responsibility_reason}")
        visible = Household.objects.for_user(request.user).filter(pk=child.household_id).exists()
        return reverse("support:household_detail", args=[child.household_id]) if visible else reverse(
            "support:caseload")

    return _form_page(request, form=form, save=save, title=f"Record a legal order for {child.full_name}",
                      back_url=reverse("support:household_detail", args=[child.household_id]))
