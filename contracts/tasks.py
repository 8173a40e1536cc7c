"""Celery tasks: thin wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="contracts.build_run_spreadsheet")
def build_run_spreadsheet(job_id: str, run_id: int) -> None:
    services.run_spreadsheet_build(job_id=job_id, run_id=run_id)
