"""The lists: my caseload, the team's caseload, what is due soon, the approvals waiting."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organisations.access import role_required
from organisations.scoping import authority_ids_for

from .. import forms, selectors
from ._pages import APPROVERS, PAGE_SIZE, READERS, WRITERS, _today


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
