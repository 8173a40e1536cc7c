"""Every read that a page, export or another app needs from contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from organisations.models import RegistrationCheck

from .models import Contract, ServiceElement, UsageRecord


def contracts_for_routing(*, on_date: date) -> QuerySet[Contract]:
    """Contracts live on `on_date` (active or extended, inside their dates), with their elements, service
    types, parties and the provider's registration checks prefetched: routing reads them without queries."""
    return (
        Contract.objects.live_on(on_date)
        .select_related("provider", "lead_authority")
        .prefetch_related(
            Prefetch("elements", queryset=ServiceElement.objects.prefetch_related("service_types")),
            "parties",
            Prefetch("provider__registration_checks", queryset=RegistrationCheck.objects.all()),
        )
        .order_by("reference")
    )


def usage_count(*, contract: Contract, on_date_from: date, on_date_to: date, measure: str) -> Decimal:
    """The quantity of `measure` recorded against `contract` between the two dates, both included."""
    total = UsageRecord.objects.filter(
        contract=contract, measure=measure, usage_date__gte=on_date_from, usage_date__lte=on_date_to
    ).aggregate(total=Sum("quantity"))["total"]
    return total if total is not None else Decimal("0.00")
