"""Services for background jobs: the only writers of BackgroundJob rows. A task reports progress through
`job_progress`, which writes with a plain UPDATE so it never fights the task's own transaction."""

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import BackgroundJob, JobStatus


def job_create(
    *, kind: str, description: str, by: Any = None, authority: Any = None, target: str = ""
) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind=kind, description=description, requested_by=by, authority=authority, target=target
    )


def job_start(*, job_id: Any, total: int) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, progress_total=max(total, 0), progress_done=0, started_at=timezone.now()
    )


def job_target(*, job_id: Any, target: str) -> None:
    """Name what the job works on once it exists (a job that makes a record learns its id as it runs)."""
    BackgroundJob.objects.filter(pk=job_id).update(target=target[:120])


def job_progress(*, job_id: Any, done: int) -> None:
    job = BackgroundJob.objects.filter(pk=job_id).values("progress_total").first()
    if job is None:
        return
    total = job["progress_total"]
    BackgroundJob.objects.filter(pk=job_id).update(progress_done=min(done, total) if total else 0)


@transaction.atomic
def job_finish(*, job_id: Any, content: bytes | None = None, filename: str = "", message: str = "") -> BackgroundJob:
    job = BackgroundJob.objects.select_for_update().get(pk=job_id)
    if content is not None:
        job.result_file.save(filename, ContentFile(content), save=False)
        job.result_name = filename
    job.status = JobStatus.SUCCEEDED
    job.progress_done = job.progress_total
    job.message = message
    job.finished_at = timezone.now()
    job.save()
    return job


def job_fail(*, job_id: Any, message: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )
