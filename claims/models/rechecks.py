"""Open applications whose split changed when the fund's rules changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.money import format_gbp
from organisations.scoping import ScopedQuerySet

from ._fields import money
from .applications import ASFApplication


class SplitRecheckQuerySet(ScopedQuerySet):
    authority_paths = ("application__responsible_authority",)


class SplitRecheck(models.Model):
    """An open application whose split changed when the fund's rules changed (issue 5, item 13)."""

    application = models.ForeignKey(ASFApplication, on_delete=models.PROTECT, related_name="rechecks")
    checked_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    old_fund = money()
    old_authority = money()
    new_fund = money()
    new_authority = money()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    history = HistoricalRecords()

    objects = SplitRecheckQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return (f"{self.application}: the fund's share went from {format_gbp(self.old_fund)} "
                f"to {format_gbp(self.new_fund)}")
