"""contracts services and selectors: the register's lifecycle and usage facts (PostgreSQL)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from moneyed import Money

from contracts import selectors
from contracts.models import Contract, ContractStatus, ContractStatusChange, Pricing, ProcurementRoute, UsageRecord
from contracts.services.errors import ContractError, InvalidTransition
from contracts.services.monitoring import kpi_return_record
from contracts.services.register import (
    contract_activate,
    contract_create,
    contract_expire,
    contract_extend,
    contract_terminate,
)
from contracts.services.usage import InvalidUsage, usage_record
from support.models import ServiceType
from tests.factories import AuthorityFactory, ProviderFactory, RegistrationCheckFactory, UserFactory
from tests.factories_contracts import (
    NOW,
    ActiveContractFactory,
    ContractFactory,
    ExtensionOptionFactory,
    KpiFactory,
    ServiceElementFactory,
    UsageRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley, other = (AuthorityFactory(short_code=c, name=c.title()) for c in
                                   ("kent", "medway", "bexley", "other"))
    contract = ActiveContractFactory(lead_authority=kent, parties=[medway, bexley])
    return {"kent": kent, "medway": medway, "bexley": bexley, "other": other, "contract": contract,
            "user": UserFactory(authority=kent)}


class TestUsageRecord:
    def test_records_a_fact_once_per_source_and_measure(self, world):  # type: ignore[no-untyped-def]
        kwargs = {"contract": world["contract"], "authority": world["medway"], "usage_date": date(2016, 5, 1),
                  "measure": "referrals", "quantity": Decimal(1), "source_key": "commissioning.referral:42:accepted",
                  "by": world["user"]}
        first, created = usage_record(**kwargs)
        again, created_again = usage_record(**{**kwargs, "quantity": Decimal(5)})
        assert created and not created_again
        assert again.pk == first.pk and again.quantity == Decimal("1.00")
        assert UsageRecord.objects.count() == 1

    def test_the_same_source_may_count_another_measure(self, world):  # type: ignore[no-untyped-def]
        for measure in ("sessions", "hours"):
            usage_record(contract=world["contract"], authority=world["kent"], usage_date=date(2016, 5, 1),
                         measure=measure, quantity=Decimal("1.5"), source_key="commissioning.session:7")
        assert UsageRecord.objects.filter(source_key="commissioning.session:7").count() == 2

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"quantity": Decimal(-1)}, "negative"),
            ({"quantity": 1.5}, "float"),
            ({"quantity": "abc"}, "not a number"),
            ({"measure": "adoptions"}, "not a usage measure"),
            ({"usage_date": date(2018, 4, 1)}, "outside contract"),
            ({"usage_date": date(2016, 3, 31)}, "outside contract"),
            ({"source_key": ""}, "key of its source"),
        ],
    )
    def test_refuses_bad_facts(self, world, change, message):  # type: ignore[no-untyped-def]
        kwargs = {"contract": world["contract"], "authority": world["kent"], "usage_date": date(2016, 5, 1),
                  "measure": "referrals", "quantity": Decimal(1), "source_key": "x:1", **change}
        with pytest.raises(InvalidUsage, match=message):
            usage_record(**kwargs)
        assert not UsageRecord.objects.exists()

    def test_refuses_an_authority_that_is_not_a_party(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidUsage, match="not a party"):
            usage_record(contract=world["contract"], authority=world["other"], usage_date=date(2016, 5, 1),
                         measure="referrals", quantity=Decimal(1), source_key="x:1")

    def test_the_database_refuses_a_negative_quantity_written_around_the_service(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError):
            UsageRecordFactory(contract=world["contract"], quantity=Decimal(-1))


class TestSelectors:
    def test_usage_count_sums_the_measure_between_dates_inclusive(self, world):  # type: ignore[no-untyped-def]
        c = world["contract"]
        for day, qty, measure in [(date(2016, 4, 1), "2", "referrals"), (date(2016, 4, 30), "3", "referrals"),
                                  (date(2016, 5, 1), "7", "referrals"), (date(2016, 4, 15), "11", "sessions")]:
            UsageRecordFactory(contract=c, usage_date=day, quantity=Decimal(qty), measure=measure)
        assert selectors.usage_count(contract=c, on_date_from=date(2016, 4, 1), on_date_to=date(2016, 4, 30),
                                     measure="referrals") == Decimal("5.00")
        assert selectors.usage_count(contract=c, on_date_from=date(2017, 1, 1), on_date_to=date(2017, 2, 1),
                                     measure="referrals") == Decimal("0.00")

    def test_contracts_for_routing_has_live_contracts_with_everything_prefetched(
        self, world, django_assert_num_queries
    ):  # type: ignore[no-untyped-def]
        therapy = ServiceType.objects.create(code="zz-test-therapy", name="Zz test therapy", category="therapy")
        provider = ProviderFactory()
        RegistrationCheckFactory(provider=provider)
        live = ActiveContractFactory(provider=provider, start_date=date(2025, 4, 1), end_date=date(2027, 3, 31))
        ServiceElementFactory(contract=live, service_types=[therapy])
        ContractFactory(start_date=date(2025, 4, 1), end_date=date(2027, 3, 31))  # planned: not live
        ActiveContractFactory(start_date=date(2020, 4, 1), end_date=date(2024, 3, 31))  # ended
        with django_assert_num_queries(5):
            found = list(selectors.contracts_for_routing(on_date=date(2026, 1, 1)))
            assert found == [live]
            assert [list(e.service_types.all()) for e in found[0].elements.all()] == [[therapy]]
            assert found[0].provider.checks_valid_on(date(2026, 1, 1)) is True
            assert list(found[0].parties.all()) == [live.lead_authority]


class TestLifecycle:
    def test_create_activate_extend_expire_with_a_log_row_each(self, world):  # type: ignore[no-untyped-def]
        user = world["user"]
        therapy = [ServiceType.objects.create(code=f"zz-test-{n}", name=f"Zz test therapy {n}", category="therapy")
                   for n in (1, 2)]
        contract = contract_create(
            by=user, now=NOW, reference="KCC-1", title="Post-adoption support", provider=ProviderFactory(),
            lead_authority=world["kent"], procurement_route=ProcurementRoute.BLOCK, pricing=Pricing.BLOCK_SUM,
            start_date=date(2024, 4, 1), end_date=date(2026, 3, 31), total_value=Money("100000.00", "GBP"),
            parties=[world["medway"]], service_elements=[("Therapy", therapy)],
        )
        assert set(contract.parties.all()) == {world["kent"], world["medway"]}
        assert set(contract.elements.get().service_types.all()) == set(therapy)
        contract_activate(contract=contract, by=user, now=NOW)
        option = ExtensionOptionFactory(contract=contract, length_months=6, decision_by_date=date(2026, 1, 31))
        contract = contract_extend(contract=contract, option=option, by=user, today=date(2026, 1, 10),
                                   now=NOW)
        assert contract.status == ContractStatus.EXTENDED
        assert contract.end_date == date(2026, 9, 30) and contract.original_end_date == date(2026, 3, 31)
        with pytest.raises(InvalidTransition, match="taken up"):
            contract_extend(contract=contract, option=option, by=user, today=date(2026, 1, 10), now=NOW)
        with pytest.raises(InvalidTransition, match="runs to"):
            contract_expire(contract=contract, by=user, today=date(2026, 9, 30), now=NOW)
        contract_expire(contract=contract, by=user, today=date(2026, 10, 1), now=NOW)
        steps = list(ContractStatusChange.objects.filter(contract=contract).values_list("from_status", "to_status"))
        assert steps == [("", "planned"), ("planned", "active"), ("active", "extended"), ("extended", "expired")]
        assert all(c.changed_by == user for c in ContractStatusChange.objects.filter(contract=contract))

    def test_an_expired_contract_cannot_be_activated_or_terminated(self, world):  # type: ignore[no-untyped-def]
        contract = ContractFactory(status=ContractStatus.EXPIRED)
        with pytest.raises(InvalidTransition):
            contract_activate(contract=contract, by=None, now=NOW)
        with pytest.raises(InvalidTransition):
            contract_terminate(contract=contract, by=None, today=date(2017, 1, 1), now=NOW, reason="x")
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.EXPIRED

    def test_a_late_extension_decision_is_refused(self, world):  # type: ignore[no-untyped-def]
        option = ExtensionOptionFactory(contract=world["contract"], decision_by_date=date(2017, 12, 31))
        with pytest.raises(InvalidTransition, match="due by"):
            contract_extend(contract=world["contract"], option=option, by=None, today=date(2018, 1, 1),
                            now=NOW)

    def test_terminating_early_ends_the_contract_that_day(self, world):  # type: ignore[no-untyped-def]
        contract = contract_terminate(contract=world["contract"], by=world["user"], today=date(2017, 6, 30),
                                      now=NOW, reason="Provider withdrew")
        assert contract.status == ContractStatus.TERMINATED and contract.end_date == date(2017, 6, 30)
        with pytest.raises(InvalidTransition, match="reason"):
            contract_terminate(contract=contract, by=None, today=date(2017, 6, 30), now=NOW, reason=" ")

    def test_the_database_refuses_an_unknown_status(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError):
            Contract.objects.filter(pk=world["contract"].pk).update(status="lost")

    def test_kpi_returns_are_recorded_once_per_quarter(self, world):  # type: ignore[no-untyped-def]
        kpi = KpiFactory(contract=world["contract"])
        kpi_return_record(kpi=kpi, financial_year=2016, quarter=1, value=Decimal("85"),
                          submitted_date=date(2016, 7, 10), by=world["user"])
        again = kpi_return_record(kpi=kpi, financial_year=2016, quarter=1, value=Decimal("91.5"),
                                  submitted_date=date(2016, 7, 12), by=world["user"])
        assert kpi.returns.count() == 1 and again.value == Decimal("91.50")
        with pytest.raises(ContractError):
            kpi_return_record(kpi=kpi, financial_year=2016, quarter=5, value=Decimal(1),
                              submitted_date=date(2016, 7, 12), by=None)
