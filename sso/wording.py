"""Plain words for single sign-on's refusals and trail. The app has no state machine to register with
core.wording; its refusal pages and admin trail read from here."""

from .rules import Refusal

REFUSAL_MESSAGES = {
    Refusal.PROVIDER_ERROR: "Your council's sign-in service did not sign you in. Try again, or ask your IT "
                            "service desk.",
    Refusal.STATE_UNKNOWN: "This sign-in link has already been used or has expired. Start again from the sign-in "
                           "page.",
    Refusal.CODE_REJECTED: "Your council's sign-in service did not accept this sign-in. Start again from the "
                           "sign-in page.",
    Refusal.TOKEN_INVALID: "We could not confirm who you are from your council's sign-in service, so we did not "
                           "sign you in. Start again from the sign-in page.",
    Refusal.UNKNOWN_PROVIDER: "We do not know this sign-in service.",
    Refusal.UNKNOWN_USER: "There is no account for you in this service yet. Ask your administrator to create one.",
    Refusal.DOMAIN_NOT_ALLOWED: "Your email address is not from an organisation that can sign in here. Use your "
                                "work account.",
    Refusal.NO_MAPPED_GROUP: "Your council account is not in a group that gives access to this service. Ask your "
                             "administrator or IT service desk.",
    Refusal.ACCOUNT_CLOSED: "Your account in this service has been closed. Ask your administrator.",
}


def refusal_message(reason: str) -> str:
    return REFUSAL_MESSAGES.get(reason, "We could not sign you in. Start again from the sign-in page.")  # type: ignore[call-overload]


def register() -> None:
    """Checks at start-up that every refusal has its words (there is no state machine to register)."""
    missing = [r for r in Refusal.values if r not in REFUSAL_MESSAGES]
    if missing:
        raise RuntimeError(f"sso.wording: no words for {missing}")
