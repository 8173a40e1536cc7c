"""A send task whose worker is killed just after Notify accepted the letter, before the answer came back, is
redelivered to a second worker, which finds the letter by its reference and does not send it again.

The fake Notify (in this process) kills the first worker's process group the moment it has recorded the POST,
so the worker dies holding the message in `sending`. The task is acks_late with reject_on_worker_lost: Redis gives
the unacknowledged message back after its visibility timeout (a few seconds, for the worker processes only)."""

from __future__ import annotations

import os
import signal
from datetime import date

import pytest
from django.utils import timezone

from config.celery import app
from notifications.models import LetterKind, Message, MessageStatus
from notifications.recipients import Recipient, RecipientKind
from notifications.services import letter_issue
from notifications.tasks import send
from organisations.models import Role
from tests import fake_notify
from tests.factories import AuthorityFactory, UserFactory
from tests.integration.test_reliability_worker_kill import _start, _stop, _wait

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_after_the_call_never_sends_the_letter_twice(settings, monkeypatch):  # type: ignore[no-untyped-def]
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.fail("the worker test needs Redis: run the suite through scripts/with_services.py")
    worker = UserFactory(authority=AuthorityFactory(short_code="kent"), role=Role.SOCIAL_WORKER)
    recipient = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name="Ada Okafor-Lane",
                          address_lines=("1 High Street", "Chatham", "ME4 4AA"))
    procs: list = []
    with fake_notify.serve() as fake:
        for name, value in (("NOTIFY_API_KEY", fake_notify.API_KEY), ("NOTIFY_BASE_URL", fake.base_url)):
            monkeypatch.setenv(name, value)  # for the worker processes
            setattr(settings, name, value)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        app.conf.result_backend = broker
        try:
            letter = letter_issue(kind=LetterKind.ACKNOWLEDGEMENT, authority=worker.authority, recipient=recipient,
                                  about=worker, context={"subject_name": "Sam", "received_date": date(2026, 3, 1)},
                                  by=worker, now=timezone.now(), letter_date=date(2026, 3, 4))
            message = Message.objects.get(letter=letter)
            # transaction=True: the on_commit send already went to Redis; the first worker takes it.
            doomed = _start(broker, "doomed")
            procs.append(doomed)
            fake.on_post = lambda: os.killpg(doomed.pid, signal.SIGKILL)
            _wait(lambda: doomed.poll() is not None, "the first worker to be killed after its call")
            fake.on_post = None
            message.refresh_from_db()
            assert message.status == MessageStatus.SENDING and len(fake.posts("letter")) == 1
            procs.append(_start(broker, "rescuer"))
            _wait(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.SENT,
                  "the second worker to finish the redelivered task")
        finally:
            app.conf.task_always_eager = True
            for proc in procs:
                _stop(proc)
        message.refresh_from_db()
        assert len(fake.posts("letter")) == 1  # sent once
        assert message.notify_id == fake.sent[message.reference]["id"]
        assert message.events.filter(note="Found sent by an earlier attempt").exists()
        assert send.acks_late
