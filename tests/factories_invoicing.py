"""Invoicing test data: a Kent and Medway partnership, a provider with a per-session contract, a referral from
each authority with sessions recorded, and the people: provider staff, two Kent finance officers (one to approve,
one to pay) and the partnership's finance officer. Invoices are made through invoicing.services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from moneyed import Money

from contracts.models import Pricing, ProcurementRoute
from invoicing.services.bank_details import bank_details_approve, bank_details_enter
from invoicing.services.invoices import invoice_approve, invoice_raise
from organisations.models import Role
from tests.factories import (
    AuthorityFactory,
    PartnershipFactory,
    PartnershipUserFactory,
    ProviderUserFactory,
    UserFactory,
)
from tests.factories_commissioning import ActiveReferralFactory, SessionFactory, checked_provider, live_contract

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RATE = Money(Decimal("100.00"), "GBP")


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


@dataclass
class World:
    kent: Any
    medway: Any
    provider: Any
    other_provider: Any
    staff: Any
    other_staff: Any
    fo: Any
    fo2: Any
    raa_fo: Any
    medway_fo: Any
    contract: Any
    referral: Any
    medway_referral: Any
    sessions: list
    medway_sessions: list
    other_sessions: list
    lc: Any = None  # the partnership's lead commissioner: sets referrals' invoicing terms
    medway_lc: Any = None

    def raise_(self, *, number: str = "INV-1", sessions: list | None = None, by: Any = None, **kwargs: Any) -> Any:
        chosen = self.sessions[:1] if sessions is None else sessions
        kwargs.setdefault("stated_total", RATE * len(chosen) if chosen else gbp("1.00"))
        return invoice_raise(provider=self.provider, paying_authority=kwargs.pop("authority", self.kent),
                             invoice_number=number, invoice_date=kwargs.pop("invoice_date", TODAY),
                             session_ids=[s.pk for s in chosen], pdf_content=kwargs.pop("pdf_content", PDF),
                             by=by or self.staff, now=NOW, **kwargs)

    def approved(self, **kwargs: Any) -> Any:
        invoice = self.raise_(**kwargs)
        return invoice_approve(invoice=invoice, by=self.fo2, now=NOW)

    def bank(self, provider: Any = None) -> Any:
        provider = provider or self.provider
        staff = self.staff if provider == self.provider else self.other_staff
        details = bank_details_enter(provider=provider, account_name=f"{provider.name} Ltd", sort_code="30-99-50",
                                     account_number="12345678", by=staff, now=NOW)
        return bank_details_approve(details=details, by=self.fo, now=NOW)


def _referral(authority: Any, contract: Any) -> Any:
    return ActiveReferralFactory(
        contract=contract, planned_service__plan__request__child__household__responsible_authority=authority,
        created_by=UserFactory(authority=authority), accepted_date=TODAY - timedelta(days=40),
        first_session_date=TODAY - timedelta(days=30))


def _sessions(referral: Any, staff: Any, count: int) -> list:
    return [SessionFactory(referral=referral, session_date=TODAY - timedelta(days=30 - 7 * n), recorded_by=staff)
            for n in range(count)]


def world() -> World:
    kent, medway = AuthorityFactory(short_code="kent", name="Kent"), AuthorityFactory(short_code="medway",
                                                                                      name="Medway")
    partnership = PartnershipFactory(members=[kent, medway])
    provider = checked_provider(name="Family Therapy Ltd")
    other = checked_provider(name="Other Provider")
    contract = live_contract(provider=provider, lead=kent, parties=[medway], route=ProcurementRoute.FRAMEWORK_CALL_OFF,
                             pricing=Pricing.PER_SESSION, unit_price=RATE)
    other_contract = live_contract(provider=other, lead=kent, pricing=Pricing.PER_SESSION, unit_price=RATE)
    staff = ProviderUserFactory(username="ftl.staff", provider=provider)
    other_staff = ProviderUserFactory(username="other.staff", provider=other)
    referral, medway_referral = _referral(kent, contract), _referral(medway, contract)
    other_referral = _referral(kent, other_contract)
    return World(
        kent=kent, medway=medway, provider=provider, other_provider=other, staff=staff, other_staff=other_staff,
        fo=UserFactory(username="kent.fo", role=Role.FINANCE_OFFICER, authority=kent),
        fo2=UserFactory(username="kent.fo2", role=Role.FINANCE_OFFICER, authority=kent),
        raa_fo=PartnershipUserFactory(username="raa.fo", role=Role.FINANCE_OFFICER, partnership=partnership),
        medway_fo=UserFactory(username="medway.fo", role=Role.FINANCE_OFFICER, authority=medway),
        contract=contract, referral=referral, medway_referral=medway_referral,
        sessions=_sessions(referral, staff, 4), medway_sessions=_sessions(medway_referral, staff, 2),
        other_sessions=_sessions(other_referral, other_staff, 1),
        lc=PartnershipUserFactory(username="raa.lc", role=Role.LEAD_COMMISSIONER, partnership=partnership),
        medway_lc=UserFactory(username="medway.lc", role=Role.LEAD_COMMISSIONER, authority=medway),
    )
