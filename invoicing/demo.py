"""Demo invoices for Kent, Medway and Bexley: for each, a provider's invoice in every state (submitted, queried,
approved, rejected, paid) and a paid payment run, made through the services (so their postings exist). Sessions
are recorded on an accepted referral of the authority where there are too few; the referral gets agreed
invoicing terms. The provider's staff raise, the partnership's finance officer approves, the authority's own
finance officer pays. Idempotent: an authority whose demo invoices exist is left alone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from moneyed import Money

from commissioning.models import Referral, ReferralStatus
from commissioning.services.delivery import referral_record_session
from commissioning.services.errors import ReferralError
from core.demo import DemoContext
from organisations.models import Authority, Role, User

from .models import BankDetailsStatus, Invoice, ProviderBankDetails
from .selectors import uninvoiced_sessions
from .services.bank_details import bank_details_approve, bank_details_enter
from .services.errors import InvoicingError
from .services.invoices import Extra, invoice_approve, invoice_query, invoice_raise, invoice_reject
from .services.runs import payment_run_make
from .services.terms import referral_terms_set

#: A one-page PDF: enough for the content check and a download.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
            b"3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
STATES = ("submitted", "queried", "rejected", "approved", "paid")


def _gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def _at(ctx: DemoContext, days_ago: int) -> datetime:
    return timezone.make_aware(datetime.combine(ctx.today - timedelta(days=days_ago), time(11, 0)))


def _referral(authority: Authority) -> Referral | None:
    return (Referral.objects.filter(authority=authority, status__in=[ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE],
                                    sent_to__isnull=False, accepted_date__isnull=False)
            .order_by("accepted_date", "pk").first())


def _sessions(ctx: DemoContext, referral: Referral, staff: User, wanted: int) -> list[int]:
    """Enough uninvoiced sessions on the referral, recording more (one a day, before today) where needed."""
    have = [s.pk for s in uninvoiced_sessions(user=staff).filter(referral=referral)]
    day = ctx.today - timedelta(days=1)
    while len(have) < wanted and referral.accepted_date and day >= referral.accepted_date:
        if not referral.sessions.filter(session_date=day).exists():
            try:
                session = referral_record_session(referral=referral, session_date=day, duration_minutes=60, by=staff,
                                                  now=timezone.make_aware(datetime.combine(day, time(16, 0))))
                have.append(session.pk)
            except ReferralError:
                break
        day -= timedelta(days=1)
    return have


def _bank(ctx: DemoContext, provider: Any, staff: User, checker: User) -> None:
    if ProviderBankDetails.objects.filter(provider=provider, status=BankDetailsStatus.APPROVED).exists():
        return
    pending = ProviderBankDetails.objects.filter(provider=provider, status=BankDetailsStatus.PENDING).first()
    if pending is None:
        pending = bank_details_enter(provider=provider, account_name=str(provider)[:140], sort_code="309950",
                                     account_number=f"{(provider.pk * 7919) % 100000000:08d}",
                                     by=staff, now=_at(ctx, 30))
    bank_details_approve(details=pending, by=checker, now=_at(ctx, 29))
    ctx.count("bank details", True)
    # A change the provider asked for, waiting for a finance officer's check (the four-eyes step on show).
    bank_details_enter(provider=provider, account_name=str(provider)[:140], sort_code="401160",
                       account_number=f"{(provider.pk * 104729) % 100000000:08d}", by=staff, now=_at(ctx, 2))


def _authority(ctx: DemoContext, authority: Authority, approver: User) -> str:
    referral = _referral(authority)
    if referral is None:
        return "no accepted referral"
    provider = referral.sent_to
    staff = User.objects.filter(provider=provider, role=Role.PROVIDER_STAFF, is_active=True).order_by("pk").first()
    payer = User.objects.filter(username=f"{authority.short_code}.finance_officer").first()
    commissioner = User.objects.filter(role=Role.LEAD_COMMISSIONER, is_active=True).order_by("pk").first()
    if staff is None or payer is None or commissioner is None or provider is None:
        return "its demo users are missing"
    prefix = f"DEMO-{authority.short_code.upper()}-"
    if Invoice.objects.filter(provider=provider, invoice_number__startswith=prefix).exists():
        return "already seeded"
    referral_terms_set(referral=referral, by=commissioner, now=_at(ctx, 20), agreed_sessions=30,
                       spot_price=_gbp("95.00"), travel_allowance=_gbp("60.00"), report_price=_gbp("250.00"))
    _bank(ctx, provider, staff, payer)
    sessions = _sessions(ctx, referral, staff, len(STATES))
    if len(sessions) < len(STATES):
        return "too few days since the referral was accepted"
    made = {}
    for number, (state, session_id) in enumerate(zip(STATES, sessions, strict=False), start=1):
        extras = [Extra(referral_id=referral.pk, kind="travel", amount=_gbp("18.40"))] if state == "paid" else []
        invoice = invoice_raise(provider=provider, paying_authority=authority, invoice_number=f"{prefix}{number}",
                                invoice_date=ctx.today - timedelta(days=1), stated_total=_gbp("95.00"),
                                session_ids=[session_id], extras=extras, pdf_content=DEMO_PDF, by=staff,
                                now=_at(ctx, 1))
        made[state] = invoice
        if state == "queried":
            invoice_query(invoice=invoice, message="Please confirm the session's length: the notes say 45 minutes.",
                          by=payer, now=_at(ctx, 0))
        elif state == "rejected":
            invoice_reject(invoice=invoice, reason="This session was cancelled by the family on the day.", by=payer,
                           now=_at(ctx, 0))
        elif state in ("approved", "paid"):
            invoice_approve(invoice=invoice, by=approver, now=_at(ctx, 0))
    paid = made["paid"]
    payment_run_make(authority=authority, due_by=paid.due_date, payment_date=ctx.today, by=payer,
                     now=_at(ctx, 0), invoice_ids=[paid.pk])
    ctx.count("payment runs", True)
    ctx.count("invoices", True)
    return f"{len(made)} invoices and a paid run"


def seed(ctx: DemoContext) -> None:
    approver = User.objects.filter(username="raa.finance_officer").first()
    if approver is None:
        ctx.say("Invoicing demo skipped: the demo users are missing.")
        return
    for authority in Authority.objects.order_by("name"):
        try:
            with transaction.atomic():
                outcome = _authority(ctx, authority, approver)
        except (InvoicingError, ReferralError) as error:
            outcome = f"not made ({error})"
        ctx.say(f"Invoicing demo, {authority.name}: {outcome}.")
