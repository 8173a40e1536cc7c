"""The send channel: GOV.UK Notify when NOTIFY_API_KEY is set (email by template id, letters as precompiled PDFs),
otherwise the local outbox (email to EMAIL_BACKEND, the console in the demo; letters only shown on the outbox page).
No database here: the services hand it what to send and record what came back."""

from __future__ import annotations

import io
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from notifications_python_client import prepare_upload
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient


class SendFailed(Exception):
    """Notify refused or could not be reached. `retryable` for 429 and 5xx (and no answer at all)."""

    def __init__(self, message: str, *, status_code: int | None, retryable: bool) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


@dataclass(frozen=True)
class Outgoing:
    channel: str  # "email" or "letter"
    reference: str
    to: str
    subject: str
    body: str
    pdf: bytes | None = None
    filename: str = "letter.pdf"


def uses_notify() -> bool:
    return bool(settings.NOTIFY_API_KEY)


def _client() -> NotificationsAPIClient:
    return NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL,
                                  timeout=settings.NOTIFY_TIMEOUT_SECONDS)


def _failed(error: APIError | requests.RequestException) -> SendFailed:
    status = getattr(error, "status_code", None) if isinstance(error, APIError) else None
    retryable = status is None or status == 429 or status >= 500
    return SendFailed(f"GOV.UK Notify: {error}"[:400], status_code=status, retryable=retryable)


def find_sent(reference: str) -> str | None:
    """The Notify id of a notification already sent with `reference` (an earlier attempt that got through before
    its worker died), or None. Always None for the local outbox."""
    if not uses_notify():
        return None
    try:
        found = _client().get_all_notifications(reference=reference)
    except (APIError, requests.RequestException) as error:
        raise _failed(error) from error
    notifications = found.get("notifications") or []
    return str(notifications[0]["id"]) if notifications else None


def send(outgoing: Outgoing) -> str | None:
    """Send it. Returns Notify's id, or None where it went to the local outbox."""
    if not uses_notify():
        _send_locally(outgoing)
        return None
    client = _client()
    try:
        if outgoing.channel == "letter":
            assert outgoing.pdf is not None
            answer = client.send_precompiled_letter_notification(
                reference=outgoing.reference, pdf_file=io.BytesIO(outgoing.pdf), postage=settings.NOTIFY_POSTAGE)
        elif outgoing.pdf is not None:
            answer = client.send_email_notification(
                email_address=outgoing.to, template_id=settings.NOTIFY_LETTER_EMAIL_TEMPLATE_ID,
                reference=outgoing.reference, personalisation={
                    "subject": outgoing.subject, "body": outgoing.body,
                    "link_to_file": prepare_upload(io.BytesIO(outgoing.pdf), filename=outgoing.filename)})
        else:
            answer = client.send_email_notification(
                email_address=outgoing.to, template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                reference=outgoing.reference, personalisation={"subject": outgoing.subject, "body": outgoing.body})
    except (APIError, requests.RequestException) as error:
        raise _failed(error) from error
    return str(answer["id"])


def _send_locally(outgoing: Outgoing) -> None:
    if outgoing.channel != "email":
        return  # a letter without Notify stays on the outbox page for someone to print
    email = EmailMessage(outgoing.subject, outgoing.body, settings.DEFAULT_FROM_EMAIL, [outgoing.to])
    if outgoing.pdf is not None:
        email.attach(outgoing.filename, outgoing.pdf, "application/pdf")
    email.send()
