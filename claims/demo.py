"""Demo ASF applications for Kent, Medway and Bexley: one in every state, built through claims.services so
that their ledger postings exist. Idempotent: each demo application is found by its internal note before it is
made. Uses the approved assessments support's demo seeded; where there are none, adds one small demo family."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from moneyed import Money

from core.demo import DemoContext
from organisations.models import Authority, Provider, Role, User
from support.models import Assessment, Child, Household, ServiceType, SupportRequest
from support.models.assessments import ApprovalStatus
from support.models.requests import RequestStage

from .models.applications import ASFApplication, Status
from .services.decisions import application_approve, application_reject
from .services.delivery import application_close, application_confirm_spend, application_start_delivery
from .services.drafting import application_create, application_line_add
from .services.invoices import invoice_approve, invoice_pay, invoice_record
from .services.remittances import remittance_import
from .services.submission import (
    application_manager_approve,
    application_resubmit,
    application_return_for_rework,
    application_send_to_manager,
    application_submit,
    application_withdraw,
)

STATES = [Status.DRAFT, Status.AWAITING_MANAGER, Status.READY, Status.SUBMITTED, Status.RETURNED,
          Status.RESUBMITTED, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.FUNDS_RECEIVED,
          Status.IN_DELIVERY, Status.SPEND_CONFIRMED, Status.CLOSED]


def _gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def _users(authority: Authority) -> dict[str, User] | None:
    code = authority.short_code
    found = {u.role: u for u in User.objects.filter(username__in=[
        f"{code}.social_worker", f"{code}.team_manager", f"{code}.finance_officer"])}
    if len(found) < 3:
        return None
    return found


def _assessment(ctx: DemoContext, authority: Authority, users: dict[str, User], number: int) -> Assessment:
    """An approved assessment about a child of `authority` approved about a month ago (for a demo family)."""
    approved = ctx.today - timedelta(days=30)
    family = f"Demo-ASF-{authority.short_code}-{number}"
    household = Household.objects.filter(family_name=family).first()
    if household is None:
        household = Household.objects.create(family_name=family, carer_one_name="Demo Carer",
                                             address_line_1="1 Demo Street", town="Demo Town", postcode="ZZ1 1ZZ",
                                             responsible_authority=authority, responsibility_reason="Demo data")
        ctx.count("demo ASF families", True)
    child = Child.objects.filter(household=household).first() or Child.objects.create(
        household=household, first_name=f"Child{number}", last_name=family,
        date_of_birth=date(2015, 3, number % 28 + 1), responsible_authority=authority,
        responsibility_reason="Demo data")
    assessment = Assessment.objects.filter(child=child, status=ApprovalStatus.APPROVED).first()
    if assessment is None:
        request = SupportRequest.objects.create(
            child=child, responsible_authority=authority, responsibility_reason="Demo data",
            received_date=approved - timedelta(days=40), summary="Therapeutic support",
            stage=RequestStage.PLAN_IN_PLACE)
        assessment = Assessment.objects.create(
            request=request, child=child, responsible_authority=authority, author=users[Role.SOCIAL_WORKER],
            started_date=approved - timedelta(days=30), completed_date=approved - timedelta(days=3),
            approved_date=approved, approved_by=users[Role.TEAM_MANAGER], status=ApprovalStatus.APPROVED,
            summary_of_needs="Developmental trauma and attachment difficulties")
    return assessment


def _drive(ctx: DemoContext, app: ASFApplication, state: str, users: dict[str, User], authority: Authority) -> None:
    sw, tm, fo = users[Role.SOCIAL_WORKER], users[Role.TEAM_MANAGER], users[Role.FINANCE_OFFICER]
    now = timezone.now()
    day = ctx.today - timedelta(days=20)

    def reached(target: str) -> bool:
        return app.status == target

    application_send_to_manager(application=app, by=sw, now=now)
    if reached(state):
        return
    application_manager_approve(application=app, by=tm, now=now)
    if reached(state):
        return
    application_submit(application=app, by=sw, now=now, submitted_date=day)
    if state in (Status.SUBMITTED,):
        return
    if state in (Status.RETURNED, Status.RESUBMITTED):
        application_return_for_rework(application=app, by=fo, now=now,
                                      note="The fund asked for the session plan")
        if state == Status.RESUBMITTED:
            application_resubmit(application=app, by=sw, now=now, submitted_date=day + timedelta(days=3))
        return
    if state == Status.REJECTED:
        application_reject(application=app, by=fo, now=now, decision_date=day + timedelta(days=10),
                           note="The service is part of the authority's core offer")
        return
    if state == Status.WITHDRAWN:
        application_withdraw(application=app, by=sw, now=now, reason="The family moved away")
        return
    app = application_approve(application=app, by=fo, now=now, decision_date=day + timedelta(days=10),
                              fund_reference=f"ASGSF-DEMO-{app.pk:05d}")
    if state == Status.APPROVED:
        return
    remittance_import(authority=authority, rows=[(1, app.fund_reference, str(app.approved_fund.amount))],
                      file_name="demo-remittance.csv", payment_date=day + timedelta(days=12), by=fo, now=now)
    app.refresh_from_db()
    if state == Status.FUNDS_RECEIVED:
        return
    app = application_start_delivery(application=app, by=sw, now=now)
    line = app.lines.first()
    assert line is not None
    invoice = invoice_record(application=app, line=line, invoice_number=f"DEMO-{app.pk}",
                             invoice_date=day + timedelta(days=14), amount=_gbp("900.00"), by=fo, now=now)
    invoice_approve(invoice=invoice, by=tm, now=now)  # maker and checker: not the finance officer
    if state == Status.IN_DELIVERY:
        # one invoice approved and waiting to be paid, a second waiting for a checker
        invoice_record(application=app, line=line, invoice_number=f"DEMO-{app.pk}-2",
                       invoice_date=day + timedelta(days=18), amount=_gbp("300.00"), by=fo, now=now)
        return
    invoice_pay(invoice=invoice, paid_date=day + timedelta(days=15), by=fo, now=now)
    app = application_confirm_spend(application=app, by=fo, now=now, confirmed_date=day + timedelta(days=16))
    if state == Status.SPEND_CONFIRMED:
        return
    application_close(application=app, by=fo, now=now, closed_date=day + timedelta(days=17))


def seed(ctx: DemoContext) -> None:
    therapy_type = ServiceType.objects.filter(code="ddp").first()
    assessment_type = ServiceType.objects.filter(code="specialist-assessment").first()
    provider = Provider.objects.filter(name="Coram").first() or Provider.objects.filter(approved=True).first()
    if therapy_type is None or assessment_type is None or provider is None:
        return
    for authority in Authority.objects.order_by("name"):
        users = _users(authority)
        if users is None:
            continue
        for number, state in enumerate(STATES, start=1):
            marker = f"demo:claims:{authority.short_code}:{state}"
            if ASFApplication.objects.filter(internal_notes=marker).exists():
                continue
            assessment = _assessment(ctx, authority, users, number)
            app = application_create(
                child=assessment.child, assessment=assessment, start_date=ctx.today - timedelta(days=14),
                by=users[Role.SOCIAL_WORKER], now=timezone.now(), internal_notes=marker,
                purpose_for_fund="Dyadic Developmental Psychotherapy after a specialist assessment")
            application_line_add(application=app, service_type=therapy_type, provider=provider,
                                 sessions=12, unit_cost=_gbp("125.00"), travel=_gbp("30.00"),
                                 by=users[Role.SOCIAL_WORKER], now=timezone.now(),
                                 description_for_fund="Weekly DDP sessions")
            if number % 3 == 0:
                application_line_add(application=app, service_type=assessment_type, provider=provider,
                                     sessions=1, unit_cost=_gbp("1200.00"), travel=_gbp("0.00"),
                                     by=users[Role.SOCIAL_WORKER], now=timezone.now(),
                                     description_for_fund="Specialist trauma assessment")
            if state != Status.DRAFT:
                _drive(ctx, app, state, users, authority)
            ctx.count("ASF applications", True)
