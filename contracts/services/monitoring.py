"""Monitoring: a KPI's quarterly returns."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from contracts.models import Kpi, KpiReturn

from .errors import ContractError
from .usage import QUANTITY


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
