"""The referral letter to a provider: what is asked and the child's needs, with no more personal data than the
referral needs (the child's initials and year of birth, never their name or the family's address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.models import LetterKind
from notifications.recipients import Channel, Recipient, RecipientKind
from notifications.selectors import contact_preference_for
from notifications.services import letter_issue

from ..models import Referral


def provider_recipient(provider: Any) -> Recipient:
    preference = contact_preference_for(party=provider)
    if preference is None:
        return Recipient(kind=RecipientKind.PROVIDER, name=provider.name, channel=Channel.POST)
    return Recipient(kind=RecipientKind.PROVIDER, name=provider.name, channel=preference.channel,
                     email=preference.email,
                     address_lines=tuple(line.strip() for line in preference.postal_address.splitlines()
                                         if line.strip()))


def initials(first_name: str, last_name: str) -> str:
    parts = [first_name, *last_name.replace("-", " ").split()]
    return " ".join(part[0].upper() for part in parts if part)


def referral_letter(*, referral: Referral, by: Any, now: datetime) -> Any:
    """Issued inside referral_send's transaction, to the provider it is sent to."""
    provider = referral.sent_to
    child = referral.support_request.child
    assert provider is not None and referral.sent_date is not None
    planned = referral.planned_service
    return letter_issue(
        kind=LetterKind.REFERRAL, authority=referral.authority, recipient=provider_recipient(provider),
        about=referral, household=child.household if child else None, provider=provider, by=by, now=now,
        letter_date=referral.sent_date, owner=by, context={
            "contract_reference": referral.contract.reference if referral.contract else "",
            "service_name": referral.service_type.name, "frequency": planned.frequency if planned else "",
            "needs": referral.notes_for_provider or "We will share the needs once you accept the referral.",
            "child_initials": initials(child.first_name, child.last_name) if child else "",
            "child_birth_year": child.date_of_birth.year if child else "",
            "response_due_date": referral.response_due_date,
        })
