"""The assessment of need (reg 14): started, written, sent for approval, approved or returned."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from organisations.access import role_required

from .. import forms
from ..models import Assessment, SupportRequest
from ..services import assessments
from ._pages import APPROVERS, WRITERS, _approval_page, _data, _form_page, _now, _scoped, _today


@role_required(*WRITERS)
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _scoped(SupportRequest, request.user, pk)
    form = forms.StartAssessmentForm(_data(request), initial={"started_date": _today()})

    def save(data: dict[str, Any]) -> str:
        assessment = assessments.assessment_start(request=support_request, by=request.user, now=_now(), **data)
        return reverse("support:assessment_edit", args=[assessment.pk])

    return _form_page(request, form=form, save=save, title="Start the assessment of need",
                      caption=str(support_request), back_url=reverse("support:request_detail", args=[pk]))


@role_required(*WRITERS)
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.for_user(request.user).select_related("request"), pk=pk)
    initial = {name: getattr(assessment, name) for name in assessments.ASSESSMENT_FIELDS}
    form = forms.AssessmentForm(_data(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        assessments.assessment_update(assessment=assessment, by=request.user, now=_now(), **data)
        if request.POST.get("submit_for_approval"):
            assessments.assessment_submit(assessment=assessment, by=request.user, now=_now())
            messages.success(request, "Assessment sent to a team manager for approval.")
        else:
            messages.success(request, "Assessment saved.")
        return reverse("support:request_detail", args=[assessment.request_id])

    return _form_page(request, form=form, save=save, title="Assessment of need (regulation 14)",
                      caption=str(assessment.request), submit="Save as draft",
                      back_url=reverse("support:request_detail", args=[assessment.request_id]),
                      context={"assessment": assessment, "second_submit": ("submit_for_approval",
                                                                           "Save and send for approval")})


@role_required(*APPROVERS)
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.for_user(request.user).select_related("request", "author"),
                                   pk=pk)
    return _approval_page(request, obj=assessment, what="assessment", approve=assessments.assessment_approve,
                          send_back=assessments.assessment_return, key="assessment")
