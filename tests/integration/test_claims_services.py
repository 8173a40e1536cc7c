"""claims.services on PostgreSQL: the lifecycle per rule period with balances account by account, the
conditions of the state machine, and bad input that writes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money

from claims.models.applications import ASFApplication, Decision, Status, StatusChange
from claims.models.fund_rules import ChildYearLimit, FundRuleSet
from claims.models.invoices import ProviderInvoice
from claims.models.rechecks import SplitRecheck
from claims.models.remittances import Remittance, RemittanceLine
from claims.selectors import decision_deadline, is_decision_overdue, queue_counts
from claims.services.decisions import application_approve
from claims.services.delivery import application_close, application_confirm_spend, application_start_delivery
from claims.services.drafting import application_create, application_line_add
from claims.services.errors import BadAmount, ClaimsError, InvalidTransition, LimitExceeded, NotPermitted, OutsideWindow
from claims.services.headroom import headroom_for
from claims.services.invoices import _fund_share_of, invoice_approve, invoice_pay, invoice_record
from claims.services.remittances import RemittanceRejected, fund_still_owes, remittance_check, remittance_import
from claims.services.rule_changes import fund_rule_set_save
from claims.services.rule_sets import rule_sets_from_db
from claims.services.submission import (
    application_manager_approve,
    application_resubmit,
    application_return_for_rework,
    application_send_to_manager,
    application_submit,
)
from ledger.models import AccountCode, Entry, Transaction
from ledger.selectors import balance, entries_for_source
from ledger.services import account_for
from organisations.models import Role
from tests.factories import UserFactory
from tests.factories_claims import at, build, gbp, world

pytestmark = pytest.mark.django_db

CODES = [AccountCode.BANK, AccountCode.ASF_RECEIVABLE, AccountCode.ASF_GRANT_IN_ADVANCE, AccountCode.ASF_INCOME,
         AccountCode.SUPPORT_EXPENDITURE, AccountCode.PROVIDER_CREDITORS, AccountCode.TOP_UP_BUDGET]


def balances(authority) -> dict[str, Decimal]:
    return {code: balance(account=account_for(authority=authority, code=code)).amount for code in CODES}


def expected(**values: str) -> dict[str, Decimal]:
    out = {code: Decimal("0.00") for code in CODES}
    out.update({AccountCode(k): Decimal(v) for k, v in values.items()})
    return out


def ledger_is_balanced() -> bool:
    return all(sum(e.amount.amount for e in t.entries.all()) == 0 for t in Transaction.objects.all())


class TestWorkedLifecycles:
    """One full lifecycle per rule period: approval, the fund's payment, an invoice, its payment, spend
    confirmation, closing. Balances are checked account by account (debit positive, credit negative)."""

    @pytest.mark.parametrize(
        ("assessed", "start", "therapy", "assessment", "invoice", "fund", "authority", "balances_after"),
        [
            # May 2015 to 5 Oct 2016: no limit, the fund pays everything; £8,000 invoiced in full.
            (date(2015, 5, 20), date(2015, 6, 1), "8000.00", "0", "8000.00", "8000.00", "0.00",
             {"support_expenditure": "8000.00", "asf_income": "-8000.00"}),
            # 6 Oct 2016 to Mar 2017: one £5,000 limit over therapy and assessment, half the excess matched;
            # £6,000 approved (£5,500 fund), only £2,000 of therapy invoiced: £3,500 goes back to the fund.
            (date(2016, 10, 20), date(2016, 11, 1), "3000.00", "3000.00", "2000.00", "5500.00", "500.00",
             {"support_expenditure": "2000.00", "asf_income": "-2000.00"}),
            # 2017-18: the worked example, £50,000 of therapy: £27,500 fund, £22,500 authority, all invoiced.
            (date(2017, 5, 1), date(2017, 5, 10), "50000.00", "0", "50000.00", "27500.00", "22500.00",
             {"bank": "-22500.00", "support_expenditure": "27500.00", "asf_income": "-27500.00",
              "top_up_budget": "22500.00"}),
            # 2025-26: £3,000 combined, no match funding; £4,000 of therapy, £2,500 invoiced: £500 unspent.
            (date(2025, 5, 1), date(2025, 5, 8), "4000.00", "0", "2500.00", "3000.00", "1000.00",
             {"support_expenditure": "2500.00", "asf_income": "-2500.00"}),
        ],
    )
    def test_a_full_lifecycle(self, assessed, start, therapy, assessment, invoice, fund, authority, balances_after):
        w = world(assessed=assessed)
        app = build(w, Status.APPROVED, therapy=therapy, assessment=assessment, start=start)
        assert (app.approved_fund, app.approved_authority) == (gbp(fund), gbp(authority))
        assert balances(w.authority) == expected(asf_receivable=fund, asf_grant_in_advance=f"-{fund}")

        remittance_import(authority=w.authority, rows=[(1, app.fund_reference, fund)], file_name="r.csv",
                          payment_date=start, by=w.finance, now=at(start))
        app.refresh_from_db()
        assert app.status == Status.FUNDS_RECEIVED
        assert balances(w.authority) == expected(bank=fund, asf_grant_in_advance=f"-{fund}")

        application_start_delivery(application=app, by=w.social_worker, now=at(start))
        line = app.lines.filter(is_assessment=False).get()
        bill = invoice_record(application=app, line=line, invoice_number="INV-1", invoice_date=start,
                              amount=gbp(invoice), by=w.finance, now=at(start),
                              top_up_reason="Kent tops up the rest")
        assert bill.fund_share + bill.authority_share == gbp(invoice)
        invoice_approve(invoice=bill, by=w.manager, now=at(start))
        invoice_pay(invoice=bill, paid_date=start, by=w.finance, now=at(start))
        app = application_confirm_spend(application=app, by=w.finance, now=at(start), confirmed_date=start)
        assert app.unspent_returned == gbp(fund) - bill.fund_share
        application_close(application=app, by=w.finance, now=at(start), closed_date=start)

        assert balances(w.authority) == expected(**balances_after)
        assert ledger_is_balanced()
        app.refresh_from_db()
        assert app.status == Status.CLOSED
        assert [c.to_status for c in app.status_changes.all()] == [
            Status.DRAFT, Status.AWAITING_MANAGER, Status.READY, Status.SUBMITTED, Status.APPROVED,
            Status.FUNDS_RECEIVED, Status.IN_DELIVERY, Status.SPEND_CONFIRMED, Status.CLOSED]

    def test_the_ledger_entries_behind_the_application(self):
        w = world()
        app = build(w, Status.APPROVED, therapy="1200.00")
        entries = list(entries_for_source(source=app))
        assert sorted((e.account.code, e.amount.amount) for e in entries) == [
            (AccountCode.ASF_GRANT_IN_ADVANCE, Decimal("-1200.00")), (AccountCode.ASF_RECEIVABLE, Decimal("1200.00"))]
        assert entries[0].transaction.idempotency_key == f"claims.asfapplication:{app.pk}:approved"


class TestApprovalPath:
    def test_a_manager_cannot_approve_their_own_application(self):
        w = world()
        app = application_create(child=w.child, assessment=w.assessment, start_date=date(2025, 5, 8),
                                 by=w.manager, now=at(date(2025, 5, 2)))
        application_line_add(application=app, service_type=w.therapy_type, provider=w.provider,
                             sessions=2, unit_cost=gbp("100"), travel=gbp("0"), by=w.manager,
                             now=at(date(2025, 5, 2)))
        application_send_to_manager(application=app, by=w.manager, now=at(date(2025, 5, 2)))
        with pytest.raises(NotPermitted, match="they wrote"):
            application_manager_approve(application=app, by=w.manager, now=at(date(2025, 5, 2)))
        app.refresh_from_db()
        assert app.status == Status.AWAITING_MANAGER

    def test_a_social_worker_cannot_approve(self):
        w = world()
        app = build(w, Status.AWAITING_MANAGER)
        other = UserFactory(authority=w.authority)
        with pytest.raises(NotPermitted):
            application_manager_approve(application=app, by=other, now=at(date(2025, 5, 2)))

    def test_submission_after_the_window_needs_an_exceptional_reason(self):
        w = world(assessed=date(2025, 5, 1))
        app = build(w, Status.READY)
        late = date(2025, 8, 2)
        with pytest.raises(OutsideWindow, match="1 August 2025"):
            application_submit(application=app, by=w.social_worker, now=at(late), submitted_date=late)
        app.refresh_from_db()
        assert app.status == Status.READY
        app.exceptional_reason = "The family were in crisis; the manager agreed a late application."
        app.save(update_fields=["exceptional_reason"])
        application_submit(application=app, by=w.social_worker, now=at(late), submitted_date=late)
        app.refresh_from_db()
        assert app.status == Status.SUBMITTED

    def test_the_last_day_of_the_window_is_in_time(self):
        w = world(assessed=date(2025, 5, 1))
        app = build(w, Status.READY)
        application_submit(application=app, by=w.social_worker, now=at(date(2025, 8, 1)),
                           submitted_date=date(2025, 8, 1))

    def test_returned_for_rework_and_resubmitted_any_number_of_times(self):
        w = world()
        app = build(w, Status.SUBMITTED)
        for _ in range(3):
            application_return_for_rework(application=app, by=w.finance, now=at(date(2025, 5, 9)),
                                          note="Please add the session plan")
            application_resubmit(application=app, by=w.social_worker, now=at(date(2025, 5, 10)),
                                 submitted_date=date(2025, 5, 10))
        app = application_approve(application=app, by=w.finance, now=at(date(2025, 5, 20)),
                                  decision_date=date(2025, 5, 20), fund_reference="ASGSF-1")
        assert app.status == Status.APPROVED and app.decision == Decision.APPROVED_IN_FULL

    def test_a_returned_application_that_was_changed_goes_back_to_a_manager_before_the_fund(self):
        """The fund returns it; the author adds a line: the manager's approval was for what it said before, so it
        cannot be resubmitted until a manager approves it again (then it is submitted, outside the window too)."""
        w = world()
        app = build(w, Status.RETURNED)
        application_line_add(application=app, service_type=w.therapy_type, provider=w.provider,
                             sessions=1, unit_cost=gbp("9000"), travel=gbp(0), by=w.social_worker,
                             now=at(date(2025, 9, 1)))
        app.refresh_from_db()
        assert app.manager_approved_by is None and app.total == gbp("10000.00")
        with pytest.raises(NotPermitted, match="send it to a manager"):
            application_resubmit(application=app, by=w.social_worker, now=at(date(2025, 9, 2)),
                                 submitted_date=date(2025, 9, 2))
        app.refresh_from_db()
        assert app.status == Status.RETURNED
        application_send_to_manager(application=app, by=w.social_worker, now=at(date(2025, 9, 2)))
        application_manager_approve(application=app, by=w.manager, now=at(date(2025, 9, 3)))
        application_submit(application=app, by=w.social_worker, now=at(date(2025, 9, 4)),
                           submitted_date=date(2025, 9, 4))
        app.refresh_from_db()
        assert (app.status, app.manager_approved_by) == (Status.SUBMITTED, w.manager)

    def test_a_manager_who_changed_an_application_cannot_approve_it(self):
        w = world()
        app = build(w, Status.DRAFT)
        application_line_add(application=app, service_type=w.therapy_type, provider=w.provider,
                             sessions=1, unit_cost=gbp("9000"), travel=gbp(0), by=w.manager,
                             now=at(date(2025, 5, 2)))
        application_send_to_manager(application=app, by=w.social_worker, now=at(date(2025, 5, 2)))
        with pytest.raises(NotPermitted, match="they changed"):
            application_manager_approve(application=app, by=w.manager, now=at(date(2025, 5, 2)))
        other = UserFactory(authority=w.authority, role=Role.TEAM_MANAGER)
        application_manager_approve(application=app, by=other, now=at(date(2025, 5, 2)))
        app.refresh_from_db()
        assert app.status == Status.READY and app.manager_approved_by == other

    def test_a_decision_is_overdue_after_20_working_days(self):
        w = world()
        app = build(w, Status.SUBMITTED)
        deadline = decision_deadline(app)
        # submitted Monday 5 May 2025 (a bank holiday): 20 working days later, skipping Monday 26 May
        assert app.submitted_date == date(2025, 5, 5)
        assert deadline == date(2025, 6, 3)
        assert not is_decision_overdue(app, today=deadline)
        assert is_decision_overdue(app, today=date(2025, 6, 4))

    def test_approval_in_part(self):
        w = world()
        app = build(w, Status.SUBMITTED, therapy="2000.00", assessment="1000.00")
        app = application_approve(application=app, by=w.finance, now=at(date(2025, 5, 20)),
                                  decision_date=date(2025, 5, 20), fund_reference="ASGSF-2",
                                  approved_therapy=gbp("1000.00"))
        assert app.decision == Decision.APPROVED_IN_PART
        assert (app.approved_fund, app.approved_authority) == (gbp("2000.00"), gbp("0.00"))

    def test_every_transition_writes_who_and_when(self):
        w = world()
        app = build(w, Status.READY)
        rows = list(StatusChange.objects.filter(application=app).values_list("to_status", "by__username"))
        assert rows == [(Status.DRAFT, "kent.sw"), (Status.AWAITING_MANAGER, "kent.sw"), (Status.READY, "kent.tm")]


class TestLimits:
    def test_an_approval_that_does_not_fit_the_year_is_refused(self):
        w = world()
        first = build(w, Status.SUBMITTED, therapy="2500.00")
        second = build(w, Status.SUBMITTED, therapy="2500.00")
        assert second.estimated_fund == gbp("2500.00")
        application_approve(application=first, by=w.finance, now=at(date(2025, 5, 20)),
                            decision_date=date(2025, 5, 20), fund_reference="A-1")
        before = Transaction.objects.count()
        with pytest.raises(LimitExceeded, match=r"at most £500\.00"):
            application_approve(application=second, by=w.finance, now=at(date(2025, 5, 20)),
                                decision_date=date(2025, 5, 20), fund_reference="A-2",
                                fund_amount=gbp("2500.00"))
        assert Transaction.objects.count() == before
        second.refresh_from_db()
        assert second.status == Status.SUBMITTED
        limit = ChildYearLimit.objects.get(child=w.child, financial_year="2025-26")
        assert limit.fund_committed == gbp("2500.00")
        # the fund approves what fits: £500, the authority tops up £2,000
        second = application_approve(application=second, by=w.finance, now=at(date(2025, 5, 20)),
                                     decision_date=date(2025, 5, 20), fund_reference="A-2",
                                     fund_amount=gbp("500.00"))
        assert second.approved_authority == gbp("2000.00")
        limit.refresh_from_db()
        assert limit.fund_committed == gbp("3000.00")

    def test_the_headroom_before_submitting(self):
        w = world()
        build(w, Status.APPROVED, therapy="1000.00")
        draft = build(w, Status.DRAFT, therapy="2500.00")
        room = headroom_for(application=draft)
        assert room.fund_left == gbp("2000.00")
        assert (room.split.fund, room.split.authority) == (gbp("2000.00"), gbp("500.00"))


class TestBadInput:
    def counts(self):
        return (Transaction.objects.count(), Entry.objects.count(), ProviderInvoice.objects.count(),
                Remittance.objects.count(), RemittanceLine.objects.count(), ASFApplication.objects.count())

    @pytest.mark.parametrize(("amount", "message"), [
        (Money("-1.00", "GBP"), "cannot be negative"),
        (Money("10.00", "EUR"), "not EUR"),
        (Money("10.001", "GBP"), "whole number of pence"),
        (10.5, "amount in pounds"),
    ])
    def test_a_bad_line_amount_is_refused(self, amount, message):
        w = world()
        app = build(w, Status.DRAFT, therapy="0")
        with pytest.raises(BadAmount, match=message):
            application_line_add(application=app, service_type=w.therapy_type, provider=w.provider,
                                 sessions=1, unit_cost=amount, travel=gbp("0"), by=w.social_worker,
                                 now=at(date(2025, 5, 2)))
        assert not app.lines.exists()

    @pytest.mark.parametrize("amount", [Money("-50.00", "GBP"), Money("0", "GBP"), Money("50.00", "USD")])
    def test_a_bad_invoice_amount_is_refused_and_nothing_written(self, amount):
        w = world()
        app = build(w, Status.IN_DELIVERY)
        before = self.counts()
        with pytest.raises(BadAmount):
            invoice_record(application=app, line=app.lines.get(), invoice_number="X1",
                           invoice_date=date(2025, 6, 1), amount=amount, by=w.finance,
                           now=at(date(2025, 6, 1)))
        assert self.counts() == before

    def test_an_invoice_for_a_withdrawn_application_is_refused(self):
        w = world()
        app = build(w, Status.WITHDRAWN)
        before = self.counts()
        with pytest.raises(InvalidTransition, match="withdrawn"):
            invoice_record(application=app, line=app.lines.get(), invoice_number="X1",
                           invoice_date=date(2025, 6, 1), amount=gbp("100"), by=w.finance,
                           now=at(date(2025, 6, 1)))
        assert self.counts() == before

    def test_more_than_approved_needs_a_top_up_reason(self):
        w = world()
        app = build(w, Status.IN_DELIVERY, therapy="1000.00")
        with pytest.raises(LimitExceeded, match="top-up reason"):
            invoice_record(application=app, line=app.lines.get(), invoice_number="X1",
                           invoice_date=date(2025, 6, 1), amount=gbp("1000.01"), by=w.finance,
                           now=at(date(2025, 6, 1)))
        bill = invoice_record(application=app, line=app.lines.get(), invoice_number="X1",
                              invoice_date=date(2025, 6, 1), amount=gbp("1000.01"), by=w.finance,
                              now=at(date(2025, 6, 1)), top_up_reason="Extra session agreed")
        assert (bill.fund_share, bill.authority_share) == (gbp("1000.00"), gbp("0.01"))

    def test_a_remittance_with_an_unknown_reference_writes_nothing(self):
        w = world()
        app = build(w, Status.APPROVED, therapy="1000.00")
        before = self.counts()
        rows = [(2, app.fund_reference, "1000.00"), (3, "NO-SUCH-REF", "50.00"), (4, app.fund_reference, "-5")]
        preview = remittance_check(authority=w.authority, rows=rows, user=w.finance)
        assert [r.row_number for r in preview.unmatched] == [3]
        with pytest.raises(RemittanceRejected) as raised:
            remittance_import(authority=w.authority, rows=rows, file_name="r.csv",
                              payment_date=date(2025, 6, 30), by=w.finance, now=at(date(2025, 6, 30)))
        assert "Row 3: no application of Kent Council has the fund reference NO-SUCH-REF" in raised.value.problems
        assert "Row 4: the amount must be more than £0" in raised.value.problems
        assert self.counts() == before
        app.refresh_from_db()
        assert app.status == Status.APPROVED and app.funds_received == gbp("0")

    def test_a_remittance_for_more_than_the_fund_owes_is_refused(self):
        w = world()
        app = build(w, Status.APPROVED, therapy="1000.00")
        with pytest.raises(RemittanceRejected, match=r"Row 2: £600\.00 is more than the £400\.00 the fund"):
            remittance_import(authority=w.authority, rows=[(1, app.fund_reference, "600"),
                                                           (2, app.fund_reference, "600")],
                              file_name="r.csv", payment_date=date(2025, 6, 30), by=w.finance,
                              now=at(date(2025, 6, 30)))

    def test_an_approval_cannot_be_recorded_twice(self):
        w = world()
        app = build(w, Status.APPROVED)
        before = self.counts()
        with pytest.raises(InvalidTransition):
            application_approve(application=app, by=w.finance, now=at(date(2025, 5, 20)),
                                decision_date=date(2025, 5, 20))
        assert self.counts() == before

    def test_another_authority_cannot_touch_the_application(self):
        w = world()
        other = world(short_code="medway")
        app = build(w, Status.SUBMITTED)
        with pytest.raises(NotPermitted):
            application_approve(application=app, by=other.finance, now=at(date(2025, 5, 20)),
                                decision_date=date(2025, 5, 20), fund_reference="X")


class TestRuleChanges:
    def test_open_applications_are_checked_again_and_changes_listed(self):
        w = world()
        draft = build(w, Status.DRAFT, therapy="2800.00")
        ready = build(w, Status.READY, therapy="500.00")
        submitted = build(w, Status.SUBMITTED, therapy="2900.00")
        assert draft.estimated_fund == gbp("2800.00")
        rule_set = FundRuleSet.objects.get(effective_from_date=date(2025, 4, 1))
        rule_set.combined_limit = gbp("2000.00")
        changed = fund_rule_set_save(rule_set=rule_set, by=w.manager, now=at(date(2025, 6, 1)))
        assert [(c.application, c.old_fund, c.new_fund, c.new_authority) for c in changed] == [
            (draft, gbp("2800.00"), gbp("2000.00"), gbp("800.00"))]
        assert SplitRecheck.objects.count() == 1
        ready.refresh_from_db()
        submitted.refresh_from_db()
        assert ready.estimated_fund == gbp("500.00")
        assert submitted.estimated_fund == gbp("2900.00")  # with the fund already: not re-split

    def test_a_broken_rule_set_is_refused(self):
        w = world()
        rule_set = FundRuleSet.objects.get(effective_from_date=date(2025, 4, 1))
        rule_set.combined_limit = None
        with pytest.raises(ClaimsError, match="combined limit"):
            fund_rule_set_save(rule_set=rule_set, by=w.manager, now=at(date(2025, 6, 1)))

    def test_the_seeded_rule_sets_match_the_pure_defaults(self):
        from claims.rules import DEFAULT_RULE_SETS

        assert rule_sets_from_db() == DEFAULT_RULE_SETS


class TestContractUsage:
    def test_an_invoice_under_a_live_contract_is_recorded_as_spend_once(self):
        from contracts.models import UsageMeasure, UsageRecord
        from tests.factories_contracts import ActiveContractFactory, ServiceElementFactory

        w = world()
        contract = ActiveContractFactory(provider=w.provider, lead_authority=w.authority, start_date=date(2025, 4, 1),
                                         end_date=date(2027, 3, 31))
        ServiceElementFactory(contract=contract, service_types=[w.therapy_type])
        app = build(w, Status.IN_DELIVERY, therapy="900.00")
        bill = invoice_record(application=app, line=app.lines.get(), invoice_number="C-1",
                              invoice_date=date(2025, 6, 1), amount=gbp("300.00"), by=w.finance,
                              now=at(date(2025, 6, 1)))
        record = UsageRecord.objects.get(source_key=f"claims.providerinvoice:{bill.pk}:spend")
        assert (record.contract, record.measure, record.quantity) == (contract, UsageMeasure.SPEND, Decimal("300.00"))

    def test_no_usage_without_a_contract(self):
        from contracts.models import UsageRecord

        w = world()
        build(w, Status.IN_DELIVERY, therapy="900.00", invoice_therapy="300.00")
        assert not UsageRecord.objects.exists()


class TestSpendConfirmationGivesBackTheHeadroom:
    """What was approved and not spent goes back to the child's year limit when the spend is confirmed: the limit
    is on what the fund pays for the child in the year, and the unspent part is returned to the fund."""

    @staticmethod
    def confirm(w, app):  # type: ignore[no-untyped-def]
        return application_confirm_spend(application=app, by=w.finance, now=at(date(2025, 9, 1)),
                                         confirmed_date=date(2025, 9, 1))

    @staticmethod
    def limit(w):  # type: ignore[no-untyped-def]
        row = ChildYearLimit.objects.get(child=w.child, financial_year="2025-26")
        return row.therapy_approved, row.assessment_approved, row.fund_committed, row.authority_committed

    def test_the_unspent_part_can_be_approved_again_in_the_same_year(self):
        w = world()
        app = build(w, Status.IN_DELIVERY, therapy="3000.00", invoice_therapy="1000.00")
        assert self.limit(w) == (gbp("3000.00"), gbp("0"), gbp("3000.00"), gbp("0"))
        app = self.confirm(w, app)
        assert app.unspent_returned == gbp("2000.00")
        assert self.limit(w) == (gbp("1000.00"), gbp("0"), gbp("1000.00"), gbp("0"))
        assert "given back to the child's 2025-26 limit: therapy £2,000.00" in app.status_changes.last().note
        second = build(w, Status.SUBMITTED, therapy="2000.00")
        assert headroom_for(application=second).fund_left == gbp("2000.00")
        second = application_approve(application=second, by=w.finance, now=at(date(2025, 9, 2)),
                                     decision_date=date(2025, 9, 2), fund_reference="AGAIN-1")
        assert (second.approved_fund, second.approved_authority) == (gbp("2000.00"), gbp("0"))

    def test_the_authority_share_goes_back_too(self):
        w = world()
        # £4,000 of therapy under the £3,000 limit: the fund £3,000, Kent £1,000; only £2,500 invoiced
        app = build(w, Status.IN_DELIVERY, therapy="4000.00", invoice_therapy="2500.00")
        assert self.limit(w) == (gbp("4000.00"), gbp("0"), gbp("3000.00"), gbp("1000.00"))
        self.confirm(w, app)
        assert self.limit(w) == (gbp("2500.00"), gbp("0"), gbp("2500.00"), gbp("0"))

    def test_the_funds_payment_can_arrive_after_the_spend_is_confirmed_and_the_application_closes_after_it(self):
        """Approved £3,000; the fund has paid £1,000 when £2,000 is invoiced and the spend confirmed (£1,000
        unspent). The fund still owes £1,000: its month-end remittance is taken, and closing waits for it."""
        w = world()
        app = build(w, Status.APPROVED, therapy="3000.00")
        pay = lambda amount, day: remittance_import(  # noqa: E731
            authority=w.authority, rows=[(1, app.fund_reference, amount)], file_name=f"r-{day}.csv",
            payment_date=day, by=w.finance, now=at(day))
        pay("1000.00", date(2025, 5, 31))
        app = application_start_delivery(application=app, by=w.social_worker, now=at(date(2025, 6, 1)))
        invoice = invoice_record(application=app, line=app.lines.get(), invoice_number="INV-LATE",
                                 invoice_date=date(2025, 8, 1), amount=gbp("2000.00"), by=w.finance,
                                 now=at(date(2025, 8, 1)))
        invoice_approve(invoice=invoice, by=w.manager, now=at(date(2025, 8, 2)))
        invoice_pay(invoice=invoice, paid_date=date(2025, 8, 3), by=w.finance, now=at(date(2025, 8, 3)))
        app = self.confirm(w, app)
        assert app.unspent_returned == gbp("1000.00") and fund_still_owes(app) == gbp("1000.00")
        assert queue_counts(user=w.finance, today=date(2025, 9, 2))["awaiting_funds"] == 1
        with pytest.raises(ClaimsError, match=r"still owes £1,000\.00"):
            application_close(application=app, by=w.finance, now=at(date(2025, 9, 2)),
                              closed_date=date(2025, 9, 2))
        with pytest.raises(RemittanceRejected):
            pay("1000.01", date(2025, 9, 30))
        pay("1000.00", date(2025, 9, 30))
        app.refresh_from_db()
        assert fund_still_owes(app) == gbp("0")
        assert queue_counts(user=w.finance, today=date(2025, 9, 30))["awaiting_funds"] == 0
        assert balance(account=account_for(authority=w.authority, code=AccountCode.ASF_RECEIVABLE)) == gbp("0")
        application_close(application=app, by=w.finance, now=at(date(2025, 10, 1)),
                          closed_date=date(2025, 10, 1))
        assert ledger_is_balanced()

    def test_headroom_given_back_is_used_by_the_next_approval_even_after_one_the_limit_left_nothing(self):
        """A £3,000 (the 2025-26 limit) then B £2,000 (the fund pays nothing: the limit is used). A spends £1,000:
        £2,000 comes back. C £2,000 then gets £2,000 from the fund, and its invoice's share is that £2,000: the
        fund pays £3,000 for the child's year in all, as the rule gives."""
        w = world()
        build(w, Status.IN_DELIVERY, therapy="3000.00", invoice_therapy="1000.00")
        second = build(w, Status.APPROVED, therapy="2000.00")
        assert second.approved_fund == gbp("0")
        first = ASFApplication.objects.get(child=w.child, approved_therapy=gbp("3000.00"))
        self.confirm(w, first)
        third = build(w, Status.SUBMITTED, therapy="2000.00")
        assert headroom_for(application=third).split.fund == gbp("2000.00")
        third = application_approve(application=third, by=w.finance, now=at(date(2025, 9, 2)),
                                    decision_date=date(2025, 9, 2), fund_reference="AGAIN-3")
        assert (third.approved_fund, third.approved_authority) == (gbp("2000.00"), gbp("0"))
        assert self.limit(w)[2] == gbp("3000.00")
        assert _fund_share_of(third, therapy=gbp("2000.00"), assessment=gbp("0")) == gbp("2000.00")

    def test_an_approval_the_fund_cut_leaves_its_room_for_the_next(self):
        """The fund approves £1,000 of a £3,000 application (Kent pays the rest): £2,000 of the child's limit is
        still the fund's to pay, so a £2,000 application fits."""
        w = world()
        first = build(w, Status.SUBMITTED, therapy="3000.00")
        application_approve(application=first, by=w.finance, now=at(date(2025, 6, 1)),
                            decision_date=date(2025, 6, 1), fund_reference="CUT-1",
                            fund_amount=gbp("1000.00"))
        second = build(w, Status.SUBMITTED, therapy="2000.00")
        second = application_approve(application=second, by=w.finance, now=at(date(2025, 6, 2)),
                                     decision_date=date(2025, 6, 2), fund_reference="CUT-2")
        assert (second.approved_fund, second.approved_authority) == (gbp("2000.00"), gbp("0"))
        assert self.limit(w)[2] == gbp("3000.00")

    def test_a_fully_spent_application_gives_back_nothing(self):
        w = world()
        app = build(w, Status.IN_DELIVERY, therapy="1500.00", invoice_therapy="1500.00")
        before = self.limit(w)
        app = self.confirm(w, app)
        assert app.unspent_returned == gbp("0") and self.limit(w) == before

    def test_a_top_up_above_the_approval_gives_back_nothing(self):
        w = world()
        app = build(w, Status.IN_DELIVERY, therapy="1000.00")
        bill = invoice_record(application=app, line=app.lines.get(), invoice_number="TOP-1",
                              invoice_date=date(2025, 6, 1), amount=gbp("1200.00"), by=w.finance,
                              now=at(date(2025, 6, 1)), top_up_reason="Two extra sessions")
        invoice_approve(invoice=bill, by=w.manager, now=at(date(2025, 6, 2)))
        before = self.limit(w)
        self.confirm(w, app)
        assert self.limit(w) == before == (gbp("1000.00"), gbp("0"), gbp("1000.00"), gbp("0"))

    def test_nothing_is_given_back_when_the_confirmation_is_refused(self):
        w = world()
        app = build(w, Status.IN_DELIVERY, therapy="3000.00", invoice_therapy="1000.00")
        before = self.limit(w)
        with pytest.raises(NotPermitted):
            application_confirm_spend(application=app, by=w.social_worker, now=at(date(2025, 9, 1)),
                                      confirmed_date=date(2025, 9, 1))
        assert self.limit(w) == before
