"""Payment runs: one authority's approved invoices due by a date, paid together on a payment date, grouped per
provider into one payment each (invoices less credit notes). The run settles each invoice in the ledger
(Dr provider creditors / Cr bank; a credit note the other way), once per run and invoice; ASF-funded lines are
paid through claims, as a finance-typed invoice is. It keeps its BACS-style payment file and a remittance advice
per provider.

Duties: whoever approved an invoice cannot put it in a run. Concurrency: the authority's row is locked first (one
run at a time per authority), then the invoices in pk order; each invoice can be in one run only (a one-to-one in
the database), so two runs started at once never pay an invoice twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.money import format_gbp, zero
from ledger.models import AccountCode
from ledger.services import account_for, post
from organisations.models import Authority

from .. import rules
from ..models import (
    BankDetailsStatus,
    Funding,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
    PaymentRun,
    PaymentRunItem,
    ProviderBankDetails,
    RemittanceAdvice,
)
from ._common import require_finance_of
from .errors import InvoicingError, NothingToPay, NotPermitted
from .letters import remittance_letter


@transaction.atomic
def payment_run_make(*, authority: Any, due_by: date, payment_date: date, by: Any, now: datetime,
                     invoice_ids: Sequence[int] | None = None) -> PaymentRun:
    """Pay the approved invoices of `authority` due by `due_by` (or exactly `invoice_ids`, which must all be
    approved and unpaid). All or nothing: any refusal names the invoices and writes nothing."""
    require_finance_of(by, authority, "make a payment run")
    Authority.objects.select_for_update().get(pk=authority.pk)
    if invoice_ids is not None:
        wanted = sorted(set(invoice_ids))
        found = list(Invoice.objects.select_for_update(of=("self",)).filter(pk__in=wanted, paying_authority=authority)
                     .select_related("provider").order_by("pk"))
        missing = sorted(set(wanted) - {i.pk for i in found})
        if missing:
            raise InvoicingError(f"Not invoices of {authority.name}: {', '.join(str(pk) for pk in missing)}.")
        not_approved = [i for i in found if i.status != InvoiceStatus.APPROVED]
        if not_approved:
            raise InvoicingError("Only approved invoices can be paid: " + "; ".join(
                f"{i.provider.name} {i} is {i.get_status_display().split(',')[0].lower()}" for i in not_approved))
        invoices = found
    else:
        invoices = list(Invoice.objects.select_for_update(of=("self",)).filter(
            paying_authority=authority, status=InvoiceStatus.APPROVED, due_date__lte=due_by,
        ).select_related("provider").order_by("pk"))
    own = [i for i in invoices if i.approved_by_id == by.pk]
    if own:
        raise NotPermitted("You approved " + ", ".join(f"{i.provider.name} {i}" for i in own)
                           + ": another finance officer must pay " + ("it." if len(own) == 1 else "them."))
    totals = rules.provider_totals((i.provider_id, -i.total if i.is_credit_note else i.total) for i in invoices)
    payable = rules.payable(totals)
    invoices = [i for i in invoices if i.provider_id in payable]
    if not invoices:
        raise NothingToPay(f"No approved invoices of {authority.name} are due by that date.")
    bank = {d.provider_id: d for d in ProviderBankDetails.objects.filter(
        provider_id__in=payable, status=BankDetailsStatus.APPROVED)}
    unbanked = sorted({i.provider.name for i in invoices if i.provider_id not in bank})
    if unbanked:
        raise InvoicingError("No approved bank details for " + ", ".join(unbanked)
                             + ": enter them and have another finance officer approve them first.")
    number = PaymentRun.objects.filter(authority=authority).count() + 1
    reference = f"PR-{authority.short_code.upper()}-{number:04d}"
    per_provider: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        per_provider[invoice.provider_id].append(invoice)
    order = sorted(per_provider, key=lambda pk: (per_provider[pk][0].provider.name, pk))
    advice_refs = {pk: f"{reference}-{n:03d}" for n, pk in enumerate(order, start=1)}
    csv = rules.bacs_csv([rules.BacsRow(payee=bank[pk].account_name, sort_code=bank[pk].sort_code,
                                        account_number=bank[pk].account_number, amount=payable[pk],
                                        reference=advice_refs[pk]) for pk in order])
    total = sum((payable[pk] for pk in order), zero())
    run = PaymentRun(authority=authority, reference=reference, due_by_date=due_by, payment_date=payment_date,
                     total=total, bacs_csv=csv, made_by=by, made_at=now)  # type: ignore[misc]
    run._history_user = by  # type: ignore[attr-defined]
    run.save()
    advices = RemittanceAdvice.objects.bulk_create([
        RemittanceAdvice(run=run, provider_id=pk, reference=advice_refs[pk], total=payable[pk],
                         bank_details=bank[pk]) for pk in order])  # type: ignore[misc]
    advice_of = {advice.provider_id: advice for advice in advices}
    ordered = [invoice for pk in order for invoice in per_provider[pk]]
    _settle_all(ordered, run=run, advice_of=advice_of, by=by, now=now)
    for advice in advices:
        advice.run = run
        advice.provider = per_provider[advice.provider_id][0].provider
        remittance_letter(advice=advice, invoices=per_provider[advice.provider_id], by=by, now=now)
    return run


def _settle_all(invoices: list[Invoice], *, run: PaymentRun, advice_of: dict[int, RemittanceAdvice], by: Any,
                now: datetime) -> None:
    """Settle every invoice of the run in a few statements: the items, the invoices moved to paid (through the
    transition, then one bulk update with their history), the event rows with theirs; then one settlement posting
    per invoice (idempotent per run and invoice) and the ASF draws through claims."""
    from claims.services.errors import ClaimsError
    from claims.services.invoices import invoice_pay

    signed = {i.pk: -i.total if i.is_credit_note else i.total for i in invoices}
    PaymentRunItem.objects.bulk_create([
        PaymentRunItem(run=run, advice=advice_of[i.provider_id], invoice=i, amount=signed[i.pk])  # type: ignore[misc]
        for i in invoices])
    before = {i.pk: i.status for i in invoices}
    for invoice in invoices:
        invoice.pay()
        invoice.paid_date = run.payment_date
        invoice.remittance_reference = advice_of[invoice.provider_id].reference
    bulk_update_with_history(invoices, Invoice, ["status", "paid_date", "remittance_reference"], default_user=by,
                             default_date=now, batch_size=1000)
    bulk_create_with_history([
        InvoiceEvent(invoice=i, from_status=before[i.pk], to_status=i.status, by=by, at=now,
                     message=f"Paid in {run.reference} ({format_gbp(signed[i.pk])}), "
                             f"remittance {i.remittance_reference}") for i in invoices],
        InvoiceEvent, default_user=by, default_date=now, batch_size=1000)
    drawn = _drawn_on_claims([i.pk for i in invoices])
    accounts: dict[str, Any] = {code: account_for(authority=run.authority, code=code)
                                for code in (AccountCode.BANK, AccountCode.PROVIDER_CREDITORS)}
    for invoice in invoices:
        draws = drawn.get(invoice.pk, [])
        for claims_invoice in draws:
            try:
                invoice_pay(invoice=claims_invoice, paid_date=run.payment_date, by=by, now=now)
            except ClaimsError as error:
                raise InvoicingError(f"{invoice}: {error}") from error
        own = invoice.total - sum((d.amount for d in draws), zero())
        if own.amount == 0:
            continue
        sign = -1 if invoice.is_credit_note else 1
        post(lines=[(accounts[AccountCode.PROVIDER_CREDITORS], own * sign),
                    (accounts[AccountCode.BANK], own * -sign)],
             memo=f"{run.reference}: {invoice.provider.name} {invoice}"[:255],
             idempotency_key=f"invoicing.paymentrun:{run.pk}:invoice:{invoice.pk}",
             transaction_date=run.payment_date, by=by, source=invoice, now=now, for_authority=run.authority)


def _drawn_on_claims(invoice_ids: list[int]) -> dict[int, list[Any]]:
    """Each invoice's draws on ASF applications (claims invoices), in one query."""
    out: dict[int, dict[int, Any]] = defaultdict(dict)
    for line in (InvoiceLine.objects.filter(invoice_id__in=invoice_ids, funding=Funding.ASF,
                                            claims_invoice__isnull=False)
                 .select_related("claims_invoice__application")):
        assert line.claims_invoice is not None
        out[line.invoice_id][line.claims_invoice.pk] = line.claims_invoice
    return {pk: [found[k] for k in sorted(found)] for pk, found in out.items()}
