"""factory_boy factories for commissioning: one per referral state. Factories set states directly (fixtures);
the code under test changes them only through commissioning.services."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from moneyed import Money

from commissioning.models import (
    Referral,
    ReferralStatus,
    RouteType,
    SessionDelivered,
    SpotPurchase,
    SpotPurchaseStatus,
)
from contracts.models import ContractStatus, ProcurementRoute
from organisations.models import CheckKind, RegistrationCheck
from support.models import ServiceType
from tests.factories import ProviderFactory, ProviderUserFactory, UserFactory
from tests.factories_contracts import ContractFactory, ServiceElementFactory
from tests.factories_support import PersonRequestFactory, PlannedServiceFactory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)


def checked_provider(*, valid_until: date = date(2028, 3, 31), **fields):  # type: ignore[no-untyped-def]
    """A provider with in-date Ofsted, DBS and insurance checks."""
    provider = ProviderFactory(**fields)
    for kind in (CheckKind.OFSTED, CheckKind.DBS, CheckKind.INSURANCE):
        RegistrationCheck.objects.create(
            provider=provider, kind=kind, checked_date=date(2024, 1, 1), valid_until_date=valid_until
        )
    return provider


def service_type(code: str = "ddp") -> ServiceType:
    return ServiceType.objects.get(code=code)


def live_contract(*, provider=None, lead, parties=(), services=("ddp",), route=ProcurementRoute.BLOCK,  # type: ignore[no-untyped-def]
                  start=date(2025, 4, 1), end=date(2027, 3, 31), capacity=None, **fields):
    """An active contract from `start` to `end` whose one service element covers `services`."""
    contract = ContractFactory(
        provider=provider or checked_provider(), lead_authority=lead, parties=list(parties),
        procurement_route=route, status=ContractStatus.ACTIVE, start_date=start, end_date=end,
        capacity_per_year=capacity, total_value=Money(Decimal("100000.00"), "GBP"), **fields,
    )
    ServiceElementFactory(contract=contract, service_types=[service_type(code) for code in services])
    return contract


class DraftReferralFactory(DjangoModelFactory):
    """A draft referral from a planned service, routed to `contract` (pass one) by hand."""

    class Meta:
        model = Referral

    planned_service = factory.SubFactory(PlannedServiceFactory)
    support_request = factory.SelfAttribute("planned_service.plan.request")
    authority = factory.SelfAttribute("support_request.responsible_authority")
    service_type = factory.SelfAttribute("planned_service.service_type")
    notes_for_provider = "Prefers appointments after school"
    contract = None
    route_type = factory.LazyAttribute(lambda o: RouteType.CONTRACT if o.contract else RouteType.NONE)
    provider = factory.LazyAttribute(lambda o: o.contract.provider if o.contract else None)
    routed_date = TODAY
    routing_reason = "Set by a factory"
    status = ReferralStatus.DRAFT
    created_by = factory.SubFactory(UserFactory, authority=factory.SelfAttribute("..authority"))
    created_at = NOW


class PersonReferralFactory(DraftReferralFactory):
    """A draft referral straight from a request about a birth parent (no plan)."""

    planned_service = None
    support_request = factory.SubFactory(PersonRequestFactory)
    service_type = factory.LazyFunction(lambda: service_type("birth-parent-support"))


class SentReferralFactory(DraftReferralFactory):
    status = ReferralStatus.SENT
    sent_to = factory.SelfAttribute("provider")
    sent_date = TODAY - timedelta(days=7)
    response_due_date = TODAY + timedelta(days=7)


class DeclinedReferralFactory(SentReferralFactory):
    status = ReferralStatus.DECLINED
    declined_date = TODAY - timedelta(days=2)
    decline_reason = "No clinician free until the spring"


class AcceptedReferralFactory(SentReferralFactory):
    status = ReferralStatus.ACCEPTED
    accepted_date = TODAY - timedelta(days=5)


class ActiveReferralFactory(AcceptedReferralFactory):
    status = ReferralStatus.ACTIVE
    first_session_date = TODAY - timedelta(days=3)


class CompletedReferralFactory(ActiveReferralFactory):
    status = ReferralStatus.COMPLETED
    completed_date = TODAY - timedelta(days=1)


class CancelledReferralFactory(DraftReferralFactory):
    status = ReferralStatus.CANCELLED
    cancelled_date = TODAY - timedelta(days=1)
    cancel_reason = "The family moved away"


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = SessionDelivered

    referral = factory.SubFactory(ActiveReferralFactory)
    session_date = factory.LazyAttribute(lambda o: o.referral.first_session_date or TODAY)
    duration_minutes = 60
    recorded_by = factory.SubFactory(ProviderUserFactory, provider=factory.SelfAttribute("..referral.sent_to"))
    recorded_at = NOW


class RequestedSpotPurchaseFactory(DjangoModelFactory):
    class Meta:
        model = SpotPurchase

    referral = factory.SubFactory(DraftReferralFactory)
    provider = factory.LazyFunction(checked_provider)
    justification = "No contract offers DDP within travelling distance"
    estimated_cost = Money(Decimal("1800.00"), "GBP")
    status = SpotPurchaseStatus.REQUESTED
    requested_by = factory.SelfAttribute("referral.created_by")
    requested_at = NOW
