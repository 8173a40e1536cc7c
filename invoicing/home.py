"""Home-page panels for invoicing: what waits for provider staff and for finance officers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from organisations.models import Role

from . import selectors
from .models import BankDetailsStatus, InvoiceStatus


@home.register(roles=(Role.PROVIDER_STAFF,), order=15)
def provider_invoices_panel(*, user: Any, today: date) -> dict | None:
    invoices = selectors.invoices_for(user=user)
    url = reverse("invoicing:provider_list")
    return {"title": "Invoices", "key": "invoicing", "counts": [
        {"count": selectors.uninvoiced_sessions(user=user).count(), "label": "session{s} delivered, not invoiced",
         "url": reverse("invoicing:raise"), "key": "to_invoice"},
        {"count": invoices.filter(status=InvoiceStatus.QUERIED).count(), "label": "invoice{s} queried by finance",
         "url": url, "key": "queried"},
        {"count": invoices.filter(status=InvoiceStatus.SUBMITTED).count(), "label": "submitted, being checked",
         "url": url},
    ], "links": [{"label": "Remittance advices", "url": reverse("invoicing:advices")},
                 {"label": "Bank details", "url": reverse("invoicing:bank_details")}]}


@home.register(roles=(Role.FINANCE_OFFICER,), order=45)
def finance_invoices_panel(*, user: Any, today: date) -> dict | None:
    invoices = selectors.invoices_for(user=user)
    url = reverse("invoicing:queue")
    pending = selectors.bank_details_list().filter(status=BankDetailsStatus.PENDING).exclude(entered_by=user).count()
    return {"title": "Provider invoices", "key": "invoicing", "counts": [
        {"count": invoices.filter(status=InvoiceStatus.SUBMITTED).count(), "label": "invoice{s} to check",
         "url": url, "key": "to_check"},
        {"count": invoices.filter(status=InvoiceStatus.QUERIED).count(), "label": "queried, waiting for the provider",
         "url": url},
        {"count": invoices.filter(status=InvoiceStatus.APPROVED).count(), "label": "approved, to pay",
         "url": reverse("invoicing:runs"), "key": "to_pay"},
        {"count": pending, "label": "bank detail change{s} to approve", "url": reverse("invoicing:bank_details")},
    ], "links": [{"label": "Payment runs", "url": reverse("invoicing:runs")}]}
