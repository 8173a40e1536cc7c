"""The notice of proposal (reg 17): sent, the family's response, the window ended."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from organisations.access import role_required

from .. import forms
from ..models import NoticeOfProposal, SupportRequest
from ..services import notices
from ..services.errors import SupportError
from ._pages import WRITERS, _data, _form_page, _now, _scoped, _today


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
        notices.notice_issue(request=support_request, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[pk])

    return _form_page(request, form=form, save=save, title="Send the notice of proposal (regulation 17)",
                      caption=str(support_request), back_url=reverse("support:request_detail", args=[pk]))


@role_required(*WRITERS)
def notice_response(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(NoticeOfProposal.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.NoticeResponseForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        notices.notice_record_response(notice=notice, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[notice.request_id])

    return _form_page(request, form=form, save=save, title="Record the family's response to the notice",
                      caption=f"{notice.request}: representations by {notice.window_end_date:%-d %B %Y}",
                      back_url=reverse("support:request_detail", args=[notice.request_id]))


@require_POST
@role_required(*WRITERS)
def notice_end_window(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _scoped(NoticeOfProposal, request.user, pk)
    try:
        notices.notice_end_window(notice=notice, by=request.user, now=_now())
    except SupportError as error:
        messages.error(request, str(error))
    return redirect("support:request_detail", pk=notice.request_id)
