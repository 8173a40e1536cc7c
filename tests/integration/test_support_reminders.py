"""Daily reminders: sent once per item through the notifications channel (without a Notify key, Django's email
backend); the beat schedule holds the daily task."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from claims.models.fund_rules import FundRuleSet
from claims.services.rule_changes import fund_rule_set_save
from notifications.models import Message
from organisations.models import Role
from support import reminders, selectors
from support.models import SentReminder
from support.tasks import daily
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ActivePlanFactory, ApprovedAssessmentFactory, DueReviewFactory, OpenNoticeFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)  # a Tuesday
NOW = timezone.make_aware(datetime(2026, 11, 24, 7, 0))


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    return UserFactory(authority=AuthorityFactory(short_code="kent"), role=Role.SOCIAL_WORKER,
                       email="worker@example.org")


@pytest.fixture
def send(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the reminders and then, as a commit would, the send tasks they queued."""
    def run(**kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.reminders_send(**kwargs)
    return run


class TestReminders:
    def test_a_window_ending_soon_is_emailed_once(self, worker, send):  # type: ignore[no-untyped-def]
        OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                          assessment__request__allocated_worker=worker, issued_date=TODAY - timedelta(days=25),
                          window_end_date=TODAY + timedelta(days=3))
        assert send(now=NOW) == 1
        assert send(now=NOW + timedelta(days=1)) == 0
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["worker@example.org"]
        assert "Representations window ends" in mail.outbox[0].subject
        assert SentReminder.objects.count() == 1

    def test_the_email_names_no_one(self, worker, send):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                                   assessment__request__allocated_worker=worker,
                                   issued_date=TODAY - timedelta(days=25), window_end_date=TODAY + timedelta(days=3))
        send(now=NOW)
        child = notice.request.child
        message = mail.outbox[0]
        assert child.first_name not in message.body + message.subject
        assert child.last_name not in message.body + message.subject

    def test_a_rescheduled_review_is_a_new_item(self, worker, send):  # type: ignore[no-untyped-def]
        plan = ActivePlanFactory(request__responsible_authority=worker.authority, request__allocated_worker=worker,
                                 start_date=date(2026, 6, 1))
        review = DueReviewFactory(plan=plan, due_date=TODAY + timedelta(days=2))
        assert send(now=NOW) == 1
        review.due_date = TODAY + timedelta(days=6)
        review.save()
        assert send(now=NOW) == 1
        assert len(mail.outbox) == 2

    def test_nothing_far_off_and_no_one_without_an_email(self, worker, send):  # type: ignore[no-untyped-def]
        OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                          assessment__request__allocated_worker=worker, issued_date=TODAY,
                          window_end_date=TODAY + timedelta(days=28))
        nameless = UserFactory(authority=worker.authority, role=Role.SOCIAL_WORKER, email="")
        OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                          assessment__request__allocated_worker=nameless, issued_date=TODAY - timedelta(days=27),
                          window_end_date=TODAY + timedelta(days=1))
        assert send(now=NOW) == 0
        assert mail.outbox == []

    def test_each_reminder_is_a_message_on_the_channel_with_a_reference_from_its_key(self, worker, send):  # type: ignore[no-untyped-def]
        OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                          assessment__request__allocated_worker=worker, issued_date=TODAY - timedelta(days=25),
                          window_end_date=TODAY + timedelta(days=3))
        assert send(now=NOW) == 1
        message = Message.objects.get()
        assert (message.channel, message.to, message.status) == ("email", "worker@example.org", "outbox")
        assert message.reference.startswith("RMD-") and message.authority == worker.authority
        assert send(now=NOW) == 0
        assert Message.objects.count() == 1


class TestDueItems:
    def test_the_asf_window_closes_three_months_after_approval(self, worker, settings):  # type: ignore[no-untyped-def]
        assessment = ApprovedAssessmentFactory(request__responsible_authority=worker.authority,
                                               approved_date=date(2026, 8, 28), completed_date=date(2026, 8, 27),
                                               started_date=date(2026, 8, 1))
        items = selectors.due_soon(user=worker, today=TODAY)
        assert [(i.kind, i.deadline) for i in items] == [("ASF application window closes", date(2026, 11, 28))]
        assert assessment.pk

    def test_the_asf_window_is_the_one_the_fund_rules_give_as_submission_enforces(self, worker, settings):  # type: ignore[no-untyped-def]
        """A rule set that gives four months moves the deadline a month on (the setting no longer decides)."""
        ApprovedAssessmentFactory(request__responsible_authority=worker.authority, approved_date=date(2026, 7, 28),
                                  completed_date=date(2026, 7, 27), started_date=date(2026, 7, 1))
        assert selectors.due_soon(user=worker, today=TODAY) == []  # three months closed on 28 October
        in_force = FundRuleSet.objects.filter(effective_from_date__lte=date(2026, 7, 28)).latest("effective_from_date")
        in_force.application_window_months = 4
        fund_rule_set_save(rule_set=in_force, by=UserFactory(authority=worker.authority, role=Role.ADMINISTRATOR),
                           now=NOW)
        settings.ASF_APPLICATION_WINDOW_MONTHS = 2
        items = selectors.due_soon(user=worker, today=TODAY)
        assert [(i.kind, i.deadline) for i in items] == [("ASF application window closes", date(2026, 11, 28))]
        assert "apply within 4 months" in items[0].detail

    def test_bank_holidays_do_not_count_toward_the_horizon(self, worker):  # type: ignore[no-untyped-def]
        # From Wed 23 Dec 2026, 3 working days reach Wed 30 Dec (25 and 28 Dec are bank holidays).
        today = date(2026, 12, 23)
        OpenNoticeFactory(assessment__request__responsible_authority=worker.authority,
                          issued_date=today - timedelta(days=20), window_end_date=date(2026, 12, 30))
        assert len(selectors.due_soon(user=worker, today=today, horizon=3)) == 1
        assert len(selectors.due_soon(user=worker, today=today, horizon=2)) == 0


class TestDailyTask:
    def test_the_daily_task_is_in_the_beat_schedule(self):  # type: ignore[no-untyped-def]
        task = PeriodicTask.objects.get(task="support.daily")
        assert task.enabled and task.crontab is not None

    def test_the_daily_task_runs_the_three_jobs(self):  # type: ignore[no-untyped-def]
        assert set(daily()) == {"windows_ended", "families_moved", "reminders_sent"}
