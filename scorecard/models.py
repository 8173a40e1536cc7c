"""The scorecard's own data: timeliness targets per authority, and the board return's versioned definitions.
Every figure is worked out from the other apps' records when asked for (docs/decisions/0017); nothing here keeps
a figure."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.dates import long_date

from .rules import DURATION_MEASURES, TARGETS_ALWAYS_FROM

DURATION_CHOICES = [(m.key, m.label) for m in DURATION_MEASURES]


class ReturnQuery(models.TextChoices):
    """The queries a board return's field may name: each is reviewed code in `scorecard.selectors.RETURN_QUERIES`."""

    FAMILIES_REQUESTING = "families_requesting", "Families who asked for support"
    ASSESSMENTS_COMPLETED = "assessments_completed", "Assessments of need completed (approved)"
    FAMILIES_SUPPORTED = "families_supported", "Families receiving support (a plan in force)"
    ASF_SUBMITTED = "asf_submitted", "ASF applications submitted"
    ASF_APPROVED = "asf_approved", "ASF applications approved"
    ASF_APPROVED_SUM = "asf_approved_sum", "ASF sums approved by the fund (GBP)"
    LETTERBOX_ACTIVE = "letterbox_active", "Letterbox arrangements active"
    LETTERBOX_DUE = "letterbox_due", "Letterbox exchanges due"
    LETTERBOX_ON_TIME = "letterbox_on_time", "Letterbox exchanges received on time"
    LETTERBOX_LATE = "letterbox_late", "Letterbox exchanges received late"
    LETTERBOX_MISSED = "letterbox_missed", "Letterbox exchanges missed"
    LETTERBOX_HELD = "letterbox_held", "Letterbox exchanges held"
    LETTERBOX_FORWARDED = "letterbox_forwarded", "Letterbox exchanges forwarded"


class TimelinessTarget(models.Model):
    """An authority's target for one step, in working days (there is no statutory timescale), in force from
    `effective_from` until the next target of the same authority and step: a period is scored against the target
    in force on its first day, so a changed target (a new row from its date) never re-scores a past period."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=40, choices=DURATION_CHOICES)
    working_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    effective_from = models.DateField(
        default=TARGETS_ALWAYS_FROM,
        help_text="The first day it applies to; to change a target from a date, add a new one from that date")
    note = models.CharField(max_length=300, blank=True, help_text="Who agreed it, and when")
    history = HistoricalRecords()

    class Meta:
        ordering = ["authority", "measure", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "measure", "effective_from"],
                                    name="one_scorecard_target_per_measure_and_date"),
            models.CheckConstraint(condition=models.Q(working_days__gte=1), name="scorecard_target_positive"),
            models.CheckConstraint(condition=models.Q(measure__in=[k for k, _ in DURATION_CHOICES]),
                                   name="scorecard_target_measure_valid"),
        ]

    def __str__(self) -> str:
        return (f"{self.authority}: {self.get_measure_display()} within {self.working_days} working days from "
                f"{long_date(self.effective_from)}")


class ReturnDefinitionSet(models.Model):
    """One version of the board return's list of fields (the national collection changes its questions each
    year): the version in force for a period is the latest whose `valid_from_date` is on or before its start."""

    title = models.CharField(max_length=200)
    version = models.PositiveSmallIntegerField(unique=True)
    valid_from_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-valid_from_date", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class ReturnField(models.Model):
    definition_set = models.ForeignKey(ReturnDefinitionSet, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=120)
    definition = models.TextField(help_text="What counts, from which date to which, in plain words")
    query = models.CharField(max_length=40, choices=ReturnQuery.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["definition_set", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["definition_set", "name"], name="one_return_field_name_per_set"),
            models.CheckConstraint(condition=models.Q(query__in=ReturnQuery.values), name="return_field_query_valid"),
        ]

    def __str__(self) -> str:
        return self.name
