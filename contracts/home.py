"""Home-page panels for the lead commissioner and the finance officer."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors
from .models import RunStatus


@home.register(roles=(Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER), order=40)
def contracts_panel(*, user: Any, today: date) -> dict | None:
    monitors = selectors.contract_overview(user=user, today=today)
    if not monitors:
        return None
    runs = selectors.runs_for_user(user=user)
    overview = reverse("contracts:overview")
    return {
        "title": "Contracts",
        "counts": [
            {"count": sum(1 for m in monitors if m.live), "label": "live contracts", "url": overview},
            {"count": sum(1 for m in monitors if m.ending_soon), "label": "ending within 6 months", "url": overview},
            {"count": sum(1 for m in monitors if m.kpis_missed), "label": "with a KPI missed in the latest return",
             "url": overview},
            {"count": runs.filter(status=RunStatus.CALCULATED).count(), "label": "apportionments waiting approval",
             "url": reverse("contracts:runs")},
        ],
    }
