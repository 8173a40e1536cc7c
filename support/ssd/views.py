"""The data manager's page: upload the extract, watch the dry run, read it, commit it. Data managers and
administrators only, and only for an authority in their scope (a data manager of Kent imports only for Kent)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.models import BackgroundJob, JobStatus
from organisations.access import role_required
from organisations.models import Authority
from organisations.scoping import authority_ids_for

from ..models import SsdImport
from ..services.errors import NotPermitted
from .forms import SsdUploadForm
from .jobs import JOB_KIND, ssd_files_store, ssd_import_request
from .reader import UnreadableExtract, open_files
from .service import IMPORT_ROLES

SHOWN = 500  # rows of each list on the page; the counts give the rest


def _job(request: HttpRequest, job_id: uuid.UUID) -> BackgroundJob:
    job = BackgroundJob.objects.select_related("authority").filter(
        pk=job_id, kind=JOB_KIND, authority__in=authority_ids_for(request.user)).first()
    if job is None:
        raise Http404("No such import")
    return job


def _report(job: BackgroundJob) -> dict[str, Any] | None:
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        return None
    with job.result_file.open("rb") as handle:
        report: dict[str, Any] = json.loads(handle.read())
    for name in ("errors", "creates", "updates", "unmatched", "differences"):
        report[f"{name}_more"] = max(len(report[name]) - SHOWN, 0)
        report[name] = report[name][:SHOWN]
    return report


@role_required(*IMPORT_ROLES)
@require_http_methods(["GET", "POST"])
def ssd_upload(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    authorities = Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name")
    form = SsdUploadForm(request.POST or None, request.FILES or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        files = {upload.name: upload.read() for upload in form.cleaned_data["extract"]}
        try:
            open_files(files)
            job = ssd_import_request(authority=form.cleaned_data["authority"], token=ssd_files_store(files=files),
                                     by=user, dry_run=True)
        except (UnreadableExtract, NotPermitted) as error:
            form.add_error("extract", str(error))
        else:
            return redirect("ssd:job", job_id=job.pk)
    imports = SsdImport.objects.for_user(user).select_related("authority", "by")[:20]
    return render(request, "support/ssd_upload.html", {"form": form, "imports": imports},
                  status=400 if form.errors else 200)


@role_required(*IMPORT_ROLES)
@require_http_methods(["GET"])
def ssd_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job(request, job_id)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, "support/ssd_job.html", {"job": job, "running": running, "report": _report(job),
                                                     "shown": SHOWN})


@role_required(*IMPORT_ROLES)
@require_POST
def ssd_commit(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job(request, job_id)
    report = _report(job)
    if report is None or report["status"] != "dry_run":
        raise Http404("Only a finished dry run with no errors can be imported")
    assert job.authority is not None
    try:
        committed = ssd_import_request(authority=job.authority, token=report["token"], by=request.user,
                                       dry_run=False)
    except NotPermitted as error:
        raise Http404(str(error)) from error
    return redirect("ssd:job", job_id=committed.pk)
