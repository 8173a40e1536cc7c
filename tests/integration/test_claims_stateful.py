"""A hypothesis state machine of random application lifecycles (approve, pay, invoice, return, withdraw, repost
with the same key) over the real services and ledger on PostgreSQL. After every step: the ledger balances, every
balance equals the sum of its entries, and the fund's totals per child-year never exceed the rules."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from claims import rules
from claims.models.applications import APPROVED_STATES, ASFApplication, Status
from claims.models.fund_rules import ChildYearLimit
from claims.models.invoices import ProviderInvoice
from claims.services.decisions import application_approve
from claims.services.delivery import application_confirm_spend, application_start_delivery
from claims.services.errors import ClaimsError
from claims.services.invoices import invoice_approve, invoice_pay, invoice_record
from claims.services.remittances import remittance_import
from claims.services.submission import application_resubmit, application_return_for_rework, application_withdraw
from ledger.models import Account, Entry, Transaction
from ledger.selectors import balances
from ledger.services import post
from tests.factories_claims import at, build, gbp, world

_worlds = count(1)
PERIODS = [  # (assessment approved, services start): one per rule period
    (date(2016, 10, 20), date(2016, 11, 1)),
    (date(2017, 5, 1), date(2017, 5, 10)),
    (date(2025, 5, 1), date(2025, 5, 8)),
]
pounds = st.integers(min_value=0, max_value=40_000).map(lambda p: Decimal(p) * 5 / 4)  # pennies appear


class Lifecycles(RuleBasedStateMachine):
    applications = Bundle("applications")

    @initialize(period=st.sampled_from(PERIODS))
    def setup(self, period):
        assessed, self.start = period
        self.w = world(short_code=f"w{next(_worlds)}", assessed=assessed)
        self.refs = count(1)
        self.rules = rules.rules_on(self.start)

    def refusal(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except ClaimsError:
            return None

    @rule(target=applications, therapy=pounds, assessment=pounds)
    def submit_new(self, therapy, assessment):
        if therapy + assessment == 0:
            therapy = Decimal("100")
        return build(self.w, Status.SUBMITTED, therapy=str(therapy.quantize(Decimal("0.01"))),
                     assessment=str(assessment.quantize(Decimal("0.01"))), start=self.start)

    @rule(app=applications, share=st.sampled_from(["rules", "half", "all asked"]))
    def approve(self, app, share):
        app.refresh_from_db()
        amount = {"rules": None, "half": gbp((app.estimated_fund.amount / 2).quantize(Decimal("0.01"))),
                  "all asked": app.estimated_fund}[share]
        self.refusal(application_approve, application=app, by=self.w.finance, now=at(self.start),
                     decision_date=self.start, fund_amount=amount, fund_reference=f"{self.w.authority.short_code}-"
                     f"{next(self.refs)}")

    @rule(app=applications)
    def return_and_resubmit(self, app):
        if self.refusal(application_return_for_rework, application=app, by=self.w.finance,
                        now=at(self.start), note="More detail"):
            application_resubmit(application=app, by=self.w.social_worker, now=at(self.start),
                                 submitted_date=self.start)

    @rule(app=applications)
    def withdraw(self, app):
        self.refusal(application_withdraw, application=app, by=self.w.social_worker, now=at(self.start),
                     reason="Family no longer wants it")

    @rule(app=applications, part=st.sampled_from([Decimal("1"), Decimal("0.5")]))
    def fund_pays(self, app, part):
        app.refresh_from_db()
        owed = app.approved_fund.amount - app.funds_received.amount
        amount = (owed * part).quantize(Decimal("0.01"))
        if app.status in APPROVED_STATES and amount > 0:
            self.refusal(remittance_import, authority=self.w.authority,
                         rows=[(1, app.fund_reference, str(amount))], file_name="r.csv", payment_date=self.start,
                         by=self.w.finance, now=at(self.start))

    @rule(app=applications)
    def start_delivery(self, app):
        self.refusal(application_start_delivery, application=app, by=self.w.finance, now=at(self.start))

    @rule(app=applications, amount=pounds)
    def invoice_and_pay(self, app, amount):
        app.refresh_from_db()
        line = app.lines.order_by("?").first()
        if line is None or amount <= 0:
            return
        invoice = self.refusal(invoice_record, application=app, line=line,
                               invoice_number=f"INV-{app.pk}-{next(self.refs)}", invoice_date=self.start,
                               amount=gbp(amount.quantize(Decimal("0.01"))), by=self.w.finance, now=at(self.start),
                               top_up_reason="The authority tops up")
        if invoice is not None:
            invoice_approve(invoice=invoice, by=self.w.manager, now=at(self.start))
            invoice_pay(invoice=invoice, paid_date=self.start, by=self.w.finance, now=at(self.start))

    @rule(app=applications)
    def confirm_spend(self, app):
        self.refusal(application_confirm_spend, application=app, by=self.w.finance, now=at(self.start),
                     confirmed_date=self.start)

    @rule()
    def repost_with_the_same_key(self):
        first = Transaction.objects.filter(idempotency_key__startswith="claims.").order_by("?").first()
        if first is None:
            return
        before = Entry.objects.count()
        again = post(lines=[(e.account, e.amount) for e in first.entries.all()], memo=first.memo,
                     idempotency_key=first.idempotency_key, transaction_date=first.transaction_date)
        assert again.pk == first.pk and Entry.objects.count() == before

    @invariant()
    def the_ledger_balances(self):
        if not hasattr(self, "w"):
            return
        for transaction in Transaction.objects.prefetch_related("entries"):
            assert sum(e.amount.amount for e in transaction.entries.all()) == 0, transaction

    @invariant()
    def every_balance_is_the_sum_of_its_entries(self):
        if not hasattr(self, "w"):
            return
        accounts = list(Account.objects.filter(authority=self.w.authority))
        got = balances(accounts=accounts)
        for account in accounts:
            expected = sum((e.amount.amount for e in Entry.objects.filter(account=account)), Decimal("0"))
            assert got[account.pk].amount == expected

    @invariant()
    def the_fund_stays_inside_the_rules(self):
        if not hasattr(self, "w"):
            return
        for limit in ChildYearLimit.objects.filter(child=self.w.child):
            approved = ASFApplication.objects.filter(child=self.w.child, financial_year=limit.financial_year,
                                                     status__in=APPROVED_STATES)
            # what the fund approved, less what the spend confirmations gave back
            assert sum((a.approved_fund - a.unspent_returned for a in approved), gbp("0")) == limit.fund_committed
            allowed = rules.fund_total(self.rules, therapy=limit.therapy_approved.amount,
                                       assessment=limit.assessment_approved.amount)
            assert limit.fund_committed.amount <= allowed
            cap = self.rules.max_fund_per_year
            assert cap is None or limit.fund_committed <= cap
        for app in ASFApplication.objects.filter(child=self.w.child, status__in=APPROVED_STATES):
            shares = sum((i.fund_share for i in ProviderInvoice.objects.filter(application=app)), gbp("0"))
            assert shares + app.unspent_returned <= app.approved_fund
            assert app.funds_received <= app.approved_fund


@pytest.mark.django_db
def test_random_lifecycles_keep_the_books_and_the_limits():
    run_state_machine_as_test(Lifecycles, settings=settings(
        max_examples=12, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
