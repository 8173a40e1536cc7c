"""Letterheads, letters (stored once, immutable), the messages that carry them (the outbox), their receipts, each
party's preferred channel, and the follow-ups a worker must do when a message cannot go or fails."""

from __future__ import annotations

import django_fsm
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from .recipients import Channel, RecipientKind


def letters_storage():  # type: ignore[no-untyped-def]
    """Private storage: letters are never served from a public URL, only through the audited download view."""
    return storages["letters"]


class Letterhead(models.Model):
    """An authority's letterhead, as data: edited in the back office, with history."""

    authority = models.OneToOneField("organisations.Authority", on_delete=models.PROTECT, related_name="letterhead")
    display_name = models.CharField(max_length=160, help_text="As it should appear at the top of a letter")
    address = models.TextField(help_text="The authority's postal address, one line per line")
    logo = models.FileField(upload_to="letterheads/", blank=True)
    signatory_name = models.CharField(max_length=160)
    signatory_title = models.CharField(max_length=160)
    telephone = models.CharField(max_length=40)
    email = models.EmailField()
    complaint_route = models.TextField(help_text="How to complain: who to write to, and where")
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of a request for support"
    NOTICE_OF_PROPOSAL = "notice_of_proposal", "Notice of proposal"
    NOTICE_OF_DECISION = "notice_of_decision", "Notice of decision"
    REVIEW_OUTCOME = "review_outcome", "Outcome of a review"
    ASF_OUTCOME = "asf_outcome", "Adoption Support Fund application outcome"
    REFERRAL = "referral", "Referral to a provider"
    REMITTANCE_ADVICE = "remittance_advice", "Remittance advice"
    LETTERBOX_REMINDER = "letterbox_reminder", "Letterbox reminder"
    LETTERBOX_HELD = "letterbox_held", "About your letterbox item"


class LetterQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)
    provider_paths = ("provider",)


class Letter(models.Model):
    """A letter issued: the PDF stored once and never changed (its SHA-256 recorded), with a snapshot of who it was
    addressed to. Linked to the record it belongs to (generic) and, where there is one, to the family."""

    reference = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=30, choices=LetterKind.choices)
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("support.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="letters")
    provider = models.ForeignKey("organisations.Provider", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The provider the letter is for, if any")
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    about = GenericForeignKey("object_type", "object_id")
    recipient_kind = models.CharField(max_length=30, choices=RecipientKind.CHOICES)
    recipient_name = models.CharField(max_length=200)
    recipient_address = models.TextField(blank=True)
    recipient_email = models.EmailField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.CHOICES)
    title = models.CharField(max_length=200)
    pdf = models.FileField(storage=letters_storage, upload_to="letters/%Y/%m/")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the PDF")
    page_count = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    history = HistoricalRecords()  # the creation, with who: a letter is never changed after

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["household", "issued_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="letter_hash_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class MessageChannel(models.TextChoices):
    EMAIL = "email", "Email"
    LETTER = "letter", "Post"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    OUTBOX = "outbox", "In the outbox (not sent: no GOV.UK Notify key)"
    HELD = "held", "Held: no usable address"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent_failure", "Could not be delivered"
    TEMPORARY_FAILURE = "temporary_failure", "Not delivered yet (temporary failure)"
    TECHNICAL_FAILURE = "technical_failure", "Not sent (technical failure)"


RECEIPT_SOURCES = [MessageStatus.SENT, MessageStatus.TEMPORARY_FAILURE, MessageStatus.TECHNICAL_FAILURE]


class MessageQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class Message(django_fsm.FSMModelMixin, models.Model):
    """One email or one posted letter. `reference` is unique and goes to Notify with the message, so a retried
    task finds what an earlier attempt sent instead of sending it again."""

    reference = models.CharField(max_length=60, unique=True)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    authority = models.ForeignKey("organisations.Authority", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    letter = models.ForeignKey(Letter, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    to = models.CharField(max_length=254, help_text="Email address, or the addressee's name for post")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    template_id = models.CharField(max_length=60, blank=True)
    status = django_fsm.FSMField(max_length=30, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    notify_id = models.CharField(max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=400, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="The worker told if the message cannot go or fails")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["notify_id"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=MessageChannel.values), name="message_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.reference}"

    @django_fsm.transition(field=status, source=[MessageStatus.PENDING, MessageStatus.SENDING],
                           target=MessageStatus.SENDING)
    def start_sending(self) -> None:
        self.attempts += 1

    @django_fsm.transition(field=status, source=MessageStatus.SENDING, target=MessageStatus.SENT)
    def mark_sent(self) -> None:
        pass

    @django_fsm.transition(field=status, source=MessageStatus.SENDING, target=MessageStatus.OUTBOX)
    def keep_in_outbox(self) -> None:
        pass

    @django_fsm.transition(field=status, source=MessageStatus.PENDING, target=MessageStatus.HELD)
    def hold(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[MessageStatus.PENDING, MessageStatus.SENDING],
                           target=MessageStatus.TECHNICAL_FAILURE)
    def refuse(self) -> None:
        pass

    @django_fsm.transition(field=status, source=RECEIPT_SOURCES, target=MessageStatus.DELIVERED)
    def deliver(self) -> None:
        pass

    @django_fsm.transition(field=status, source=RECEIPT_SOURCES, target=MessageStatus.PERMANENT_FAILURE)
    def fail_permanently(self) -> None:
        pass

    @django_fsm.transition(field=status, source=RECEIPT_SOURCES, target=MessageStatus.TEMPORARY_FAILURE)
    def fail_temporarily(self) -> None:
        pass

    @django_fsm.transition(field=status, source=RECEIPT_SOURCES, target=MessageStatus.TECHNICAL_FAILURE)
    def fail_technically(self) -> None:
        pass


class MessageEventQuerySet(ScopedQuerySet):
    authority_paths = ("message__authority",)


class MessageEvent(models.Model):
    """Every change of a message's status, with who or what made it: a receipt from Notify keeps its payload."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(max_length=30, choices=MessageStatus.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=20, default="service", help_text="service, or notify for a receipt")
    note = models.CharField(max_length=400, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    objects = MessageEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.message}: {self.status}"


class ContactPreferenceQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class ContactPreference(models.Model):
    """How a family or a provider wants letters: post, email or both, and the addresses for it."""

    party_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    party_id = models.CharField(max_length=40)
    party = GenericForeignKey("party_type", "party_id")
    authority = models.ForeignKey("organisations.Authority", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.CHOICES, default=Channel.POST)
    email = models.EmailField(blank=True)
    postal_address = models.TextField(blank=True, help_text="One line per line; empty to use the record's address")
    history = HistoricalRecords()

    objects = ContactPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party_type", "party_id"], name="one_preference_per_party")]

    def __str__(self) -> str:
        return f"{self.party_type.model} {self.party_id}: {self.get_channel_display()}"


class FollowUpQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class FollowUp(models.Model):
    """A task for a worker: a message that could not go (no usable address) or that Notify could not deliver."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="follow_ups")
    authority = models.ForeignKey("organisations.Authority", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reason = models.CharField(max_length=400)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "-created_at"]

    def __str__(self) -> str:
        return self.reason
