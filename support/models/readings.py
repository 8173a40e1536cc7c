"""Outcome readings: a measure of how a child is doing taken outside any plan (an SDQ score the case system
holds, or the reason none was returned), for plans and the scorecard to read."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .families import Child, ChildQuerySet


class ReadingMeasure(models.TextChoices):
    SDQ = "sdq", "Strengths and Difficulties Questionnaire (SDQ)"


class SdqReason(models.TextChoices):
    """Why no SDQ score was returned (the DfE's SSDA903 reasons)."""

    SDQ1 = "SDQ1", "No form returned: the child was aged under 4 or over 17 on the date of the latest assessment"
    SDQ2 = "SDQ2", "Carer refused to complete and return the questionnaire"
    SDQ3 = "SDQ3", "Not possible to complete the questionnaire: the child's disability"
    SDQ4 = "SDQ4", "Other"
    SDQ5 = "SDQ5", "The child or young person refuses to allow an SDQ to be completed"


class ReadingSource(models.TextChoices):
    CASE_SYSTEM = "case_system", "The case system's extract (SSD)"
    WORKER = "worker", "Recorded by a worker"


class OutcomeReadingQuerySet(ScopedQuerySet):
    authority_paths = tuple(f"child__{p}" for p in ChildQuerySet.authority_paths)


class OutcomeReading(models.Model):
    """One reading: a score on the measure, or the reason there is none. `source_key` names the row it came from
    (`csdq_table_id` for the case system), so the same row read again updates this reading and never adds one."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="outcome_readings")
    measure = models.CharField(max_length=20, choices=ReadingMeasure.choices, default=ReadingMeasure.SDQ)
    reading_date = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField("reason there is no score", max_length=10, choices=SdqReason.choices, blank=True)
    source = models.CharField(max_length=20, choices=ReadingSource.choices)
    source_key = models.CharField(max_length=60, blank=True)
    ssd_import = models.ForeignKey("support.SsdImport", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="readings")
    history = HistoricalRecords()

    objects = OutcomeReadingQuerySet.as_manager()

    class Meta:
        ordering = ["child", "measure", "reading_date", "id"]
        constraints = [
            _states_constraint("measure", ReadingMeasure, "outcome_reading_measure_valid"),
            _states_constraint("source", ReadingSource, "outcome_reading_source_valid"),
            models.CheckConstraint(
                condition=(Q(score__isnull=False) & Q(reason="")) | (Q(score__isnull=True) & ~Q(reason="")),
                name="outcome_reading_score_or_reason",
            ),
            models.CheckConstraint(condition=~Q(measure="sdq") | Q(score__isnull=True) | Q(score__lte=40),
                                   name="outcome_reading_sdq_score_0_to_40"),
            models.UniqueConstraint(fields=["child", "source", "source_key"], condition=~Q(source_key=""),
                                    name="outcome_reading_one_per_source_row"),
        ]

    def __str__(self) -> str:
        value = self.score if self.score is not None else self.get_reason_display()
        return f"{self.get_measure_display()} {self.reading_date:%d %b %Y}: {value}"
