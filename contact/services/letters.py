"""The letters to the people who write: a reminder when an item is overdue, an explanation when one is held.

Letters come from the authority's letterbox address, never a family's. A letter to a birth relative is refused
(IdentityWouldLeak) when it would carry the adoptive family's surname, address or postcode, anywhere: in the
sender block, the address block or the text (notifications.recipients.check_recipient, given what to withhold)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.models import LetterKind
from notifications.recipients import Channel, Recipient, RecipientKind, RecipientNotAllowed
from notifications.selectors import contact_preference_for
from notifications.services import letter_issue
from support.services.letters import household_recipient, withheld_from_birth_family

from ..models import Arrangement, Exchange, LetterboxAddress, Writer
from ._common import _today
from .errors import ContactError, IdentityWouldLeak


def sender_for(arrangement: Arrangement) -> dict[str, Any]:
    """The letterhead's sender block replaced by the letterbox address."""
    address = LetterboxAddress.objects.filter(authority_id=arrangement.authority_id).first()
    if address is None:
        raise ContactError("Set up the authority's letterbox address before letters are sent: letters never come "
                           "from a family's address.")
    sender: dict[str, Any] = {"address_lines": address.lines}
    if address.email:
        sender["email"] = address.email
    return sender


def relative_recipient(arrangement: Arrangement, person: Any) -> Recipient:
    preference = contact_preference_for(party=person)
    channel, email, lines = Channel.POST, "", tuple[str, ...]()
    if preference is not None:
        channel, email = preference.channel, preference.email
        lines = tuple(line.strip() for line in preference.postal_address.splitlines() if line.strip())
    return Recipient(kind=RecipientKind.BIRTH_RELATIVE, name=person.full_name, address_lines=lines, email=email,
                     channel=channel, withheld=withheld_from_birth_family(arrangement.household))


def writer_recipients(exchange: Exchange) -> list[Recipient]:
    arrangement = exchange.arrangement
    if exchange.writer == Writer.FAMILY:
        return [household_recipient(arrangement.household)]
    people = [exchange.written_by] if exchange.written_by_id else list(arrangement.relatives.all())
    return [relative_recipient(arrangement, person) for person in people]


def letterbox_letter(*, kind: str, exchange: Exchange, recipient: Recipient, context: dict[str, Any], by: Any,
                     now: datetime) -> Any:
    arrangement = exchange.arrangement
    try:
        return letter_issue(
            kind=kind, authority=arrangement.authority, recipient=recipient, about=exchange,
            household=arrangement.household if recipient.kind == RecipientKind.ADOPTIVE_FAMILY else None,
            by=by, now=now, letter_date=_today(now), owner=by, sender=sender_for(arrangement),
            context={"arrangement_reference": arrangement.reference, "due_month": exchange.due_month,
                     "contact_name": "the letterbox coordinator", **context},
        )
    except RecipientNotAllowed as exc:
        raise IdentityWouldLeak(str(exc)) from exc


def reminder_letters(*, exchange: Exchange, by: Any, now: datetime) -> list[Any]:
    return [letterbox_letter(kind=LetterKind.LETTERBOX_REMINDER, exchange=exchange, recipient=recipient,
                             context={"item_kind": "letter"}, by=by, now=now)
            for recipient in writer_recipients(exchange)]


def held_letters(*, exchange: Exchange, reason: str, by: Any, now: datetime) -> list[Any]:
    kind = exchange.get_kind_display().lower() if exchange.kind else "item"
    return [letterbox_letter(kind=LetterKind.LETTERBOX_HELD, exchange=exchange, recipient=recipient,
                             context={"item_kind": kind, "reason": reason.rstrip(".")}, by=by, now=now)
            for recipient in writer_recipients(exchange)]
