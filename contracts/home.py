"""Home-page panels for the lead commissioner and the finance officer: what needs doing on the contracts, how
spend and use stand against each contract, and how the latest approved apportionment splits the cost."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse

from core import home
from core.charts import bar_chart
from core.money import format_gbp
from organisations.models import Role

from . import selectors

ROLES = (Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER)


def _summary(user: Any, today: date) -> dict[str, Any]:
    """Both panels need the same figures: work them out once per user and day."""
    cache = getattr(user, "_contracts_home_summary", None)
    if cache is None or cache[0] != today:
        cache = (today, selectors.home_summary(user=user, today=today))
        user._contracts_home_summary = cache
    return cache[1]


@home.register(roles=ROLES, order=30)
def contracts_panel(*, user: Any, today: date) -> dict | None:
    summary = _summary(user, today)
    if not summary["monitors"] and not summary["latest_run"]:
        return None
    overview = reverse("contracts:overview")
    runs = reverse("contracts:runs")
    items = [
        {"count": len(summary["ending_soon"]), "label": "live contract{s} ending within 6 months", "url": overview,
         "key": "ending_soon"},
        {"count": len(summary["returns_due"]), "label": "monitoring return{s} due for the last quarter",
         "url": overview, "key": "returns_due"},
        {"count": summary["runs_calculated"], "label": "apportionment{s} waiting approval", "url": runs,
         "key": "runs_calculated"},
    ]
    if user.role == Role.FINANCE_OFFICER:
        items.append({"count": summary["runs_approved"], "label": "approved apportionment{s} to recharge",
                      "url": runs, "key": "runs_approved"})
    else:
        items.append({"count": len(summary["kpis_missed"]), "label": "contract{s} with a KPI missed in the latest "
                      "return", "url": overview, "key": "kpis_missed"})
    return {"title": "Contracts", "key": "contracts", "counts": items}


def _percent(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return "not known"
    return f"{(part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


@home.register(roles=ROLES, order=50)
def contract_charts_panel(*, user: Any, today: date) -> dict | None:
    summary = _summary(user, today)
    live = summary["live"]
    if not live:
        return None
    figures = [{
        "stacked": True,
        "chart": bar_chart("Share of each live contract's value spent",
                           [(m.contract.reference, m.spent_percent, f"{m.spent_percent}%") for m in live]),
        "table": {
            "caption": "Spend against contract value, live contracts",
            "head": ["Contract", "Value", "Spent", "Spent (%)", "Committed"],
            "numeric_from": 1,
            "rows": [[m.contract.reference, format_gbp(m.value), format_gbp(m.spent), f"{m.spent_percent}%",
                      format_gbp(m.committed)] for m in live],
        },
    }]
    used = [m for m in live if m.utilisation_percent is not None]
    if used:
        figures.append({
            "chart": bar_chart("Use against capacity this financial year",
                               [(m.contract.reference, m.utilisation_percent or 0, f"{m.utilisation_percent}%")
                                for m in used]),
            "table": {
                "caption": "Utilisation this financial year",
                "head": ["Contract", "Capacity", "Used", "Utilisation"],
                "numeric_from": 1,
                "rows": [[m.contract.reference, f"{m.capacity:,}", f"{m.year_usage:,}", f"{m.utilisation_percent}%"]
                         for m in used],
            },
        })
    return {"title": "Spend and use by contract", "key": "contract_charts", "width": "full", "figures": figures,
            "links": [{"label": "Contracts and monitoring", "url": reverse("contracts:overview")}]}


@home.register(roles=ROLES, order=55)
def apportionment_panel(*, user: Any, today: date) -> dict | None:
    summary = _summary(user, today)
    run, lines = summary["latest_run"], summary["latest_lines"]
    if run is None:
        return None
    total = sum((line.amount.amount for line in lines), Decimal(0))
    return {
        "title": "The latest approved apportionment",
        "key": "apportionment",
        "width": "full",
        "intro": f"{run.title} ({run.contract.reference}), {run.get_status_display().lower()}",
        "figures": [{
            "chart": bar_chart(f"Cost split by authority: {run.title}",
                               [(line.authority_name, line.amount.amount, format_gbp(line.amount))
                                for line in lines]),
            "table": {
                "caption": f"Each authority's share: {run.title}",
                "head": ["Authority", "Basis", "Share", "Amount"],
                "numeric_from": 1,
                "rows": [[line.authority_name, f"{line.weight:,}", _percent(line.amount.amount, total),
                          format_gbp(line.amount)] for line in lines],
            },
        }],
        "links": [{"label": "Open the apportionment run", "url": reverse("contracts:run_detail", args=[run.pk])}],
    }
