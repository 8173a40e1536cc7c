"""Reminders already sent, so that each is sent once."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from .requests import SupportRequest
from .status_changes import StatusChangeQuerySet


class SentReminder(models.Model):
    """A reminder sent once: the unique key names the item and the occasion (e.g. "review:12:2026-12-01")."""

    key = models.CharField(max_length=160, unique=True)
    request = models.ForeignKey(SupportRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
