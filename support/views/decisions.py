"""The decision (reg 18): recorded, approved or returned, changed and resubmitted."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from organisations.access import role_required

from .. import forms
from ..models import Decision, NoticeOfProposal
from ..services import decisions
from ._pages import APPROVERS, WRITERS, _approval_page, _data, _form_page, _now, _today


@role_required(*WRITERS)
def decision_record(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(NoticeOfProposal.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.DecisionForm(_data(request), initial={"decided_date": _today(),
                                                       "outcome": "provide" if notice.proposes_support else ""})

    def save(data: dict[str, Any]) -> str:
        decisions.decision_record(notice=notice, by=request.user, now=_now(), **data)
        messages.success(request, "Decision sent to a team manager for approval.")
        return reverse("support:request_detail", args=[notice.request_id])

    return _form_page(request, form=form, save=save, title="Record the decision (regulation 18)",
                      caption=str(notice.request), submit="Send for approval",
                      back_url=reverse("support:request_detail", args=[notice.request_id]))


@role_required(*APPROVERS)
def decision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.for_user(request.user).select_related("request", "author"), pk=pk)
    return _approval_page(request, obj=decision, what="decision", approve=decisions.decision_approve,
                          send_back=decisions.decision_return, key="decision")


@role_required(*WRITERS)
def decision_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.for_user(request.user).select_related("request"), pk=pk)
    form = forms.ResubmitDecisionForm(_data(request), initial={"outcome": decision.outcome,
                                                               "reasons": decision.reasons})

    def save(data: dict[str, Any]) -> str:
        decisions.decision_resubmit(decision=decision, by=request.user, now=_now(), **data)
        return reverse("support:request_detail", args=[decision.request_id])

    return _form_page(request, form=form, save=save, title="Change and resubmit the decision",
                      caption=f"Returned: {decision.return_reason}", submit="Send for approval",
                      back_url=reverse("support:request_detail", args=[decision.request_id]))
