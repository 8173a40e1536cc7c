"""Celery tasks: thin wrappers around services, and the one place that queues them (a service never imports
this module: the layers run tasks -> services -> selectors -> models)."""

from datetime import date
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from core.models import BackgroundJob

from .models import ApportionmentRun
from .services.run_spreadsheets import run_spreadsheet_build, run_spreadsheet_job_create
from .services.runs import run_recharge


@shared_task(name="contracts.build_run_spreadsheet")
def build_run_spreadsheet(job_id: str, run_id: int) -> None:
    run_spreadsheet_build(job_id=job_id, run_id=run_id)


def run_spreadsheet_request(*, run: ApportionmentRun, by: Any) -> BackgroundJob:
    """Ask for a run's spreadsheet: the job row (the service), and its build queued once that commits."""
    with transaction.atomic():
        job = run_spreadsheet_job_create(run=run, by=by)
        transaction.on_commit(lambda: build_run_spreadsheet.delay(str(job.pk), run.pk))
    return job


@shared_task(name="contracts.recharge_run", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError, DatabaseError), retry_backoff=2, retry_jitter=False,
             max_retries=5)
def recharge_run(run_id: int, user_id: int | None, today: str) -> str:
    """Post a run's recharges. Acknowledged only once done, put back if the worker dies, retried on database
    errors: safe because every posting has an idempotency key and a recharged run is a no-op."""
    run = ApportionmentRun.objects.get(pk=run_id)
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = run_recharge(run=run, by=by, now=timezone.now(), today=date.fromisoformat(today))
    return str(run.status)
