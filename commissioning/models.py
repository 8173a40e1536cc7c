"""Referrals: a planned service (or a request about a birth relative or adult adoptee) sent to the provider
commissioned for it, with the routing reason, the state machine, the sessions delivered and spot purchases.

Every write goes through `commissioning.services`. Scope: a referral belongs to the authority that made it
(`authority`); provider staff see it only once it has been sent to their organisation (`sent_to`), and then only
through the provider pages, which show the minimum the service needs."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from core import wording
from core.dates import long_date
from organisations.scoping import ScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2, "default_currency": "GBP"}


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent, waiting for the provider"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE)
# Statuses in which a referral takes up a place under its contract (for capacity).
HOLDING_A_PLACE = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE, ReferralStatus.COMPLETED)


class RouteType(models.TextChoices):
    NONE = "", "Not routed yet"
    CONTRACT = "contract", "Under a contract"
    SPOT = "spot", "Spot purchase"


class ReferralQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)
    provider_paths = ("sent_to",)


class Referral(django_fsm.FSMModelMixin, models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="referrals")
    support_request = models.ForeignKey(
        "support.SupportRequest", on_delete=models.PROTECT, related_name="referrals"
    )
    planned_service = models.ForeignKey(
        "support.PlannedService", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals",
        help_text="Empty for a request about a birth relative or adult adoptee (no plan needed)",
    )
    service_type = models.ForeignKey("support.ServiceType", on_delete=models.PROTECT, related_name="referrals")
    notes_for_provider = models.TextField(
        "what the provider needs to know", blank=True,
        help_text="Only what the provider needs to deliver the service: the provider sees this and nothing else "
        "from the family's record",
    )

    route_type = models.CharField(max_length=20, choices=RouteType.choices, default=RouteType.NONE, blank=True)
    provider = models.ForeignKey(
        "organisations.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="routed_referrals"
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    routed_date = models.DateField(null=True, blank=True)
    routing_reason = models.CharField(max_length=600, blank=True)
    routing_considered = models.JSONField(
        default=list, blank=True, help_text="Every contract routing looked at, ranked, with why"
    )

    status = django_fsm.FSMField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT,
                                 protected=True)
    sent_to = models.ForeignKey(
        "organisations.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_received"
    )
    sent_date = models.DateField(null=True, blank=True)
    response_due_date = models.DateField(null=True, blank=True)
    accepted_date = models.DateField(null=True, blank=True)
    declined_date = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=600, blank=True)
    first_session_date = models.DateField(null=True, blank=True)
    completed_date = models.DateField(null=True, blank=True)
    cancelled_date = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=600, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_referral",
        help_text="The declined referral this one was re-routed from",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["authority", "status"], name="referral_authority_status"),
            models.Index(fields=["sent_to", "status"], name="referral_provider_status"),
            # The API's cursor (a provider's referrals by id): a range of this index, no sort.
            models.Index(fields=["sent_to", "id"], name="referral_provider_id"),
            models.Index(fields=["contract", "status"], name="referral_contract_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(condition=Q(route_type__in=RouteType.values), name="referral_route_type_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[ReferralStatus.DRAFT, ReferralStatus.CANCELLED])
                | Q(sent_to__isnull=False, sent_date__isnull=False),
                name="referral_sent_has_provider_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(route_type=RouteType.CONTRACT) | Q(contract__isnull=False, provider__isnull=False),
                name="referral_contract_route_names_contract",
            ),
            models.CheckConstraint(
                condition=~Q(route_type=RouteType.SPOT) | Q(contract__isnull=True, provider__isnull=False),
                name="referral_spot_route_has_no_contract",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECLINED) | ~Q(decline_reason=""),
                name="referral_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.service_type}"

    @property
    def reference(self) -> str:
        return f"REF-{self.pk:06d}" if self.pk else "REF-new"

    # Transitions: called only by commissioning.services, which saves and writes the status-change row.
    @django_fsm.transition(field=status, source=ReferralStatus.DRAFT, target=ReferralStatus.SENT)
    def send(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.DECLINED)
    def decline(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ReferralStatus.ACCEPTED, target=ReferralStatus.ACTIVE)
    def start(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ReferralStatus.ACTIVE, target=ReferralStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @django_fsm.transition(field=status, source=list(OPEN_STATUSES), target=ReferralStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class ReferralChildQuerySet(ScopedQuerySet):
    authority_paths = ("referral__authority",)
    provider_paths = ("referral__sent_to",)


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=600, blank=True)
    history = HistoricalRecords()

    objects = ReferralChildQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        change = wording.event("commissioning.referral", from_state=self.from_status, to_state=self.to_status)
        return f"{self.referral.reference}: {change}"


class SessionDelivered(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="sessions")
    session_date = models.DateField()
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="A short note for the authority; no clinical detail"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = ReferralChildQuerySet.as_manager()

    class Meta:
        ordering = ["session_date", "id"]
        verbose_name_plural = "sessions delivered"
        constraints = [
            models.UniqueConstraint(fields=["referral", "session_date"], name="one_session_per_referral_per_day"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gt=0),
                name="session_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral.reference}: session on {long_date(self.session_date)}"


class SpotPurchaseStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class SpotPurchaseQuerySet(ScopedQuerySet):
    authority_paths = ("referral__authority",)


class SpotPurchase(django_fsm.FSMModelMixin, models.Model):
    """One family, one need, bought outside any contract: an approved provider, a justification, and a manager's
    approval that is never the requester's own."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="spot_purchases")
    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="spot_purchases")
    justification = models.TextField()
    estimated_cost = MoneyField(**MONEY)
    status = django_fsm.FSMField(
        max_length=20, choices=SpotPurchaseStatus.choices, default=SpotPurchaseStatus.REQUESTED, protected=True
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=600, blank=True)
    history = HistoricalRecords()

    objects = SpotPurchaseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SpotPurchaseStatus.values), name="spot_status_valid"),
            models.UniqueConstraint(
                fields=["referral"], condition=~Q(status=SpotPurchaseStatus.REFUSED),
                name="one_live_spot_purchase_per_referral",
            ),
            models.CheckConstraint(condition=~Q(justification=""), name="spot_purchase_is_justified"),
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="spot_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="spot_purchase_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=Q(status=SpotPurchaseStatus.REQUESTED) | Q(decided_by__isnull=False),
                name="spot_purchase_decision_has_a_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"Spot purchase from {self.provider} for {self.referral.reference}"

    @django_fsm.transition(field=status, source=SpotPurchaseStatus.REQUESTED, target=SpotPurchaseStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=SpotPurchaseStatus.REQUESTED, target=SpotPurchaseStatus.REFUSED)
    def refuse(self) -> None:
        pass
