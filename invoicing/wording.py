"""Invoicing's words for its state machines (core.wording). Registered from InvoicingConfig.ready()."""

from core import wording

from .models import Invoice, ProviderBankDetails


def register() -> None:
    wording.register_model(Invoice, noun="Invoice", created="Invoice submitted", transitions={
        "query": "Invoice queried",
        "answer": "Query answered by the provider",
        "approve": "Invoice approved",
        "reject": "Invoice rejected",
        "pay": "Invoice paid",
    })
    wording.register_model(ProviderBankDetails, noun="Bank details", created="Bank details entered", transitions={
        "approve": "Bank details approved",
        "reject": "Bank details rejected",
        "replace": "Bank details replaced",
    })
    wording.register_change_log("invoicing.invoiceevent", of="invoicing.invoice")
