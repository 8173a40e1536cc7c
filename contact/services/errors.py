"""What the letterbox services refuse with; each message says why, for the page."""

from __future__ import annotations


class ContactError(Exception):
    """The arrangement or item cannot do what was asked; the message says why."""


class InvalidTransition(ContactError):
    pass


class IdentityWouldLeak(ContactError):
    """A letter to a birth relative would carry the adoptive family's surname, address or postcode."""


class ScanRejected(ContactError):
    """The uploaded scan is not a PDF, JPEG or PNG, or is too large."""
