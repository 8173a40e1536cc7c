"""Celery task: a thin wrapper around the letterbox services. `contact.daily` (in the beat schedule: migration 0002)
ends arrangements at 18, keeps the items scheduled a year ahead and sends the reminders for overdue items."""

from celery import shared_task
from django.utils import timezone

from .services.arrangements import arrangements_end_at_18, arrangements_schedule
from .services.exchanges import exchanges_remind_overdue


@shared_task(name="contact.daily")
def daily() -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        "ended_at_18": arrangements_end_at_18(today=today, now=now),
        "items_scheduled": arrangements_schedule(today=today),
        "reminders_sent": exchanges_remind_overdue(today=today, now=now),
    }
