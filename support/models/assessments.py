"""The assessment of support needs (reg 14), and the approval states it shares with the decision."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .families import Child
from .requests import SupportRequest


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


class AssessmentQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority",)


# The regulation 14 considerations, in the order the assessment form asks them.
REG14_SECTIONS = (
    ("needs_of_person", "The needs of the person being assessed and how they might be met"),
    ("needs_of_family", "The needs of the adoptive or special guardianship family and how they might be met"),
    ("child_developmental_needs", "The needs of the child, including developmental needs"),
    ("parenting_capacity", "The parenting capacity of the adoptive parents or special guardians"),
    ("wider_family_environment", "The wider family and environmental factors"),
    ("placement_circumstances", "The circumstances that led to the placement or order"),
    ("previous_assessments", "Any previous assessment of support needs"),
)


class Assessment(django_fsm.FSMModelMixin, models.Model):
    """The assessment of support needs (reg 14). The author submits; a team manager who is not the author
    approves. The approved date starts the ASF application window."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="assessments")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments")
    responsible_authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT,
                                              related_name="support_assessments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_assessments")
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Everyone who wrote, changed or submitted it: none of them may approve it",
    )
    started_date = models.DateField()
    needs_of_person = models.TextField(blank=True)
    needs_of_family = models.TextField(blank=True)
    child_developmental_needs = models.TextField(blank=True)
    parenting_capacity = models.TextField(blank=True)
    wider_family_environment = models.TextField(blank=True)
    placement_circumstances = models.TextField(blank=True)
    previous_assessments = models.TextField(blank=True)
    summary_of_needs = models.TextField(blank=True)
    recommended_services = models.TextField(blank=True)
    status = django_fsm.FSMField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT)
    completed_date = models.DateField(null=True, blank=True, help_text="The date it was submitted for approval")
    approved_date = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="approved_assessments")
    return_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_date", "-id"]
        # The API's cursor (an authority's assessments by id): a range of this index, no sort.
        indexes = [models.Index(fields=["responsible_authority", "id"], name="assessment_authority_id")]
        constraints = [
            _states_constraint("status", ApprovalStatus, "assessment_status_valid"),
            models.CheckConstraint(condition=~Q(approved_by=F("author")), name="assessment_not_approved_by_author"),
            models.CheckConstraint(
                condition=Q(completed_date__isnull=True) | Q(completed_date__gte=F("started_date")),
                name="assessment_completed_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment for {self.request}"

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in REG14_SECTIONS]

    @django_fsm.transition(field=status, source=[ApprovalStatus.DRAFT, ApprovalStatus.RETURNED],
                           target=ApprovalStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.RETURNED)
    def send_back(self) -> None:
        pass
