"""Celery tasks of the journal export: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="ledger.journals.write_batch_file")
def write_batch_file(job_id: str, batch_id: int) -> None:
    services.batch_file_build(job_id=job_id, batch_id=batch_id, now=timezone.now())
