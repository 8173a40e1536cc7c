"""The status-change rows: one per transition of any support state machine (the family timeline)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core import wording
from organisations.scoping import ScopedQuerySet

from .requests import SupportRequest


class StatusChangeQuerySet(ScopedQuerySet):
    authority_paths = ("request__responsible_authority",)


class StatusChange(models.Model):
    """One row per transition of any support state machine: who, when, from, to. The family timeline reads these."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="status_changes")
    subject = models.CharField(max_length=40, help_text="The model whose state changed, e.g. assessment")
    subject_id = models.PositiveBigIntegerField()
    transition = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    note = models.CharField(max_length=400, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField()
    effective_date = models.DateField()
    history = HistoricalRecords()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"]), models.Index(fields=["subject", "subject_id"])]

    def __str__(self) -> str:
        return wording.event(f"support.{self.subject}", transition=self.transition, from_state=self.from_state,
                             to_state=self.to_state)
