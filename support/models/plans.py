"""The support plan (reg 16), its planned services and its outcome measures."""

from __future__ import annotations

from typing import Any

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint
from .assessments import Assessment
from .catalogue import ServiceType
from .requests import RequestChildQuerySet, SupportRequest


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Revised (replaced by a newer version)"
    ENDED = "ended", "Ended"


# The national Adoption Support Plan template's sections (March 2025).
PLAN_SECTIONS = (
    ("emotional_behavioural", "Emotional and behavioural development"),
    ("identity", "Identity"),
    ("education", "Education"),
    ("contact", "Contact"),
    ("likely_needs", "Likely support needs"),
)


class SupportPlan(django_fsm.FSMModelMixin, models.Model):
    """Reg 16: the support plan (national template sections). A revision is a new version; the old one is
    superseded. An interim plan is one put in place on the urgent path before the notice."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="plans")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(default=1)
    revision_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="revised_by")
    interim = models.BooleanField(default=False, help_text="Put in place urgently, before the notice (reg 21)")
    emotional_behavioural = models.TextField("emotional and behavioural development", blank=True)
    identity = models.TextField(blank=True)
    education = models.TextField(blank=True)
    contact = models.TextField(blank=True)
    likely_needs = models.TextField("likely support needs", blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=400, blank=True)
    status = django_fsm.FSMField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["request", "-version"]
        constraints = [
            _states_constraint("status", PlanStatus, "support_plan_status_valid"),
            models.UniqueConstraint(fields=["request", "version"], name="one_plan_per_request_version"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="support_plan_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Support plan v{self.version} for {self.request}"

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in PLAN_SECTIONS]

    @django_fsm.transition(field=status, source=PlanStatus.DRAFT, target=PlanStatus.ACTIVE)
    def activate(self) -> None:
        pass

    @django_fsm.transition(field=status, source=PlanStatus.ACTIVE, target=PlanStatus.SUPERSEDED)
    def supersede(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[PlanStatus.ACTIVE, PlanStatus.DRAFT], target=PlanStatus.ENDED)
    def end(self) -> None:
        pass


class PlannedServiceQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class Delivery(models.TextChoices):
    PROVIDED = "provided", "Provided or commissioned"
    SIGNPOSTED = "signposted", "Signposted"


class PlannedService(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="services")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="planned_services")
    frequency = models.CharField(max_length=120, help_text="For example, weekly for 12 weeks")
    estimated_cost = MoneyField(max_digits=14, decimal_places=2, default_currency="GBP")
    provider = models.ForeignKey("organisations.Provider", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="planned_services")
    signposted = models.BooleanField(default=False, help_text="Signposted to a service rather than provided")
    provider_note = models.CharField("who provides or signposts", max_length=200, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = PlannedServiceQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="planned_service_cost_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.service_type} ({self.frequency})"

    @property
    def request(self) -> SupportRequest:
        return self.plan.request

    @property
    def responsible_authority(self) -> Any:
        return self.plan.request.responsible_authority


class OutcomeMeasureQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class OutcomeMeasure(models.Model):
    """A measure with a baseline and a target (for example an SDQ total difficulties score), re-scored at reviews."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="measures")
    name = models.CharField(max_length=120)
    baseline_score = models.DecimalField(max_digits=8, decimal_places=2)
    baseline_date = models.DateField()
    target_score = models.DecimalField(max_digits=8, decimal_places=2)
    higher_is_better = models.BooleanField(default=False, help_text="SDQ difficulties: lower is better")
    history = HistoricalRecords()

    objects = OutcomeMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "name"]

    def __str__(self) -> str:
        return self.name
