"""The daily beat task sends each reminder once: run it twice the same day (as a beat that fires twice, or a
retried task, would) and count the emails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from organisations.models import Role
from support.models import SentReminder
from support.tasks import daily
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ActivePlanFactory, DueReviewFactory, OpenNoticeFactory

pytestmark = pytest.mark.django_db


def test_running_the_daily_task_twice_sends_each_reminder_once(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    worker = UserFactory(authority=AuthorityFactory(short_code="kent"), role=Role.SOCIAL_WORKER,
                         email="worker@example.org")
    OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                      assessment__request__allocated_worker=worker, issued_date=today - timedelta(days=25),
                      window_end_date=today + timedelta(days=3))
    plan = ActivePlanFactory(request__responsible_authority=worker.authority, request__allocated_worker=worker,
                             start_date=today - timedelta(days=150))
    DueReviewFactory(plan=plan, due_date=today + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):  # the send tasks run after commit
        first = daily.delay().get()
    sent_first = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = daily.delay().get()
    assert first["reminders_sent"] == 2 and sent_first == 2
    assert second["reminders_sent"] == 0
    assert len(mail.outbox) == 2
    assert SentReminder.objects.count() == 2
    assert len({m.subject for m in mail.outbox}) == 2
