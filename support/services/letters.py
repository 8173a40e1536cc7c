"""The letters a support step sends: who they go to (the adoptive family, or the person the request is about, with
the adoptive family's details withheld from a birth relative) and what they say. Each is issued by the service
whose state change needs it, inside its transaction (notifications.services.letter_issue)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from notifications.recipients import Channel, Recipient, RecipientKind, RecipientNotAllowed, Withheld
from notifications.selectors import contact_preference_for
from notifications.services import letter_issue

from ..models import Household, Person, SupportRequest
from ..models.families import PersonKind
from ._common import _today

BIRTH_FAMILY = (PersonKind.BIRTH_PARENT, PersonKind.BIRTH_RELATIVE)


def household_address(household: Household) -> tuple[str, ...]:
    return tuple(line for line in (household.address_line_1, household.address_line_2, household.town,
                                   household.postcode) if line.strip())


def _preferred(party: Any, default_lines: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    preference = contact_preference_for(party=party)
    if preference is None:
        return Channel.POST, "", default_lines
    lines = tuple(line.strip() for line in preference.postal_address.splitlines() if line.strip())
    return preference.channel, preference.email, lines or default_lines


def household_recipient(household: Household) -> Recipient:
    channel, email, lines = _preferred(household, household_address(household))
    name = household.carer_one_name + (f" and {household.carer_two_name}" if household.carer_two_name else "")
    return Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name=name, address_lines=lines, email=email, channel=channel)


def withheld_from_birth_family(household: Household | None) -> Withheld:
    """The adoptive family's surnames (the family's, each carer's, and the children's) and the lines of their address
    that identify it: the street lines and the postcode (the town alone is shared with thousands, and often with
    the authority's own address on the letterhead)."""
    if household is None:
        return Withheld(surnames=(), address_lines=())
    surnames = {household.family_name}
    surnames |= {name.split()[-1] for name in (household.carer_one_name, household.carer_two_name) if name.split()}
    surnames |= {child.last_name for child in household.children.all()}
    identifying = (household.address_line_1, household.address_line_2, household.postcode)
    return Withheld(surnames=tuple(sorted(s for s in surnames if s.strip())),
                    address_lines=tuple(line for line in identifying if line.strip()))


def person_recipient(person: Person) -> Recipient:
    channel, email, lines = _preferred(person, ())
    if person.kind in BIRTH_FAMILY:
        household = person.related_child.household if person.related_child_id else None  # type: ignore[union-attr]
        return Recipient(kind=RecipientKind.BIRTH_RELATIVE, name=person.full_name, address_lines=lines, email=email,
                         channel=channel, withheld=withheld_from_birth_family(household))
    return Recipient(kind=RecipientKind.ADULT_ADOPTEE, name=person.full_name, address_lines=lines, email=email,
                     channel=channel)


def request_letter(*, kind: str, request: SupportRequest, about: Any, context: dict[str, Any], by: Any,
                   now: datetime, letter_date: date | None = None) -> Any:
    """Issue `kind` to whoever the request is for. A letter that would break the birth-relative rule is refused
    as a validation error, so the step that needed it is not taken either."""
    if request.child_id:
        household = request.child.household  # type: ignore[union-attr]
        recipient, subject_name = household_recipient(household), request.child.full_name  # type: ignore[union-attr]
    else:
        person = request.person
        assert person is not None
        household, recipient, subject_name = None, person_recipient(person), person.full_name
    try:
        return letter_issue(
            kind=kind, authority=request.responsible_authority, recipient=recipient, about=about,
            household=household, context={"subject_name": subject_name, **context}, by=by, now=now,
            letter_date=letter_date or _today(now), owner=request.allocated_worker or by,
        )
    except RecipientNotAllowed as error:
        raise ValidationError(str(error)) from error
