"""Claims test data. Applications are built through claims.services (so their ledger postings exist): `World`
holds one authority's people, a child with an approved assessment, a provider and the service types;
`build(world, state, ...)` drives a new application to any state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone
from moneyed import Money

from claims.models.applications import ASFApplication, Status
from claims.services.decisions import application_approve, application_reject
from claims.services.delivery import application_close, application_confirm_spend, application_start_delivery
from claims.services.drafting import application_create, application_line_add
from claims.services.invoices import invoice_approve, invoice_pay, invoice_record
from claims.services.remittances import remittance_import
from claims.services.submission import (
    application_manager_approve,
    application_resubmit,
    application_return_for_rework,
    application_send_to_manager,
    application_submit,
    application_withdraw,
)
from organisations.models import Role
from support.models import ServiceType
from tests.factories import AuthorityFactory, ProviderFactory, RegistrationCheckFactory, UserFactory
from tests.factories_support import ApprovedAssessmentFactory, ChildFactory, SupportRequestFactory

_numbers = count(1)


def gbp(amount: str | int | Decimal) -> Money:
    return Money(Decimal(amount), "GBP")


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


@dataclass
class World:
    authority: Any
    social_worker: Any
    manager: Any
    finance: Any
    auditor: Any
    child: Any
    assessment: Any
    provider: Any
    therapy_type: Any
    assessment_type: Any

    def new_child(self, **kwargs: Any) -> tuple[Any, Any]:
        child = ChildFactory(household__responsible_authority=self.authority, **kwargs)
        return child, approved_assessment(child, self.assessment.approved_date, self.social_worker, self.manager)


def approved_assessment(child: Any, approved_on: date, author: Any, manager: Any) -> Any:
    request = SupportRequestFactory(child=child, received_date=approved_on - timedelta(days=30))
    assessment = ApprovedAssessmentFactory(request=request, author=author, approved_by=manager,
                                           started_date=approved_on - timedelta(days=20))
    assessment.completed_date = approved_on - timedelta(days=2)
    assessment.approved_date = approved_on
    assessment.save()
    return assessment


def world(*, short_code: str = "kent", assessed: date = date(2025, 5, 1), dob: date = date(2015, 5, 4)) -> World:
    authority = AuthorityFactory(short_code=short_code, name=f"{short_code.title()} Council")
    social_worker = UserFactory(username=f"{short_code}.sw", role=Role.SOCIAL_WORKER, authority=authority)
    manager = UserFactory(username=f"{short_code}.tm", role=Role.TEAM_MANAGER, authority=authority)
    finance = UserFactory(username=f"{short_code}.fo", role=Role.FINANCE_OFFICER, authority=authority)
    auditor = UserFactory(username=f"{short_code}.au", role=Role.AUDITOR, authority=authority)
    child = ChildFactory(household__responsible_authority=authority, date_of_birth=dob)
    provider = ProviderFactory(name=f"Therapy provider for {short_code}")
    RegistrationCheckFactory(provider=provider)
    return World(
        authority=authority, social_worker=social_worker, manager=manager, finance=finance, auditor=auditor,
        child=child, assessment=approved_assessment(child, assessed, social_worker, manager), provider=provider,
        therapy_type=ServiceType.objects.get(code="ddp"),
        assessment_type=ServiceType.objects.get(code="specialist-assessment"),
    )


# The order each state is reached in; `build` walks it.
PATH = [Status.DRAFT, Status.AWAITING_MANAGER, Status.READY, Status.SUBMITTED, Status.APPROVED,
        Status.FUNDS_RECEIVED, Status.IN_DELIVERY, Status.SPEND_CONFIRMED, Status.CLOSED]


def build(w: World, state: str = Status.DRAFT, **kwargs: Any) -> ASFApplication:
    """A new application driven through the services to `state`, read back from the database."""
    app = _build(w, state, **kwargs)
    app.refresh_from_db()
    return app


def _build(w: World, state: str = Status.DRAFT, *, therapy: str = "1000.00", assessment: str = "0",
           start: date | None = None, child: Any = None, assessment_record: Any = None,
           invoice_therapy: str | None = None) -> ASFApplication:
    start = start or w.assessment.approved_date + timedelta(days=7)
    submitted = max(start - timedelta(days=3), w.assessment.approved_date)
    app = application_create(child=child or w.child, assessment=assessment_record or w.assessment,
                             start_date=start, by=w.social_worker, now=at(start - timedelta(days=5)),
                             purpose_for_fund="Therapy for developmental trauma")
    if Decimal(therapy):
        application_line_add(application=app, service_type=w.therapy_type, provider=w.provider,
                             sessions=1, unit_cost=gbp(therapy), travel=gbp(0), by=w.social_worker,
                             now=at(start), description_for_fund="Weekly DDP sessions")
    if Decimal(assessment):
        application_line_add(application=app, service_type=w.assessment_type, provider=w.provider,
                             sessions=1, unit_cost=gbp(assessment), travel=gbp(0), by=w.social_worker,
                             now=at(start), description_for_fund="Specialist assessment")
    if state == Status.DRAFT:
        return app
    application_send_to_manager(application=app, by=w.social_worker, now=at(submitted))
    if state == Status.AWAITING_MANAGER:
        return app
    application_manager_approve(application=app, by=w.manager, now=at(submitted))
    if state == Status.READY:
        return app
    application_submit(application=app, by=w.social_worker, now=at(submitted), submitted_date=submitted)
    if state == Status.SUBMITTED:
        return app
    if state in (Status.RETURNED, Status.RESUBMITTED):
        application_return_for_rework(application=app, by=w.finance, now=at(submitted), note="More detail")
        if state == Status.RETURNED:
            return app
        application_resubmit(application=app, by=w.social_worker, now=at(submitted), submitted_date=submitted)
        return app
    if state == Status.REJECTED:
        application_reject(application=app, by=w.finance, now=at(submitted), decision_date=submitted,
                           note="Outside scope")
        return app
    if state == Status.WITHDRAWN:
        application_withdraw(application=app, by=w.social_worker, now=at(submitted), reason="Family moved")
        return app
    app = application_approve(application=app, by=w.finance, now=at(submitted), decision_date=submitted,
                              fund_reference=f"ASGSF-{next(_numbers):05d}")
    if state == Status.APPROVED:
        return app
    if app.approved_fund.amount > 0:
        remittance_import(authority=w.authority, rows=[(1, app.fund_reference, str(app.approved_fund.amount))],
                          file_name="remittance.csv", payment_date=start, by=w.finance, now=at(start))
    app.refresh_from_db()
    if state == Status.FUNDS_RECEIVED:
        return app
    app = application_start_delivery(application=app, by=w.social_worker, now=at(start))
    if invoice_therapy and Decimal(invoice_therapy):
        line = app.lines.filter(is_assessment=False).first()
        invoice = invoice_record(application=app, line=line, invoice_number=f"INV-{next(_numbers)}",
                                 invoice_date=start + timedelta(days=30), amount=gbp(invoice_therapy),
                                 by=w.finance, now=at(start))
        invoice_approve(invoice=invoice, by=w.manager, now=at(start))
        invoice_pay(invoice=invoice, paid_date=start + timedelta(days=40), by=w.finance, now=at(start))
    if state == Status.IN_DELIVERY:
        return app
    app = application_confirm_spend(application=app, by=w.finance, now=at(start),
                                    confirmed_date=start + timedelta(days=90))
    if state == Status.SPEND_CONFIRMED:
        return app
    return application_close(application=app, by=w.finance, now=at(start),
                             closed_date=start + timedelta(days=91))
