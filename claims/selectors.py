"""Every read a claims page or export needs, scoped to the user, with the joins it needs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from moneyed import Money

from core import wording
from core.money import gbp, zero
from core.workdays import add_working_days, bank_holidays_around
from organisations.models import Role

from .models.applications import APPROVED_STATES, AWAITING_DECISION, ASFApplication, Status
from .models.invoices import InvoiceStatus, ProviderInvoice
from .models.rechecks import SplitRecheck
from .rules import financial_year

QUEUES = {
    "drafts": "Drafts",
    "returned": "Returned for rework",
    "awaiting_approval": "Awaiting my approval",
    "ready": "Ready to submit",
    "awaiting_decision": "Awaiting the fund's decision",
    "overdue": "Decision overdue",
    "awaiting_funds": "Awaiting funds",
    "in_delivery": "In delivery",
    "invoices": "Invoices to approve or pay",
    "all": "All applications",
}
DEFAULT_QUEUE = {
    Role.SOCIAL_WORKER: "drafts",
    Role.TEAM_MANAGER: "awaiting_approval",
    Role.FINANCE_OFFICER: "awaiting_decision",
}


def applications_for(user: Any) -> QuerySet[ASFApplication]:
    return ASFApplication.objects.for_user(user).select_related(
        "child", "responsible_authority", "author", "assessment")


def application_queue(*, user: Any, queue: str, today: date) -> list[ASFApplication]:
    apps = applications_for(user)
    if queue == "drafts":
        apps = apps.filter(status=Status.DRAFT)
        if user.role == Role.SOCIAL_WORKER:
            apps = apps.filter(author=user)
    elif queue == "returned":
        apps = apps.filter(status=Status.RETURNED)
    elif queue == "awaiting_approval":
        apps = apps.filter(status=Status.AWAITING_MANAGER).exclude(author=user)
    elif queue == "ready":
        apps = apps.filter(status=Status.READY)
    elif queue in ("awaiting_decision", "overdue"):
        apps = apps.filter(status__in=AWAITING_DECISION)
    elif queue == "awaiting_funds":
        apps = _awaiting_funds(apps)
    elif queue == "in_delivery":
        apps = apps.filter(status__in=[Status.FUNDS_RECEIVED, Status.IN_DELIVERY])
    rows = list(apps.order_by("submitted_date", "created_at", "id"))
    if queue == "overdue":
        rows = [a for a in rows if is_decision_overdue(a, today=today)]
    for app in rows:
        app.overdue = is_decision_overdue(app, today=today)  # type: ignore[attr-defined]
        app.deadline = decision_deadline(app)  # type: ignore[attr-defined]
    return rows


def _awaiting_funds(apps: QuerySet[ASFApplication]) -> QuerySet[ASFApplication]:
    """Approved applications the fund has not paid in full (claims.services.remittances.fund_still_owes), including
    those whose spend is confirmed while part of the approval is still to come."""
    return apps.filter(
        Q(status__in=[Status.APPROVED, Status.IN_DELIVERY], funds_received__lt=F("approved_fund"))
        | Q(status=Status.SPEND_CONFIRMED, funds_received__lt=F("approved_fund") - F("unspent_returned"))
    )


def invoices_to_pay(*, user: Any) -> QuerySet[ProviderInvoice]:
    """Invoices not yet paid: received (to approve) and approved (to pay)."""
    return (ProviderInvoice.objects.for_user(user).filter(status__in=[InvoiceStatus.RECEIVED, InvoiceStatus.APPROVED])
            .select_related("application", "provider", "line__service_type").order_by("invoice_date", "id"))


def queue_counts(*, user: Any, today: date) -> dict[str, int]:
    apps = ASFApplication.objects.for_user(user)
    submitted = list(apps.filter(status__in=AWAITING_DECISION).only("id", "status", "submitted_date"))
    return {
        "drafts": apps.filter(status=Status.DRAFT, **({"author": user} if user.role == Role.SOCIAL_WORKER else {}))
        .count(),
        "returned": apps.filter(status=Status.RETURNED).count(),
        "awaiting_approval": apps.filter(status=Status.AWAITING_MANAGER).exclude(author=user).count(),
        "ready": apps.filter(status=Status.READY).count(),
        "awaiting_decision": len(submitted),
        "overdue": sum(1 for a in submitted if is_decision_overdue(a, today=today)),
        "awaiting_funds": _awaiting_funds(apps).count(),
        "in_delivery": apps.filter(status__in=[Status.FUNDS_RECEIVED, Status.IN_DELIVERY]).count(),
        "invoices": invoices_to_pay(user=user).count(),
        "all": apps.count(),
    }


def application_detail(*, user: Any, pk: int) -> ASFApplication:
    """The application in the user's scope (DoesNotExist otherwise: the view turns that into a 404)."""
    return applications_for(user).select_related("manager_approved_by", "rule_set", "child__household").get(pk=pk)


def application_timeline(*, application: ASFApplication) -> list[wording.HistoryLine]:
    """The application's changes of state, oldest first, in plain words ("Application approved by the fund")."""
    changes = application.status_changes.select_related("by").order_by("at", "id")
    return [wording.history_line("claims.asfapplication", from_state=c.from_status, to_state=c.to_status, when=c.at,
                                 by=c.by, note=c.note) for c in changes]


def invoice_history(*, invoice: ProviderInvoice) -> list[wording.HistoryLine]:
    changes = invoice.status_changes.select_related("by").order_by("at", "id")
    return [wording.history_line("claims.providerinvoice", from_state=c.from_status, to_state=c.to_status,
                                 when=c.at, by=c.by, note=c.note) for c in changes]


def split_rechecks(*, user: Any) -> QuerySet[SplitRecheck]:
    return SplitRecheck.objects.for_user(user).select_related("application", "application__responsible_authority",
                                                             "by").order_by("-checked_at", "-id")


@dataclass
class ReportRow:
    child_id: int
    child_label: str
    applications: int
    fund_approved: Money
    authority_approved: Money
    fund_paid: Money
    authority_paid: Money
    fund_received: Money
    unspent_returned: Money


def authority_year_report(*, user: Any, authority_id: int, financial_year: str) -> list[ReportRow]:
    """What the fund paid and what the authority paid (match funding and top-ups), child by child, for one
    authority and financial year. Children are shown by their record number, not their name."""
    apps = (ASFApplication.objects.for_user(user)
            .filter(responsible_authority_id=authority_id, financial_year=financial_year)
            .filter(Q(status__in=[Status.APPROVED, Status.FUNDS_RECEIVED, Status.IN_DELIVERY,
                                  Status.SPEND_CONFIRMED, Status.CLOSED]))
            .prefetch_related("invoices").order_by("child_id", "id"))
    rows: dict[int, ReportRow] = {}
    for app in apps:
        row = rows.get(app.child_id)
        if row is None:
            row = rows[app.child_id] = ReportRow(app.child_id, f"Child {app.child_id}", 0, zero(), zero(), zero(),
                                                 zero(), zero(), zero())
        row.applications += 1
        row.fund_approved += app.approved_fund
        row.authority_approved += app.approved_authority
        row.fund_received += app.funds_received
        row.unspent_returned += app.unspent_returned
        for invoice in app.invoices.all():
            row.fund_paid += invoice.fund_share
            row.authority_paid += invoice.authority_share
    return list(rows.values())


def report_totals(rows: list[ReportRow]) -> dict[str, Money]:
    totals: dict[str, Money] = defaultdict(zero)
    for row in rows:
        for name in ("fund_approved", "authority_approved", "fund_paid", "authority_paid", "fund_received",
                     "unspent_returned"):
            totals[name] += getattr(row, name)
    return dict(totals)


def financial_years(*, user: Any) -> list[str]:
    return sorted(set(ASFApplication.objects.for_user(user).values_list("financial_year", flat=True)), reverse=True)


@dataclass
class FundYearRow:
    authority: str
    asked: Money
    approved: Money
    received: Money
    paid: Money


def fund_year_summary(*, user: Any, today: date) -> tuple[str, list[FundYearRow]]:
    """This financial year's money with the fund, authority by authority: asked of it (submitted and later, less
    rejected and withdrawn), approved by it, received from it, and paid to providers from the fund's share.
    Two aggregate queries whatever the number of applications."""
    year = financial_year(today)
    apps = ASFApplication.objects.for_user(user).filter(financial_year=year)
    totals = (apps.filter(status__in=[*AWAITING_DECISION, Status.RETURNED, *APPROVED_STATES])
              .values("responsible_authority__name")
              .annotate(asked=Sum("estimated_fund"),
                        approved=Sum("approved_fund", filter=Q(status__in=APPROVED_STATES)),
                        received=Sum("funds_received"))
              .order_by("responsible_authority__name"))
    paid = dict(ProviderInvoice.objects.filter(application__in=apps, status=InvoiceStatus.PAID)
                .values("application__responsible_authority__name").annotate(total=Sum("fund_share"))
                .order_by().values_list("application__responsible_authority__name", "total"))
    rows = [FundYearRow(t["responsible_authority__name"], gbp(t["asked"] or 0), gbp(t["approved"] or 0),
                        gbp(t["received"] or 0), gbp(paid.get(t["responsible_authority__name"]) or 0))
            for t in totals]
    return year, rows


def decision_deadline(application: ASFApplication) -> date | None:
    """The fund should decide within 20 working days of the (latest) submission."""
    if application.submitted_date is None:
        return None
    return add_working_days(application.submitted_date, settings.ASF_DECISION_WORKING_DAYS,
                            holidays=bank_holidays_around(application.submitted_date))


def is_decision_overdue(application: ASFApplication, *, today: date) -> bool:
    deadline = decision_deadline(application)
    return application.status in AWAITING_DECISION and deadline is not None and today > deadline
