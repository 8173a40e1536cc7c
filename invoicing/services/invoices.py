"""Invoices and credit notes: raised by the provider (or typed in by a finance officer from a paper invoice),
queried and answered, rejected, or approved by a finance officer of the paying authority who neither raised nor
changed it. Approval posts the accrual: ASF-funded lines draw on the application through claims, exactly as a
finance-typed invoice does; contract and spot lines post Dr adoption support expenditure / Cr provider creditors
and count as spend under the contract."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from moneyed import Money

from commissioning.models import Referral, SessionDelivered
from core.dates import long_date
from core.money import format_gbp, zero
from ledger.models import AccountCode
from organisations.models import Scope

from .. import rules
from ..models import Funding, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineKind
from ..selectors import credited, funding_for, live_session_lines
from ._common import log, post_for, require_finance_of, require_provider_staff_of
from .errors import BadFile, InvalidTransition, InvoicingError, LinesRefused, NotPermitted


@dataclass(frozen=True)
class Extra:
    """An agreed extra on a referral: travel, or a report."""

    referral_id: int
    kind: str
    amount: Money
    description: str = ""


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def _check_raiser(by: Any, *, provider: Any, paying_authority: Any) -> None:
    if getattr(by, "scope", None) == Scope.PROVIDER:
        require_provider_staff_of(by, provider.pk, "raise an invoice for this provider")
    else:
        require_finance_of(by, paying_authority, "type in a provider's invoice")


def _check_pdf(content: bytes | None) -> bytes:
    problem = rules.pdf_problem(content or b"")
    if problem:
        raise BadFile(problem)
    return content or b""


def _number(invoice_number: str, provider: Any) -> str:
    number = (invoice_number or "").strip()
    if not number:
        raise InvoicingError("Enter your invoice number.")
    if len(number) > 60:
        raise InvoicingError("The invoice number must be 60 characters or fewer.")
    if Invoice.objects.filter(provider=provider, invoice_number=number).exists():
        raise InvoicingError(f"{provider.name} already has an invoice or credit note numbered {number}.")
    return number


def _amount(value: Any, what: str) -> Money:
    try:
        return rules.check_amount(value, what=what)
    except rules.RuleError as error:
        raise InvoicingError(str(error)) from error


@transaction.atomic
def invoice_raise(*, provider: Any, paying_authority: Any, invoice_number: str, invoice_date: date,
                  stated_total: Money, session_ids: Sequence[int], pdf_content: bytes | None, by: Any,
                  now: datetime, extras: Sequence[Extra] = (), pdf_name: str = "invoice.pdf") -> Invoice:
    """An invoice for sessions delivered on referrals to `provider` from `paying_authority`, each priced at the
    rate that covers it, plus agreed extras. All or nothing: every refused line is named with its reason."""
    _check_raiser(by, provider=provider, paying_authority=paying_authority)
    number = _number(invoice_number, provider)
    stated = _amount(stated_total, "total on your invoice")
    if invoice_date > _today(now):
        raise InvoicingError("The invoice date cannot be in the future.")
    content = _check_pdf(pdf_content)
    if not session_ids and not extras:
        raise InvoicingError("Choose at least one session or extra to invoice.")
    if len(set(session_ids)) != len(session_ids):
        raise InvoicingError("A session is chosen twice.")
    problems: list[str] = []
    # Lock the sessions (in pk order): two invoices raised at once over one session wait for each other.
    sessions = {s.pk: s for s in SessionDelivered.objects.select_for_update(of=("self",)).filter(
        pk__in=sorted(session_ids)).select_related("referral__contract").order_by("pk")}
    for missing in sorted(set(session_ids) - set(sessions)):
        problems.append(f"Session {missing}: it is not a session referred to your organisation")
    referral_ids = {s.referral_id for s in sessions.values()} | {e.referral_id for e in extras}
    referrals = {r.pk: r for r in Referral.objects.filter(pk__in=referral_ids).select_related("contract")}
    taken = set(live_session_lines(referral_ids=list(referral_ids)).values_list("session_id", flat=True))
    lines: list[InvoiceLine] = []
    per_cap: dict[tuple[str, int], list[InvoiceLine]] = defaultdict(list)
    fundings: dict[int, Any] = {}
    for session in sorted(sessions.values(), key=lambda s: (s.session_date, s.pk)):
        referral = referrals[session.referral_id]
        label = f"Session on {long_date(session.session_date)} ({referral.reference})"
        why = rules.session_problems(rules.SessionCandidate(
            label=label, session_date=session.session_date, referral_provider_id=referral.sent_to_id,
            referral_authority_id=referral.authority_id, already_invoiced=session.pk in taken,
        ), provider_id=provider.pk, paying_authority_id=paying_authority.pk, invoice_date=invoice_date)
        if referral.sent_to_id != provider.pk:
            problems.append(f"Session {session.pk}: it is not a session referred to your organisation")
            continue
        funding = fundings.setdefault(referral.pk, funding_for(referral))
        if funding.price is None:
            why.append(funding.problem)
        if why:
            problems.append(f"{label}: " + "; ".join(why))
            continue
        try:
            price = rules.session_price(funding.price, duration_minutes=session.duration_minutes)
        except rules.RuleError as error:
            problems.append(f"{label}: {error}")
            continue
        line = InvoiceLine(referral=referral, session=session, kind=LineKind.SESSION, funding=funding.funding,
                           description=label, rate_source=funding.price.source[:300], expected_amount=price,
                           amount=price, contract=funding.contract,
                           application_line=funding.application_line)  # type: ignore[misc]
        lines.append(line)
        key = ("asf", funding.application_line.pk) if funding.application_line else ("referral", referral.pk)
        per_cap[key].append(line)
    for extra in extras:
        referral = referrals.get(extra.referral_id)
        if referral is None or referral.sent_to_id != provider.pk:
            problems.append(f"Referral {extra.referral_id}: it is not a referral to your organisation")
            continue
        if referral.authority_id != paying_authority.pk:
            problems.append(f"{referral.reference}: another authority made the referral")
            continue
        line_or_problem = _extra_line(extra, referral, fundings.setdefault(referral.pk, funding_for(referral)))
        if isinstance(line_or_problem, str):
            problems.append(line_or_problem)
        else:
            lines.append(line_or_problem)
            funding = fundings[referral.pk]
            if funding.application_line is not None:
                per_cap[("asf", funding.application_line.pk)].append(line_or_problem)
    problems += _cap_problems(per_cap, fundings, referrals)
    if problems:
        raise LinesRefused(problems)
    total = sum((line.amount for line in lines), zero())
    invoice = Invoice(provider=provider, paying_authority=paying_authority, kind=InvoiceKind.INVOICE,
                      invoice_number=number, invoice_date=invoice_date, due_date=rules.due_date(invoice_date),
                      total=total, stated_total=stated, raised_by=by, raised_at=now)  # type: ignore[misc]
    _save_new(invoice, by=by, content=content, name=pdf_name)
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    log(invoice, before="", by=by, now=now, message=f"{len(lines)} line(s), {format_gbp(total)}")
    return invoice


def _extra_line(extra: Extra, referral: Referral, funding: Any) -> InvoiceLine | str:
    label = f"{'Travel' if extra.kind == LineKind.TRAVEL else 'Report'} ({referral.reference})"
    try:
        amount = rules.check_amount(extra.amount, what=f"amount for {label.lower()}")
    except rules.RuleError as error:
        return f"{label}: {error}"
    if extra.kind == LineKind.TRAVEL:
        allowance = funding.travel_allowance
        if allowance is None:
            return f"{label}: travel is not agreed on this referral"
        used = _extras_used(referral, LineKind.TRAVEL)
        if used + amount > allowance:
            return (f"{label}: {format_gbp(used + amount)} of travel would be invoiced, more than the "
                    f"{format_gbp(allowance)} agreed")
        expected, source = min(amount, allowance - used), f"Travel allowance {format_gbp(allowance)}"
    elif extra.kind == LineKind.REPORT:
        if funding.report_price is None:
            return f"{label}: a report is not agreed on this referral"
        if _extras_used(referral, LineKind.REPORT).amount > 0:
            return f"{label}: the report is already invoiced"
        if amount > funding.report_price:
            return f"{label}: {format_gbp(amount)} is more than the agreed {format_gbp(funding.report_price)}"
        expected, source = funding.report_price, f"Agreed report price {format_gbp(funding.report_price)}"
    else:
        return f"{label}: {extra.kind!r} is not an agreed extra"
    return InvoiceLine(referral=referral, kind=extra.kind, funding=funding.funding,
                       description=(extra.description.strip() or label)[:300], rate_source=source,
                       expected_amount=expected, amount=amount, contract=funding.contract,
                       application_line=funding.application_line)  # type: ignore[misc]


def _extras_used(referral: Referral, kind: str) -> Money:
    used = zero()
    for line in InvoiceLine.objects.filter(referral=referral, kind=kind, live=True, credits_line__isnull=True):
        used += line.amount - credited(line)
    return used


def _cap_problems(per_cap: dict[tuple[str, int], list[InvoiceLine]], fundings: dict[int, Any],
                  referrals: dict[int, Referral]) -> list[str]:
    """No more sessions than approved or agreed, no more money than approved: counting what is already invoiced
    (and for ASF, already drawn on the application)."""
    problems = []
    for (what, pk), new_lines in per_cap.items():
        funding = fundings[new_lines[0].referral_id]
        sessions_now = sum(1 for line in new_lines if line.kind == LineKind.SESSION)
        amount_now = sum((line.amount for line in new_lines), zero())
        if what == "asf":
            before = InvoiceLine.objects.filter(application_line_id=pk, live=True, credits_line__isnull=True)
            sessions_before = before.filter(kind=LineKind.SESSION).count()
            # Drawn lines are already in what claims leaves of the approved sum; pending ones are not yet.
            amount_before = sum((line.amount for line in before.filter(claims_invoice__isnull=True)), zero())
        else:
            sessions_before = live_session_lines(referral_ids=[pk]).count()
            amount_before = zero()
        problems += rules.cap_problems(
            label=funding.cap_label or referrals[pk].reference, sessions_before=sessions_before,
            sessions_now=sessions_now, sessions_allowed=funding.sessions_allowed, amount_before=amount_before,
            amount_now=amount_now, amount_allowed=funding.amount_allowed if what == "asf" else None)
    return problems


def _save_new(invoice: Invoice, *, by: Any, content: bytes, name: str) -> None:
    invoice.pdf_sha256 = hashlib.sha256(content).hexdigest()
    invoice._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as error:  # a second invoice with the number, raised at the same moment
        raise InvoicingError(f"{invoice.provider.name} already has an invoice or credit note numbered "
                             f"{invoice.invoice_number}.") from error
    safe_name = f"{invoice.provider_id}-{invoice.pk}.pdf"
    invoice.pdf.save(safe_name, ContentFile(content), save=False)
    invoice.save(update_fields=["pdf"])
    invoice.contributors.add(by)


def _locked(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",)).select_related("provider", "paying_authority")
            .get(pk=invoice.pk))


def _move(invoice: Invoice, name: str, *, by: Any, now: datetime, message: str = "",
          fields: Sequence[str] = ()) -> Invoice:
    from django_fsm import can_proceed

    method = getattr(invoice, name)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(f"This {invoice.get_kind_display().lower()} is "
                                f"{invoice.get_status_display().split(',')[0].lower()}: it cannot be "
                                f"{_PAST[name]} now.")
    if not can_proceed(method):
        raise NotPermitted(f"The conditions to {name} this {invoice.get_kind_display().lower()} are not met.")
    before = invoice.status
    method()
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", *fields])
    log(invoice, before=before, by=by, now=now, message=message)
    return invoice


_PAST = {"query": "queried", "answer": "answered", "approve": "approved", "reject": "rejected", "pay": "paid"}


@transaction.atomic
def invoice_query(*, invoice: Invoice, message: str, by: Any, now: datetime) -> Invoice:
    """Finance asks the provider a question; the invoice waits for the answer."""
    invoice = _locked(invoice)
    require_finance_of(by, invoice.paying_authority, "query this invoice")
    if not (message or "").strip():
        raise InvoicingError("Write your question for the provider.")
    return _move(invoice, "query", by=by, now=now, message=message.strip())


@transaction.atomic
def invoice_answer(*, invoice: Invoice, message: str, by: Any, now: datetime,
                   pdf_content: bytes | None = None) -> Invoice:
    """The provider answers a query (and may send a corrected PDF); the invoice goes back to finance. Whoever
    answers has changed it, so cannot approve it."""
    invoice = _locked(invoice)
    require_provider_staff_of(by, invoice.provider_id, "answer a query on this invoice")
    if not (message or "").strip():
        raise InvoicingError("Write your answer to the query.")
    fields: list[str] = []
    if pdf_content:
        content = _check_pdf(pdf_content)
        invoice.pdf.save(f"{invoice.provider_id}-{invoice.pk}.pdf", ContentFile(content), save=False)
        invoice.pdf_sha256 = hashlib.sha256(content).hexdigest()
        fields += ["pdf", "pdf_sha256"]
    invoice.contributors.add(by)
    return _move(invoice, "answer", by=by, now=now, message=message.strip(), fields=fields)


@transaction.atomic
def invoice_reject(*, invoice: Invoice, reason: str, by: Any, now: datetime) -> Invoice:
    """Refuse it outright (with the reason); its sessions can be invoiced again."""
    invoice = _locked(invoice)
    require_finance_of(by, invoice.paying_authority, "reject this invoice")
    if not (reason or "").strip():
        raise InvoicingError("Give the reason the invoice is rejected.")
    invoice = _move(invoice, "reject", by=by, now=now, message=reason.strip())
    invoice.lines.update(live=False)
    return invoice


@transaction.atomic
def invoice_approve(*, invoice: Invoice, by: Any, now: datetime) -> Invoice:
    """The check passed: approve, and post the accrual in the paying authority's books (and only there)."""
    invoice = _locked(invoice)
    require_finance_of(by, invoice.paying_authority, "approve this invoice")
    if invoice.contributors.filter(pk=by.pk).exists() or invoice.raised_by_id == by.pk:
        raise NotPermitted("You raised or changed this invoice, so you cannot approve it: another finance officer "
                           "must check it.")
    invoice._acting_user = by  # type: ignore[attr-defined]
    invoice.approved_by = by
    invoice.approved_at = now
    invoice = _move(invoice, "approve", by=by, now=now, fields=["approved_by", "approved_at"])
    if invoice.is_credit_note:
        _accrue_credit(invoice, by=by, now=now)
    else:
        _accrue(invoice, by=by, now=now)
    return invoice


def _accrue(invoice: Invoice, *, by: Any, now: datetime) -> None:
    from claims.services.errors import ClaimsError
    from claims.services.invoices import invoice_record_for_provider
    from contracts.models import UsageMeasure
    from contracts.services.errors import ContractError
    from contracts.services.usage import usage_record

    lines = list(invoice.lines.select_related("application_line__application", "contract").order_by("pk"))
    by_asf_line: dict[int, list[InvoiceLine]] = defaultdict(list)
    own = zero()
    for line in lines:
        if line.funding == Funding.ASF and line.application_line_id:
            by_asf_line[line.application_line_id].append(line)
        else:
            own += line.amount
    for application_line_id, group in sorted(by_asf_line.items()):
        application_line = group[0].application_line
        assert application_line is not None
        try:
            drawn = invoice_record_for_provider(
                application=application_line.application, line=application_line,
                invoice_number=f"{invoice.invoice_number} (line {application_line_id})"[:60],
                invoice_date=invoice.invoice_date, amount=sum((line.amount for line in group), zero()),
                raised_by=invoice.raised_by, approved_by=by, now=now)
        except ClaimsError as error:
            raise InvoicingError(f"ASF application {application_line.application.reference}: {error}") from error
        InvoiceLine.objects.filter(pk__in=[line.pk for line in group]).update(claims_invoice=drawn)
    post_for(invoice, authority=invoice.paying_authority, key=f"invoicing.invoice:{invoice.pk}:accrual",
             memo=f"{invoice.provider.name}: {invoice} approved", on=invoice.invoice_date, by=by, now=now,
             lines=[(AccountCode.SUPPORT_EXPENDITURE, own), (AccountCode.PROVIDER_CREDITORS, -own)])
    for line in lines:
        if line.funding == Funding.CONTRACT and line.contract is not None:
            try:
                usage_record(contract=line.contract, authority=invoice.paying_authority,
                             usage_date=invoice.invoice_date, measure=UsageMeasure.SPEND,
                             quantity=Decimal(line.amount.amount), source_key=f"invoicing.invoiceline:{line.pk}",
                             by=by)
            except ContractError as error:
                raise InvoicingError(f"{line.description}: {error}") from error


def _accrue_credit(invoice: Invoice, *, by: Any, now: datetime) -> None:
    """A credit note reverses the accrual of the lines it credits: Dr provider creditors / Cr expenditure."""
    for line in invoice.lines.select_related("credits_line"):
        original = line.credits_line
        assert original is not None
        others = credited(original) - line.amount
        problem = rules.credit_problem(label=original.description, line_amount=original.amount, credited=others,
                                       credit=line.amount)
        if problem:
            raise InvoicingError(problem)
    post_for(invoice, authority=invoice.paying_authority, key=f"invoicing.invoice:{invoice.pk}:accrual",
             memo=f"{invoice.provider.name}: {invoice} approved", on=invoice.invoice_date, by=by, now=now,
             lines=[(AccountCode.PROVIDER_CREDITORS, invoice.total), (AccountCode.SUPPORT_EXPENDITURE, -invoice.total)])


@transaction.atomic
def credit_note_raise(*, invoice: Invoice, credit_number: str, credit_date: date, credits: Sequence[tuple[int, Money]],
                      pdf_content: bytes | None, by: Any, now: datetime) -> Invoice:
    """A credit note reversing part or all of lines of an approved (or paid) invoice, never taking a line below
    nothing. ASF-funded lines are corrected through the application (claims), not here."""
    invoice = _locked(invoice)
    _check_raiser(by, provider=invoice.provider, paying_authority=invoice.paying_authority)
    if invoice.is_credit_note:
        raise InvoicingError("A credit note reverses an invoice, not another credit note.")
    if invoice.status not in (InvoiceStatus.APPROVED, InvoiceStatus.PAID):
        raise InvoicingError("Only an approved or paid invoice can be credited: ask for changes while it is open.")
    number = _number(credit_number, invoice.provider)
    if credit_date > _today(now):
        raise InvoicingError("The credit note date cannot be in the future.")
    content = _check_pdf(pdf_content)
    if not credits:
        raise InvoicingError("Choose at least one line to credit.")
    originals = {line.pk: line for line in InvoiceLine.objects.select_for_update().filter(invoice=invoice)}
    problems = []
    lines = []
    for line_id, amount in credits:
        original = originals.get(line_id)
        if original is None:
            problems.append(f"Line {line_id}: it is not a line of {invoice}")
            continue
        try:
            amount = rules.check_amount(amount, what=f"credit on {original.description}")
        except rules.RuleError as error:
            problems.append(str(error))
            continue
        if original.funding == Funding.ASF:
            problems.append(f"{original.description}: an ASF-funded line is corrected on the application, not by a "
                            "credit note")
            continue
        problem = rules.credit_problem(label=original.description, line_amount=original.amount,
                                       credited=credited(original), credit=amount)
        if problem:
            problems.append(problem)
            continue
        lines.append(InvoiceLine(referral=original.referral, kind=original.kind, funding=original.funding,
                                 description=f"Credit: {original.description}"[:300],
                                 rate_source=f"Reverses {invoice}", expected_amount=amount, amount=amount,
                                 contract=original.contract, credits_line=original))  # type: ignore[misc]
    if problems:
        raise LinesRefused(problems)
    total = sum((line.amount for line in lines), zero())
    note = Invoice(provider=invoice.provider, paying_authority=invoice.paying_authority,
                   kind=InvoiceKind.CREDIT_NOTE, credits=invoice, invoice_number=number, invoice_date=credit_date,
                   due_date=rules.due_date(credit_date), total=total, stated_total=total, raised_by=by,
                   raised_at=now)  # type: ignore[misc]
    _save_new(note, by=by, content=content, name="credit.pdf")
    for line in lines:
        line.invoice = note
    InvoiceLine.objects.bulk_create(lines)
    log(note, before="", by=by, now=now, message=f"Credits {format_gbp(total)} of {invoice}")
    return note
