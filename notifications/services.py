"""Every write: issuing a letter (rendered, checked, stored once, its messages queued), sending a message through
the channel exactly once, recording Notify's delivery receipts, and the follow-ups a worker must act on."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Any

from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django_fsm import can_proceed

from . import channel
from .models import (
    ContactPreference,
    FollowUp,
    Letter,
    Letterhead,
    LetterKind,
    Message,
    MessageChannel,
    MessageEvent,
    MessageStatus,
)
from .recipients import Recipient, check_recipient
from .rendering import render_letter
from .selectors import letterhead_for

# Notify's callback statuses, and the transition each makes.
RECEIPT_TRANSITIONS = {
    "delivered": "deliver",
    "permanent-failure": "fail_permanently",
    "temporary-failure": "fail_temporarily",
    "technical-failure": "fail_technically",
}


class UnknownMessage(Exception):
    """A receipt names a message we never sent."""


def _reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16].upper()}"


def _event(message: Message, *, now: datetime, note: str = "", source: str = "service",
           payload: dict[str, Any] | None = None) -> None:
    message.status_at = now
    MessageEvent.objects.create(message=message, status=message.status, at=now, source=source, note=note[:400],
                                payload=payload or {})


def _follow_up(message: Message, *, reason: str, now: datetime) -> FollowUp:
    return FollowUp.objects.create(message=message, authority=message.authority, assigned_to=message.owner,
                                   reason=reason[:400], created_at=now)


def _enqueue(message: Message) -> None:
    """After commit, hand the message to the `notifications.send` task (found by name: the task module sits above
    the services and registers itself when the app is ready)."""
    task = current_app.tasks["notifications.send"]
    transaction.on_commit(lambda: task.delay(message.pk))


@transaction.atomic
def letter_issue(
    *, kind: str, authority: Any, recipient: Recipient, context: dict[str, Any], about: models.Model, by: Any,
    now: datetime, letter_date: date, household: Any = None, provider: Any = None, owner: Any = None,
    title: str | None = None, sender: dict[str, Any] | None = None,
) -> Letter:
    """Render the letter, refuse it if it breaks the recipient rule, store the PDF once with its hash, and queue
    it to the recipient by their preferred channel (held, with a follow-up, where there is no usable address).
    Called by the service whose state change needs the letter, inside that service's transaction. `sender`
    replaces parts of the letterhead (the letterbox service writes from its own address, never a family's)."""
    title = title or LetterKind(kind).label
    reference = _reference("LTR")
    rendered = render_letter(kind=kind, title=title, reference=reference,
                             letterhead={**letterhead_for(authority=authority), **(sender or {})}, recipient=recipient,
                             context={**context, "letter_date": letter_date})
    check_recipient(recipient=recipient, letter_text=rendered.text)
    letter = Letter(
        reference=reference, kind=kind, authority=authority, household=household, provider=provider,
        object_type=ContentType.objects.get_for_model(about), object_id=str(about.pk),
        recipient_kind=recipient.kind, recipient_name=recipient.name[:200],
        recipient_address="\n".join(line for line in recipient.address_lines if line.strip()),
        recipient_email=recipient.email, channel=recipient.channel, title=title[:200],
        content_hash=hashlib.sha256(rendered.pdf).hexdigest(), page_count=rendered.page_count, issued_at=now,
        issued_by=by,
    )
    letter.pdf.save(f"{reference}.pdf", ContentFile(rendered.pdf), save=False)
    letter._history_user = by  # type: ignore[attr-defined]
    letter.full_clean(exclude=["pdf"])
    letter.save()
    owner = owner or by
    if recipient.wants_post:
        _queue_letter(letter, channel_name=MessageChannel.LETTER, to=recipient.name,
                      usable=recipient.has_postal_address, owner=owner, now=now,
                      missing="no postal address")
    if recipient.wants_email:
        _queue_letter(letter, channel_name=MessageChannel.EMAIL, to=recipient.email, usable=recipient.has_email,
                      owner=owner, now=now, missing="no email address")
    return letter


def _queue_letter(letter: Letter, *, channel_name: str, to: str, usable: bool, owner: Any, now: datetime,
                  missing: str) -> Message:
    message = Message.objects.create(
        reference=_reference("MSG"), channel=channel_name, authority=letter.authority, letter=letter,
        to=to[:254] or letter.recipient_name[:254], subject=f"{letter.title} ({letter.reference})"[:200],
        body=(f"Please find attached a letter from {letter.authority}: {letter.title}, "
              f"reference {letter.reference}."),
        owner=owner, created_at=now,
    )
    _event(message, now=now, note="Queued")
    if usable:
        _enqueue(message)
        return message
    message.hold()
    message.save(update_fields=["status", "status_at"])
    _event(message, now=now, note=f"Held: {missing}")
    _follow_up(message, reason=f"{letter.title} {letter.reference} to {letter.recipient_name} was not sent: "
               f"{missing}. Add it to their record and send the letter again.", now=now)
    return message


@transaction.atomic
def email_send(*, to: str, subject: str, body: str, reference: str, now: datetime, authority: Any = None,
               owner: Any = None) -> Message:
    """Queue one email (no letter). `reference` must be unique: the same reference is never sent twice."""
    message = Message.objects.create(reference=reference[:60], channel=MessageChannel.EMAIL, authority=authority,
                                     to=to, subject=subject[:200], body=body, owner=owner, created_at=now)
    _event(message, now=now, note="Queued")
    _enqueue(message)
    return message


def message_send(*, message_id: int, now: datetime) -> Message:
    """Send a queued message once. The attempt is committed as `sending` before the call; a later attempt that
    finds `sending` asks Notify for the reference first and records what an earlier attempt sent instead of sending
    again. Raises channel.SendFailed (retryable) for the task to retry with backoff."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status not in (MessageStatus.PENDING, MessageStatus.SENDING):
            return message  # already sent, held or failed: nothing to do
        if message.status == MessageStatus.SENDING:
            already = channel.find_sent(message.reference)
            if already:
                message.notify_id = already
                message.mark_sent()
                message.sent_at = now
                message.save(update_fields=["status", "notify_id", "sent_at", "status_at"])
                _event(message, now=now, note="Found sent by an earlier attempt")
                return message
        message.start_sending()
        message.save(update_fields=["status", "attempts"])
    outgoing = channel.Outgoing(
        channel=message.channel, reference=message.reference, to=message.to, subject=message.subject,
        body=message.body, pdf=_pdf(message.letter) if message.letter_id else None,
        filename=f"{message.letter.reference}.pdf" if message.letter_id else "letter.pdf",
    )
    try:
        notify_id = channel.send(outgoing)
    except channel.SendFailed as error:
        _record_failure(message_id, error=error, now=now)
        raise
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.notify_id = notify_id or ""
        message.sent_at = now
        if notify_id:
            message.mark_sent()
        else:
            message.keep_in_outbox()
        message.save(update_fields=["status", "notify_id", "sent_at", "status_at"])
        _event(message, now=now, note="Sent to GOV.UK Notify" if notify_id else "Kept in the local outbox")
    return message


def _pdf(letter: Letter | None) -> bytes:
    assert letter is not None
    with letter.pdf.open("rb") as handle:
        return handle.read()


@transaction.atomic
def _record_failure(message_id: int, *, error: channel.SendFailed, now: datetime) -> None:
    message = Message.objects.select_for_update().get(pk=message_id)
    message.last_error = str(error)[:400]
    if error.retryable:
        message.save(update_fields=["last_error"])
        return
    message.refuse()
    message.save(update_fields=["status", "last_error", "status_at"])
    _event(message, now=now, note=str(error))
    _follow_up(message, reason=f"{message} could not be sent: {error}", now=now)


@transaction.atomic
def message_give_up(*, message_id: int, now: datetime) -> Message:
    """Every retry failed (Notify kept answering 429 or 5xx): the worker is told."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status in (MessageStatus.PENDING, MessageStatus.SENDING) and not channel.find_sent(message.reference):
        message.refuse()
        message.save(update_fields=["status", "status_at"])
        _event(message, now=now, note=f"Gave up after {message.attempts} attempts: {message.last_error}")
        _follow_up(message, reason=f"{message} could not be sent after {message.attempts} attempts.", now=now)
    return message


@transaction.atomic
def message_record_receipt(*, payload: dict[str, Any], now: datetime) -> Message:
    """A delivery receipt from Notify's callback. A permanent failure creates a follow-up for the worker. A receipt
    for a status the message already has, or one that arrives after a final status, is kept but changes nothing."""
    notify_id, reference = str(payload.get("id") or ""), str(payload.get("reference") or "")
    found = Message.objects.select_for_update().filter(
        models.Q(notify_id=notify_id) if notify_id else models.Q(pk__in=[])).first()
    if found is None and reference:
        found = Message.objects.select_for_update().filter(reference=reference).first()
    if found is None:
        raise UnknownMessage(f"No message with id {notify_id!r} or reference {reference!r}")
    message = found
    status = str(payload.get("status") or "")
    transition = RECEIPT_TRANSITIONS.get(status)
    method = getattr(message, transition) if transition else None
    if method is not None and can_proceed(method):
        method()
        if not message.notify_id and notify_id:
            message.notify_id = notify_id
        message.save(update_fields=["status", "notify_id", "status_at"])
        _event(message, now=now, source="notify", note=f"Receipt: {status}", payload=payload)
        if message.status == MessageStatus.PERMANENT_FAILURE:
            _follow_up(message, reason=(f"{message} to {message.to} could not be delivered (GOV.UK Notify: "
                                        "permanent failure). Check the address and send it again."), now=now)
    else:
        MessageEvent.objects.create(message=message, status=message.status, at=now, source="notify",
                                    note=f"Receipt ignored: {status or 'no status'}", payload=payload)
    return message


@transaction.atomic
def letterhead_save(*, authority: Any, by: Any = None, **fields: Any) -> Letterhead:
    """Create or change an authority's letterhead (history keeps every version)."""
    head = Letterhead.objects.select_for_update().filter(authority=authority).first() or Letterhead(
        authority=authority)
    for name, value in fields.items():
        setattr(head, name, value)
    head._history_user = by  # type: ignore[attr-defined]
    head.full_clean()
    head.save()
    return head


@transaction.atomic
def contact_preference_save(*, party: models.Model, channel: str, email: str = "", postal_address: str = "",
                            authority: Any = None, by: Any = None) -> ContactPreference:
    """How a family or a provider wants letters, and where (history keeps every change)."""
    party_type = ContentType.objects.get_for_model(party)
    preference = ContactPreference.objects.select_for_update().filter(
        party_type=party_type, party_id=str(party.pk)).first() or ContactPreference(
        party_type=party_type, party_id=str(party.pk))
    preference.channel, preference.email, preference.postal_address = channel, email, postal_address
    preference.authority = authority
    preference._history_user = by  # type: ignore[attr-defined,union-attr]
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def follow_up_done(*, follow_up: FollowUp, by: Any, now: datetime) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_at is None:
        follow_up.done_at = now
        follow_up._history_user = by  # type: ignore[attr-defined]
        follow_up.save(update_fields=["done_at"])
    return follow_up
