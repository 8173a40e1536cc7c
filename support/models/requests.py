"""The support request and its stage, the state machine of the whole process (request to closure).
Records that hang off a request are scoped by it (`RequestChildQuerySet`)."""

from __future__ import annotations

from typing import Any

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .families import Child, Person


class RequestStage(models.TextChoices):
    RECEIVED = "received", "Received"
    ASSESSING = "assessing", "Assessing need"
    URGENT_SUPPORT = "urgent_support", "Urgent support in place"
    NOTICE_ISSUED = "notice_issued", "Notice of proposal issued"
    DECIDED = "decided", "Decided"
    PLAN_IN_PLACE = "plan_in_place", "Support plan in place"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STAGES = (
    RequestStage.RECEIVED, RequestStage.ASSESSING, RequestStage.URGENT_SUPPORT, RequestStage.NOTICE_ISSUED,
    RequestStage.DECIDED, RequestStage.PLAN_IN_PLACE,
)


class Requester(models.TextChoices):
    """Who asked (reg 13)."""

    ADOPTIVE_PARENT = "adoptive_parent", "Adoptive parent or special guardian"
    CHILD = "child", "The child"
    BIRTH_PARENT = "birth_parent", "Birth parent"
    BIRTH_RELATIVE = "birth_relative", "Birth relative"
    ADULT_ADOPTEE = "adult_adoptee", "Adult adoptee"
    OTHER_AUTHORITY = "other_authority", "Another local authority"
    OTHER = "other", "Someone else"


class SupportRequestQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority",)

    def open(self) -> SupportRequestQuerySet:
        return self.filter(stage__in=OPEN_STAGES)


def _is_urgent(request: Any) -> bool:
    return bool(request.urgent)


class SupportRequest(django_fsm.FSMModelMixin, models.Model):
    """A request for an assessment of adoption or special guardianship support needs, about a child or a person.
    Its `stage` is the process state machine; the responsible authority and its reason come from the three-year
    rule (`support.rules.responsible_authority`) on the date the request was received."""

    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="support_requests"
    )
    responsibility_reason = models.CharField(max_length=400)
    received_date = models.DateField()
    requester = models.CharField(max_length=30, choices=Requester.choices, default=Requester.ADOPTIVE_PARENT)
    summary = models.TextField("what the family is asking for")
    urgent = models.BooleanField(default=False, help_text="Support may be provided before the notice (reg 21)")
    stage = django_fsm.FSMField(max_length=30, choices=RequestStage.choices, default=RequestStage.RECEIVED)
    allocated_worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="allocated_support_requests")
    closed_date = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_date", "-id"]
        indexes = [models.Index(fields=["responsible_authority", "stage"]), models.Index(fields=["received_date"]),
                   # The API's cursor (an authority's requests by id): a range of this index, no sort.
                   models.Index(fields=["responsible_authority", "id"], name="support_request_authority_id")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False) & Q(person__isnull=True))
                | (Q(child__isnull=True) & Q(person__isnull=False)),
                name="support_request_about_exactly_one_of_child_or_person",
            ),
            _states_constraint("stage", RequestStage, "support_request_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject_name}"

    @property
    def reference(self) -> str:
        return f"SR-{self.pk:06d}" if self.pk else "SR-new"

    @property
    def subject_name(self) -> str:
        subject = self.child or self.person
        return subject.full_name if subject else ""

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    # Transitions: called only by support.services, which saves and writes the StatusChange row.
    @django_fsm.transition(field=stage, source=RequestStage.RECEIVED, target=RequestStage.ASSESSING)
    def start_assessment(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.RECEIVED, RequestStage.ASSESSING],
                           target=RequestStage.URGENT_SUPPORT, conditions=[_is_urgent])
    def provide_urgent_support(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.ASSESSING, RequestStage.URGENT_SUPPORT],
                           target=RequestStage.NOTICE_ISSUED)
    def issue_notice(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=RequestStage.NOTICE_ISSUED, target=RequestStage.DECIDED)
    def decide(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=RequestStage.DECIDED, target=RequestStage.PLAN_IN_PLACE)
    def put_plan_in_place(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.DECIDED, RequestStage.PLAN_IN_PLACE,
                                                RequestStage.RECEIVED], target=RequestStage.CLOSED)
    def close(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.RECEIVED, RequestStage.ASSESSING,
                                                RequestStage.URGENT_SUPPORT, RequestStage.NOTICE_ISSUED],
                           target=RequestStage.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class RequestChildQuerySet(ScopedQuerySet):
    authority_paths = ("request__responsible_authority",)
