"""Home-page panels for case workers: their caseload, what is due soon, and (for managers) what waits for them."""

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors


@home.register(roles=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER], order=10)
def casework_panel(*, user: Any, today: date) -> dict | None:
    counts = selectors.home_counts(user=user, today=today)
    items = [
        {"count": counts["mine"], "label": "open requests allocated to you", "url": reverse("support:caseload")},
        {"count": counts["due"], "label": "deadlines due soon or overdue", "url": reverse("support:due_soon")
         + ("?mine=1" if user.role == Role.SOCIAL_WORKER else "")},
    ]
    if user.role == Role.TEAM_MANAGER:
        items.append({"count": counts["waiting"], "label": "assessments and decisions waiting for approval",
                      "url": reverse("support:approvals")})
    return {"title": "Support casework", "counts": items,
            "links": [{"label": "Record a family", "url": reverse("support:household_create")},
                      {"label": "Team caseload", "url": reverse("support:team_caseload")}]}
