"""Celery tasks of the journal export: thin wrappers around services."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="ledger.journals.make_batch")
def make_batch(job_id: str, authority_id: int, cut_off_date: str, layout: str, today: str) -> None:
    services.batch_build(job_id=job_id, authority_id=authority_id, cut_off_date=date.fromisoformat(cut_off_date),
                         layout=layout, today=date.fromisoformat(today), now=timezone.now())
