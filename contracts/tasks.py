"""Celery tasks: thin wrappers around services."""

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from . import services
from .models import ApportionmentRun


@shared_task(name="contracts.build_run_spreadsheet")
def build_run_spreadsheet(job_id: str, run_id: int) -> None:
    services.run_spreadsheet_build(job_id=job_id, run_id=run_id)


@shared_task(name="contracts.recharge_run", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError, DatabaseError), retry_backoff=2, retry_jitter=False,
             max_retries=5)
def recharge_run(run_id: int, user_id: int | None, today: str) -> str:
    """Post a run's recharges. Acknowledged only once done, put back if the worker dies, retried on database
    errors: safe because every posting has an idempotency key and a recharged run is a no-op."""
    run = ApportionmentRun.objects.get(pk=run_id)
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = services.run_recharge(run=run, by=by, now=timezone.now(), today=date.fromisoformat(today))
    return str(run.status)
