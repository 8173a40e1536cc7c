"""The record of every import of a case system's Standard Safeguarding Dataset (SSD) extract: who ran it, when,
for which authority, the extract's SHA-256, what it found, and whether it was a dry run, committed or refused.
Written once per run (a dry run and a refused import too): it is the import's audit row."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint


class SsdImportStatus(models.TextChoices):
    DRY_RUN = "dry_run", "Dry run"
    COMMITTED = "committed", "Committed"
    REFUSED = "refused", "Refused"


class SsdImportQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class SsdImport(models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", help_text="Blank when run from the command line")
    at = models.DateTimeField()
    source_name = models.CharField(max_length=200, help_text="The zip, folder or files read")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=SsdImportStatus.choices)
    counts = models.JSONField(default=dict, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=400, blank=True)

    objects = SsdImportQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "SSD import"
        constraints = [_states_constraint("status", SsdImportStatus, "ssd_import_status_valid")]

    def __str__(self) -> str:
        return f"SSD import {self.pk} for {self.authority} ({self.get_status_display().lower()})"
