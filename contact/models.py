"""Letterbox contact: an arrangement between an adopted child (with the household) and birth relatives, the items
exchanged through the agency in each due month, the checks made before an item is forwarded, the coordinator's
tasks and each authority's letterbox address. Every write goes through `contact.services`.

Scope: an arrangement and everything under it belongs to the authority (`authority`); a provider sees the
arrangements it coordinates on referral (`provider`), and nothing else."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_fsm
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core import wording
from core.dates import long_date
from organisations.scoping import ScopedQuerySet

from . import rules


def letterbox_storage() -> Any:
    """Private storage: scans are never served from a public URL, only through the audited view."""
    return storages["letterbox"]


class LetterboxAddress(models.Model):
    """The address birth relatives write to and letters come from: the agency's, never a family's."""

    authority = models.OneToOneField("organisations.Authority", on_delete=models.PROTECT,
                                     related_name="letterbox_address")
    name = models.CharField(max_length=160, help_text="For example: Letterbox service, Adoption Partnership")
    address = models.TextField(help_text="One line per line, without the postcode")
    postcode = models.CharField(max_length=10)
    email = models.EmailField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "letterbox addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.postcode}"

    @property
    def lines(self) -> list[str]:
        return [self.name, *[line.strip() for line in self.address.splitlines() if line.strip()], self.postcode]


class ArrangementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Direction(models.TextChoices):
    FROM_FAMILY = "from_family", "One way: the family writes to the birth relatives"
    FROM_RELATIVES = "from_relatives", "One way: the birth relatives write to the family"
    BOTH_WAYS = "both_ways", "Both ways"


class EndReason(models.TextChoices):
    AGED_18 = "aged_18", "The child turned 18"
    RELATIVE_WITHDREW = "relative_withdrew", "The birth relative withdrew"
    COURT = "court", "A court decided"
    DIRECT_CONTACT = "direct_contact", "Moved to direct contact"


class ArrangementQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)
    provider_paths = ("provider",)


class Arrangement(django_fsm.FSMModelMixin, models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey("support.Child", on_delete=models.PROTECT, related_name="letterbox_arrangements")
    household = models.ForeignKey("support.Household", on_delete=models.PROTECT, related_name="+")
    relatives = models.ManyToManyField("support.Person", related_name="letterbox_arrangements")
    direction = models.CharField(max_length=20, choices=Direction.choices, default=Direction.BOTH_WAYS)
    due_months = models.JSONField(help_text="The month numbers the exchange is due in (one or two)")
    overdue_after_weeks = models.PositiveSmallIntegerField(
        default=4, help_text="Weeks after the due month before a missing item is overdue")
    photos_allowed = models.BooleanField(default=False)
    gifts_allowed = models.BooleanField(default=False)
    cards_allowed = models.BooleanField(default=True)
    conditions = models.TextField("special conditions", blank=True)
    agreed_date = models.DateField()
    plan = models.ForeignKey("support.SupportPlan", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="The support plan the arrangement came from")
    provider = models.ForeignKey(
        "organisations.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The provider coordinating it on referral; empty when the authority coordinates it")
    referral = models.ForeignKey("commissioning.Referral", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    second_check_required = models.BooleanField(
        default=False, help_text="A second worker must check every item before it is forwarded")
    status = django_fsm.FSMField(max_length=20, choices=ArrangementStatus.choices,
                                 default=ArrangementStatus.PROPOSED, protected=True)
    paused_reason = models.CharField(max_length=400, blank=True)
    paused_date = models.DateField(null=True, blank=True)
    paused_until_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    ended_date = models.DateField(null=True, blank=True)
    terms_changed_date = models.DateField(
        null=True, blank=True, help_text="When the terms last changed: items are scheduled from the month after")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = ArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["-agreed_date", "-id"]
        indexes = [models.Index(fields=["authority", "status"], name="arrangement_authority_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ArrangementStatus.values),
                                   name="arrangement_status_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="arrangement_direction_valid"),
            models.CheckConstraint(condition=~Q(status=ArrangementStatus.ENDED) | ~Q(end_reason=""),
                                   name="arrangement_end_has_reason"),
            models.CheckConstraint(condition=~Q(status=ArrangementStatus.PAUSED) | ~Q(paused_reason=""),
                                   name="arrangement_pause_has_reason"),
            models.CheckConstraint(condition=Q(referral__isnull=True) | Q(provider__isnull=False),
                                   name="arrangement_referral_names_provider"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"LBX-{self.pk:06d}" if self.pk else "LBX-new"

    @property
    def child_initials(self) -> str:
        """What a provider is shown of the child: initials and year of birth, never the name."""
        child = self.child
        parts = [child.first_name, *child.last_name.replace("-", " ").split()]
        return f"{' '.join(p[0].upper() for p in parts if p)} (born {child.date_of_birth.year})"

    @property
    def frequency(self) -> str:
        return rules.months_in_words(self.due_months)

    @property
    def terms_from(self) -> date:
        """The date the present terms run from: items are due from the month after it."""
        if self.terms_changed_date is None:
            return self.agreed_date
        return max(self.agreed_date, self.terms_changed_date)

    @property
    def terms(self) -> rules.Terms:
        return rules.Terms(
            due_months=tuple(sorted(self.due_months)), direction=self.direction,
            overdue_after_weeks=self.overdue_after_weeks, photos_allowed=self.photos_allowed,
            gifts_allowed=self.gifts_allowed, cards_allowed=self.cards_allowed, conditions=self.conditions,
            second_check_required=self.second_check_required)

    @property
    def family_writes(self) -> bool:
        return self.direction in (Direction.FROM_FAMILY, Direction.BOTH_WAYS)

    @property
    def relatives_write(self) -> bool:
        return self.direction in (Direction.FROM_RELATIVES, Direction.BOTH_WAYS)

    @django_fsm.transition(field=status, source=ArrangementStatus.PROPOSED, target=ArrangementStatus.ACTIVE)
    def activate(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ArrangementStatus.ACTIVE, target=ArrangementStatus.PAUSED)
    def pause(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ArrangementStatus.PAUSED, target=ArrangementStatus.ACTIVE)
    def resume(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[ArrangementStatus.PROPOSED, ArrangementStatus.ACTIVE,
                                                 ArrangementStatus.PAUSED], target=ArrangementStatus.ENDED)
    def end(self) -> None:
        pass


class ExchangeStatus(models.TextChoices):
    EXPECTED = rules.EXPECTED, "Expected"
    RECEIVED = rules.RECEIVED, "Received, to check"
    HELD = rules.HELD, "Held"
    REDACTED = rules.REDACTED, "Redacted, to forward"
    FORWARDED = rules.FORWARDED, "Forwarded"
    RETURNED = rules.RETURNED, "Returned to the writer"
    MISSED = rules.MISSED, "Missed"
    EXCUSED = rules.EXCUSED, "Not expected (arrangement paused or ended)"


class Writer(models.TextChoices):
    FAMILY = "family", "The adoptive family"
    RELATIVES = "relatives", "The birth relatives"


class ItemKind(models.TextChoices):
    LETTER = "letter", "Letter"
    CARD = "card", "Card"
    PHOTOS = "photos", "Letter with photos"
    GIFT = "gift", "Gift"


class ForwardChannel(models.TextChoices):
    POST = "post", "Post"
    EMAIL = "email", "Secure email"
    BY_HAND = "by_hand", "By hand at a meeting"


def _checks_complete(exchange: Any) -> bool:
    return not exchange.forward_refusals()


class ExchangeQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)
    provider_paths = ("arrangement__provider",)


class Exchange(django_fsm.FSMModelMixin, models.Model):
    """One item expected from one side in one due month, and what happened to it."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="exchanges")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+",
                                  help_text="The arrangement's authority, kept here for the coordinator's lists")
    writer = models.CharField(max_length=20, choices=Writer.choices)
    due_date = models.DateField(help_text="The first day of the month it is due in")
    overdue_date = models.DateField(help_text="From this day a missing item is overdue")
    status = django_fsm.FSMField(max_length=20, choices=ExchangeStatus.choices, default=ExchangeStatus.EXPECTED,
                                 protected=True)
    version = models.PositiveSmallIntegerField(default=0, help_text="Each new copy (received, redacted) adds one")
    written_by = models.ForeignKey("support.Person", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The birth relative who wrote it, if one did")
    kind = models.CharField(max_length=20, choices=ItemKind.choices, blank=True)
    received_date = models.DateField(null=True, blank=True)
    scan = models.FileField(storage=letterbox_storage, upload_to="scans/%Y/%m/", blank=True)
    scan_type = models.CharField(max_length=40, blank=True)
    redacted_scan = models.FileField(storage=letterbox_storage, upload_to="redacted/%Y/%m/", blank=True)
    redacted_scan_type = models.CharField(max_length=40, blank=True)
    redaction_note = models.CharField("what was redacted", max_length=600, blank=True)
    redacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    hold_reason = models.CharField(max_length=600, blank=True)
    held_date = models.DateField(null=True, blank=True)
    return_reason = models.CharField(max_length=600, blank=True)
    returned_date = models.DateField(null=True, blank=True)
    forwarded_date = models.DateField(null=True, blank=True)
    forward_channel = models.CharField(max_length=20, choices=ForwardChannel.choices, blank=True)
    reminded_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "writer", "id"]
        indexes = [
            models.Index(fields=["authority", "status", "overdue_date"], name="exchange_authority_overdue"),
            models.Index(fields=["authority", "status", "due_date"], name="exchange_authority_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExchangeStatus.values), name="exchange_status_valid"),
            models.CheckConstraint(condition=Q(writer__in=Writer.values), name="exchange_writer_valid"),
            models.UniqueConstraint(fields=["arrangement", "due_date", "writer"], name="one_exchange_per_side_due"),
            models.CheckConstraint(condition=Q(overdue_date__gt=models.F("due_date")),
                                   name="exchange_overdue_after_due"),
            models.CheckConstraint(
                condition=Q(status__in=[rules.EXPECTED, rules.MISSED, rules.EXCUSED]) | Q(received_date__isnull=False),
                name="exchange_received_has_date"),
            models.CheckConstraint(condition=~Q(status=rules.HELD) | ~Q(hold_reason=""),
                                   name="exchange_hold_has_reason"),
            models.CheckConstraint(condition=~Q(status=rules.FORWARDED) | Q(forwarded_date__isnull=False),
                                   name="exchange_forward_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.arrangement.reference}: {self.get_writer_display().lower()}, due {self.due_month}"

    @property
    def due_month(self) -> str:
        return self.due_date.strftime("%B %Y")

    @django_fsm.transition(field=status, source=ExchangeStatus.EXPECTED, target=ExchangeStatus.RECEIVED)
    def receive(self) -> None:
        self.version += 1

    @django_fsm.transition(field=status, source=[ExchangeStatus.RECEIVED, ExchangeStatus.REDACTED],
                           target=ExchangeStatus.HELD)
    def hold(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[ExchangeStatus.RECEIVED, ExchangeStatus.HELD],
                           target=ExchangeStatus.REDACTED)
    def redact(self) -> None:
        self.version += 1

    @django_fsm.transition(field=status, source=[ExchangeStatus.RECEIVED, ExchangeStatus.REDACTED],
                           target=ExchangeStatus.FORWARDED, conditions=[_checks_complete])
    def forward(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[ExchangeStatus.RECEIVED, ExchangeStatus.HELD],
                           target=ExchangeStatus.RETURNED)
    def return_to_writer(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ExchangeStatus.EXPECTED, target=ExchangeStatus.MISSED)
    def miss(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ExchangeStatus.EXPECTED, target=ExchangeStatus.EXCUSED)
    def excuse(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ExchangeStatus.EXCUSED, target=ExchangeStatus.EXPECTED)
    def reinstate(self) -> None:
        pass

    def forward_refusals(self) -> list[str]:
        checks = [rules.Check(by=c.checked_by_id, version=c.version, points=frozenset(c.points))
                  for c in self.checks.all()]
        return rules.forward_refusals(version=self.version, checks=checks,
                                      second_check_required=self.arrangement.second_check_required)


class ExchangeChildQuerySet(ScopedQuerySet):
    authority_paths = ("exchange__authority",)
    provider_paths = ("exchange__arrangement__provider",)


class ExchangeCheck(models.Model):
    """A worker's confirmation of the checklist for one copy of an item."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="checks")
    version = models.PositiveSmallIntegerField()
    points = models.JSONField(help_text="The checklist points the worker confirmed")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()

    objects = ExchangeChildQuerySet.as_manager()

    class Meta:
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return f"Checked by {self.checked_by} on {long_date(self.checked_at)}"


class EventQuerySet(ScopedQuerySet):
    authority_paths = ("arrangement__authority",)
    provider_paths = ("arrangement__provider",)


class ContactEvent(models.Model):
    """Every change of an arrangement or an item, with who and when: the record's history in plain words."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="events")
    exchange = models.ForeignKey(Exchange, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    action = models.CharField(max_length=30, blank=True, help_text="The transition's name, or check or create")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=600, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return self.words

    @property
    def words(self) -> str:
        model = "contact.exchange" if self.exchange_id else "contact.arrangement"
        return wording.event(model, transition=self.action, from_state=self.from_status, to_state=self.to_status)


class TaskKind(models.TextChoices):
    HELD_ITEM = "held_item", "Follow up a held item"
    OVERDUE = "overdue", "Chase an overdue item"


class TaskQuerySet(ScopedQuerySet):
    authority_paths = ("arrangement__authority",)
    provider_paths = ("arrangement__provider",)


class ContactTask(models.Model):
    """Something the coordinator must do: follow up a held item, or chase one that has not come."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="tasks")
    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    description = models.CharField(max_length=600)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    history = HistoricalRecords()

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "kind"], condition=Q(done_at__isnull=True),
                                    name="one_open_task_per_exchange_kind"),
        ]

    def __str__(self) -> str:
        return self.description
