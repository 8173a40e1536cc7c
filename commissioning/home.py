"""Home-page panels for commissioning: what is waiting for each role."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors


@home.register(roles=(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.LEAD_COMMISSIONER), order=40)
def referrals_panel(*, user: Any, today: date) -> dict | None:
    counts = selectors.queue_counts(user=user, today=today)
    items = [
        {"count": counts["to_send"], "label": "referral{s} to send", "url": reverse("commissioning:to_send"),
         "key": "to_send"},
        {"count": counts["declined"], "label": "declined referral{s} to re-route",
         "url": reverse("commissioning:to_send")},
        {"count": counts["waiting"], "label": "sent and waiting for the provider",
         "url": reverse("commissioning:waiting")},
        {"count": counts["overdue"], "label": "overdue provider response{s}", "url": reverse("commissioning:overdue")},
    ]
    if user.role == Role.TEAM_MANAGER:
        waiting = selectors.spot_purchases_waiting(user=user).exclude(requested_by=user).count()  # never their own
        items.append({"count": waiting, "label": "spot purchase{s} awaiting your approval",
                      "url": reverse("commissioning:spot_queue"), "key": "spot_purchases"})
    panel: dict = {"title": "Referrals", "key": "referrals", "counts": items}
    if user.role == Role.LEAD_COMMISSIONER:
        panel["links"] = [{"label": "Waiting times by provider and contract",
                           "url": reverse("commissioning:waiting_times")}]
    return panel


@home.register(roles=(Role.PROVIDER_STAFF,), order=10)
def provider_panel(*, user: Any, today: date) -> dict | None:
    new = selectors.provider_inbox(user=user, queue="new").count()
    current = selectors.provider_inbox(user=user, queue="open").count()
    url = reverse("commissioning:inbox")
    return {"title": "Referrals to your organisation", "key": "provider", "counts": [
        {"count": new, "label": "referral{s} waiting for your response", "url": url, "key": "new"},
        {"count": current, "label": "accepted or in progress", "url": url},
    ]}
