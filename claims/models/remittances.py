"""The fund's remittances (its month-end payments to an authority) and their lines, one per application."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.dates import long_date
from core.money import format_gbp
from organisations.scoping import ScopedQuerySet

from ._fields import _gbp_and_not_negative, money
from .applications import ASFApplication


class RemittanceQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class Remittance(models.Model):
    """One imported remittance file from the fund (its month-end payment to an authority)."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    payment_date = models.DateField()
    total = money()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = RemittanceQuerySet.as_manager()

    class Meta:
        ordering = ["-payment_date", "-id"]
        constraints = _gbp_and_not_negative("asf_remittance", "total")

    def __str__(self) -> str:
        return f"Remittance {long_date(self.payment_date)} ({self.file_name})"


class RemittanceLineQuerySet(ScopedQuerySet):
    authority_paths = ("remittance__authority",)


class RemittanceLine(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="lines")
    row_number = models.PositiveIntegerField()
    fund_reference = models.CharField(max_length=40)
    application = models.ForeignKey(ASFApplication, on_delete=models.PROTECT, related_name="remittance_lines")
    amount = money()
    history = HistoricalRecords()

    objects = RemittanceLineQuerySet.as_manager()

    class Meta:
        ordering = ["remittance", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "row_number"], name="asf_remittance_row_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="asf_remittance_line_positive"),
            *_gbp_and_not_negative("asf_remittance_line", "amount"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_reference}: {format_gbp(self.amount)}"

    @property
    def source_label(self) -> str:
        return f"claims.remittanceline:{self.pk}"
