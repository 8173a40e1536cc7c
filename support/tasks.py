"""Celery tasks: thin wrappers around support services. `support.daily` is in the beat schedule (migration
0004 registers it in django-celery-beat's database schedule)."""

from celery import shared_task
from django.utils import timezone

from . import reminders
from .services.notices import notices_end_windows
from .services.responsibility import responsibility_refresh
from .ssd.jobs import ssd_import_run


@shared_task(name="support.daily")
def daily() -> dict[str, int]:
    now = timezone.now()
    return {
        "windows_ended": notices_end_windows(now=now),
        "families_moved": responsibility_refresh(today=timezone.localdate(now)),
        "reminders_sent": reminders.reminders_send(now=now),
    }


@shared_task(name="support.ssd_import")
def ssd_import_job(job_id: str) -> None:
    """Run an SSD import job (a dry run or the commit) with progress on its BackgroundJob row."""
    ssd_import_run(job_id=job_id)
