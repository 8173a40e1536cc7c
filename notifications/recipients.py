"""Who a letter goes to, and the rule that protects adoptive families: a letter to a birth relative never carries
the adoptive family's surname or address. Pure: no ORM, no clock; the letter service checks every letter with it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


class RecipientKind:
    ADOPTIVE_FAMILY = "adoptive_family"
    BIRTH_RELATIVE = "birth_relative"
    ADULT_ADOPTEE = "adult_adoptee"
    PROVIDER = "provider"
    CHOICES = (
        (ADOPTIVE_FAMILY, "Adoptive family or special guardians"),
        (BIRTH_RELATIVE, "Birth relative"),
        (ADULT_ADOPTEE, "Adult adoptee"),
        (PROVIDER, "Provider"),
    )


class Channel:
    POST = "post"
    EMAIL = "email"
    BOTH = "both"
    CHOICES = ((POST, "Post"), (EMAIL, "Email"), (BOTH, "Post and email"))


class RecipientNotAllowed(Exception):
    """The letter would tell its recipient something they must not be told."""


@dataclass(frozen=True)
class Withheld:
    """What a letter to a birth relative must never carry: the adoptive family's surname(s) and address."""

    surnames: tuple[str, ...]
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    kind: str
    name: str
    address_lines: tuple[str, ...] = ()
    email: str = ""
    channel: str = Channel.POST
    # Required for a birth relative: the caller must say what to withhold, so the rule cannot be forgotten.
    withheld: Withheld | None = field(default=None)

    def __post_init__(self) -> None:
        if self.kind == RecipientKind.BIRTH_RELATIVE and self.withheld is None:
            raise RecipientNotAllowed("A letter to a birth relative must name the adoptive family's details to "
                                      "withhold.")

    @property
    def wants_post(self) -> bool:
        return self.channel in (Channel.POST, Channel.BOTH)

    @property
    def wants_email(self) -> bool:
        return self.channel in (Channel.EMAIL, Channel.BOTH)

    @property
    def has_postal_address(self) -> bool:
        lines = [line for line in self.address_lines if line.strip()]
        # Notify asks for at least three lines in the address block: the name and two more, the last a postcode.
        return len(lines) >= 2

    @property
    def has_email(self) -> bool:
        return "@" in self.email


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def leaks(*, texts: Iterable[str], withheld: Withheld) -> list[str]:
    """What of `withheld` appears in any of `texts` (case and spacing ignored; a surname as a whole word, a
    postcode with or without its space). Empty when nothing leaks."""
    found: list[str] = []
    haystack = _normal(" \n ".join(texts))
    squashed = haystack.replace(" ", "")
    for surname in withheld.surnames:
        if surname.strip() and re.search(rf"(?<!\w){re.escape(_normal(surname))}(?!\w)", haystack):
            found.append("the adoptive family's surname")
            break
    for line in withheld.address_lines:
        normal = _normal(line)
        if len(normal) >= 4 and (normal in haystack or normal.replace(" ", "") in squashed):
            found.append("the adoptive family's address")
            break
    return found


def check_recipient(*, recipient: Recipient, letter_text: str) -> None:
    """Refuse a letter to a birth relative that carries the adoptive family's surname or address, in the address
    block, the recipient's name or anywhere in the text."""
    if recipient.kind != RecipientKind.BIRTH_RELATIVE:
        return
    assert recipient.withheld is not None  # __post_init__ guarantees it
    found = leaks(texts=[recipient.name, *recipient.address_lines, letter_text], withheld=recipient.withheld)
    if found:
        raise RecipientNotAllowed(f"This letter to a birth relative would show {' and '.join(found)}. "
                                  "Remove it before the letter is issued.")
