"""Every write in contracts: the register, its lifecycle, usage facts. Keyword-only, typed, atomic, with the
acting user as `by=` and the clock passed in."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django_fsm import TransitionNotAllowed

from .models import (
    Contract,
    ContractStatus,
    ContractStatusChange,
    ExtensionOption,
    Kpi,
    KpiReturn,
    UsageMeasure,
    UsageRecord,
)

QUANTITY = Decimal("0.01")


class ContractError(Exception):
    """A change to a contract that its rules refuse; the message says why, in words a user can act on."""


class InvalidUsage(ContractError, ValueError):
    pass


class InvalidTransition(ContractError):
    pass


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it is shorter (31 Mar + 6 = 30 Sep)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _quantity(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidUsage("A quantity must be a whole number or a decimal, not a float.")
    try:
        quantity = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidUsage(f"The quantity {value!r} is not a number.") from exc
    if not quantity.is_finite():
        raise InvalidUsage(f"The quantity {value!r} is not a number.")
    if quantity < 0:
        raise InvalidUsage(f"The quantity cannot be negative ({quantity}).")
    return quantity.quantize(QUANTITY, rounding=ROUND_HALF_UP)


def check_usage(*, contract: Contract, authority: Any, usage_date: date, measure: str, quantity: Any) -> Decimal:
    """The rules every usage fact meets, whether recorded one by one or imported. Returns the quantity rounded
    to two places; raises InvalidUsage naming the problem."""
    if measure not in UsageMeasure.values:
        raise InvalidUsage(f"“{measure}” is not a usage measure: use one of {', '.join(UsageMeasure.values)}.")
    amount = _quantity(quantity)
    if not contract.covers(usage_date):
        raise InvalidUsage(
            f"{usage_date:%d %B %Y} is outside contract {contract.reference} "
            f"({contract.start_date:%d %B %Y} to {contract.end_date:%d %B %Y})."
        )
    party_ids = {a.pk for a in contract.parties.all()} | {contract.lead_authority_id}
    if authority.pk not in party_ids:
        raise InvalidUsage(f"{authority} is not a party to contract {contract.reference}.")
    return amount


@transaction.atomic
def usage_record(
    *,
    contract: Contract,
    authority: Any,
    usage_date: date,
    measure: str,
    quantity: Decimal,
    source_key: str,
    by: Any = None,
    import_batch: Any = None,
) -> tuple[UsageRecord, bool]:
    """Record one fact of use. The same `source_key` and `measure` recorded again returns the first record
    and changes nothing (created is False)."""
    if not source_key:
        raise InvalidUsage("A usage record needs the key of its source.")
    existing = UsageRecord.objects.filter(source_key=source_key, measure=measure).first()
    if existing is not None:
        return existing, False
    amount = check_usage(
        contract=contract, authority=authority, usage_date=usage_date, measure=measure, quantity=quantity
    )
    record, created = UsageRecord.objects.get_or_create(
        source_key=source_key,
        measure=measure,
        defaults={
            "contract": contract,
            "authority": authority,
            "usage_date": usage_date,
            "quantity": amount,
            "import_batch": import_batch,
            "recorded_by": by if getattr(by, "pk", None) else None,
        },
    )
    return record, created


# ---- the register -------------------------------------------------------------------------------------------


def _log(contract: Contract, before: str, *, by: Any, now: datetime, note: str = "") -> None:
    ContractStatusChange.objects.create(
        contract=contract, from_status=before, to_status=contract.status, changed_by=by, changed_at=now, note=note
    )


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


@transaction.atomic
def contract_create(
    *,
    by: Any,
    now: datetime,
    parties: list[Any] | None = None,
    service_elements: list[tuple[str, list[Any]]] | None = None,
    **fields: Any,
) -> Contract:
    """Add a contract to the register (planned). `parties` are the sharing authorities (the lead is always
    one); `service_elements` are (name, service types) pairs."""
    contract = Contract(**fields)
    contract.status = ContractStatus.PLANNED
    contract.full_clean(exclude=["status"])
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save()
    contract.parties.set({contract.lead_authority, *(parties or [])})
    for name, service_types in service_elements or []:
        element = contract.elements.create(name=name)
        element.service_types.set(service_types)
    ContractStatusChange.objects.create(
        contract=contract, from_status="", to_status=contract.status, changed_by=by, changed_at=now,
        note="Added to the register",
    )
    return contract


@transaction.atomic
def contract_activate(*, contract: Contract, by: Any, now: datetime) -> Contract:
    contract = _locked(contract)
    before = contract.status
    try:
        contract.activate()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be made active.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status"])
    _log(contract, before, by=by, now=now)
    return contract


@transaction.atomic
def contract_extend(*, contract: Contract, option: ExtensionOption, by: Any, today: date, now: datetime) -> Contract:
    """Take up an extension option: the end date moves on by the option's length."""
    contract = _locked(contract)
    option = ExtensionOption.objects.select_for_update().get(pk=option.pk)
    if option.contract_id != contract.pk:
        raise InvalidTransition("That extension option belongs to another contract.")
    if option.exercised_date is not None:
        raise InvalidTransition(f"That extension option was taken up on {option.exercised_date:%d %B %Y}.")
    if today > option.decision_by_date:
        raise InvalidTransition(f"The decision on that option was due by {option.decision_by_date:%d %B %Y}.")
    before = contract.status
    try:
        contract.extend(new_end_date=add_months(contract.end_date, option.length_months))
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be extended.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status", "end_date", "original_end_date"])
    option.exercised_date = today
    option.save(update_fields=["exercised_date"])
    _log(contract, before, by=by, now=now, note=f"Extended by {option.length_months} months")
    return contract


@transaction.atomic
def contract_expire(*, contract: Contract, by: Any, today: date, now: datetime) -> Contract:
    contract = _locked(contract)
    if today <= contract.end_date:
        raise InvalidTransition(f"Contract {contract.reference} runs to {contract.end_date:%d %B %Y}.")
    before = contract.status
    try:
        contract.expire()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot expire.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status"])
    _log(contract, before, by=by, now=now)
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, by: Any, today: date, now: datetime, reason: str) -> Contract:
    if not reason.strip():
        raise InvalidTransition("Give the reason for ending the contract early.")
    contract = _locked(contract)
    before = contract.status
    try:
        contract.terminate(on_date=today)
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be terminated.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status", "end_date"])
    _log(contract, before, by=by, now=now, note=reason.strip()[:300])
    return contract


@transaction.atomic
def kpi_return_record(
    *, kpi: Kpi, financial_year: int, quarter: int, value: Decimal, submitted_date: date, by: Any, note: str = ""
) -> KpiReturn:
    """Record (or correct) a KPI's quarterly return."""
    if quarter not in (1, 2, 3, 4):
        raise ContractError("The quarter must be 1, 2, 3 or 4.")
    result, _ = KpiReturn.objects.update_or_create(
        kpi=kpi, financial_year=financial_year, quarter=quarter,
        defaults={"value": Decimal(value).quantize(QUANTITY, rounding=ROUND_HALF_UP),
                  "submitted_date": submitted_date, "recorded_by": by, "note": note},
    )
    return result
