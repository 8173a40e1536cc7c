"""factory_boy factories for contracts: one per state where the model has a state machine."""

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from moneyed import Money

from contracts.models import (
    Contract,
    ContractStatus,
    ContractYearValue,
    ExtensionOption,
    Kpi,
    KpiReturn,
    Pricing,
    ProcurementRoute,
    ServiceElement,
    UsageMeasure,
    UsageRecord,
)
from tests.factories import AuthorityFactory, ProviderFactory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class ContractFactory(DjangoModelFactory):
    """A planned contract; `parties` (a list) are added beside the lead authority."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"CON-{n:04d}")
    title = factory.Sequence(lambda n: f"Contract {n}")
    provider = factory.SubFactory(ProviderFactory)
    lead_authority = factory.SubFactory(AuthorityFactory)
    procurement_route = ProcurementRoute.BLOCK
    pricing = Pricing.BLOCK_SUM
    status = ContractStatus.PLANNED
    start_date = date(2016, 4, 1)
    end_date = date(2018, 3, 31)
    total_value = Money(Decimal("752550.00"), "GBP")
    capacity_per_year = 100

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.parties.add(self.lead_authority, *(extracted or []))


class ActiveContractFactory(ContractFactory):
    status = ContractStatus.ACTIVE


class ExtendedContractFactory(ContractFactory):
    status = ContractStatus.EXTENDED


class ExpiredContractFactory(ContractFactory):
    status = ContractStatus.EXPIRED


class TerminatedContractFactory(ContractFactory):
    status = ContractStatus.TERMINATED


class ServiceElementFactory(DjangoModelFactory):
    class Meta:
        model = ServiceElement
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"Element {n}")

    @factory.post_generation
    def service_types(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.service_types.set(extracted)


class ExtensionOptionFactory(DjangoModelFactory):
    class Meta:
        model = ExtensionOption

    contract = factory.SubFactory(ContractFactory)
    length_months = 12
    decision_by_date = date(2017, 12, 31)


class ContractYearValueFactory(DjangoModelFactory):
    class Meta:
        model = ContractYearValue

    contract = factory.SubFactory(ContractFactory)
    financial_year = 2016
    value = Money(Decimal("376275.00"), "GBP")


class KpiFactory(DjangoModelFactory):
    class Meta:
        model = Kpi

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"KPI {n}")
    definition = "Referrals contacted within 5 working days"
    target = Decimal("90.00")


class KpiReturnFactory(DjangoModelFactory):
    class Meta:
        model = KpiReturn

    kpi = factory.SubFactory(KpiFactory)
    financial_year = 2016
    quarter = 1
    value = Decimal("92.00")
    submitted_date = date(2016, 7, 15)


class UsageRecordFactory(DjangoModelFactory):
    class Meta:
        model = UsageRecord

    contract = factory.SubFactory(ActiveContractFactory)
    authority = factory.LazyAttribute(lambda o: o.contract.lead_authority)
    usage_date = date(2016, 6, 1)
    measure = UsageMeasure.REFERRALS
    quantity = Decimal("1.00")
    source_key = factory.Sequence(lambda n: f"test.usage:{n}")
