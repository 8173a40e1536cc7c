"""What every support page shares: who may read, write and approve; scoped lookups; the form page that
turns service errors into GOV.UK field errors; the approval page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role

from .. import forms
from ..services.errors import SupportError

READERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR)
WRITERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
APPROVERS: tuple[str, ...] = (Role.TEAM_MANAGER,)
PAGE_SIZE = 25


def _scoped(model: type[Model], user: Any, pk: int) -> Any:
    return get_object_or_404(model.objects.for_user(user), pk=pk)  # type: ignore[attr-defined]


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _form_page(
    request: HttpRequest, *, form: Any, save: Callable[[dict[str, Any]], Any], title: str, caption: str = "",
    back_url: str, submit: str = "Save and continue", context: dict[str, Any] | None = None,
    template: str = "support/form.html",
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save(cleaned_data)`, which returns where to go next. Domain errors
    become GOV.UK errors on the fields (the service saved nothing)."""
    if request.method == "POST" and form.is_valid():
        try:
            target = save(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            return redirect(target)
    return render(request, template, {"form": form, "title": title, "caption": caption, "back_url": back_url,
                                      "submit": submit, **(context or {})},
                  status=400 if form.errors else 200)


def _now() -> Any:
    return timezone.now()


def _today() -> date:
    return timezone.localdate()


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _approval_page(request: HttpRequest, *, obj: Any, what: str, approve: Callable[..., Any],
                   send_back: Callable[..., Any], key: str) -> HttpResponse:
    form = forms.ApprovalForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        if data["action"] == "approve":
            approve(**{key: obj}, by=request.user, now=_now())
            messages.success(request, f"The {what} is approved.")
        else:
            send_back(**{key: obj}, reason=data["reason"], by=request.user, now=_now())
            messages.success(request, f"The {what} was returned to {obj.author}.")
        return reverse("support:request_detail", args=[obj.request_id])

    return _form_page(request, form=form, save=save, title=f"Approve the {what}", caption=str(obj.request),
                      submit="Confirm", back_url=reverse("support:approvals"),
                      context={"approval_of": obj, "approval_kind": what},
                      template="support/approval.html")
