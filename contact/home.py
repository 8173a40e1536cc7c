"""Home-page panel for letterbox: what is waiting for the coordinator (or the provider coordinating on referral)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors


@home.register(roles=(Role.LETTERBOX_COORDINATOR, Role.PROVIDER_STAFF), order=20)
def letterbox_panel(*, user: Any, today: date) -> dict | None:
    if user.role == Role.PROVIDER_STAFF and not selectors.arrangements(user=user).exists():
        return None
    url = reverse("contact:dashboard")
    return {"title": "Letterbox contact", "key": "letterbox", "counts": [
        {"count": selectors.to_check_list(user=user).count(), "label": "item{s} to check or forward", "url": url,
         "key": "to_check"},
        {"count": selectors.due_list(user=user, today=today).count(), "label": "item{s} due now", "url": url},
        {"count": selectors.overdue_list(user=user, today=today).count(), "label": "overdue item{s}", "url": url},
        {"count": selectors.open_tasks(user=user).count(), "label": "task{s} to do", "url": url},
    ], "links": [{"label": "All arrangements", "url": reverse("contact:arrangement_list")}]}
