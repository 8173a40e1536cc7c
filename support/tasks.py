"""Celery tasks: thin wrappers around support services. `support.daily` is in the beat schedule (migration
0004 registers it in django-celery-beat's database schedule)."""

from celery import shared_task
from django.utils import timezone

from . import reminders
from .services.notices import notices_end_windows
from .services.responsibility import responsibility_refresh


@shared_task(name="support.daily")
def daily() -> dict[str, int]:
    now = timezone.now()
    return {
        "windows_ended": notices_end_windows(now=now),
        "families_moved": responsibility_refresh(today=timezone.localdate(now)),
        "reminders_sent": reminders.reminders_send(now=now),
    }
