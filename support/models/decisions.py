"""The decision (reg 18), approved by a team manager who is not its author."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.dates import long_date

from ._constraints import _states_constraint
from .assessments import ApprovalStatus
from .notices import NoticeOfProposal, NoticeStatus
from .requests import RequestChildQuerySet, SupportRequest


class DecisionOutcome(models.TextChoices):
    PROVIDE = "provide", "Provide support"
    NOT_PROVIDE = "not_provide", "Do not provide support"


class Decision(django_fsm.FSMModelMixin, models.Model):
    """Reg 18: the decision, with its reasons and the basis on which it could be made. A team manager who is not
    its author approves it."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="decisions")
    notice = models.OneToOneField(NoticeOfProposal, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    basis = models.CharField(max_length=30, choices=NoticeStatus.choices,
                             help_text="Why a decision could be made: copied from the notice")
    reasons = models.TextField()
    decided_date = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_decisions")
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Everyone who recorded, changed or resubmitted it: none of them may approve it",
    )
    status = django_fsm.FSMField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.SUBMITTED)
    approved_date = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="approved_decisions")
    return_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_date", "-id"]
        constraints = [
            _states_constraint("status", ApprovalStatus, "decision_status_valid"),
            _states_constraint("outcome", DecisionOutcome, "decision_outcome_valid"),
            models.CheckConstraint(condition=Q(basis__in=[NoticeStatus.REPRESENTATIONS_RECEIVED,
                                                          NoticeStatus.PERSON_SATISFIED,
                                                          NoticeStatus.WINDOW_ENDED]),
                                   name="decision_basis_is_a_closed_notice"),
            models.CheckConstraint(condition=~Q(approved_by=F("author")), name="decision_not_approved_by_author"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({long_date(self.decided_date)})"

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.RETURNED)
    def send_back(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.RETURNED, target=ApprovalStatus.SUBMITTED)
    def resubmit(self) -> None:
        pass
