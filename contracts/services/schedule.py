"""The contract's schedule, row by row: its service elements (with the catalogue services each delivers, which
routing reads), its value for each financial year, its KPIs and its extension options. Every change is checked by
the contract's rules (`contracts.rules`) with the contract's row locked, so two changes cannot overlap; a refusal
writes nothing. History records who made each change (`by`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from moneyed import Money

from contracts.models import (
    Contract,
    ContractStatus,
    ContractYearValue,
    ExtensionOption,
    Kpi,
    KpiUnit,
    ServiceElement,
)
from contracts.rules import (
    extension_option_problem,
    kpi_target_problem,
    maximum_end_date,
    year_value_problem,
)
from core.money import NotGBP, require_gbp

from .errors import ContractError

Row = TypeVar("Row", bound=models.Model)


class ScheduleError(ContractError):
    """A row of the schedule that its rules refuse; `field` names the field the problem is in ("" for the row)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _locked_row(model: type[Row], row: Row) -> tuple[Row, Contract]:
    """The row and its contract, both locked (the contract first, as every schedule change locks it)."""
    contract = Contract.objects.select_for_update().get(pk=row.contract_id)  # type: ignore[attr-defined]
    return model._default_manager.select_for_update().get(pk=row.pk), contract


def _save(row: models.Model, *, by: Any) -> None:
    """Saved with its history's user, after the model's own checks (the rules above have run first)."""
    try:
        row.full_clean(exclude=["contract"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ScheduleError(" ".join(messages), field="" if field == "__all__" else field) from exc
    row._history_user = by  # type: ignore[attr-defined]
    row.save()


def _delete(row: models.Model, *, by: Any) -> None:
    row._history_user = by  # type: ignore[attr-defined]
    row.delete()


def _maximum_end(contract: Contract, *, leaving_out: int | None = None) -> date:
    """The end of the contract's maximum term: its end date with every option not yet taken up (but one)."""
    options = contract.extension_options.filter(exercised_date__isnull=True)
    if leaving_out is not None:
        options = options.exclude(pk=leaving_out)
    return maximum_end_date(end_date=contract.end_date,
                            option_months=options.order_by("decision_by_date", "pk").values_list("length_months",
                                                                                                   flat=True))


# ---- service elements -----------------------------------------------------------------------------------------


def _element_name(*, contract: Contract, name: str, element: ServiceElement | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ScheduleError("Enter the name of the service element.", field="name")
    others = contract.elements.filter(name__iexact=name)
    if (others.exclude(pk=element.pk) if element else others).exists():
        raise ScheduleError(f"Contract {contract.reference} already has a service element called “{name}”.",
                            field="name")
    return name


@transaction.atomic
def service_element_add(*, contract: Contract, name: str, by: Any, lot: str = "",
                        service_types: Iterable[Any] = ()) -> ServiceElement:
    """A service element (or lot) of the contract, with the catalogue services it delivers."""
    contract = _locked(contract)
    element = ServiceElement(contract=contract, name=_element_name(contract=contract, name=name, element=None),
                             lot=(lot or "").strip())
    _save(element, by=by)
    element.service_types.set(list(service_types))
    return element


@transaction.atomic
def service_element_change(*, element: ServiceElement, name: str, lot: str, service_types: Iterable[Any],
                           by: Any) -> ServiceElement:
    element, contract = _locked_row(ServiceElement, element)
    element.name = _element_name(contract=contract, name=name, element=element)
    element.lot = (lot or "").strip()
    _save(element, by=by)
    element._history_user = by  # type: ignore[attr-defined]
    element.service_types.set(list(service_types))
    return element


@transaction.atomic
def service_element_remove(*, element: ServiceElement, by: Any) -> None:
    """Routing stops sending referrals for the element's services to this contract; referrals made stay."""
    element, _contract = _locked_row(ServiceElement, element)
    _delete(element, by=by)


# ---- values by financial year -----------------------------------------------------------------------------------


def _year_value_checked(*, contract: Contract, financial_year: int, value: Any,
                        year_value: ContractYearValue | None) -> tuple[int, Money]:
    try:
        money = require_gbp(value, what="year's value")
    except NotGBP as exc:
        raise ScheduleError(str(exc), field="value") from exc
    rows = contract.year_values.exclude(pk=year_value.pk) if year_value else contract.year_values.all()
    taken = set(rows.values_list("financial_year", flat=True))
    problem = year_value_problem(financial_year=int(financial_year), start_date=contract.start_date,
                                 maximum_end=_maximum_end(contract), value=money.amount, taken=taken)
    if problem:
        raise ScheduleError(problem[1], field=problem[0])
    return int(financial_year), money


@transaction.atomic
def year_value_add(*, contract: Contract, financial_year: int, value: Money, by: Any) -> ContractYearValue:
    """The contract's value for one financial year (named by the year it starts: 2016 for 2016-17)."""
    contract = _locked(contract)
    year, money = _year_value_checked(contract=contract, financial_year=financial_year, value=value,
                                      year_value=None)
    row = ContractYearValue(contract=contract, financial_year=year, value=money)  # type: ignore[misc]
    _save(row, by=by)
    return row


@transaction.atomic
def year_value_change(*, year_value: ContractYearValue, financial_year: int, value: Money,
                      by: Any) -> ContractYearValue:
    year_value, contract = _locked_row(ContractYearValue, year_value)
    year_value.financial_year, year_value.value = _year_value_checked(
        contract=contract, financial_year=financial_year, value=value, year_value=year_value)
    _save(year_value, by=by)
    return year_value


@transaction.atomic
def year_value_remove(*, year_value: ContractYearValue, by: Any) -> None:
    year_value, _contract = _locked_row(ContractYearValue, year_value)
    _delete(year_value, by=by)


# ---- KPIs -------------------------------------------------------------------------------------------------------


def _kpi_checked(*, contract: Contract, name: str, definition: str, target: Any, unit: str,
                 kpi: Kpi | None) -> tuple[str, str, Decimal]:
    name, definition = (name or "").strip(), (definition or "").strip()
    if not name:
        raise ScheduleError("Enter the name of the KPI.", field="name")
    same_name = contract.kpis.filter(name__iexact=name)
    if (same_name.exclude(pk=kpi.pk) if kpi else same_name).exists():
        raise ScheduleError(f"Contract {contract.reference} already has a KPI called “{name}”.", field="name")
    if not definition:
        raise ScheduleError("Enter how the KPI is measured.", field="definition")
    if unit not in KpiUnit.values:
        raise ScheduleError(f"“{unit}” is not a unit of a KPI: use one of {', '.join(KpiUnit.values)}.",
                            field="unit")
    if isinstance(target, float | bool):
        raise ScheduleError("The target must be a whole number or a decimal, not a float.", field="target")
    try:
        amount = Decimal(target)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ScheduleError(f"The target {target!r} is not a number.", field="target") from exc
    problem = kpi_target_problem(unit=unit, target=amount)
    if problem:
        raise ScheduleError(problem, field="target")
    return name, definition, amount


@transaction.atomic
def kpi_add(*, contract: Contract, name: str, definition: str, target: Decimal, unit: str, by: Any,
            higher_is_better: bool = True) -> Kpi:
    """A KPI the provider returns each quarter, with its target in its unit."""
    contract = _locked(contract)
    name, definition, amount = _kpi_checked(contract=contract, name=name, definition=definition, target=target,
                                            unit=unit, kpi=None)
    kpi = Kpi(contract=contract, name=name, definition=definition, target=amount, unit=unit,
              higher_is_better=higher_is_better)
    _save(kpi, by=by)
    return kpi


@transaction.atomic
def kpi_change(*, kpi: Kpi, name: str, definition: str, target: Decimal, unit: str, higher_is_better: bool,
               by: Any) -> Kpi:
    """A KPI corrected; its returns stay, and are judged against the target as it now reads."""
    kpi, contract = _locked_row(Kpi, kpi)
    kpi.name, kpi.definition, kpi.target = _kpi_checked(contract=contract, name=name, definition=definition,
                                                        target=target, unit=unit, kpi=kpi)
    kpi.unit, kpi.higher_is_better = unit, higher_is_better
    _save(kpi, by=by)
    return kpi


@transaction.atomic
def kpi_remove(*, kpi: Kpi, by: Any) -> None:
    """Only a KPI with no returns: its returns are the contract's monitoring record, and would go with it."""
    kpi, _contract = _locked_row(Kpi, kpi)
    returns = kpi.returns.count()
    if returns:
        raise ScheduleError(f"The KPI “{kpi.name}” has {returns} return{'s' if returns != 1 else ''} recorded: it "
                            f"cannot be removed, because its returns are the contract's monitoring record.")
    _delete(kpi, by=by)


# ---- extension options --------------------------------------------------------------------------------------------


def _option_checked(*, contract: Contract, length_months: int, decision_by_date: date,
                    option: ExtensionOption | None) -> None:
    if contract.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        raise ScheduleError(f"Contract {contract.reference} has {contract.get_status_display().lower()}: it can no "
                            f"longer be extended.")
    if option is not None and option.exercised_date is not None:
        raise ScheduleError(f"That extension option was taken up on {option.exercised_date.day} "
                            f"{option.exercised_date:%B %Y}: it is part of the contract's term now.")
    problem = extension_option_problem(
        length_months=int(length_months), decision_by_date=decision_by_date, start_date=contract.start_date,
        maximum_end=_maximum_end(contract, leaving_out=option.pk if option else None),
    )
    if problem:
        raise ScheduleError(problem[1], field=problem[0])


@transaction.atomic
def extension_option_add(*, contract: Contract, length_months: int, decision_by_date: date,
                         by: Any) -> ExtensionOption:
    """An option to extend the contract by `length_months`, to be decided by `decision_by_date`."""
    contract = _locked(contract)
    _option_checked(contract=contract, length_months=length_months, decision_by_date=decision_by_date, option=None)
    option = ExtensionOption(contract=contract, length_months=length_months, decision_by_date=decision_by_date)
    _save(option, by=by)
    return option


@transaction.atomic
def extension_option_change(*, option: ExtensionOption, length_months: int, decision_by_date: date,
                            by: Any) -> ExtensionOption:
    option, contract = _locked_row(ExtensionOption, option)
    _option_checked(contract=contract, length_months=length_months, decision_by_date=decision_by_date,
                    option=option)
    option.length_months, option.decision_by_date = length_months, decision_by_date
    _save(option, by=by)
    return option


@transaction.atomic
def extension_option_remove(*, option: ExtensionOption, by: Any) -> None:
    """Only an option not taken up: one taken up has moved the contract's end date."""
    option, _contract = _locked_row(ExtensionOption, option)
    if option.exercised_date is not None:
        raise ScheduleError(f"That extension option was taken up on {option.exercised_date.day} "
                            f"{option.exercised_date:%B %Y}: it cannot be removed.")
    _delete(option, by=by)

