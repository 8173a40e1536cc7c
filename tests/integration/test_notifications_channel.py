"""The channel against a local fake GOV.UK Notify (tests/fake_notify.py, speaking its v2 REST API): email by template
id, letters as precompiled PDFs, retries with backoff on 429 and 5xx, a refused message handed to the worker, a
retried send that never sends twice, and the delivery-receipt callback with its bearer token."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from notifications.models import FollowUp, Letter, LetterKind, Message, MessageEvent, MessageStatus
from notifications.recipients import Channel, Recipient, RecipientKind
from notifications.services import email_send, letter_issue, message_send
from organisations.models import Role
from tests import fake_notify
from tests.factories import AuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 4, 10, 0))
TOKEN = "callback-token-for-tests"


@pytest.fixture
def notify(settings):  # type: ignore[no-untyped-def]
    with fake_notify.serve() as fake:
        settings.NOTIFY_API_KEY = fake_notify.API_KEY
        settings.NOTIFY_BASE_URL = fake.base_url
        settings.NOTIFY_EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
        settings.NOTIFY_LETTER_EMAIL_TEMPLATE_ID = "0b5e8e2e-9a8c-4c1b-9f6a-8d3c1b2a4e5f"
        settings.NOTIFY_CALLBACK_TOKEN = TOKEN
        yield fake


@pytest.fixture
def commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run what the services queue after commit (the send task), as a real commit would."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    return UserFactory(authority=AuthorityFactory(short_code="kent", name="Kent County Council"),
                       role=Role.SOCIAL_WORKER)


def _letter(worker, *, channel: str = Channel.POST, email: str = "") -> Letter:  # type: ignore[no-untyped-def]
    recipient = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name="Ada Okafor-Lane",
                          address_lines=("1 High Street", "Chatham", "ME4 4AA"), email=email, channel=channel)
    return letter_issue(kind=LetterKind.ACKNOWLEDGEMENT, authority=worker.authority, recipient=recipient,
                        about=worker, context={"subject_name": "Sam", "received_date": date(2026, 3, 1)},
                        by=worker, now=NOW, letter_date=date(2026, 3, 4))


class TestSending:
    def test_a_letter_goes_as_a_precompiled_pdf_with_its_reference(self, notify, worker, commit):  # type: ignore[no-untyped-def]
        with commit(execute=True):
            letter = _letter(worker)
        message = Message.objects.get(letter=letter)
        [posted] = notify.posts("letter")
        assert posted.body["reference"] == message.reference
        with letter.pdf.open("rb") as handle:
            assert base64.b64decode(posted.body["content"]) == handle.read()
        assert posted.body["postage"] == "second"
        assert message.status == MessageStatus.SENT and message.notify_id == notify.sent[message.reference]["id"]

    def test_an_email_goes_by_template_id_with_subject_and_body(self, notify, worker, commit):  # type: ignore[no-untyped-def]
        with commit(execute=True):
            message = email_send(to="worker@example.org", subject="Review due", body="Open it", reference="RMD-1",
                                 now=NOW, authority=worker.authority, owner=worker)
        [posted] = notify.posts("email")
        assert posted.body == {"email_address": "worker@example.org",
                               "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
                               "personalisation": {"subject": "Review due", "body": "Open it"}, "reference": "RMD-1"}
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT

    def test_a_letter_by_email_carries_the_pdf_as_a_file(self, notify, worker, commit):  # type: ignore[no-untyped-def]
        with commit(execute=True):
            _letter(worker, channel=Channel.EMAIL, email="ada@example.org")
        [posted] = notify.posts("email")
        assert posted.body["template_id"] == "0b5e8e2e-9a8c-4c1b-9f6a-8d3c1b2a4e5f"
        assert base64.b64decode(posted.body["personalisation"]["link_to_file"]["file"]).startswith(b"%PDF")
        assert notify.posts("letter") == []


class TestRetries:
    def test_429_and_5xx_are_retried_and_the_message_sent_once(self, notify, worker, commit):  # type: ignore[no-untyped-def]
        notify.errors = [429, 503, 500]
        with commit(execute=True):
            letter = _letter(worker)
        message = Message.objects.get(letter=letter)
        assert len(notify.posts("letter")) == 4  # three refusals, then accepted
        assert message.status == MessageStatus.SENT and message.attempts == 4
        assert len(notify.sent) == 1

    def test_the_task_retries_with_backoff_and_is_acknowledged_late(self):  # type: ignore[no-untyped-def]
        assert tasks.send.acks_late and tasks.send.reject_on_worker_lost
        assert tasks.send.retry_backoff and tasks.send.max_retries >= 5
        assert tasks.send.autoretry_for == (tasks.RetryableSendFailed,)

    def test_a_message_notify_refuses_is_not_retried_and_the_worker_is_told(self, notify, worker, commit):  # type: ignore[no-untyped-def]
        notify.errors = [400]
        with commit(execute=True):
            letter = _letter(worker)
        message = Message.objects.get(letter=letter)
        assert message.status == MessageStatus.TECHNICAL_FAILURE and len(notify.posts("letter")) == 1
        assert FollowUp.objects.get(message=message).assigned_to == worker

    def test_giving_up_after_the_last_retry_tells_the_worker(self, notify, worker, commit, settings):  # type: ignore[no-untyped-def]
        notify.errors = [503] * (tasks.send.max_retries + 1)
        with commit(execute=True):
            letter = _letter(worker)
        message = Message.objects.get(letter=letter)
        assert message.status == MessageStatus.TECHNICAL_FAILURE
        assert "could not be sent after" in FollowUp.objects.get(message=message).reason

    def test_an_attempt_whose_outcome_was_lost_is_not_sent_again(self, notify, worker):  # type: ignore[no-untyped-def]
        """A worker died after Notify accepted the letter and before it recorded the answer: the message is still
        `sending`. The retry asks Notify for the reference and records the earlier send."""
        letter = _letter(worker)  # on_commit not run: the message waits
        message = Message.objects.get(letter=letter)
        message.start_sending()
        message.save(update_fields=["status", "attempts"])
        notify.sent[message.reference] = {"id": "9d2f0c1e-0000-4000-8000-000000000001",
                                          "reference": message.reference, "status": "created"}
        message_send(message_id=message.pk, now=NOW)
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT and message.notify_id.startswith("9d2f0c1e")
        assert notify.posts("letter") == []


class TestCallback:
    def _post(self, client, payload, token=TOKEN):  # type: ignore[no-untyped-def]
        return client.post(reverse("notifications:notify_callback"), data=json.dumps(payload),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    def _sent(self, notify, worker, capture):  # type: ignore[no-untyped-def]
        with capture(execute=True):
            letter = _letter(worker)
        return Message.objects.get(letter=letter)

    def test_refuses_a_wrong_or_missing_token(self, client, notify, worker, commit):  # type: ignore[no-untyped-def]
        message = self._sent(notify, worker, commit)
        assert self._post(client, {"id": message.notify_id, "status": "delivered"}, token="wrong").status_code == 401
        assert client.post(reverse("notifications:notify_callback"), data="{}",
                           content_type="application/json").status_code == 401
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT

    def test_a_delivery_receipt_updates_the_status_and_is_kept(self, client, notify, worker, commit):  # type: ignore[no-untyped-def]
        message = self._sent(notify, worker, commit)
        payload = {"id": message.notify_id, "reference": message.reference, "status": "delivered",
                   "notification_type": "letter"}
        assert self._post(client, payload).status_code == 200
        message.refresh_from_db()
        assert message.status == MessageStatus.DELIVERED
        assert MessageEvent.objects.filter(message=message, source="notify").get().payload == payload

    def test_a_permanent_failure_creates_a_task_for_the_worker(self, client, notify, worker, commit):  # type: ignore[no-untyped-def]
        message = self._sent(notify, worker, commit)
        assert self._post(client, {"id": message.notify_id, "status": "permanent-failure"}).status_code == 200
        message.refresh_from_db()
        assert message.status == MessageStatus.PERMANENT_FAILURE
        follow_up = FollowUp.objects.get(message=message)
        assert follow_up.assigned_to == worker and "could not be delivered" in follow_up.reason

    def test_a_temporary_failure_then_delivery(self, client, notify, worker, commit):  # type: ignore[no-untyped-def]
        message = self._sent(notify, worker, commit)
        self._post(client, {"id": message.notify_id, "status": "temporary-failure"})
        self._post(client, {"id": message.notify_id, "status": "delivered"})
        message.refresh_from_db()
        assert message.status == MessageStatus.DELIVERED and not FollowUp.objects.exists()

    def test_an_unknown_message_is_a_404(self, client, notify):  # type: ignore[no-untyped-def]
        assert self._post(client, {"id": "nope", "reference": "nope", "status": "delivered"}).status_code == 404
