"""Auditor pages: who viewed what, every change, and the subject access export of one family."""

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from core.audit import record_access
from core.models import AccessAction
from organisations.access import role_required
from organisations.models import Role

from . import selectors
from .forms import AccessSearchForm


@role_required(Role.AUDITOR)
def search(request: HttpRequest) -> HttpResponse:
    form = AccessSearchForm(request.GET or None)
    logs = selectors.access_log_search(user=request.user)
    if form.is_bound and form.is_valid():
        logs = selectors.access_log_search(user=request.user, **form.cleaned_data)
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/search.html",
                  {"form": form, "page_obj": page, "query_string": query.urlencode()})


def _household(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.household_for(user=request.user, pk=pk)
    except selectors.Household.DoesNotExist as exc:
        raise Http404("No family with that number in your scope") from exc


@role_required(Role.AUDITOR)
def family(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    record_access(user=request.user, obj=household, request=request, authority=household.responsible_authority)
    dossier = selectors.family_dossier(household=household, user=request.user, for_page=True)
    return render(request, "audit/family.html", {"household": household, "dossier": dossier})


@role_required(Role.AUDITOR)
def family_export(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    record_access(user=request.user, obj=household, action=AccessAction.EXPORT, request=request,
                  authority=household.responsible_authority)
    dossier = selectors.family_dossier(household=household, user=request.user)
    response = HttpResponse(json.dumps(dossier, indent=2, default=str), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{slugify(str(household))}.json"'
    return response
