"""Contract pages: thin. Each checks the role (`role_required`) and the scope (`for_user`, out of scope is a
404); writes that act in the lead authority's books also need the lead authority in the user's scope."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.charts import bar_chart
from core.models import BackgroundJob, JobStatus
from core.money import format_gbp, gbp
from organisations.access import role_required
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for

from . import selectors, tasks
from .forms import ContractForm, ContractStatusForm, KpiReturnForm, RunForm, UsageConfirmForm, UsageUploadForm
from .models import ApportionmentRun, Contract, RunStatus
from .services import monitoring, register
from .services import runs as run_services
from .services import usage_import as usage_import_service
from .services.errors import ContractError

VIEW_ROLES: tuple[str, ...] = (Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER, Role.AUDITOR)
RUN_ROLES: tuple[str, ...] = (Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER)
IMPORT_SESSION_KEY = "contracts_usage_import"


def _contract_or_404(request: HttpRequest, pk: int) -> Contract:
    try:
        return selectors.contract_visible(user=request.user, pk=pk)
    except Contract.DoesNotExist as exc:
        raise Http404 from exc


def _run_or_404(request: HttpRequest, pk: int) -> ApportionmentRun:
    try:
        return selectors.run_for_user(user=request.user, pk=pk)
    except ApportionmentRun.DoesNotExist as exc:
        raise Http404 from exc


def _require_lead(request: HttpRequest, contract: Contract) -> None:
    if contract.lead_authority_id not in authority_ids_for(request.user):
        raise PermissionDenied(f"Only {contract.lead_authority} (the lead authority) can do this.")


# ---- the register and monitoring ------------------------------------------------------------------------------


@role_required(*VIEW_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    monitors = selectors.contract_overview(user=request.user, today=today)
    live = [m for m in monitors if m.live]
    spend_chart = bar_chart("Share of value spent or committed, live contracts",
                            [(m.contract.reference, m.committed_percent, f"{m.committed_percent}%") for m in live])
    time_chart = bar_chart("Share of the term elapsed, live contracts",
                           [(m.contract.reference, m.elapsed_percent, f"{m.elapsed_percent}%") for m in live])
    utilisation = [m for m in live if m.utilisation_percent is not None]
    use_chart = bar_chart("Use against capacity this financial year",
                          [(m.contract.reference, m.utilisation_percent or 0, f"{m.utilisation_percent}%")
                           for m in utilisation])
    return render(request, "contracts/overview.html", {
        "monitors": monitors, "live": live, "utilisation": utilisation,
        "ending_soon": [m for m in monitors if m.ending_soon], "today": today,
        "spend_chart": spend_chart, "time_chart": time_chart, "use_chart": use_chart,
        "missed": [m for m in monitors if m.kpis_missed],
    })


@role_required(Role.LEAD_COMMISSIONER)
def contract_create(request: HttpRequest) -> HttpResponse:
    """Add a contract to the register (planned): the lead commissioner of an authority in their scope."""
    authorities = Authority.objects.filter(pk__in=authority_ids_for(request.user)).order_by("name")
    form = ContractForm(request.POST or None, authorities=authorities,
                        initial={"lead_authority": authorities.first() if authorities.count() == 1 else None})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        element = (data.pop("element_name") or "").strip()
        service_types = list(data.pop("service_types"))
        parties = list(data.pop("parties"))
        data["total_value"] = gbp(data["total_value"])
        data["unit_price"] = gbp(data["unit_price"]) if data["unit_price"] is not None else None
        try:
            contract = register.contract_create(
                by=request.user, now=timezone.now(), parties=parties,
                service_elements=[(element, service_types)] if element else [], **data,
            )
        except (ContractError, ValidationError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"{contract.reference} is on the register as planned: make it active when "
                                      "it starts")
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html", {"form": form})


@role_required(*VIEW_ROLES)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    try:
        monitor = selectors.contract_monitor(user=request.user, pk=pk, today=today)
    except Contract.DoesNotExist as exc:
        raise Http404 from exc
    contract = monitor.contract
    money_chart = bar_chart("Spend and commitment against value", [
        ("Value", monitor.value.amount, format_gbp(monitor.value)),
        ("Committed", monitor.committed.amount, format_gbp(monitor.committed)),
        ("Spent", monitor.spent.amount, format_gbp(monitor.spent)),
    ])
    use_chart = None
    if monitor.capacity:
        use_chart = bar_chart("Use against capacity this financial year", [
            ("Capacity", monitor.capacity, f"{monitor.capacity:,}"),
            ("Used", monitor.year_usage or 0, f"{monitor.year_usage}"),
        ])
    time_chart = bar_chart("Time elapsed against the term", [
        ("Term (days)", monitor.days_total, f"{monitor.days_total:,}"),
        ("Elapsed (days)", monitor.days_elapsed, f"{monitor.days_elapsed:,}"),
    ])
    return render(request, "contracts/contract_detail.html", {
        "m": monitor, "contract": contract, "money_chart": money_chart, "use_chart": use_chart,
        "time_chart": time_chart, "usage": selectors.usage_by_year(contract=contract),
        "outcomes": selectors.provider_outcomes(user=request.user, contract=contract, today=today),
        "runs": selectors.runs_for_user(user=request.user).filter(contract=contract),
        "can_manage": request.user.role == Role.LEAD_COMMISSIONER  # type: ignore[union-attr]
        and contract.lead_authority_id in authority_ids_for(request.user),
        "can_run": request.user.role in RUN_ROLES  # type: ignore[union-attr]
        and contract.lead_authority_id in authority_ids_for(request.user),
    })


@role_required(Role.LEAD_COMMISSIONER)
def contract_status(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    _require_lead(request, contract)
    form = ContractStatusForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        action, now, today = form.cleaned_data["action"], timezone.now(), timezone.localdate()
        try:
            if action == "activate":
                register.contract_activate(contract=contract, by=request.user, now=now)
            elif action == "extend":
                register.contract_extend(contract=contract, option=form.cleaned_data["option"], by=request.user,
                                         today=today, now=now)
            elif action == "expire":
                register.contract_expire(contract=contract, by=request.user, today=today, now=now)
            else:
                register.contract_terminate(contract=contract, by=request.user, today=today, now=now,
                                            reason=form.cleaned_data["reason"])
        except ContractError as exc:
            form.add_error("action", str(exc))
        else:
            messages.success(request, f"Contract {contract.reference} updated")
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/contract_status.html", {"contract": contract, "form": form})


@role_required(Role.LEAD_COMMISSIONER)
def kpi_return(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    _require_lead(request, contract)
    kpi = get_object_or_404(contract.kpis, pk=kpi_pk)
    form = KpiReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            monitoring.kpi_return_record(kpi=kpi, by=request.user, **form.cleaned_data)
        except ContractError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Return recorded for {kpi.name}")
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/kpi_return.html", {"contract": contract, "kpi": kpi, "form": form})


# ---- historic usage --------------------------------------------------------------------------------------------


@role_required(Role.FINANCE_OFFICER)
def usage_import(request: HttpRequest) -> HttpResponse:
    """Upload, see the dry run row by row, then confirm: the file is kept between the two steps under a token
    in this user's session."""
    contracts = Contract.objects.for_user(request.user)
    upload_form = UsageUploadForm()
    confirm_form = None
    report = None
    if request.method == "POST" and request.POST.get("step") == "confirm":
        form = UsageConfirmForm(request.POST)
        pending = request.session.get(IMPORT_SESSION_KEY) or {}
        if not form.is_valid() or form.cleaned_data["token"] != pending.get("token"):
            messages.error(request, "That import has expired: upload the file again")
            return redirect("contracts:usage_import")
        with default_storage.open(pending["path"], "rb") as handle:
            content = handle.read()
        try:
            report = usage_import_service.usage_import(content=content, file_name=pending["name"], by=request.user,
                                           now=timezone.now(), dry_run=False, contracts=contracts)
        except usage_import_service.ImportRefused as exc:
            report = exc.report
            upload_form.add_error("file", "The file has problems: nothing was imported. Correct them and upload "
                                          "it again")
        except ContractError as exc:
            upload_form.add_error("file", str(exc))
        else:
            default_storage.delete(pending["path"])
            request.session.pop(IMPORT_SESSION_KEY, None)
            messages.success(request, f"{report.new_rows} rows imported from {report.file_name}; "
                                      f"{report.unchanged_rows} were already there")
            return redirect("contracts:usage_import")
    elif request.method == "POST":
        upload_form = UsageUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            content = upload.read()
            try:
                report = usage_import_service.usage_import(content=content, file_name=upload.name, by=request.user,
                                               now=timezone.now(), dry_run=True, contracts=contracts)
            except ContractError as exc:
                upload_form.add_error("file", str(exc))
            else:
                if report.ok:
                    token = uuid.uuid4().hex
                    path = default_storage.save(f"imports/usage-{token}.{upload.name.rsplit('.', 1)[-1].lower()}",
                                                ContentFile(content))
                    request.session[IMPORT_SESSION_KEY] = {"token": token, "path": path, "name": upload.name}
                    confirm_form = UsageConfirmForm(initial={"token": token})
                else:
                    upload_form.add_error("file", "The file has problems: correct them and upload it again")
    return render(request, "contracts/usage_import.html", {
        "form": upload_form, "confirm_form": confirm_form, "report": report,
        "columns": usage_import_service.USAGE_COLUMNS,
    })


# ---- apportionment runs -----------------------------------------------------------------------------------------


@role_required(*VIEW_ROLES)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = list(selectors.runs_for_user(user=request.user)[:200])
    return render(request, "contracts/run_list.html", {"runs": runs})


@role_required(*RUN_ROLES)
def run_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    _require_lead(request, contract)
    visible = Contract.objects.filter(pk__in=Contract.objects.for_user(request.user).values("pk"))
    form = RunForm(request.POST or None, contract=contract, contracts=visible,
                   initial={"total_cost": contract.total_value.amount, "cost_start_date": contract.start_date,
                            "cost_end_date": contract.end_date, "fixed_share_percent": 0})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            run = run_services.run_create(
                contract=contract, by=request.user, now=timezone.now(), title=data["title"],
                total_cost=gbp(data["total_cost"]), cost_start_date=data["cost_start_date"],
                cost_end_date=data["cost_end_date"], basis=data["basis"], basis_label=data["basis_label"],
                basis_contracts=list(data["basis_contracts"]), usage_start_date=data["usage_start_date"],
                usage_end_date=data["usage_end_date"], fixed_share_percent=data["fixed_share_percent"],
                estimate=data["estimate"], tolerance_percent=data["tolerance_percent"],
            )
        except ContractError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Run created: calculate it to see the split")
            return redirect("contracts:run_detail", pk=run.pk)
    return render(request, "contracts/run_form.html", {"contract": contract, "form": form})


@role_required(*VIEW_ROLES)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    lines = selectors.run_lines(run=run)
    chart = bar_chart("The split", [(line.authority_name, line.amount.amount, format_gbp(line.amount))
                                    for line in lines]) if lines else None
    user = request.user
    is_lead = run.contract.lead_authority_id in authority_ids_for(user)
    return render(request, "contracts/run_detail.html", {
        "run": run, "lines": lines, "chart": chart, "jobs": list(selectors.run_jobs(run=run)[:5]),
        "status_changes": selectors.run_history(run=run),
        "can_calculate": user.role in RUN_ROLES and is_lead and not run.frozen,  # type: ignore[union-attr]
        "can_approve": user.role == Role.FINANCE_OFFICER and is_lead  # type: ignore[union-attr]
        and run.status == RunStatus.CALCULATED,
        "can_recharge": user.role == Role.FINANCE_OFFICER and is_lead  # type: ignore[union-attr]
        and run.status == RunStatus.APPROVED,
        "can_export": user.role in RUN_ROLES and run.status != RunStatus.DRAFT,  # type: ignore[union-attr]
        "recharges": [(line, run_services.recharge_amount(run=run, line=line)) for line in lines
                      if line.authority_id != run.contract.lead_authority_id],
        "ledger_url": _ledger_url(run),
    })


def _ledger_url(run: ApportionmentRun) -> str:
    """The ledger's page of the entries behind this run (the ledger app owns it)."""
    try:
        return f"{reverse('ledger:entries')}?source=contracts.apportionmentrun:{run.pk}"
    except NoReverseMatch:
        return ""


def _run_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    run = _run_or_404(request, pk)
    _require_lead(request, run.contract)
    try:
        action(run)
    except ContractError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("contracts:run_detail", pk=run.pk)


@require_POST
@role_required(*RUN_ROLES)
def run_calculate(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk,
                       lambda run: run_services.run_calculate(run=run, by=request.user, now=timezone.now()),
                       "Run calculated")


@require_POST
@role_required(Role.FINANCE_OFFICER)
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, lambda run: run_services.run_approve(run=run, by=request.user, now=timezone.now()),
                       "Run approved: it is now frozen")


@require_POST
@role_required(Role.FINANCE_OFFICER)
def run_recharge(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(
        request, pk,
        lambda run: run_services.run_recharge(run=run, by=request.user, now=timezone.now(), today=timezone.localdate()),
        "Recharges posted to the ledger",
    )


@require_POST
@role_required(*RUN_ROLES)
def run_spreadsheet(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        job = tasks.run_spreadsheet_request(run=run, by=request.user)
    except ContractError as exc:
        messages.error(request, str(exc))
        return redirect("contracts:run_detail", pk=run.pk)
    return redirect("contracts:job", job_id=job.pk)


def _job_or_404(request: HttpRequest, job_id: uuid.UUID) -> tuple[BackgroundJob, ApportionmentRun]:
    job = BackgroundJob.objects.filter(pk=job_id, kind="contracts.run_spreadsheet").first()
    if job is None or not job.target.startswith("contracts.apportionmentrun:"):
        raise Http404
    return job, _run_or_404(request, int(job.target.rsplit(":", 1)[1]))


@role_required(*VIEW_ROLES)
def job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    found, run = _job_or_404(request, job_id)
    running = found.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, "contracts/job.html", {"job": found, "run": run, "running": running})


@role_required(*VIEW_ROLES)
def job_download(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    found, _ = _job_or_404(request, job_id)
    if found.status != JobStatus.SUCCEEDED or not found.result_file:
        raise Http404
    return FileResponse(found.result_file.open("rb"), as_attachment=True, filename=found.result_name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
