"""The notice of proposal (reg 17) and its window for representations."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.dates import long_date

from ._constraints import _states_constraint
from .assessments import Assessment
from .requests import RequestChildQuerySet, SupportRequest


class NoticeStatus(models.TextChoices):
    OPEN = "open", "Waiting for representations"
    REPRESENTATIONS_RECEIVED = "representations_received", "Representations received"
    PERSON_SATISFIED = "person_satisfied", "Person said they are satisfied"
    WINDOW_ENDED = "window_ended", "Window for representations ended"


class NoticeOfProposal(django_fsm.FSMModelMixin, models.Model):
    """Reg 17: the statement of needs and proposed services, with the period for representations.
    No decision until representations arrive, the person says they are satisfied, or the period ends."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="notices")
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="notice")
    issued_date = models.DateField()
    window_days = models.PositiveSmallIntegerField(default=28)
    window_end_date = models.DateField()
    proposes_support = models.BooleanField(default=True)
    statement_of_needs = models.TextField()
    proposed_services = models.TextField(blank=True)
    status = django_fsm.FSMField(max_length=30, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    response_date = models.DateField(null=True, blank=True)
    representations = models.TextField(blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_date", "-id"]
        constraints = [
            _states_constraint("status", NoticeStatus, "notice_status_valid"),
            models.CheckConstraint(condition=Q(window_end_date__gte=F("issued_date")),
                                   name="notice_window_ends_after_issue"),
        ]

    def __str__(self) -> str:
        return f"Notice of proposal {long_date(self.issued_date)}"

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.REPRESENTATIONS_RECEIVED)
    def receive_representations(self) -> None:
        pass

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.PERSON_SATISFIED)
    def record_satisfied(self) -> None:
        pass

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.WINDOW_ENDED)
    def end_window(self) -> None:
        pass
