"""The contract register and its lifecycle: adding and changing a contract, making it active, extending it by an
option, its expiry and its early end. Each lifecycle step writes a status-change row with who and when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django_fsm import TransitionNotAllowed

from contracts.models import Contract, ContractStatus, ContractStatusChange, ExtensionOption
from contracts.rules import add_months
from core.dates import long_date

from .errors import ContractError, InvalidTransition


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


CONTRACT_FIELDS = (
    "reference", "title", "provider", "lead_authority", "procurement_route", "pricing", "start_date", "end_date",
    "total_value", "capacity_per_year",
)


@transaction.atomic
def contract_update(*, contract: Contract, by: Any, parties: list[Any] | None = None, **fields: Any) -> Contract:
    """Change a contract's register details (never its state: the lifecycle services move that)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if "status" in fields:
        raise ContractError("The state of a contract changes only through its lifecycle.")
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean(exclude=["status"])
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save()
    if parties is not None:
        contract.parties.set({contract.lead_authority, *parties})
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
        raise InvalidTransition(f"That extension option was taken up on {long_date(option.exercised_date)}.")
    if today > option.decision_by_date:
        raise InvalidTransition(f"The decision on that option was due by {long_date(option.decision_by_date)}.")
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
        raise InvalidTransition(f"Contract {contract.reference} runs to {long_date(contract.end_date)}.")
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
