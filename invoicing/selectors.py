"""Every read invoicing's pages and services need: what a referral's sessions are priced at and capped by, the
sessions not yet invoiced, the queues, an invoice with its side-by-side check, the runs and remittance advices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from moneyed import Money

from claims.models.applications import INVOICEABLE, ApplicationLine
from commissioning.models import Referral, RouteType, SessionDelivered
from contracts.models import Pricing
from core.dates import long_date
from core.money import zero

from . import rules
from .models import (
    BankDetailsStatus,
    Funding,
    Invoice,
    InvoiceEvent,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    PaymentRun,
    ProviderBankDetails,
    ReferralTerms,
    RemittanceAdvice,
)


@dataclass
class FundingInfo:
    """How a referral's sessions are paid for and what caps them. `price` is None when nothing prices them, with
    `problem` saying why."""

    funding: str
    price: rules.Price | None
    problem: str = ""
    application_line: ApplicationLine | None = None
    contract: Any = None
    sessions_allowed: int | None = None
    amount_allowed: Money | None = None  # what is left of the approved sum (ASF)
    travel_allowance: Money | None = None
    report_price: Money | None = None
    cap_label: str = ""


def asf_line_for(referral: Referral) -> ApplicationLine | None:
    """The approved ASF application line that pays for this referral's work: the same family's request, provider
    and service, on an application the fund approved and that is not yet spent."""
    if referral.sent_to_id is None:
        return None
    return (ApplicationLine.objects.filter(
        application__assessment__request_id=referral.support_request_id, application__status__in=INVOICEABLE,
        provider_id=referral.sent_to_id, service_type_id=referral.service_type_id,
    ).select_related("application").order_by("pk").first())


def terms_for(referral: Referral) -> ReferralTerms | None:
    return ReferralTerms.objects.filter(referral=referral).first()


def referral_for_terms(*, user: Any, pk: int) -> Referral:
    """A referral in the user's scope, with what its terms page shows (Referral.DoesNotExist otherwise)."""
    return (Referral.objects.for_user(user).select_related("authority", "service_type", "contract", "provider")
            .get(pk=pk))


def funding_for(referral: Referral) -> FundingInfo:
    from claims.services.invoices import line_remaining  # a read: what the recorded invoices leave of the line

    terms = terms_for(referral)
    line = asf_line_for(referral)
    if line is not None:
        return FundingInfo(
            funding=Funding.ASF, application_line=line,
            price=rules.Price(rules.Basis.PER_SESSION, line.unit_cost,
                              f"ASF application {line.application.reference}: {line.unit_cost} a session"),
            sessions_allowed=line.sessions, amount_allowed=line_remaining(application=line.application, line=line),
            travel_allowance=line.travel if line.travel.amount > 0 else None,
            report_price=terms.report_price if terms else None,
            cap_label=f"ASF application {line.application.reference}",
        )
    extras: dict[str, Any] = {"travel_allowance": terms.travel_allowance if terms else None,
              "report_price": terms.report_price if terms else None,
              "sessions_allowed": terms.agreed_sessions if terms else None, "cap_label": referral.reference}
    contract = referral.contract
    if referral.route_type == RouteType.CONTRACT and contract is not None:
        if contract.pricing in (Pricing.PER_SESSION, Pricing.PER_HOUR) and contract.unit_price is not None:
            basis = rules.Basis.PER_SESSION if contract.pricing == Pricing.PER_SESSION else rules.Basis.PER_HOUR
            per = "a session" if basis == rules.Basis.PER_SESSION else "an hour"
            return FundingInfo(funding=Funding.CONTRACT, contract=contract,
                               price=rules.Price(basis, contract.unit_price,
                                                 f"Contract {contract.reference}: {contract.unit_price} {per}"),
                               **extras)
        if terms is None or terms.spot_price is None:
            return FundingInfo(funding=Funding.CONTRACT, contract=contract, price=None,
                               problem=f"contract {contract.reference} is paid as a "
                                       f"{contract.get_pricing_display().lower()}, not by the session", **extras)
    if terms is not None and terms.spot_price is not None:
        return FundingInfo(funding=Funding.SPOT if contract is None else Funding.CONTRACT, contract=contract,
                           price=rules.Price(rules.Basis.PER_SESSION, terms.spot_price,
                                             f"Agreed price: {terms.spot_price} a session"), **extras)
    return FundingInfo(funding=Funding.SPOT, price=None, problem="no price is agreed for its sessions", **extras)


def live_session_lines(*, referral_ids: Sequence[int]) -> QuerySet[InvoiceLine]:
    """Session lines that count: on invoices not rejected, not credit note lines."""
    return InvoiceLine.objects.filter(referral_id__in=referral_ids, live=True, credits_line__isnull=True,
                                      kind=LineKind.SESSION)


def credited(line: InvoiceLine) -> Money:
    total = line.credit_lines.filter(live=True).aggregate(total=Sum("amount"))["total"]
    return Money(total, "GBP") if total is not None else zero()


def uninvoiced_sessions(*, user: Any) -> QuerySet[SessionDelivered]:
    """The sessions a provider's staff recorded on referrals to their organisation that no live line holds."""
    invoiced = InvoiceLine.objects.filter(session__isnull=False, live=True, credits_line__isnull=True)
    return (SessionDelivered.objects.for_user(user).exclude(pk__in=invoiced.values("session_id"))
            .select_related("referral__authority", "referral__contract", "referral__service_type")
            .order_by("referral__authority__name", "session_date", "pk"))


def _with_parts(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return queryset.select_related("provider", "paying_authority", "raised_by", "approved_by", "credits")


def invoices_for(*, user: Any, states: Sequence[str] = ()) -> QuerySet[Invoice]:
    queryset = _with_parts(Invoice.objects.for_user(user))
    if states:
        queryset = queryset.filter(status__in=states)
    return queryset


def invoice_for(*, user: Any, pk: int) -> Invoice:
    """The invoice, if `user` may see it (Invoice.DoesNotExist otherwise: the page's 404)."""
    return _with_parts(Invoice.objects.for_user(user)).prefetch_related(
        Prefetch("lines", InvoiceLine.objects.select_related(
            "session", "referral", "contract", "application_line__application", "credits_line")),
    ).get(pk=pk)


def events_for(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("by").order_by("at", "pk")


@dataclass
class CheckRow:
    """One line of the side-by-side check: what was delivered and agreed, against what is charged."""

    line: InvoiceLine
    delivered: str
    rate: str
    expected: Money
    charged: Money
    differences: list[str] = field(default_factory=list)


def side_by_side(invoice: Invoice) -> tuple[list[CheckRow], list[str]]:
    """Each line against the session recorded and the rate that covers it; and the invoice's own differences
    (its total against the total on the provider's PDF)."""
    rows = []
    for line in invoice.lines.all():
        session = line.session
        delivered = "—"
        differences = []
        if session is not None:
            minutes = f", {session.duration_minutes} minutes" if session.duration_minutes else ""
            delivered = f"Recorded {long_date(session.session_date)}{minutes}"
        elif line.kind == LineKind.SESSION and line.credits_line_id is None:
            differences.append("no session recorded")
        if line.amount != line.expected_amount:
            differences.append("charged differs from the rate")
        rows.append(CheckRow(line=line, delivered=delivered, rate=line.rate_source or "Agreed extra",
                             expected=line.expected_amount, charged=line.amount, differences=differences))
    overall = []
    if invoice.stated_total != invoice.total:
        overall.append(f"The provider's PDF says {invoice.stated_total}, the lines add up to {invoice.total}.")
    return rows, overall


def finance_queue(*, user: Any) -> QuerySet[Invoice]:
    return invoices_for(user=user, states=[InvoiceStatus.SUBMITTED, InvoiceStatus.QUERIED, InvoiceStatus.APPROVED])


def due_for_run(*, authority: Any, due_by: date) -> QuerySet[Invoice]:
    return (Invoice.objects.filter(paying_authority=authority, status=InvoiceStatus.APPROVED, due_date__lte=due_by,
                                   run_item__isnull=True)
            .select_related("provider", "approved_by").order_by("provider__name", "due_date", "pk"))


def runs_for(*, user: Any) -> QuerySet[PaymentRun]:
    return PaymentRun.objects.for_user(user).select_related("authority", "made_by")


def run_for(*, user: Any, pk: int) -> PaymentRun:
    return runs_for(user=user).prefetch_related(
        Prefetch("advices", RemittanceAdvice.objects.select_related("provider", "bank_details")),
        Prefetch("items", queryset=_item_queryset()),
    ).get(pk=pk)


def _item_queryset() -> QuerySet:
    from .models import PaymentRunItem

    return PaymentRunItem.objects.select_related("invoice", "invoice__provider").order_by("invoice__provider__name",
                                                                                          "pk")


def advices_for(*, user: Any) -> QuerySet[RemittanceAdvice]:
    return (RemittanceAdvice.objects.for_user(user).select_related("run", "run__authority", "provider")
            .prefetch_related(Prefetch("items", queryset=_item_queryset())).order_by("-run__payment_date", "-pk"))


def current_bank_details(*, provider_id: int) -> ProviderBankDetails | None:
    return ProviderBankDetails.objects.filter(provider_id=provider_id, status=BankDetailsStatus.APPROVED).first()


def bank_details_list(*, provider_id: int | None = None) -> QuerySet[ProviderBankDetails]:
    queryset = ProviderBankDetails.objects.select_related("provider", "entered_by", "decided_by")
    if provider_id is not None:
        queryset = queryset.filter(provider_id=provider_id)
    return queryset.order_by("provider__name", "-entered_at", "-pk")


def referral_options(*, user: Any) -> QuerySet[Referral]:
    """Referrals to the user's provider that may carry extras (travel, a report)."""
    return Referral.objects.for_user(user).filter(sent_to__isnull=False).select_related("authority").order_by("pk")


def credit_notes_kind() -> str:
    return InvoiceKind.CREDIT_NOTE
