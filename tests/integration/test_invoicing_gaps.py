"""The two gaps issue 21 names in the code before it (each test here failed on that code):

- the finance officer who approved a provider's invoice could also pay it;
- a finance officer scoped to the partnership could post to any member's accounts, whichever authority's money it
  was: a posting now names the authority it is for, and a partnership officer must name it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from claims.models.applications import Status
from claims.services.errors import NotPermitted
from claims.services.invoices import invoice_approve, invoice_pay, invoice_record
from ledger import services as ledger
from ledger.models import AccountCode, Transaction
from organisations.models import Role
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_claims import at, build, gbp, world

pytestmark = pytest.mark.django_db


def refused(exc: type[BaseException] | tuple[type[BaseException], ...], call: Any) -> str:
    before = table_counts()
    with pytest.raises(exc) as raised:
        call()
    assert changed(before, table_counts()) == {}
    return str(raised.value)


class TestTheApproverCannotPay:
    def test_the_finance_officer_who_approved_an_invoice_cannot_pay_it(self):
        kent = world(short_code="kent")
        recorder = UserFactory(username="kent.fo2", role=Role.FINANCE_OFFICER, authority=kent.authority)
        app = build(kent, Status.IN_DELIVERY)
        start = app.start_date
        invoice = invoice_record(application=app, line=app.lines.first(), invoice_number="INV-77",
                                 invoice_date=start + timedelta(days=30), amount=gbp("200.00"), by=recorder,
                                 now=at(start))
        invoice_approve(invoice=invoice, by=kent.finance, now=at(start))
        message = refused(NotPermitted, lambda: invoice_pay(invoice=invoice, paid_date=start + timedelta(days=40),
                                                            by=kent.finance, now=at(start)))
        assert "approved" in message
        paid = invoice_pay(invoice=invoice, paid_date=start + timedelta(days=40), by=recorder, now=at(start))
        assert paid.status == "paid"


class TestAPartnershipOfficerPostsOnlyForThePayingAuthority:
    @pytest.fixture
    def members(self) -> tuple[Any, Any, Any]:
        kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
        partnership = PartnershipFactory(members=[kent, medway])
        officer = PartnershipUserFactory(username="raa.fo", role=Role.FINANCE_OFFICER, partnership=partnership)
        return kent, medway, officer

    def _lines(self, authority: Any) -> list:
        bank = ledger.account_for(authority=authority, code=AccountCode.BANK)
        creditors = ledger.account_for(authority=authority, code=AccountCode.PROVIDER_CREDITORS)
        return [(creditors, gbp("10.00")), (bank, gbp("-10.00"))]

    def test_a_posting_for_kent_cannot_land_in_medways_accounts(self, members):
        kent, medway, officer = members
        lines = self._lines(medway)
        message = refused(ledger.NotPermittedToPost, lambda: ledger.post(
            lines=lines, memo="Pay Kent's provider", idempotency_key="gap:1", transaction_date=date(2026, 5, 1),
            by=officer, for_authority=kent))
        assert "Medway" in message or "another authority" in message

    def test_a_partnership_officer_must_name_the_authority_whose_money_it_is(self, members):
        _kent, medway, officer = members
        lines = self._lines(medway)
        refused(ledger.NotPermittedToPost, lambda: ledger.post(
            lines=lines, memo="Whose money?", idempotency_key="gap:2", transaction_date=date(2026, 5, 1),
            by=officer))

    def test_naming_the_member_whose_money_it_is_posts(self, members):
        _kent, medway, officer = members
        posted = ledger.post(lines=self._lines(medway), memo="Medway's own", idempotency_key="gap:3",
                             transaction_date=date(2026, 5, 1), by=officer, for_authority=medway)
        assert Transaction.objects.filter(pk=posted.pk).exists()
