"""The board return: asked for as a background job (a row the page watches, core.jobs), built by the task
`scorecard.tasks.build_board_return` with its progress on the job row, one step per field and per authority."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.jobs import job_create, job_fail, job_finish, job_progress, job_start
from core.models import BackgroundJob
from organisations.models import Authority
from scorecard import rules, selectors
from scorecard.spreadsheets import ReturnField as SheetField
from scorecard.spreadsheets import ReturnTable, build_csv, build_xlsx

from ._common import acting
from .errors import ReturnError

JOB_KIND = "scorecard.board_return"
FORMATS = ("xlsx", "csv")


def return_target(*, partnership_id: int, year: int, quarter: int, file_format: str) -> str:
    return f"organisations.partnership:{partnership_id}:{year}:{quarter}:{file_format}"


def parse_target(target: str) -> tuple[int, int, int, str]:
    _, partnership, year, quarter, file_format = target.split(":")
    return int(partnership), int(year), int(quarter), file_format


@transaction.atomic
def board_return_job_create(*, partnership: Any, year: int, quarter: int, file_format: str, by: Any) -> BackgroundJob:
    """The job row for a quarter's return; `scorecard.tasks.board_return_request` queues the build on commit."""
    if file_format not in FORMATS:
        raise ReturnError("Choose xlsx or CSV.")
    period = rules.quarter(year, quarter)
    if selectors.definition_set_for(period) is None:
        raise ReturnError(f"No set of return definitions is in force for {period.label}: an administrator adds one "
                          f"in the back office (Return definition sets).")
    return job_create(
        kind=JOB_KIND, description=f"Board return {period.label} ({file_format})"[:200], by=acting(by),
        target=return_target(partnership_id=partnership.pk, year=year, quarter=quarter, file_format=file_format),
    )


def return_table(*, authorities: list[Authority], year: int, quarter: int,
                 progress: Any = None) -> ReturnTable:
    period = rules.quarter(year, quarter)
    definition_set = selectors.definition_set_for(period)
    if definition_set is None:
        raise ReturnError(f"No set of return definitions is in force for {period.label}.")
    fields = list(definition_set.fields.all())
    ids = [a.pk for a in authorities]
    table = ReturnTable(
        title=definition_set.title, period_label=period.label, version=definition_set.version,
        authorities=[(a.pk, a.name) for a in authorities],
        fields=[SheetField(f.name, f.definition, f.query, f.query in selectors.MONEY_QUERIES) for f in fields],
    )
    for index, spec in enumerate(fields, start=1):
        table.values.append(selectors.return_field_values(query=spec.query, authority_ids=ids, period=period))
        if progress:
            progress(index)
    return table


def board_return_build(*, job_id: Any) -> None:
    """Build the file for a job, reporting progress on the job row; a failure is written on the job."""
    job = BackgroundJob.objects.get(pk=job_id, kind=JOB_KIND)
    try:
        partnership_id, year, quarter, file_format = parse_target(job.target)
        authorities = list(Authority.objects.filter(partnerships=partnership_id).order_by("name"))
        period = rules.quarter(year, quarter)
        definition_set = selectors.definition_set_for(period)
        steps = (definition_set.fields.count() if definition_set else 0)
        job_start(job_id=job_id, total=steps + len(authorities))
        table = return_table(authorities=authorities, year=year, quarter=quarter,
                             progress=lambda done: job_progress(job_id=job_id, done=done))
        if file_format == "xlsx":
            content = build_xlsx(table, progress=lambda done: job_progress(job_id=job_id, done=steps + done))
        else:
            content = build_csv(table)
        name = f"board-return-{year}-q{quarter}-v{table.version}.{file_format}"
        job_finish(job_id=job_id, content=content, filename=name, message=f"{len(content):,} bytes")
    except Exception as exc:
        job_fail(job_id=job_id, message=f"The return could not be built: {exc}")
        raise
