"""The schedule's rows through their services (PostgreSQL): each rule refuses with a message a person can act on,
a refusal writes nothing, and every change keeps its history with who made it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money

from contracts.models import ContractYearValue, ExtensionOption, Kpi, ServiceElement
from contracts.services.schedule import (
    ScheduleError,
    extension_option_add,
    extension_option_change,
    extension_option_remove,
    kpi_add,
    kpi_change,
    kpi_remove,
    service_element_add,
    service_element_change,
    service_element_remove,
    year_value_add,
    year_value_change,
    year_value_remove,
)
from support.models import ServiceType
from tests.factories import UserFactory
from tests.factories_contracts import (
    ActiveContractFactory,
    ContractYearValueFactory,
    ExpiredContractFactory,
    ExtensionOptionFactory,
    KpiFactory,
    KpiReturnFactory,
    ServiceElementFactory,
)

pytestmark = pytest.mark.django_db


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


@pytest.fixture
def contract():  # type: ignore[no-untyped-def]
    """1 April 2016 to 31 March 2018 (financial years 2016-17 and 2017-18)."""
    return ActiveContractFactory(reference="CAFIS")


@pytest.fixture
def by():  # type: ignore[no-untyped-def]
    return UserFactory()


@contextmanager
def refused(field: str, match: str) -> Iterator[Any]:
    """The service refuses with this message, naming this field ("" for the row as a whole)."""
    with pytest.raises(ScheduleError, match=match) as info:
        yield info
    assert info.value.field == field


class TestServiceElements:
    def test_adds_changes_and_removes_one_with_history(self, contract, by):  # type: ignore[no-untyped-def]
        therapy, contact = (ServiceType.objects.get(code=code) for code in ("ddp", "specialist-assessment"))
        element = service_element_add(contract=contract, name=" Birth parent support ", lot="Lot 1",
                                      service_types=[therapy], by=by)
        assert element.name == "Birth parent support" and list(element.service_types.all()) == [therapy]
        element = service_element_change(element=element, name="Birth parent counselling", lot="Lot 2",
                                         service_types=[contact], by=by)
        element.refresh_from_db()
        assert (element.name, element.lot, list(element.service_types.all())) == (
            "Birth parent counselling", "Lot 2", [contact])
        service_element_remove(element=element, by=by)
        assert not ServiceElement.objects.filter(pk=element.pk).exists()
        history = ServiceElement.history.filter(id=element.pk)
        assert {h.history_type for h in history} == {"+", "~", "-"}
        assert all(h.history_user == by for h in history)

    def test_refuses_a_second_element_of_the_same_name(self, contract, by):  # type: ignore[no-untyped-def]
        ServiceElementFactory(contract=contract, name="Letterbox contact")
        with refused("name", "already has a service element called “letterbox CONTACT”"):
            service_element_add(contract=contract, name="letterbox CONTACT", by=by)
        assert contract.elements.count() == 1

    def test_refuses_an_element_with_no_name(self, contract, by):  # type: ignore[no-untyped-def]
        element = ServiceElementFactory(contract=contract, name="Letterbox contact")
        with refused("name", "Enter the name of the service element"):
            service_element_change(element=element, name="  ", lot="", service_types=[], by=by)
        element.refresh_from_db()
        assert element.name == "Letterbox contact"


class TestYearValues:
    def test_adds_changes_and_removes_a_value_with_history(self, contract, by):  # type: ignore[no-untyped-def]
        row = year_value_add(contract=contract, financial_year=2016, value=gbp("376275.00"), by=by)
        row = year_value_change(year_value=row, financial_year=2017, value=gbp("376275.50"), by=by)
        row.refresh_from_db()
        assert (row.financial_year, row.value) == (2017, gbp("376275.50"))
        year_value_remove(year_value=row, by=by)
        assert not ContractYearValue.objects.filter(pk=row.pk).exists()
        assert [h.history_user for h in ContractYearValue.history.filter(id=row.pk)] == [by, by, by]

    def test_refuses_a_year_that_already_has_a_value(self, contract, by):  # type: ignore[no-untyped-def]
        ContractYearValueFactory(contract=contract, financial_year=2016, value=gbp("1.00"))
        other = ContractYearValueFactory(contract=contract, financial_year=2017, value=gbp("2.00"))
        with refused("financial_year", "already has a value for 2016-17: change that one instead"):
            year_value_add(contract=contract, financial_year=2016, value=gbp("3.00"), by=by)
        with refused("financial_year", "already has a value for 2016-17"):
            year_value_change(year_value=other, financial_year=2016, value=gbp("2.00"), by=by)
        other.refresh_from_db()
        assert other.financial_year == 2017 and contract.year_values.count() == 2

    def test_refuses_a_year_outside_the_term(self, contract, by):  # type: ignore[no-untyped-def]
        with refused("financial_year", "2018-19 is outside the contract's term: its years run from 2016-17 to "
                                       "2017-18"):
            year_value_add(contract=contract, financial_year=2018, value=gbp("1.00"), by=by)
        with refused("financial_year", "2015-16 is outside"):
            year_value_add(contract=contract, financial_year=2015, value=gbp("1.00"), by=by)
        assert not contract.year_values.exists()

    def test_a_year_an_option_not_yet_taken_up_would_add_is_inside_the_term(self, contract, by):  # type: ignore[no-untyped-def]
        ExtensionOptionFactory(contract=contract, length_months=12, decision_by_date=date(2017, 12, 31))
        row = year_value_add(contract=contract, financial_year=2018, value=gbp("376275.00"), by=by)
        assert row.financial_year == 2018

    @pytest.mark.parametrize(("value", "message"), [
        (gbp("-1.00"), "cannot be negative"),
        (gbp("1.005"), "not a whole number of pence"),
        (Money(Decimal("1.00"), "EUR"), "must be in GBP"),
        (Decimal("1.00"), "must be a GBP Money amount"),
    ])
    def test_refuses_a_value_not_in_pounds_and_pence(self, contract, by, value, message):  # type: ignore[no-untyped-def]
        with refused("value", message):
            year_value_add(contract=contract, financial_year=2016, value=value, by=by)
        assert not contract.year_values.exists()


class TestKpis:
    def test_adds_changes_and_removes_a_kpi_with_history(self, contract, by):  # type: ignore[no-untyped-def]
        kpi = kpi_add(contract=contract, name="Seen within 20 days", definition="Share of referrals seen",
                      target=Decimal("85"), unit="percent", by=by)
        kpi = kpi_change(kpi=kpi, name="Seen within 20 days", definition="Share of referrals seen",
                         target=Decimal("90.5"), unit="percent", higher_is_better=True, by=by)
        kpi.refresh_from_db()
        assert kpi.target == Decimal("90.50")
        kpi_remove(kpi=kpi, by=by)
        assert not Kpi.objects.filter(pk=kpi.pk).exists()
        assert [h.history_user for h in Kpi.history.filter(id=kpi.pk)] == [by, by, by]

    @pytest.mark.parametrize(("unit", "target", "message"), [
        ("percent", Decimal("100.5"), "A percentage target must be between 0 and 100, not 100.5"),
        ("percent", Decimal("-1"), "The target cannot be negative"),
        ("count", Decimal("2.5"), "A target that counts must be a whole number, not 2.5"),
        ("count", Decimal("-3"), "The target cannot be negative"),
        ("days", Decimal("-0.5"), "The target cannot be negative"),
        ("days", 12.5, "not a float"),
        ("days", "soon", "is not a number"),
    ])
    def test_refuses_a_target_outside_its_unit(self, contract, by, unit, target, message):  # type: ignore[no-untyped-def]
        with refused("target", message):
            kpi_add(contract=contract, name="A KPI", definition="How", target=target, unit=unit, by=by)
        assert not contract.kpis.exists()

    def test_a_whole_count_and_a_percentage_of_100_are_accepted(self, contract, by):  # type: ignore[no-untyped-def]
        kpi_add(contract=contract, name="Families", definition="How many", target=Decimal("40"), unit="count", by=by)
        kpi_add(contract=contract, name="All", definition="Share", target=Decimal("100"), unit="percent", by=by)
        assert contract.kpis.count() == 2

    def test_refuses_a_change_that_breaks_a_rule_and_keeps_the_kpi(self, contract, by):  # type: ignore[no-untyped-def]
        kpi = KpiFactory(contract=contract, name="Seen", target=Decimal("80"), unit="percent")
        KpiFactory(contract=contract, name="Closed")
        with refused("target", "between 0 and 100"):
            kpi_change(kpi=kpi, name="Seen", definition="x", target=Decimal("180"), unit="percent",
                       higher_is_better=True, by=by)
        with refused("name", "already has a KPI called “closed”"):
            kpi_change(kpi=kpi, name="closed", definition="x", target=Decimal("80"), unit="percent",
                       higher_is_better=True, by=by)
        with refused("unit", "is not a unit of a KPI"):
            kpi_change(kpi=kpi, name="Seen", definition="x", target=Decimal("80"), unit="pounds",
                       higher_is_better=True, by=by)
        kpi.refresh_from_db()
        assert (kpi.name, kpi.target) == ("Seen", Decimal("80.00"))
        assert Kpi.history.filter(id=kpi.pk).count() == 1

    def test_refuses_to_remove_a_kpi_with_returns(self, contract, by):  # type: ignore[no-untyped-def]
        kpi = KpiFactory(contract=contract, name="Seen")
        KpiReturnFactory(kpi=kpi)
        with refused("", "The KPI “Seen” has 1 return recorded: it cannot be removed"):
            kpi_remove(kpi=kpi, by=by)
        assert kpi.returns.count() == 1 and Kpi.objects.filter(pk=kpi.pk).exists()


class TestExtensionOptions:
    def test_adds_changes_and_removes_an_option_with_history(self, contract, by):  # type: ignore[no-untyped-def]
        option = extension_option_add(contract=contract, length_months=12, decision_by_date=date(2017, 12, 31), by=by)
        option = extension_option_change(option=option, length_months=6, decision_by_date=date(2018, 1, 31), by=by)
        option.refresh_from_db()
        assert (option.length_months, option.decision_by_date) == (6, date(2018, 1, 31))
        extension_option_remove(option=option, by=by)
        assert not ExtensionOption.objects.filter(pk=option.pk).exists()
        assert [h.history_user for h in ExtensionOption.history.filter(id=option.pk)] == [by, by, by]

    def test_refuses_a_decision_after_the_maximum_term(self, contract, by):  # type: ignore[no-untyped-def]
        with refused("decision_by_date", "must be due by 31 March 2018, the end of the contract's maximum term"):
            extension_option_add(contract=contract, length_months=12, decision_by_date=date(2018, 4, 1), by=by)
        assert not contract.extension_options.exists()

    def test_the_maximum_term_runs_on_with_the_other_options(self, contract, by):  # type: ignore[no-untyped-def]
        ExtensionOptionFactory(contract=contract, length_months=12, decision_by_date=date(2018, 1, 31))
        second = extension_option_add(contract=contract, length_months=12, decision_by_date=date(2019, 1, 31), by=by)
        assert second.pk
        with refused("decision_by_date", "must be due by 31 March 2020"):  # the end with both options taken up
            extension_option_add(contract=contract, length_months=6, decision_by_date=date(2020, 4, 1), by=by)

    def test_refuses_a_decision_before_the_start_and_an_empty_length(self, contract, by):  # type: ignore[no-untyped-def]
        with refused("decision_by_date", r"cannot be due before the contract starts \(1 April 2016\)"):
            extension_option_add(contract=contract, length_months=12, decision_by_date=date(2016, 3, 31), by=by)
        with refused("length_months", "at least one month long"):
            extension_option_add(contract=contract, length_months=0, decision_by_date=date(2017, 1, 1), by=by)
        assert not contract.extension_options.exists()

    def test_refuses_to_change_or_remove_an_option_taken_up(self, contract, by):  # type: ignore[no-untyped-def]
        option = ExtensionOptionFactory(contract=contract, exercised_date=date(2017, 11, 1))
        with refused("", "taken up on 1 November 2017: it is part of the contract's term now"):
            extension_option_change(option=option, length_months=24, decision_by_date=date(2017, 12, 31), by=by)
        with refused("", "taken up on 1 November 2017: it cannot be removed"):
            extension_option_remove(option=option, by=by)
        option.refresh_from_db()
        assert option.length_months == 12

    def test_refuses_an_option_on_a_contract_that_has_ended(self, by):  # type: ignore[no-untyped-def]
        ended = ExpiredContractFactory()
        with refused("", "has expired: it can no longer be extended"):
            extension_option_add(contract=ended, length_months=12, decision_by_date=date(2017, 12, 31), by=by)
        assert not ended.extension_options.exists()
