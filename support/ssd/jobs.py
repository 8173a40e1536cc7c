"""The import as a background job: the uploaded files kept in private storage under a token, a `BackgroundJob`
row the page watches, and the Celery task (support.tasks.ssd_import_job) that runs `ssd_import` with progress.
The job's result file is the report (JSON), which the page shows."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.jobs import job_create, job_fail, job_finish, job_progress, job_start
from core.models import BackgroundJob
from organisations.models import Authority

from .reader import UnreadableExtract, open_files
from .service import _check_may_import, ssd_import

JOB_KIND = "support.ssd_import"
STORE = "imports/ssd"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:100] or "file"


def ssd_files_store(*, files: Mapping[str, bytes]) -> str:
    """Keep the uploaded files under a new token; the token names them for the dry run and the commit."""
    token = uuid.uuid4().hex
    for name, content in files.items():
        default_storage.save(f"{STORE}/{token}/{_safe(name)}", ContentFile(content))
    return token


def _stored_files(token: str) -> dict[str, bytes]:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise UnreadableExtract("The uploaded files have expired: upload the extract again.")
    try:
        _dirs, names = default_storage.listdir(f"{STORE}/{token}")
    except FileNotFoundError as error:
        raise UnreadableExtract("The uploaded files have expired: upload the extract again.") from error
    files = {}
    for name in sorted(names):
        with default_storage.open(f"{STORE}/{token}/{name}", "rb") as handle:
            files[name] = handle.read()
    return files


def ssd_import_request(*, authority: Any, token: str, by: Any, dry_run: bool) -> BackgroundJob:
    """A job row for the import of the stored files, and the task queued once this commits."""
    from .. import tasks  # tasks wrap this module

    _check_may_import(by, authority)
    with transaction.atomic():
        job = job_create(kind=JOB_KIND, description=f"{'Dry run of the' if dry_run else 'Import of the'} case "
                                                    f"system's extract for {authority.name}",
                         by=by, authority=authority, target=f"ssd:{token}:{'dry_run' if dry_run else 'commit'}")
        transaction.on_commit(lambda: tasks.ssd_import_job.delay(str(job.pk)))
    return job


def ssd_import_run(*, job_id: Any) -> None:
    """Run a queued import job: progress on the job row, the report as its result; a failure is written on it."""
    job = BackgroundJob.objects.select_related("authority", "requested_by").get(pk=job_id)
    _prefix, token, mode = job.target.split(":")
    authority: Authority = job.authority  # type: ignore[assignment]
    by = get_user_model().objects.filter(pk=job.requested_by_id).first() if job.requested_by_id else None
    try:
        extract = open_files(_stored_files(token))
        job_start(job_id=job_id, total=max(extract.count_lines(), 1))
        result = ssd_import(authority=authority, extract=extract, by=by, now=timezone.now(),
                            today=timezone.localdate(), dry_run=mode == "dry_run",
                            progress=lambda done: job_progress(job_id=job_id, done=done))
    except UnreadableExtract as error:
        job_fail(job_id=job_id, message=str(error))
        return
    except Exception as error:
        job_fail(job_id=job_id, message=f"The import could not run: {error}")
        raise
    report = {**result.as_dict(), "token": token}
    job_finish(job_id=job_id, content=json.dumps(report, default=str).encode(), filename="ssd-report.json",
               message=result.message()[:2000])
    if result.status == "committed":
        for name in default_storage.listdir(f"{STORE}/{token}")[1]:
            default_storage.delete(f"{STORE}/{token}/{name}")
