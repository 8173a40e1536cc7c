"""Celery tasks: thin wrappers around services, and the one place that queues them."""

from typing import Any

from celery import shared_task
from django.db import transaction

from core.models import BackgroundJob

from .services.returns import board_return_build, board_return_job_create


@shared_task(name="scorecard.build_board_return")
def build_board_return(job_id: str) -> None:
    board_return_build(job_id=job_id)


def board_return_request(*, partnership: Any, year: int, quarter: int, file_format: str, by: Any) -> BackgroundJob:
    """Ask for a quarter's return: the job row (the service), and its build queued once that commits."""
    with transaction.atomic():
        job = board_return_job_create(partnership=partnership, year=year, quarter=quarter, file_format=file_format,
                                      by=by)
        transaction.on_commit(lambda: build_board_return.delay(str(job.pk)))
    return job
