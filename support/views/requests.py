"""Support requests: recorded for a child or a person, their page, allocation, withdrawal, closure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.audit import record_access
from organisations.access import role_required

from .. import forms, selectors
from ..models import Child, Person, SupportRequest
from ..models.assessments import ApprovalStatus
from ..models.notices import NoticeStatus
from ..models.requests import RequestStage
from ..services import requests
from ..services.responsibility import child_responsibility
from ._pages import APPROVERS, READERS, WRITERS, _data, _form_page, _now, _scoped, _today


def _request_form(request: HttpRequest, *, child: Child | None, person: Person | None, back_url: str,
                  caption: str) -> HttpResponse:
    form = forms.RequestForm(_data(request), initial={"received_date": _today(),
                                                      "requester": "birth_parent" if person else "adoptive_parent"})
    responsibility = None
    if child is not None:
        responsibility = child_responsibility(child=child, on_date=_today())

    def save(data: dict[str, Any]) -> str:
        created = requests.request_create(by=request.user, now=_now(), child=child, person=person, **data)
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
    letters = selectors.request_letters(user=request.user, request=support_request)
    return render(request, "support/request_detail.html", {
        "req": support_request, **steps, "can_write": role in WRITERS, "can_approve": role in APPROVERS,
        "RequestStage": RequestStage, "ApprovalStatus": ApprovalStatus, "NoticeStatus": NoticeStatus,
        "today": _today(), "letters": letters,
    })


@role_required(*WRITERS)
def request_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    workers = forms.social_workers_of([support_request.responsible_authority_id])
    form = forms.AllocateForm(_data(request), workers=workers)

    def save(data: dict[str, Any]) -> str:
        requests.request_allocate(request=support_request, worker=data["worker"], by=request.user, now=_now())
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
    return _reason_page(request, pk, action=requests.request_withdraw, title="Withdraw the request",
                        submit="Withdraw the request")


@role_required(*WRITERS)
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_page(request, pk, action=requests.request_close, title="Close the request",
                        submit="Close the request")
