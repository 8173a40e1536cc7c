"""Reviews of a support plan (reg 19) and the outcome scores recorded at them."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.dates import long_date
from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .plans import OutcomeMeasure, SupportPlan


class ReviewReason(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled review"
    ANNUAL = "annual", "Yearly review"
    CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances", "Change of circumstances"


class ReviewStatus(models.TextChoices):
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue the plan"
    REVISE = "revise", "Revise the plan"
    END = "end", "End the plan"


class ReviewQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class Review(django_fsm.FSMModelMixin, models.Model):
    """Reg 19: reviews at least yearly and on a change of circumstances."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="reviews")
    due_date = models.DateField()
    reason = models.CharField(max_length=30, choices=ReviewReason.choices, default=ReviewReason.SCHEDULED)
    status = django_fsm.FSMField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    completed_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    history = HistoricalRecords()

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            _states_constraint("status", ReviewStatus, "review_status_valid"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome__in=ReviewOutcome.values),
                                   name="review_outcome_valid"),
            models.CheckConstraint(condition=Q(status=ReviewStatus.DUE) | Q(completed_date__isnull=False),
                                   name="completed_review_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} due {long_date(self.due_date)}"

    @django_fsm.transition(field=status, source=ReviewStatus.DUE, target=ReviewStatus.COMPLETED)
    def complete(self) -> None:
        pass


class OutcomeScoreQuerySet(ScopedQuerySet):
    authority_paths = ("measure__plan__request__responsible_authority",)


class OutcomeScore(models.Model):
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="scores")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="scores")
    score_date = models.DateField()
    score = models.DecimalField(max_digits=8, decimal_places=2)
    history = HistoricalRecords()

    objects = OutcomeScoreQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "score_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "review"], name="one_score_per_measure_review")
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.score} on {long_date(self.score_date)}"
