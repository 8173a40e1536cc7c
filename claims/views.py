"""Claims pages. Thin: parse, call one service or selector, render. Every view checks the role
(`role_required`) and the scope (`for_user`: an application of another authority is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.charts import bar_chart
from core.money import format_gbp, zero
from organisations.access import role_required
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for
from support.models import Assessment

from . import exports, imports, rules, selectors
from .forms import (
    ApplicationCreateForm,
    ApplicationEditForm,
    ApproveForm,
    DateForm,
    InvoiceApproveForm,
    InvoiceForm,
    LineForm,
    NoteForm,
    PayForm,
    RejectForm,
    RemittanceForm,
    ReportForm,
    SubmitForm,
)
from .models.applications import APPROVED_STATES, ApplicationLine, Status
from .models.invoices import ProviderInvoice
from .services import decisions, delivery, drafting, invoices, remittances, submission
from .services.errors import ClaimsError
from .services.headroom import headroom_for
from .services.roles import INVOICE_APPROVERS

READERS = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR)
CASEWORK = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
FINANCE = (Role.FINANCE_OFFICER,)
REPORTERS = (Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR)


def ledger_link(source_label: str) -> str:
    try:
        base = reverse("ledger:entries")
    except NoReverseMatch:
        base = "/ledger/entries/"
    return f"{base}?source={source_label}"


def _application(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.application_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as error:
        raise Http404("No such application") from error


def _today() -> Any:
    return timezone.localdate()


# ----------------------------------------------------------------------------------------------- lists


@role_required(*READERS)
def queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    name = request.GET.get("queue") or selectors.DEFAULT_QUEUE.get(user.role, "all")
    if name not in selectors.QUEUES:
        name = "all"
    today = _today()
    counts = selectors.queue_counts(user=user, today=today)
    tabs = [{"key": k, "label": v, "count": counts[k], "active": k == name} for k, v in selectors.QUEUES.items()]
    context: dict[str, Any] = {"tabs": tabs, "queue": name, "queue_label": selectors.QUEUES[name],
                               "can_create": user.role in CASEWORK, "is_finance": user.role in FINANCE,
                               "can_approve_invoices": user.role in INVOICE_APPROVERS}
    if name == "invoices":
        context["invoices"] = list(selectors.invoices_to_pay(user=user))
    else:
        context["applications"] = selectors.application_queue(user=user, queue=name, today=today)
    return render(request, "claims/application_queue.html", context)


@role_required(*READERS)
def recheck_list(request: HttpRequest) -> HttpResponse:
    return render(request, "claims/recheck_list.html",
                  {"rechecks": list(selectors.split_rechecks(user=request.user)[:200])})


@role_required(*REPORTERS)
def report(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    authorities = Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name")
    years = selectors.financial_years(user=user) or [rules.financial_year(_today())]
    form = ReportForm(request.GET or None, authorities=authorities, years=years)
    rows: list[Any] = []
    totals: dict[str, Any] = {}
    chart = None
    authority = None
    year = ""
    if form.is_valid():
        authority, year = form.cleaned_data["authority"], form.cleaned_data["financial_year"]
    elif not request.GET and authorities:
        authority, year = authorities[0], years[0]
    if authority is not None:
        rows = selectors.authority_year_report(user=user, authority_id=authority.pk, financial_year=year)
        totals = selectors.report_totals(rows)
        if rows:
            chart = bar_chart(f"Who paid, {authority.name} {year}", [
                ("The fund", totals["fund_paid"].amount, format_gbp(totals["fund_paid"])),
                ("The authority", totals["authority_paid"].amount, format_gbp(totals["authority_paid"])),
            ])
    return render(request, "claims/report.html", {"form": form, "rows": rows, "totals": totals, "chart": chart,
                                                  "authority": authority, "year": year})


# ----------------------------------------------------------------------------------------------- one application


@role_required(*READERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    user: Any = request.user
    headroom = None
    headroom_error = ""
    try:
        headroom = headroom_for(application=application)
    except rules.RuleError as error:
        headroom_error = str(error)
    lines = list(application.lines.select_related("service_type", "provider"))
    recorded_invoices = list(application.invoices.select_related("provider", "line__service_type"))
    money_rows: list[tuple[str, Any, str | None]] = [
        ("Therapy asked for", application.therapy_total, None),
        ("Specialist assessment asked for", application.assessment_total, None),
        ("Expected from the fund", application.estimated_fund, None),
        ("Expected from the authority", application.estimated_authority, None),
    ]
    if application.status in APPROVED_STATES:
        link = ledger_link(application.source_label)
        money_rows += [
            ("Approved by the fund", application.approved_fund, link),
            ("Authority's match funding or top-up", application.approved_authority, None),
            ("Received from the fund", application.funds_received, link),
            ("Unspent, returned to the fund", application.unspent_returned, link),
        ]
    return render(request, "claims/application_detail.html", {
        "application": application,
        "lines": lines,
        "invoices": [{"invoice": i, "ledger": ledger_link(i.source_label)} for i in recorded_invoices],
        "timeline": selectors.application_timeline(application=application),
        "headroom": headroom,
        "headroom_error": headroom_error,
        "money_rows": [{"label": label, "value": format_gbp(value), "link": link} for label, value, link in money_rows],
        "ledger_url": ledger_link(application.source_label),
        "overdue": selectors.is_decision_overdue(application, today=_today()),
        "deadline": selectors.decision_deadline(application),
        "actions": _actions_for(user, application),
        "editable": application.status in (Status.DRAFT, Status.RETURNED) and user.role in CASEWORK,
        "is_finance": user.role in FINANCE,
        "can_approve_invoices": user.role in INVOICE_APPROVERS,
    })


ACTIONS: dict[str, dict[str, Any]] = {
    "send_to_manager": {"label": "Send to a manager for approval", "roles": CASEWORK, "form": None,
                        "from": (Status.DRAFT, Status.RETURNED)},
    "manager_approve": {"label": "Approve the application", "roles": (Role.TEAM_MANAGER,), "form": None,
                        "from": (Status.AWAITING_MANAGER,)},
    "manager_send_back": {"label": "Send back to the author", "roles": (Role.TEAM_MANAGER,), "form": NoteForm,
                          "from": (Status.AWAITING_MANAGER,)},
    "submit": {"label": "Record submission to the fund", "roles": CASEWORK, "form": SubmitForm,
               "from": (Status.READY,)},
    "return_for_rework": {"label": "Record that the fund returned it for rework",
                          "roles": (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER), "form": NoteForm,
                          "from": (Status.SUBMITTED, Status.RESUBMITTED)},
    "resubmit": {"label": "Record resubmission to the fund", "roles": CASEWORK, "form": DateForm,
                 "from": (Status.RETURNED,)},
    "approve": {"label": "Record the fund's approval", "roles": (Role.FINANCE_OFFICER, Role.TEAM_MANAGER),
                "form": ApproveForm, "from": (Status.SUBMITTED, Status.RESUBMITTED)},
    "reject": {"label": "Record the fund's rejection", "roles": (Role.FINANCE_OFFICER, Role.TEAM_MANAGER),
               "form": RejectForm, "from": (Status.SUBMITTED, Status.RESUBMITTED)},
    "withdraw": {"label": "Withdraw the application", "roles": CASEWORK, "form": NoteForm,
                 "from": (Status.DRAFT, Status.AWAITING_MANAGER, Status.READY, Status.SUBMITTED, Status.RETURNED,
                          Status.RESUBMITTED)},
    "start_delivery": {"label": "Record that the services started",
                       "roles": (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER), "form": None,
                       "from": (Status.APPROVED, Status.FUNDS_RECEIVED)},
    "confirm_spend": {"label": "Confirm the spend (the unspent part goes back)", "roles": FINANCE, "form": DateForm,
                      "from": (Status.IN_DELIVERY,)},
    "close": {"label": "Close the application", "roles": FINANCE, "form": DateForm, "from": (Status.SPEND_CONFIRMED,)},
}


def _actions_for(user: Any, application: Any) -> list[dict]:
    hidden = set()
    if application.status == Status.RETURNED:
        # Changed since the fund returned it: its manager approval is gone, so it goes to a manager first.
        hidden.add("send_to_manager" if application.manager_approved_by_id else "resubmit")
    return [{"name": name, "label": spec["label"], "url": reverse("claims:action", args=[application.pk, name])}
            for name, spec in ACTIONS.items()
            if user.role in spec["roles"] and application.status in spec["from"] and name not in hidden]


def _run_action(name: str, application: Any, user: Any, data: dict) -> Any:
    now = timezone.now()
    if name == "send_to_manager":
        return submission.application_send_to_manager(application=application, by=user, now=now)
    if name == "manager_approve":
        return submission.application_manager_approve(application=application, by=user, now=now)
    if name == "manager_send_back":
        return submission.application_manager_send_back(application=application, by=user, now=now, note=data["note"])
    if name == "submit":
        return submission.application_submit(application=application, by=user, now=now,
                                             submitted_date=data["submitted_date"],
                                             fund_reference=data.get("fund_reference", ""))
    if name == "return_for_rework":
        return submission.application_return_for_rework(application=application, by=user, now=now, note=data["note"])
    if name == "resubmit":
        return submission.application_resubmit(application=application, by=user, now=now,
                                               submitted_date=data["on_date"])
    if name == "approve":
        return decisions.application_approve(
            application=application, by=user, now=now, decision_date=data["decision_date"],
            fund_amount=data.get("fund_amount"), approved_therapy=data.get("approved_therapy"),
            approved_assessment=data.get("approved_assessment"), fund_reference=data.get("fund_reference", ""),
            note=data.get("note", ""))
    if name == "reject":
        return decisions.application_reject(application=application, by=user, now=now,
                                            decision_date=data["decision_date"], note=data["note"])
    if name == "withdraw":
        return submission.application_withdraw(application=application, by=user, now=now, reason=data["note"])
    if name == "start_delivery":
        return delivery.application_start_delivery(application=application, by=user, now=now)
    if name == "confirm_spend":
        return delivery.application_confirm_spend(application=application, by=user, now=now,
                                                  confirmed_date=data["on_date"])
    if name == "close":
        return delivery.application_close(application=application, by=user, now=now, closed_date=data["on_date"])
    raise Http404("No such action")


@role_required(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER)
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    application = _application(request, pk)
    spec = ACTIONS.get(name)
    user: Any = request.user
    if spec is None:
        raise Http404("No such action")
    if user.role not in spec["roles"]:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your role does not allow this.")
    form_class: Callable[..., Any] | None = spec["form"]
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _run_action(name, application, user, form.cleaned_data if form else {})
        except (ClaimsError, rules.RuleError) as error:
            if form is None:
                messages.error(request, str(error))
                return redirect("claims:detail", pk=application.pk)
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{spec['label']}: done.")
            return redirect("claims:detail", pk=application.pk)
    return render(request, "claims/application_action.html",
                  {"application": application, "form": form, "label": spec["label"], "name": name})


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = ApplicationCreateForm(request.POST or None, user=request.user, initial={
        "assessment": request.GET.get("assessment")})
    if request.method == "POST" and form.is_valid():
        assessment: Assessment = form.cleaned_data["assessment"]
        try:
            application = drafting.application_create(
                child=assessment.child, assessment=assessment, start_date=form.cleaned_data["start_date"],
                by=request.user, now=timezone.now(), purpose_for_fund=form.cleaned_data["purpose_for_fund"])
        except (ClaimsError, rules.RuleError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Application {application.reference} drafted. Add the services next.")
            return redirect("claims:line_add", pk=application.pk)
    return render(request, "claims/application_form.html", {"form": form, "title": "Draft an ASF application"})


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = ApplicationEditForm(request.POST or None, initial={
        "start_date": application.start_date, "purpose_for_fund": application.purpose_for_fund,
        "exceptional_reason": application.exceptional_reason, "internal_notes": application.internal_notes})
    if request.method == "POST" and form.is_valid():
        try:
            drafting.application_update(application=application, by=request.user, now=timezone.now(),
                                        start_date=form.cleaned_data["start_date"],
                                        purpose_for_fund=form.cleaned_data["purpose_for_fund"],
                                        internal_notes=form.cleaned_data["internal_notes"],
                                        exceptional_reason=form.cleaned_data["exceptional_reason"])
        except (ClaimsError, rules.RuleError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Application updated.")
            return redirect("claims:detail", pk=application.pk)
    return render(request, "claims/application_form.html",
                  {"form": form, "application": application, "title": f"Change {application.reference}"})


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = LineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drafting.application_line_add(
                application=application, service_type=data["service_type"], provider=data["provider"],
                sessions=data["sessions"], unit_cost=data["unit_cost"],
                travel=data["travel"] or zero(), description_for_fund=data["description_for_fund"],
                by=request.user, now=timezone.now())
        except (ClaimsError, rules.RuleError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Service added.")
            return redirect("claims:detail", pk=application.pk)
    return render(request, "claims/application_form.html",
                  {"form": form, "application": application, "title": "Add a service"})


@role_required(*CASEWORK)
@require_POST
def line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    application = _application(request, pk)
    try:
        line = application.lines.get(pk=line_pk)
    except ApplicationLine.DoesNotExist as error:
        raise Http404("No such line") from error
    try:
        drafting.application_line_remove(line=line, by=request.user, now=timezone.now())
    except ClaimsError as error:
        messages.error(request, str(error))
    return redirect("claims:detail", pk=application.pk)


@role_required(*READERS)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    response = HttpResponse(exports.fund_export_json(application), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{application.reference}-for-the-fund.json"'
    return response


# ----------------------------------------------------------------------------------------------- finance


@role_required(*FINANCE)
@require_http_methods(["GET", "POST"])
def invoice_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = InvoiceForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoices.invoice_record(application=application, line=data["line"],
                                    invoice_number=data["invoice_number"], invoice_date=data["invoice_date"],
                                    amount=data["amount"], top_up_reason=data["top_up_reason"], by=request.user,
                                    now=timezone.now())
        except (ClaimsError, rules.RuleError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Invoice recorded.")
            return redirect("claims:detail", pk=application.pk)
    return render(request, "claims/application_form.html",
                  {"form": form, "application": application, "title": "Record a provider's invoice"})


def _invoice(request: HttpRequest, pk: int) -> ProviderInvoice:
    try:
        return (ProviderInvoice.objects.for_user(request.user)
                .select_related("application", "provider", "line__service_type", "recorded_by", "approved_by")
                .get(pk=pk))
    except ProviderInvoice.DoesNotExist as error:
        raise Http404("No such invoice") from error


@role_required(*INVOICE_APPROVERS)
@require_http_methods(["GET", "POST"])
def invoice_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The checker's page: the invoice as recorded, and one button. Whoever recorded it is told to ask someone
    else (the service refuses them too)."""
    invoice = _invoice(request, pk)
    form = InvoiceApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invoices.invoice_approve(invoice=invoice, by=request.user, now=timezone.now())
        except ClaimsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{invoice} approved: it can now be paid.")
            return redirect("claims:detail", pk=invoice.application_id)
    return render(request, "claims/invoice_approve.html", {
        "form": form, "invoice": invoice, "application": invoice.application,
        "is_recorder": invoice.recorded_by_id == request.user.pk,
        "status_changes": selectors.invoice_history(invoice=invoice),
    })


@role_required(*FINANCE)
@require_http_methods(["GET", "POST"])
def invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = PayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invoices.invoice_pay(invoice=invoice, paid_date=form.cleaned_data["paid_date"], by=request.user,
                                 now=timezone.now())
        except ClaimsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{invoice} paid.")
            return redirect("claims:detail", pk=invoice.application_id)
    return render(request, "claims/application_form.html",
                  {"form": form, "application": invoice.application, "title": f"Pay {invoice}"})


@role_required(*FINANCE)
@require_http_methods(["GET", "POST"])
def remittance_import(request: HttpRequest) -> HttpResponse:
    """Upload: a dry run lists every row, its match and its problems; confirm imports all or nothing."""
    user: Any = request.user
    authorities = Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name")
    preview = None
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        pending = request.session.get("claims_remittance")
        form = RemittanceForm(authorities=authorities)
        form.full_clean()  # an unbound form: no field errors, but room for the confirm step's own error
        form.cleaned_data = {}
        if not pending:
            form.add_error(None, "Upload the file again: the checked rows have expired.")
        else:
            authority = authorities.filter(pk=pending["authority"]).first()
            if authority is None:
                raise Http404("No such authority")
            try:
                done = remittances.remittance_import(
                    authority=authority, rows=[tuple(r) for r in pending["rows"]], file_name=pending["file_name"],
                    payment_date=date.fromisoformat(pending["payment_date"]), by=user, now=timezone.now())
            except ClaimsError as error:
                form.add_error(None, str(error))
            else:
                del request.session["claims_remittance"]
                messages.success(request, f"Remittance imported: {len(done.rows)} rows, {format_gbp(done.total)}.")
                return redirect("claims:queue")
        return render(request, "claims/remittance_import.html", {"form": form, "preview": None})
    form = RemittanceForm(request.POST or None, request.FILES or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = imports.read_remittance(name=upload.name, content=upload.read())
        except imports.UnreadableFile as error:
            form.add_error("file", str(error))
        else:
            preview = remittances.remittance_check(authority=form.cleaned_data["authority"], rows=rows, user=user)
            if not preview.problems:
                request.session["claims_remittance"] = {
                    "authority": form.cleaned_data["authority"].pk, "rows": [list(r) for r in rows],
                    "file_name": upload.name, "payment_date": form.cleaned_data["payment_date"].isoformat()}
    return render(request, "claims/remittance_import.html", {"form": form, "preview": preview})
