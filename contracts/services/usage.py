"""Facts of use of a contract: the rules every usage fact meets, and recording one (commissioning and claims record
theirs here; contracts never imports them)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from contracts.models import Contract, UsageMeasure, UsageRecord
from core.dates import long_date

from .errors import ContractError

QUANTITY = Decimal("0.01")


class InvalidUsage(ContractError, ValueError):
    pass


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
            f"{long_date(usage_date)} is outside contract {contract.reference} "
            f"({long_date(contract.start_date)} to {long_date(contract.end_date)})."
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
