"""Home-page panels: what is waiting in the claims queues for this user, and this year's money with the fund."""

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from core.charts import bar_chart
from core.money import format_gbp
from organisations.models import Role

from . import selectors

PANEL_QUEUES = {
    Role.SOCIAL_WORKER: ("drafts", "returned", "ready"),
    Role.TEAM_MANAGER: ("awaiting_approval", "overdue", "returned", "ready"),
    Role.FINANCE_OFFICER: ("ready", "awaiting_decision", "overdue", "awaiting_funds", "invoices"),
    Role.AUDITOR: ("all", "overdue"),
}
LABELS = {
    "drafts": "ASF application draft{s}",
    "returned": "ASF application{s} returned for rework",
    "awaiting_approval": "ASF application{s} awaiting your approval",
    "overdue": "ASF application{s} with the fund's decision overdue (20 working days)",
    "ready": "ASF application{s} approved and ready to submit to the fund",
    "awaiting_decision": "ASF application{s} awaiting the fund's decision",
    "awaiting_funds": "approved ASF application{s} awaiting the fund's remittance",
    "invoices": "provider invoice{s} to approve or pay",
}


@home.register(roles=tuple(PANEL_QUEUES), order=40)
def claims_panel(*, user: Any, today: date) -> dict | None:
    counts = selectors.queue_counts(user=user, today=today)
    base = reverse("claims:queue")
    items = [{"count": counts[q], "label": LABELS.get(q, selectors.QUEUES[q].lower()), "url": f"{base}?queue={q}",
              "key": q} for q in PANEL_QUEUES.get(user.role, ())]
    panel: dict = {"title": "ASF applications", "key": "claims", "counts": items}
    if user.role == Role.FINANCE_OFFICER:
        panel["links"] = [{"label": "Import the fund's monthly remittance", "url": reverse("claims:remittance_import")},
                          {"label": "What the fund and the authority paid, by child", "url": reverse("claims:report")}]
    return panel


@home.register(roles=(Role.FINANCE_OFFICER, Role.TEAM_MANAGER), order=60)
def fund_panel(*, user: Any, today: date) -> dict | None:
    """Asked of the fund, approved, received and paid out this financial year: the authority's headroom with the
    fund is what is approved and not yet paid to providers."""
    year, rows = selectors.fund_year_summary(user=user, today=today)
    if not rows:
        return None
    several = len(rows) > 1
    bars = []
    for row in rows:
        prefix = f"{row.authority}: " if several else ""
        for label, amount in (("asked", row.asked), ("approved", row.approved), ("received", row.received),
                              ("paid out", row.paid)):
            bars.append((f"{prefix}{label}", amount.amount, format_gbp(amount)))
    return {
        "title": f"The Adoption Support Fund, {year}",
        "key": "fund",
        "width": "full",
        "figures": [{
            "stacked": True,
            "chart": bar_chart(f"ASF money asked, approved, received and paid out, {year}", bars,
                               label_width=260 if several else 140),
            "table": {
                "caption": f"ASF money by authority, {year}",
                "head": ["Authority", "Asked of the fund", "Approved", "Received", "Paid to providers",
                         "Approved, not yet paid"],
                "numeric_from": 1,
                "rows": [[r.authority, format_gbp(r.asked), format_gbp(r.approved), format_gbp(r.received),
                          format_gbp(r.paid), format_gbp(r.approved - r.paid)] for r in rows],
            },
        }],
    }
