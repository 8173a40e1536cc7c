"""Reviews of a plan (reg 19): scheduled and recorded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from organisations.access import role_required

from .. import forms
from ..models import Review, SupportPlan
from ..services import reviews
from ._pages import WRITERS, _data, _form_page, _now, _scoped, _today


@role_required(*WRITERS)
def review_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped(SupportPlan, request.user, pk)
    form = forms.ReviewScheduleForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        reviews.review_schedule(plan=plan, by=request.user, now=_now(), **data)
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
        reviews.review_complete(review=review, by=request.user, now=_now(), scores=form.scores(), **fields)
        return reverse("support:plan_detail", args=[review.plan_id])

    return _form_page(request, form=form, save=save, title="Record the review (regulation 19)",
                      caption=f"{review.plan}: {review}",
                      back_url=reverse("support:plan_detail", args=[review.plan_id]))
