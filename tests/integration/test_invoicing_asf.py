"""ASF-funded work: a provider's invoice for sessions on a referral that an approved ASF application line pays for
draws on that line exactly as a finance-typed invoice does (the fund's share and the authority's, in the same
postings), is capped by the line's sessions and approved sum, and is paid through claims in the run."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from claims.models.applications import Status
from claims.models.invoices import InvoiceStatus as ClaimsInvoiceStatus
from claims.models.invoices import ProviderInvoice
from commissioning.models import ReferralStatus, RouteType
from invoicing.models import Funding, InvoiceStatus
from invoicing.services.bank_details import bank_details_approve, bank_details_enter
from invoicing.services.errors import LinesRefused
from invoicing.services.invoices import invoice_approve, invoice_raise
from invoicing.services.runs import payment_run_make
from ledger.models import AccountCode, Entry
from organisations.models import Role
from tests.factories import ProviderUserFactory, UserFactory
from tests.factories_claims import at, build, gbp, world
from tests.factories_commissioning import ActiveReferralFactory, SessionFactory
from tests.factories_invoicing import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def asf() -> Any:
    w = world(short_code="kent")
    w.app = build(w, Status.IN_DELIVERY, therapy="1000.00")
    w.line = w.app.lines.get()
    w.staff = ProviderUserFactory(username="asf.staff", provider=w.provider)
    w.fo2 = UserFactory(username="kent.fo2", role=Role.FINANCE_OFFICER, authority=w.authority)
    start = w.app.start_date
    w.referral = ActiveReferralFactory(
        planned_service=None, support_request=w.assessment.request, authority=w.authority,
        service_type=w.therapy_type, provider=w.provider, sent_to=w.provider, contract=None,
        route_type=RouteType.SPOT, status=ReferralStatus.ACTIVE, accepted_date=start,
        first_session_date=start + timedelta(days=1), created_by=w.social_worker)
    w.sessions = [SessionFactory(referral=w.referral, session_date=start + timedelta(days=1 + 7 * n),
                                 recorded_by=w.staff) for n in range(2)]
    w.invoice_date = start + timedelta(days=20)
    return w


def _raise(w: Any, sessions: list, number: str = "ASF-1") -> Any:
    return invoice_raise(provider=w.provider, paying_authority=w.authority, invoice_number=number,
                         invoice_date=w.invoice_date, stated_total=gbp("1000.00"),
                         session_ids=[s.pk for s in sessions], pdf_content=PDF, by=w.staff, now=at(w.invoice_date))


def test_a_session_is_priced_at_the_lines_unit_cost_and_capped_by_its_sessions(asf):
    invoice = _raise(asf, asf.sessions[:1])
    line = invoice.lines.get()
    assert line.funding == Funding.ASF and line.application_line_id == asf.line.pk
    assert line.amount == gbp("1000.00")
    with pytest.raises(LinesRefused, match="2 sessions would be invoiced, more than the 1 agreed"):
        _raise(asf, asf.sessions[1:], number="ASF-2")


def test_approval_draws_on_the_application_as_a_finance_typed_invoice_does(asf):
    invoice = _raise(asf, asf.sessions[:1])
    invoice_approve(invoice=invoice, by=asf.finance, now=at(asf.invoice_date))
    drawn = ProviderInvoice.objects.get(application=asf.app)
    assert drawn.status == ClaimsInvoiceStatus.APPROVED
    assert drawn.recorded_by == asf.staff and drawn.approved_by == asf.finance
    assert drawn.amount == gbp("1000.00") and drawn.fund_share + drawn.authority_share == drawn.amount
    entries = {e.account.code: e.amount for e in Entry.objects.filter(
        transaction__idempotency_key=f"claims.providerinvoice:{drawn.pk}:received").select_related("account")}
    assert entries[AccountCode.PROVIDER_CREDITORS] == -drawn.amount
    assert entries[AccountCode.SUPPORT_EXPENDITURE] == drawn.fund_share
    assert invoice.lines.get().claims_invoice_id == drawn.pk


def test_the_run_pays_the_draw_through_claims_and_the_approver_cannot(asf):
    details = bank_details_enter(provider=asf.provider, account_name="Therapy", sort_code="309950",
                                 account_number="12345678", by=asf.staff, now=at(asf.invoice_date))
    bank_details_approve(details=details, by=asf.finance, now=at(asf.invoice_date))
    invoice = invoice_approve(invoice=_raise(asf, asf.sessions[:1]), by=asf.finance, now=at(asf.invoice_date))
    run = payment_run_make(authority=asf.authority, due_by=invoice.due_date, payment_date=date(2025, 7, 1),
                           by=asf.fo2, now=at(asf.invoice_date))
    invoice.refresh_from_db()
    drawn = ProviderInvoice.objects.get(application=asf.app)
    assert invoice.status == InvoiceStatus.PAID and drawn.status == ClaimsInvoiceStatus.PAID
    assert run.total == gbp("1000.00")
    # The run's own settlement posting has nothing left to pay (claims paid the whole of it).
    assert not Entry.objects.filter(transaction__idempotency_key__startswith=f"invoicing.paymentrun:{run.pk}:")
    assert Entry.objects.filter(transaction__idempotency_key=f"claims.providerinvoice:{drawn.pk}:paid").count() == 2
