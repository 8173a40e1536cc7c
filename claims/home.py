"""Home-page panel: what is waiting in the claims queues for this user."""

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors

PANEL_QUEUES = {
    Role.SOCIAL_WORKER: ("drafts", "returned", "ready"),
    Role.TEAM_MANAGER: ("awaiting_approval", "returned", "overdue"),
    Role.FINANCE_OFFICER: ("awaiting_decision", "overdue", "awaiting_funds", "invoices"),
    Role.AUDITOR: ("all", "overdue"),
}


@home.register(roles=tuple(PANEL_QUEUES), order=40)
def claims_panel(*, user: Any, today: date) -> dict | None:
    counts = selectors.queue_counts(user=user, today=today)
    base = reverse("claims:queue")
    return {
        "title": "ASF applications",
        "counts": [{"count": counts[q], "label": selectors.QUEUES[q].lower(), "url": f"{base}?queue={q}"}
                   for q in PANEL_QUEUES.get(user.role, ())],
    }
