"""Journal pages, for finance officers only: every page checks the role, and reads batches through `for_user`, so
an officer sees and exports only their own authorities' journals (another authority's batch is a 404)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import record_access
from core.models import AccessAction, JobStatus
from core.money import format_gbp
from organisations.access import role_required
from organisations.models import Role

from . import selectors, services
from .forms import BatchConfirmForm, BatchCreateForm
from .layouts import get_layout
from .models import BatchStatus, JournalBatch

JOURNAL_ROLES = (Role.FINANCE_OFFICER,)


def _batch_or_404(request: HttpRequest, pk: int) -> JournalBatch:
    batch = selectors.batch_for_user(user=request.user, pk=pk)
    if batch is None:
        raise Http404("No such journal in your authorities")
    return batch


def _chosen_authority(request: HttpRequest, authorities: list[Any]) -> Any:
    chosen = request.GET.get("authority", "")
    return next((a for a in authorities if chosen.isdigit() and a.pk == int(chosen)), None)


@role_required(*JOURNAL_ROLES)
def batch_list(request: HttpRequest) -> HttpResponse:
    authorities = selectors.authorities_for(request.user)
    authority = _chosen_authority(request, authorities)
    batches = selectors.batch_list(user=request.user, authority_id=authority.pk if authority else None)
    rows = [{
        "pk": b.pk, "reference": b.reference, "authority": b.authority.name, "cut_off_date": b.cut_off_date,
        "layout": b.layout, "status": b.get_status_display(), "lines": b.line_count,
        "debit": format_gbp(b.total_debit), "credit": format_gbp(b.total_credit),
        "created_by": str(b.created_by) if b.created_by else "The system",
    } for b in batches[:200]]
    in_progress = selectors.jobs_in_progress(user=request.user, kind=services.JOB_KIND)
    return render(request, "ledger/journals/batch_list.html",
                  {"rows": rows, "authorities": authorities, "authority_id": authority.pk if authority else None,
                   "in_progress": in_progress})


@role_required(*JOURNAL_ROLES)
def batch_create(request: HttpRequest) -> HttpResponse:
    authorities = selectors.authorities_for(request.user)
    choices = [(a.pk, a.name) for a in authorities]
    today = timezone.localdate()
    form = BatchCreateForm(request.POST or None, authorities=choices, today=today,
                           initial={"authority": choices[0][0] if choices else None, "cut_off_date": today})
    if request.method == "POST" and form.is_valid():
        authority = next(a for a in authorities if a.pk == form.cleaned_data["authority"])
        try:
            job = services.batch_request(authority=authority, cut_off_date=form.cleaned_data["cut_off_date"],
                                         layout=form.cleaned_data["layout"], by=request.user, today=today)
        except services.JournalError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("journals:job", job_id=job.pk)
    return render(request, "ledger/journals/batch_form.html", {"form": form})


@role_required(*JOURNAL_ROLES)
def batch_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """A journal being made: its progress (the page reloads itself, or by its link, without JavaScript), then the
    journal it made, or why none was made."""
    job = selectors.job_for_user(user=request.user, job_id=job_id, kind=services.JOB_KIND)
    if job is None:
        raise Http404("No such journal in your authorities")
    batch_id = selectors.batch_id_for_job(job=job)
    if job.status == JobStatus.SUCCEEDED and batch_id is not None:
        messages.success(request, job.message)
        return redirect("journals:detail", pk=batch_id)
    refusal = job.message.splitlines() if job.status == JobStatus.FAILED else []
    return render(request, "ledger/journals/batch_job.html", {
        "job": job, "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING), "batch_id": batch_id,
        "refusal": refusal[:1], "missing": refusal[1:],
    })


@role_required(*JOURNAL_ROLES)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    job = selectors.batch_job(batch=batch, kind=services.JOB_KIND)
    layout = get_layout(batch.layout)
    return render(request, "ledger/journals/batch_detail.html", {
        "batch": batch, "layout": layout, "job": job,
        "running": job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "debit": format_gbp(batch.total_debit), "credit": format_gbp(batch.total_credit),
        "notes": selectors.period_notes(batch=batch),
        "can_confirm": batch.status == BatchStatus.EXPORTED,
        "confirm_form": BatchConfirmForm(),
    })


@role_required(*JOURNAL_ROLES)
def batch_download(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch_or_404(request, pk)
    if batch.status == BatchStatus.DRAFT or not batch.file:
        raise Http404("The journal's file has not been written yet")
    record_access(user=request.user, obj=batch, action=AccessAction.DOWNLOAD, request=request,
                  authority=batch.authority)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.file_name,
                        content_type="text/csv; charset=utf-8")


@require_POST
@role_required(*JOURNAL_ROLES)
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    form = BatchConfirmForm(request.POST)
    reference = form.cleaned_data["finance_reference"] if form.is_valid() else ""
    try:
        services.batch_confirm(batch=batch, by=request.user, now=timezone.now(), finance_reference=reference)
    except services.JournalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Journal {batch.reference} confirmed as booked by finance")
    return redirect("journals:detail", pk=batch.pk)


@role_required(*JOURNAL_ROLES)
def reconciliation(request: HttpRequest) -> HttpResponse:
    authorities = selectors.authorities_for(request.user)
    authority = _chosen_authority(request, authorities) or (authorities[0] if authorities else None)
    context: dict[str, Any] = {"authority": authority, "authorities": authorities}
    if authority is not None:
        found = selectors.reconciliation(authority=authority)

        def shown(row: dict) -> dict:
            return {"name": row["name"], "code": row["code"], "ledger": format_gbp(row["ledger"]),
                    "exported": format_gbp(row["exported"]), "draft": format_gbp(row["draft"]),
                    "difference": format_gbp(row["difference"]), "waiting": row["waiting"]}

        context.update(rows=[shown(r) for r in found["rows"]], differences=[shown(r) for r in found["differences"]],
                       ledger_total=format_gbp(found["ledger_total"]),
                       exported_total=format_gbp(found["exported_total"]))
    return render(request, "ledger/journals/reconciliation.html", context)
