"""The legal orders a child came under (placement, adoption, special guardianship...): the three-year rule
reads them."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from core.dates import long_date
from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .families import Child, ChildQuerySet


class OrderKind(models.TextChoices):
    PLACEMENT = "placement", "Placement order"
    ADOPTION = "adoption", "Adoption order"
    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardianship order"
    CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order"
    INTERCOUNTRY = "intercountry", "Recognised inter-country adoption"


class LegalOrderQuerySet(ScopedQuerySet):
    authority_paths = tuple(f"child__{p}" for p in ChildQuerySet.authority_paths)


class LegalOrder(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=30, choices=OrderKind.choices)
    order_date = models.DateField()
    placing_authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Blank for an inter-country adoption with no placing authority in England",
    )
    court = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    objects = LegalOrderQuerySet.as_manager()

    class Meta:
        ordering = ["child", "order_date", "id"]
        constraints = [_states_constraint("kind", OrderKind, "legal_order_kind_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {long_date(self.order_date)}"
