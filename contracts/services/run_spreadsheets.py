"""A run's spreadsheet: asked for as a background job (a row the page watches), built by the task
`contracts.tasks.build_run_spreadsheet` with its progress on the job row."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from contracts.models import ApportionmentRun, RunStatus
from contracts.selectors import run_sheet, run_target
from contracts.spreadsheets import build_run_workbook
from core.jobs import job_create, job_fail, job_finish, job_progress, job_start
from core.models import BackgroundJob

from .runs import RunError


def run_spreadsheet_name(run: ApportionmentRun) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", run.inputs.get("contract_reference", run.contract.reference)).strip("-")
    return f"apportionment-{reference}-run-{run.pk}.xlsx"


@transaction.atomic
def run_spreadsheet_job_create(*, run: ApportionmentRun, by: Any) -> BackgroundJob:
    """The job row for a run's spreadsheet, which the page watches; `contracts.tasks.run_spreadsheet_request` queues
    the build once this commits."""
    if run.status == RunStatus.DRAFT:
        raise RunError("Calculate the run before asking for its spreadsheet.")
    return job_create(
        kind="contracts.run_spreadsheet", description=f"Spreadsheet of apportionment {run.pk}: {run.title}"[:200],
        by=by if getattr(by, "pk", None) else None, authority=run.contract.lead_authority, target=run_target(run),
    )


def run_spreadsheet_bytes(*, run: ApportionmentRun, progress: Any = None) -> bytes:
    return build_run_workbook(run_sheet(run=run), progress=progress)


def run_spreadsheet_build(*, job_id: Any, run_id: int) -> None:
    """Build the spreadsheet for a job, reporting progress on the job row; a failure is written on the job."""
    run = ApportionmentRun.objects.select_related("contract").get(pk=run_id)
    try:
        total = run.usage_lines.count() if run.usage_watermark is None else run.inputs.get("usage_records", 0)
        job_start(job_id=job_id, total=total)
        content = run_spreadsheet_bytes(run=run, progress=lambda done: job_progress(job_id=job_id, done=done))
        job_finish(job_id=job_id, content=content, filename=run_spreadsheet_name(run),
                   message=f"{len(content):,} bytes")
    except Exception as exc:
        job_fail(job_id=job_id, message=f"The spreadsheet could not be built: {exc}")
        raise
