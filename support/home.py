"""Home-page panels for case workers: their caseload, what is due soon, and (for managers) what waits for them."""

from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors


@home.register(roles=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER], order=10)
def casework_panel(*, user: Any, today: date) -> dict | None:
    counts = selectors.home_summary(user=user, today=today)
    horizon = settings.DUE_SOON_WORKING_DAYS
    if user.role == Role.SOCIAL_WORKER:
        due_url = reverse("support:due_soon") + "?mine=1"
        items = [
            {"count": counts["due_soon_cases"], "label": f"of your cases with something due in the next {horizon} "
             "working days", "url": due_url, "key": "due_soon"},
            {"count": counts["overdue"], "label": "overdue deadline{s} on your cases", "url": due_url,
             "key": "overdue"},
            {"count": counts["awaiting_me"], "label": "step{s} waiting for you", "url": reverse("support:caseload"),
             "key": "awaiting_me"},
            {"count": counts["open_mine"], "label": "open request{s} allocated to you",
             "url": reverse("support:caseload"), "key": "open_mine"},
        ]
    else:
        due_url = reverse("support:due_soon")
        items = [
            {"count": counts["awaiting_me"], "label": "assessment{s} or decision{s} waiting for your approval",
             "url": reverse("support:approvals"), "key": "awaiting_me"},
            {"count": counts["overdue"], "label": "overdue statutory deadline{s} in your team", "url": due_url,
             "key": "overdue"},
            {"count": counts["due_soon_cases"], "label": f"case{{s}} with something due in the next {horizon} "
             "working days", "url": due_url, "key": "due_soon"},
        ]
    return {"title": "Support casework", "key": "support", "counts": items,
            "links": [{"label": "Record a family", "url": reverse("support:household_create")},
                      {"label": "Team caseload", "url": reverse("support:team_caseload")}]}
