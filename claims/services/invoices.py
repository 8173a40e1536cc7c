"""Providers' invoices: recorded (the accrual, and the fund's share of it), approved by someone other than whoever
recorded them, and paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from moneyed import Money

from core.dates import long_date
from core.money import format_gbp, zero
from ledger.models import AccountCode

from .. import rules
from ..models.applications import INVOICEABLE, ApplicationLine, ASFApplication
from ..models.invoices import InvoiceStatus, InvoiceStatusChange, ProviderInvoice
from ._common import (
    _amount,
    _gbp,
    _invoiced,
    _lock,
    _lock_with_limit,
    _post,
    _require_role,
    _require_scope,
    django_fsm_can_proceed,
)
from .errors import ClaimsError, InvalidTransition, LimitExceeded, NotPermitted
from .roles import FINANCE, INVOICE_APPROVERS
from .rule_sets import rule_row_on


def _fund_share_of(application: ASFApplication, *, therapy: Money, assessment: Money) -> Money:
    """The fund's share of what has been invoiced so far (capped at what it approved): path-independent, so the
    shares of single invoices add up to the share of their sum."""
    rule_set = (application.rule_set or rule_row_on(application.start_date)).to_rules()
    share = rules.split_request(
        rule_set,
        year_to_date_therapy=application.year_to_date_therapy_before,
        year_to_date_assessment=application.year_to_date_assessment_before,
        therapy=min(therapy, application.approved_therapy),
        assessment=min(assessment, application.approved_assessment),
        fund_so_far=application.year_to_date_fund_before,
    ).fund
    return min(share, application.approved_fund)


@transaction.atomic
def invoice_record(*, application: ASFApplication, line: ApplicationLine, invoice_number: str, invoice_date: date,
                   amount: Money, by: Any, now: datetime, top_up_reason: str = "") -> ProviderInvoice:
    """A provider's invoice against an application line: Dr adoption support expenditure (fund's share) and
    Dr authority top-up budget (the authority's share) / Cr provider creditors; Dr ASF grant in advance /
    Cr ASF income for the fund's share. More than the line's approved amount needs a recorded top-up reason."""
    application, _limit = _lock_with_limit(application)
    _require_role(by, FINANCE, "record a provider's invoice")
    _require_scope(by, application)
    return _record(application=application, line=line, invoice_number=invoice_number, invoice_date=invoice_date,
                   amount=amount, recorded_by=by, poster=by, now=now, top_up_reason=top_up_reason)


@transaction.atomic
def invoice_record_for_provider(*, application: ASFApplication, line: ApplicationLine, invoice_number: str,
                                invoice_date: date, amount: Money, raised_by: Any, approved_by: Any,
                                now: datetime) -> ProviderInvoice:
    """A provider's own invoice (raised in the product, checked and approved in invoicing) drawing on an
    application line: recorded as raised by the provider and approved by the checker, in one step, with exactly
    the postings `invoice_record` makes. Never above the line's approved amount (a provider's invoice has no
    top-up reason to give)."""
    application, _limit = _lock_with_limit(application)
    _require_role(approved_by, INVOICE_APPROVERS, "approve a provider's invoice")
    _require_scope(approved_by, application)
    if raised_by is None or approved_by.pk == raised_by.pk:
        raise NotPermitted("Whoever raised an invoice cannot approve it.")
    invoice = _record(application=application, line=line, invoice_number=invoice_number, invoice_date=invoice_date,
                      amount=amount, recorded_by=raised_by, poster=approved_by, now=now, top_up_reason="")
    invoice._acting_user = approved_by  # type: ignore[attr-defined]
    before = invoice.status
    invoice.approve()
    invoice.approved_by = approved_by
    invoice.approved_at = now
    invoice._history_user = approved_by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", "approved_by", "approved_at"])
    _invoice_status_change(invoice, before=before, by=approved_by, now=now, note="Approved in invoicing")
    return invoice


def line_remaining(*, application: ASFApplication, line: ApplicationLine) -> Money:
    """What is left of a line's approved amount after the invoices recorded against it (never below nothing)."""
    invoiced = sum((i.amount for i in line.invoices.all()), zero())
    return max(_line_approved(application, line) - invoiced, zero())


def _record(*, application: ASFApplication, line: ApplicationLine, invoice_number: str, invoice_date: date,
            amount: Money, recorded_by: Any, poster: Any, now: datetime, top_up_reason: str) -> ProviderInvoice:
    """Record an invoice on a locked application: the checks, the fund's share, the accrual posted by `poster`."""
    amount = _amount(amount, "invoice amount", allow_zero=False)
    if application.status not in INVOICEABLE:
        raise InvalidTransition(
            f"An invoice cannot be recorded against an application that is "
            f"{application.get_status_display().lower()}."
        )
    if line.application_id != application.pk:
        raise ClaimsError("The line belongs to another application.")
    if not invoice_number.strip():
        raise ClaimsError("Enter the provider's invoice number.")
    if ProviderInvoice.objects.filter(provider=line.provider, invoice_number=invoice_number.strip()).exists():
        raise ClaimsError(f"{line.provider.name} invoice {invoice_number.strip()} is already recorded.")
    invoiced_t, invoiced_a = _invoiced(application)
    line_invoiced = sum((i.amount for i in line.invoices.all()), zero())
    approved_share_of_line = _line_approved(application, line)
    if line_invoiced + amount > approved_share_of_line and not top_up_reason.strip():
        raise LimitExceeded(
            f"This invoice takes the line to {format_gbp(line_invoiced + amount)}, more than the "
            f"{format_gbp(approved_share_of_line)} approved: record the authority's top-up reason."
        )
    before = _fund_share_of(application, therapy=invoiced_t, assessment=invoiced_a)
    after_t, after_a = (invoiced_t, invoiced_a + amount) if line.is_assessment else (invoiced_t + amount, invoiced_a)
    after = _fund_share_of(application, therapy=after_t, assessment=after_a)
    fund_share = after - before
    invoice = ProviderInvoice(application=application, line=line, provider=line.provider,
                              invoice_number=invoice_number.strip(), invoice_date=invoice_date, amount=amount,
                              fund_share=fund_share, authority_share=amount - fund_share,
                              top_up_reason=top_up_reason.strip(), recorded_by=recorded_by,
                              created_at=now)  # type: ignore[misc]
    invoice._history_user = recorded_by  # type: ignore[attr-defined]
    invoice.save()
    _invoice_status_change(invoice, before="", by=recorded_by, now=now, note="Recorded")
    _post(invoice, authority=application.responsible_authority, key=f"claims.providerinvoice:{invoice.pk}:received",
          memo=f"{application.reference}: {invoice}", on=invoice_date, by=poster, now=now, lines=[
              (AccountCode.SUPPORT_EXPENDITURE, fund_share),
              (AccountCode.TOP_UP_BUDGET, invoice.authority_share),
              (AccountCode.PROVIDER_CREDITORS, -amount),
              (AccountCode.ASF_GRANT_IN_ADVANCE, fund_share),
              (AccountCode.ASF_INCOME, -fund_share),
          ])
    _record_contract_spend(invoice, line=line, authority=application.responsible_authority, by=poster)
    return invoice


def _record_contract_spend(invoice: ProviderInvoice, *, line: ApplicationLine, authority: Any, by: Any) -> None:
    """Where a live contract with the provider covers this service for the authority, the invoice is spend under
    it: write the usage fact contracts reads (claims is above contracts, so claims writes it down)."""
    from contracts.models import UsageMeasure
    from contracts.selectors import contracts_for_routing
    from contracts.services.usage import usage_record

    for contract in contracts_for_routing(on_date=invoice.invoice_date).filter(provider_id=line.provider_id):
        parties = {a.pk for a in contract.parties.all()} | {contract.lead_authority_id}
        types = {t.pk for element in contract.elements.all() for t in element.service_types.all()}
        if authority.pk in parties and line.service_type_id in types:
            usage_record(contract=contract, authority=authority, usage_date=invoice.invoice_date,
                         measure=UsageMeasure.SPEND, quantity=invoice.amount.amount,
                         source_key=f"claims.providerinvoice:{invoice.pk}:spend", by=by)
            return


def _line_approved(application: ASFApplication, line: ApplicationLine) -> Money:
    """A line's share of the approved amount: the line total, scaled down where the fund approved in part."""
    requested = application.assessment_total if line.is_assessment else application.therapy_total
    approved = application.approved_assessment if line.is_assessment else application.approved_therapy
    if requested.amount == 0:
        return zero()
    return _gbp(line.total.amount * approved.amount / requested.amount)


def _invoice_status_change(invoice: ProviderInvoice, *, before: str, by: Any, now: datetime,
                           note: str = "") -> InvoiceStatusChange:
    change = InvoiceStatusChange(invoice=invoice, from_status=before, to_status=invoice.status, by=by, at=now,
                                 note=note)
    change._history_user = by  # type: ignore[attr-defined]
    change.save()
    return change


def _locked_invoice(invoice: ProviderInvoice) -> ProviderInvoice:
    """Lock the application, then the invoice (the order every money transition uses)."""
    _lock(invoice.application)
    return ProviderInvoice.objects.select_for_update().select_related("application").get(pk=invoice.pk)


@transaction.atomic
def invoice_approve(*, invoice: ProviderInvoice, by: Any, now: datetime) -> ProviderInvoice:
    """The checker's approval of a recorded invoice: a finance officer or team manager of the authority who did
    not record it. Posts nothing (the accrual was posted when it was recorded); only an approved invoice is paid."""
    invoice = _locked_invoice(invoice)
    _require_role(by, INVOICE_APPROVERS, "approve a provider's invoice")
    _require_scope(by, invoice.application)
    if invoice.status != InvoiceStatus.RECEIVED:
        raise InvalidTransition(f"This invoice is already {invoice.get_status_display().split(',')[0].lower()}.")
    if by.pk == invoice.recorded_by_id:
        raise NotPermitted("You recorded this invoice, so you cannot approve it: another finance officer or a team "
                           "manager must check it.")
    invoice._acting_user = by  # type: ignore[attr-defined]
    if not django_fsm_can_proceed(invoice.approve):
        raise InvalidTransition("The conditions to approve this invoice are not met.")
    before = invoice.status
    invoice.approve()
    invoice.approved_by = by
    invoice.approved_at = now
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", "approved_by", "approved_at"])
    _invoice_status_change(invoice, before=before, by=by, now=now)
    return invoice


@transaction.atomic
def invoice_pay(*, invoice: ProviderInvoice, paid_date: date, by: Any, now: datetime) -> ProviderInvoice:
    """Dr provider creditors / Cr bank. Only an approved invoice is paid."""
    invoice = _locked_invoice(invoice)
    _require_role(by, FINANCE, "pay a provider's invoice")
    _require_scope(by, invoice.application)
    if invoice.status == InvoiceStatus.PAID:
        raise InvalidTransition("This invoice is already paid.")
    if invoice.status != InvoiceStatus.APPROVED:
        raise InvalidTransition("This invoice has not been approved: someone other than whoever recorded it must "
                                "approve it before it is paid.")
    if by.pk == invoice.approved_by_id:
        raise NotPermitted("You approved this invoice, so you cannot pay it: another finance officer must pay it "
                           "(separation of duties).")
    before = invoice.status
    invoice.pay()
    invoice.paid_date = paid_date
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", "paid_date"])
    _invoice_status_change(invoice, before=before, by=by, now=now, note=f"Paid {long_date(paid_date)}")
    _post(invoice, authority=invoice.application.responsible_authority,
          key=f"claims.providerinvoice:{invoice.pk}:paid", memo=f"{invoice.application.reference}: paid {invoice}",
          on=paid_date, by=by, now=now,
          lines=[(AccountCode.PROVIDER_CREDITORS, invoice.amount), (AccountCode.BANK, -invoice.amount)])
    return invoice
