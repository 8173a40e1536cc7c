"""What the commissioning services refuse with; each message says why, for the page."""

from __future__ import annotations


class ReferralError(Exception):
    """A referral cannot do what was asked; the message says why, for the page."""


class NoRoute(ReferralError):
    pass


class InvalidTransition(ReferralError):
    pass


class NotYourReferral(ReferralError):
    pass


class SpotPurchaseError(ReferralError):
    pass
