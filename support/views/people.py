"""Birth relatives and adult adoptees: recorded, and their page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from organisations.access import role_required
from organisations.models import Authority
from organisations.scoping import authority_ids_for

from .. import forms
from ..models import Child, Person
from ..services import people
from ._pages import READERS, WRITERS, _data, _form_page, _now, _scoped


@role_required(*WRITERS)
def person_create(request: HttpRequest) -> HttpResponse:
    authorities = Authority.objects.filter(pk__in=authority_ids_for(request.user))
    related = None
    if request.GET.get("child"):
        related = _scoped(Child, request.user, int(request.GET["child"])) if request.GET["child"].isdigit() else None
    form = forms.PersonForm(_data(request), authorities=authorities,
                            initial={"authority": authorities.first()})

    def save(data: dict[str, Any]) -> str:
        person = people.person_create(by=request.user, now=_now(), related_child=related, **data)
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
