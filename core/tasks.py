from celery import shared_task

from .models import BackgroundJob


@shared_task(name="core.ping")
def ping(value: str) -> dict:
    """Round trip through the broker, a worker and the database: used by /healthz checks and the worker test."""
    return {"echo": value, "jobs": BackgroundJob.objects.count()}
