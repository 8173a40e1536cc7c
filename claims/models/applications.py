"""The ASF application, its state machine (django-fsm-2), its lines (the services asked for) and its
status-change rows."""

from __future__ import annotations

from typing import Any

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from moneyed import Money
from simple_history.models import HistoricalRecords

from core import wording
from organisations.scoping import ScopedQuerySet

from ._fields import GBP, _gbp_and_not_negative, money
from .fund_rules import FundRuleSet


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_MANAGER = "awaiting_manager_approval", "Awaiting manager approval"
    READY = "ready_to_submit", "Ready to submit"
    SUBMITTED = "submitted", "Submitted to the fund"
    RETURNED = "returned_for_rework", "Returned for rework"
    RESUBMITTED = "resubmitted", "Resubmitted to the fund"
    APPROVED = "approved", "Approved by the fund"
    REJECTED = "rejected", "Rejected by the fund"
    WITHDRAWN = "withdrawn", "Withdrawn"
    FUNDS_RECEIVED = "funds_received", "Funds received"
    IN_DELIVERY = "in_delivery", "In delivery"
    SPEND_CONFIRMED = "spend_confirmed", "Spend confirmed"
    CLOSED = "closed", "Closed"


#: Not yet with the fund: re-checked when the rules change (issue 5, item 13).
OPEN_STATES = (Status.DRAFT, Status.AWAITING_MANAGER, Status.READY, Status.RETURNED)
AWAITING_DECISION = (Status.SUBMITTED, Status.RESUBMITTED)
WITHDRAWABLE = (*OPEN_STATES, *AWAITING_DECISION)
APPROVED_STATES = (Status.APPROVED, Status.FUNDS_RECEIVED, Status.IN_DELIVERY, Status.SPEND_CONFIRMED, Status.CLOSED)
INVOICEABLE = (Status.APPROVED, Status.FUNDS_RECEIVED, Status.IN_DELIVERY)
FINAL_STATES = (Status.REJECTED, Status.WITHDRAWN, Status.CLOSED)


class Decision(models.TextChoices):
    NONE = "", "No decision yet"
    APPROVED_IN_FULL = "in_full", "Approved in full"
    APPROVED_IN_PART = "in_part", "Approved in part"
    REJECTED = "rejected", "Rejected"


class ASFApplicationQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority",)


def _not_the_author(application: Any) -> bool:
    by = getattr(application, "_acting_user", None)
    return by is not None and by.pk != application.author_id


def _manager_approved(application: Any) -> bool:
    return application.manager_approved_by_id is not None


def _in_window_or_exceptional(application: Any) -> bool:
    return bool(getattr(application, "_window_ok", False)) or bool(application.exceptional_reason.strip())


class ASFApplication(django_fsm.FSMModelMixin, models.Model):
    reference = models.CharField(max_length=30, unique=True, help_text="Our reference, e.g. ASF-KENT-000042")
    child = models.ForeignKey("support.Child", on_delete=models.PROTECT, related_name="asf_applications")
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="asf_applications"
    )
    assessment = models.ForeignKey("support.Assessment", on_delete=models.PROTECT, related_name="asf_applications")
    start_date = models.DateField(help_text="When the services start: decides the financial year and the rules")
    financial_year = models.CharField(max_length=7)
    rule_set = models.ForeignKey(FundRuleSet, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = django_fsm.FSMField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="asf_applications")
    purpose_for_fund = models.TextField(
        "summary for the fund", blank=True,
        help_text="Written for the fund's portal: never names, addresses or dates of birth",
    )
    internal_notes = models.TextField(blank=True, help_text="Never leaves the authority")
    exceptional_reason = models.TextField(
        blank=True, help_text="Why the application is made outside the window after the assessment"
    )
    therapy_total = money()
    assessment_total = money()
    estimated_fund = money()
    estimated_authority = money()
    manager_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    manager_approved_at = models.DateTimeField(null=True, blank=True)
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Everyone who wrote or changed the application or its lines: none of them may approve it",
    )
    submitted_date = models.DateField(null=True, blank=True)
    first_submitted_date = models.DateField(null=True, blank=True)
    fund_reference = models.CharField(max_length=40, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default=Decision.NONE)
    decision_date = models.DateField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    approved_therapy = money()
    approved_assessment = money()
    approved_fund = money()
    approved_authority = money()
    year_to_date_therapy_before = money()
    year_to_date_assessment_before = money()
    year_to_date_fund_before = MoneyField(
        max_digits=14, decimal_places=2, default_currency=GBP, null=True, blank=True,
        help_text="What the fund already paid for the child in the year when this was approved (empty on "
                  "applications approved before it was kept: their invoices' shares follow the rules alone)",
    )
    funds_received = money()
    unspent_returned = money()
    spend_confirmed_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = ASFApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ASF application"
        indexes = [models.Index(fields=["responsible_authority", "status"], name="claims_app_authority_status"),
                   # The API's cursor (an authority's applications by id): a range of this index, no sort.
                   models.Index(fields=["responsible_authority", "id"], name="claims_app_authority_id")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="asf_application_status_valid"),
            models.CheckConstraint(condition=Q(decision__in=Decision.values), name="asf_application_decision_valid"),
            models.UniqueConstraint(fields=["fund_reference"], condition=~Q(fund_reference=""),
                                    name="asf_application_fund_reference_unique"),
            models.CheckConstraint(condition=~Q(manager_approved_by=F("author")),
                                   name="asf_application_not_approved_by_author"),
            models.CheckConstraint(condition=Q(funds_received__lte=F("approved_fund")),
                                   name="asf_application_not_over_received"),
            *_gbp_and_not_negative(
                "asf_application", "therapy_total", "assessment_total", "estimated_fund", "estimated_authority",
                "approved_therapy", "approved_assessment", "approved_fund", "approved_authority",
                "year_to_date_therapy_before", "year_to_date_assessment_before", "funds_received",
                "unspent_returned",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def source_label(self) -> str:
        return f"claims.asfapplication:{self.pk}"

    @property
    def total(self) -> Money:
        return self.therapy_total + self.assessment_total

    @property
    def approved_total(self) -> Money:
        return self.approved_therapy + self.approved_assessment

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    # The transitions change state in memory only; claims.services runs each inside a transaction, checks its
    # conditions first (to say which one failed), writes the StatusChange row and saves.

    # A returned application that was changed lost its manager approval (claims.services.drafting._editable): it goes
    # back to a manager, then is submitted again.
    @django_fsm.transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.AWAITING_MANAGER)
    def send_to_manager(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.AWAITING_MANAGER, target=Status.READY,
                           conditions=[_not_the_author])
    def manager_approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.AWAITING_MANAGER, target=Status.DRAFT)
    def manager_send_back(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.READY, target=Status.SUBMITTED,
                           conditions=[_in_window_or_exceptional])
    def submit(self) -> None:
        pass

    @django_fsm.transition(field=status, source=list(AWAITING_DECISION), target=Status.RETURNED)
    def return_for_rework(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.RETURNED, target=Status.RESUBMITTED,
                           conditions=[_manager_approved])
    def resubmit(self) -> None:
        pass

    @django_fsm.transition(field=status, source=list(AWAITING_DECISION), target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=list(AWAITING_DECISION), target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @django_fsm.transition(field=status, source=list(WITHDRAWABLE), target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.APPROVED, target=Status.FUNDS_RECEIVED)
    def receive_funds(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[Status.APPROVED, Status.FUNDS_RECEIVED], target=Status.IN_DELIVERY)
    def start_delivery(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.IN_DELIVERY, target=Status.SPEND_CONFIRMED)
    def confirm_spend(self) -> None:
        pass

    @django_fsm.transition(field=status, source=Status.SPEND_CONFIRMED, target=Status.CLOSED)
    def close(self) -> None:
        pass


class LineQuerySet(ScopedQuerySet):
    authority_paths = ("application__responsible_authority",)


class ApplicationLine(models.Model):
    application = models.ForeignKey(ASFApplication, on_delete=models.PROTECT, related_name="lines")
    service_type = models.ForeignKey("support.ServiceType", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="asf_lines")
    is_assessment = models.BooleanField(default=False, help_text="Counts against the specialist assessment limit")
    sessions = models.PositiveIntegerField()
    unit_cost = money()
    travel = money()
    total = money()
    description_for_fund = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            *_gbp_and_not_negative("asf_line", "unit_cost", "travel", "total"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="asf_line_at_least_one_session"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} from {self.provider}"


class StatusChangeQuerySet(ScopedQuerySet):
    authority_paths = ("application__responsible_authority",)


class StatusChange(models.Model):
    application = models.ForeignKey(ASFApplication, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=Status.choices)
    to_status = models.CharField(max_length=30, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        change = wording.event("claims.asfapplication", from_state=self.from_status, to_state=self.to_status)
        return f"{self.application}: {change}"
