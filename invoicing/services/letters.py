"""The remittance advice letter: what one provider was paid in a payment run (each invoice and credit note, the
amounts, the run's reference and payment date), on the paying authority's letterhead, issued through the letters
and notifications work to the provider by their preferred channel. Issued inside payment_run_make's transaction, so
a run and its letters stand or fall together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commissioning.services.letters import provider_recipient
from core.dates import long_date
from core.money import zero
from notifications.models import LetterKind
from notifications.services import letter_issue

from ..models import Invoice, RemittanceAdvice


def remittance_letter(*, advice: RemittanceAdvice, invoices: list[Invoice], by: Any, now: datetime) -> Any:
    run = advice.run
    lines = [{
        "invoice": f"{invoice.invoice_number}{' (credit note)' if invoice.is_credit_note else ''}",
        "description": ("Credit note" if invoice.is_credit_note else "Invoice")
        + f" dated {long_date(invoice.invoice_date)}",
        "amount": -invoice.total if invoice.is_credit_note else invoice.total,
    } for invoice in sorted(invoices, key=lambda i: (i.invoice_date, i.invoice_number, i.pk))]
    assert sum((line["amount"] for line in lines), zero()) == advice.total
    letter = letter_issue(
        kind=LetterKind.REMITTANCE_ADVICE, authority=run.authority, recipient=provider_recipient(advice.provider),
        about=advice, provider=advice.provider, by=by, now=now, letter_date=run.payment_date, owner=by,
        context={"total": advice.total, "payment_date": run.payment_date, "lines": lines,
                 "run_reference": run.reference, "advice_reference": advice.reference})
    advice.letter = letter
    advice.save(update_fields=["letter"])
    return letter
