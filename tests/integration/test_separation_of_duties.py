"""Separation of duties at the service level (views are only one way in: tasks, commands, admin actions and the
API call the same services). Nobody approves their own work; finance officers cannot draft applications; social
workers cannot move money. Each refusal also leaves every table as it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money

from claims.models.applications import Status
from claims.services.decisions import application_approve
from claims.services.delivery import application_confirm_spend
from claims.services.drafting import application_create, application_line_add
from claims.services.errors import ClaimsError, InvalidTransition, NotPermitted
from claims.services.invoices import invoice_approve, invoice_pay, invoice_record
from claims.services.remittances import remittance_import
from claims.services.submission import application_manager_approve, application_send_to_manager
from commissioning.services import spot_purchases
from commissioning.services.errors import SpotPurchaseError
from contracts.services.errors import ContractError
from contracts.services.errors import InvalidTransition as ContractInvalidTransition
from contracts.services.runs import run_approve, run_calculate, run_create, run_recharge
from ledger import services as ledger
from ledger.models import AccountCode, Transaction
from organisations.models import Role
from support.services.assessments import assessment_approve
from support.services.decisions import decision_approve
from support.services.errors import SelfApproval, SupportError
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories import ProviderUserFactory, UserFactory
from tests.factories_claims import at, build, gbp, world
from tests.factories_commissioning import RequestedSpotPurchaseFactory
from tests.factories_contracts import NOW, ActiveContractFactory, UsageRecordFactory
from tests.factories_support import SubmittedAssessmentFactory, SubmittedDecisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent() -> Any:
    return world(short_code="kent")


def refused(exc: type[BaseException] | tuple[type[BaseException], ...], call: Any) -> str:
    before = table_counts()
    with pytest.raises(exc) as raised:
        call()
    assert changed(before, table_counts()) == {}
    return str(raised.value)


class TestNobodyApprovesTheirOwnWork:
    def test_an_assessment_author_who_is_a_manager_cannot_approve_it(self, kent):
        assessment = SubmittedAssessmentFactory(author=kent.manager, request__child=kent.child)
        message = refused(SelfApproval, lambda: assessment_approve(
            assessment=assessment, by=kent.manager, now=at(date(2025, 5, 2))))
        assert "another team manager" in message
        other = UserFactory(role=Role.TEAM_MANAGER, authority=assessment.responsible_authority)
        approved = assessment_approve(assessment=assessment, by=other, now=at(date(2025, 5, 2)))
        assert approved.approved_by == other

    def test_a_social_worker_cannot_approve_an_assessment(self, kent):
        assessment = SubmittedAssessmentFactory(request__child=kent.child)
        refused(SupportError, lambda: assessment_approve(
            assessment=assessment, by=kent.social_worker, now=at(date(2025, 5, 2))))

    def test_a_decision_author_cannot_approve_it(self):
        decision = SubmittedDecisionFactory()
        author = decision.author
        author.role = Role.TEAM_MANAGER
        author.save()
        message = refused(SelfApproval, lambda: decision_approve(
            decision=decision, by=author, now=at(decision.decided_date)))
        assert "another team manager" in message

    def test_the_author_of_an_application_cannot_approve_it_even_as_a_manager(self, kent):
        app = application_create(child=kent.child, assessment=kent.assessment, start_date=date(2025, 5, 8),
                                 by=kent.manager, now=at(date(2025, 5, 3)))
        application_line_add(application=app, service_type=kent.therapy_type, provider=kent.provider,
                             sessions=1, unit_cost=gbp("500"), travel=gbp(0), by=kent.manager,
                             now=at(date(2025, 5, 3)), description_for_fund="DDP")
        application_send_to_manager(application=app, by=kent.manager, now=at(date(2025, 5, 3)))
        message = refused(NotPermitted, lambda: application_manager_approve(
            application=app, by=kent.manager, now=at(date(2025, 5, 4))))
        assert "wrote" in message

    def test_a_social_worker_cannot_approve_an_application(self, kent):
        app = build(kent, Status.AWAITING_MANAGER)
        other = UserFactory(role=Role.SOCIAL_WORKER, authority=kent.authority)
        refused(NotPermitted, lambda: application_manager_approve(
            application=app, by=other, now=at(date(2025, 5, 4))))

    def test_a_spot_purchase_requester_cannot_approve_it(self):
        spot = RequestedSpotPurchaseFactory()
        requester = spot.requested_by
        requester.role = Role.TEAM_MANAGER
        requester.save()
        message = refused(SpotPurchaseError, lambda: spot_purchases.spot_purchase_approve(
            spot_purchase=spot, by=requester, now=NOW))
        assert "another manager" in message

    def test_a_social_worker_cannot_approve_a_spot_purchase(self):
        spot = RequestedSpotPurchaseFactory()
        worker = UserFactory(role=Role.SOCIAL_WORKER, authority=spot.referral.authority)
        refused(SpotPurchaseError, lambda: spot_purchases.spot_purchase_approve(
            spot_purchase=spot, by=worker, now=NOW))

    def test_whoever_calculated_an_apportionment_cannot_approve_it(self, kent):
        run = _calculated_run(kent, by=kent.finance)
        message = refused(ContractInvalidTransition, lambda: run_approve(run=run, by=kent.finance,
                                                                 now=NOW))
        assert "Someone other than" in message


class TestFinanceCannotDraftApplications:
    def test_application_create_refuses_a_finance_officer(self, kent):
        message = refused(NotPermitted, lambda: application_create(
            child=kent.child, assessment=kent.assessment, start_date=date(2025, 5, 8), by=kent.finance,
            now=at(date(2025, 5, 3))))
        assert "draft" in message

    @pytest.mark.parametrize("role", [Role.AUDITOR, Role.LEAD_COMMISSIONER, Role.PROVIDER_STAFF])
    def test_application_create_refuses_other_non_caseworkers(self, kent, role):
        user = (ProviderUserFactory() if role == Role.PROVIDER_STAFF
                else UserFactory(role=role, authority=kent.authority))
        refused(NotPermitted, lambda: application_create(
            child=kent.child, assessment=kent.assessment, start_date=date(2025, 5, 8), by=user,
            now=at(date(2025, 5, 3))))

    def test_a_finance_officer_cannot_add_services_to_a_draft(self, kent):
        app = build(kent, Status.DRAFT)
        refused(NotPermitted, lambda: application_line_add(
            application=app, service_type=kent.therapy_type, provider=kent.provider, sessions=1,
            unit_cost=gbp("100"), travel=gbp(0), by=kent.finance, now=at(date(2025, 5, 3)),
            description_for_fund="x"))


class TestSocialWorkersCannotMoveMoney:
    """Every claims service that posts to the ledger refuses a social worker."""

    def test_recording_the_funds_approval(self, kent):
        app = build(kent, Status.SUBMITTED)
        refused(NotPermitted, lambda: application_approve(
            application=app, by=kent.social_worker, now=at(date(2025, 5, 20)), decision_date=date(2025, 5, 20),
            fund_reference="ASGSF-SW-1"))

    def test_importing_a_remittance(self, kent):
        app = build(kent, Status.APPROVED)
        refused(NotPermitted, lambda: remittance_import(
            authority=kent.authority, rows=[(2, app.fund_reference, str(app.approved_fund.amount))],
            file_name="r.csv", payment_date=date(2025, 6, 30), by=kent.social_worker, now=at(date(2025, 6, 30))))

    def test_recording_an_invoice(self, kent):
        app = build(kent, Status.IN_DELIVERY)
        refused(NotPermitted, lambda: invoice_record(
            application=app, line=app.lines.get(), invoice_number="SW-1", invoice_date=date(2025, 6, 1),
            amount=gbp("100"), by=kent.social_worker, now=at(date(2025, 6, 1))))

    def test_paying_an_invoice(self, kent):
        app = build(kent, Status.IN_DELIVERY, invoice_therapy=None)
        invoice = invoice_record(application=app, line=app.lines.get(), invoice_number="SW-2",
                                 invoice_date=date(2025, 6, 1), amount=gbp("100"), by=kent.finance,
                                 now=at(date(2025, 6, 1)))
        refused(NotPermitted, lambda: invoice_pay(
            invoice=invoice, paid_date=date(2025, 6, 10), by=kent.social_worker, now=at(date(2025, 6, 10))))

    def test_confirming_the_spend(self, kent):
        app = build(kent, Status.IN_DELIVERY)
        refused(NotPermitted, lambda: application_confirm_spend(
            application=app, by=kent.social_worker, now=at(date(2025, 8, 1)), confirmed_date=date(2025, 8, 1)))

    def test_recharging_an_apportionment(self, kent):
        maker = UserFactory(role=Role.FINANCE_OFFICER, authority=kent.authority)
        run = run_approve(run=_calculated_run(kent, by=maker), by=kent.finance, now=NOW)
        message = refused(ContractInvalidTransition, lambda: run_recharge(
            run=run, by=kent.social_worker, now=NOW, today=date(2018, 4, 30)))
        assert "finance officer" in message

    def test_posting_directly_to_the_ledger(self, kent):
        message = refused(ledger.NotPermittedToPost, _direct(kent, by=kent.social_worker))
        assert "social worker cannot post" in message


FORBIDDEN_POSTERS = [Role.SOCIAL_WORKER, Role.LEAD_COMMISSIONER, Role.AUDITOR, Role.ADMINISTRATOR,
                     Role.PROVIDER_STAFF]


def _person(kent: Any, role: str) -> Any:
    return ProviderUserFactory() if role == Role.PROVIDER_STAFF else UserFactory(role=role, authority=kent.authority)


def _direct(kent: Any, *, by: Any, key: str = "direct-1") -> Any:
    """A direct posting to Kent's accounts, ready to call (the accounts are made now, not by the call)."""
    bank = ledger.account_for(authority=kent.authority, code=AccountCode.BANK)
    receivable = ledger.account_for(authority=kent.authority, code=AccountCode.ASF_RECEIVABLE)
    amount = Money(Decimal("10.00"), "GBP")
    return lambda: ledger.post(lines=[(bank, amount), (receivable, -amount)], memo="Direct", idempotency_key=key,
                               transaction_date=date(2025, 6, 1), by=by, now=at(date(2025, 6, 1)))


class TestOnlyMoneyRolesPost:
    """Every service that posts money, refusing every role that may not move it (and nobody at all): the ledger
    is untouched and no row anywhere changes."""

    @staticmethod
    def _services(kent: Any) -> dict[str, Any]:
        def approve(by: Any) -> Any:
            app = build(kent, Status.SUBMITTED)
            return lambda: application_approve(application=app, by=by, now=at(date(2025, 5, 20)),
                                               decision_date=date(2025, 5, 20), fund_reference="ASGSF-X-1")

        def receive(by: Any) -> Any:
            app = build(kent, Status.APPROVED)
            return lambda: remittance_import(
                authority=kent.authority, rows=[(2, app.fund_reference, str(app.approved_fund.amount))],
                file_name="r.csv", payment_date=date(2025, 6, 30), by=by, now=at(date(2025, 6, 30)))

        def record_invoice(by: Any) -> Any:
            app = build(kent, Status.IN_DELIVERY)
            return lambda: invoice_record(application=app, line=app.lines.get(), invoice_number="F-1",
                                          invoice_date=date(2025, 6, 1), amount=gbp("100"), by=by,
                                          now=at(date(2025, 6, 1)))

        def approve_invoice(by: Any) -> Any:
            invoice = _recorded_invoice(kent)
            return lambda: invoice_approve(invoice=invoice, by=by, now=at(date(2025, 6, 5)))

        def pay_invoice(by: Any) -> Any:
            invoice = _recorded_invoice(kent)
            invoice_approve(invoice=invoice, by=kent.manager, now=at(date(2025, 6, 5)))
            return lambda: invoice_pay(invoice=invoice, paid_date=date(2025, 6, 10), by=by,
                                       now=at(date(2025, 6, 10)))

        def confirm_spend(by: Any) -> Any:
            app = build(kent, Status.IN_DELIVERY)
            return lambda: application_confirm_spend(application=app, by=by, now=at(date(2025, 8, 1)),
                                                     confirmed_date=date(2025, 8, 1))

        def recharge(by: Any) -> Any:
            maker = UserFactory(role=Role.FINANCE_OFFICER, authority=kent.authority)
            run = run_approve(run=_calculated_run(kent, by=maker), by=kent.finance, now=NOW)
            return lambda: run_recharge(run=run, by=by, now=NOW, today=date(2018, 4, 30))

        def direct(by: Any) -> Any:
            return _direct(kent, by=by)

        return {"approve": approve, "receive": receive, "record_invoice": record_invoice,
                "approve_invoice": approve_invoice, "pay_invoice": pay_invoice, "confirm_spend": confirm_spend,
                "recharge": recharge, "ledger_post": direct}

    SERVICES = ["approve", "receive", "record_invoice", "approve_invoice", "pay_invoice", "confirm_spend",
                "recharge"]
    REFUSALS = (ClaimsError, ContractError, ledger.LedgerError)

    @pytest.mark.parametrize("service", [*SERVICES, "ledger_post"])
    @pytest.mark.parametrize("role", FORBIDDEN_POSTERS)
    def test_a_role_that_may_not_move_money_is_refused(self, kent, service, role):
        call = self._services(kent)[service](_person(kent, role))
        refused(self.REFUSALS, call)

    @pytest.mark.parametrize("service", SERVICES)
    def test_nobody_at_all_is_refused(self, kent, service):
        """A service acting for a person never posts as the system: `by=None` is refused before the ledger."""
        refused(self.REFUSALS, self._services(kent)[service](None))

    @pytest.mark.parametrize("service", ["receive", "record_invoice", "pay_invoice", "confirm_spend", "recharge"])
    def test_a_team_manager_is_refused_where_only_finance_may_act(self, kent, service):
        refused(self.REFUSALS, self._services(kent)[service](kent.manager))

    @pytest.mark.parametrize("service", [*SERVICES, "ledger_post"])
    def test_a_finance_officer_of_another_authority_is_refused(self, kent, service):
        stranger = UserFactory(role=Role.FINANCE_OFFICER, authority=world(short_code="medway-fo").authority)
        refused(self.REFUSALS, self._services(kent)[service](stranger))

    @pytest.mark.parametrize("service", [*SERVICES, "ledger_post"])
    def test_the_finance_officer_of_the_authority_may(self, kent, service):
        """The control: the same calls go through for the right person, so the refusals above are about roles."""
        by = UserFactory(role=Role.FINANCE_OFFICER, authority=kent.authority) if service == "approve_invoice" \
            else kent.finance
        call = self._services(kent)[service](by)
        before = Transaction.objects.count()
        call()
        posts = service not in ("approve_invoice",)
        assert (Transaction.objects.count() > before) == posts

    def test_an_inactive_finance_officer_cannot_post(self, kent):
        kent.finance.is_active = False
        kent.finance.save()
        refused(ledger.NotPermittedToPost, _direct(kent, by=kent.finance))

    def test_a_reversal_checks_the_poster_too(self, kent):
        original = _direct(kent, by=kent.finance)()
        message = refused(ledger.NotPermittedToPost, lambda: ledger.reverse(
            original=original, memo="undo", idempotency_key="undo-1", transaction_date=date(2025, 6, 2),
            by=kent.social_worker))
        assert "cannot post" in message
        ledger.reverse(original=original, memo="undo", idempotency_key="undo-1", transaction_date=date(2025, 6, 2),
                       by=kent.finance)

    def test_the_system_may_post_when_a_caller_says_so(self, kent):
        """`by=None` is the system (demo opening balances, benchmarks): the ledger accepts it."""
        assert _direct(kent, by=None)().created_by is None

    def test_the_allowed_roles_are_data(self):
        assert frozenset({Role.FINANCE_OFFICER, Role.TEAM_MANAGER}) == ledger.POSTING_ROLES


class TestInvoiceMakerAndChecker:
    def test_whoever_recorded_an_invoice_cannot_approve_it(self, kent):
        invoice = _recorded_invoice(kent)
        message = refused(NotPermitted, lambda: invoice_approve(
            invoice=invoice, by=kent.finance, now=at(date(2025, 6, 5))))
        assert "You recorded this invoice" in message and "another finance officer or a team manager" in message

    def test_a_recorder_who_is_a_manager_cannot_approve_it_either(self, kent):
        app = build(kent, Status.IN_DELIVERY)
        recorder = UserFactory(role=Role.FINANCE_OFFICER, authority=kent.authority)
        invoice = invoice_record(application=app, line=app.lines.get(), invoice_number="MC-2",
                                 invoice_date=date(2025, 6, 1), amount=gbp("100"), by=recorder,
                                 now=at(date(2025, 6, 1)))
        recorder.role = Role.TEAM_MANAGER  # promoted since: still the maker
        recorder.save()
        refused(NotPermitted, lambda: invoice_approve(invoice=invoice, by=recorder,
                                                      now=at(date(2025, 6, 5))))

    def test_an_invoice_is_paid_only_once_approved(self, kent):
        invoice = _recorded_invoice(kent)
        message = refused(InvalidTransition, lambda: invoice_pay(
            invoice=invoice, paid_date=date(2025, 6, 10), by=kent.finance, now=at(date(2025, 6, 10))))
        assert "not been approved" in message

    def test_approval_is_once(self, kent):
        invoice = _recorded_invoice(kent)
        invoice_approve(invoice=invoice, by=kent.manager, now=at(date(2025, 6, 5)))
        other = UserFactory(role=Role.FINANCE_OFFICER, authority=kent.authority)
        message = refused(InvalidTransition, lambda: invoice_approve(
            invoice=invoice, by=other, now=at(date(2025, 6, 6))))
        assert "already approved" in message

    def test_the_database_refuses_an_approval_by_the_recorder(self, kent):
        from django.db import IntegrityError, transaction

        from claims.models.invoices import ProviderInvoice

        invoice = _recorded_invoice(kent)
        with pytest.raises(IntegrityError), transaction.atomic():
            ProviderInvoice.objects.filter(pk=invoice.pk).update(approved_by=kent.finance)


def _recorded_invoice(kent: Any) -> Any:
    """An invoice in delivery, recorded by Kent's finance officer (the maker)."""
    app = build(kent, Status.IN_DELIVERY, invoice_therapy=None)
    return invoice_record(application=app, line=app.lines.get(), invoice_number=f"MC-{app.pk}",
                          invoice_date=date(2025, 6, 1), amount=gbp("100"), by=kent.finance,
                          now=at(date(2025, 6, 1)))


def _calculated_run(kent: Any, *, by: Any) -> Any:
    from tests.factories import AuthorityFactory

    medway = AuthorityFactory(short_code="medway-sod", name="Medway")
    contract = ActiveContractFactory(reference="SOD-1", lead_authority=kent.authority, parties=[medway],
                                     start_date=date(2016, 4, 1), end_date=date(2018, 3, 31))
    history = ActiveContractFactory(reference="SOD-H", lead_authority=kent.authority, parties=[medway],
                                    start_date=date(2012, 4, 1), end_date=date(2015, 3, 31))
    for authority, count in ((kent.authority, 3), (medway, 1)):
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2013, 6, 1), measure="children",
                           quantity=Decimal(count))
    run = run_create(contract=contract, title="SoD", total_cost=gbp("1000.00"),
                     cost_start_date=date(2016, 4, 1), cost_end_date=date(2018, 3, 31), basis="children",
                     basis_label="children", basis_contracts=[history],
                     usage_start_date=date(2012, 4, 1), usage_end_date=date(2015, 3, 31), by=by, now=NOW)
    return run_calculate(run=run, by=by, now=NOW + timedelta(seconds=1))
