"""Letterbox pages. Thin: check role and scope, parse, call one service or selector, render. Domain errors become
GOV.UK error summaries with nothing saved. Every view of an arrangement or item, and every scan opened, is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import record_access
from core.charts import bar_chart
from core.downloads import private_response, stored_bytes
from core.models import AccessAction
from organisations.access import role_required
from organisations.models import Role, Scope

from . import rules, selectors
from .forms import (
    ArrangementForm,
    CheckForm,
    ConfirmForm,
    CoordinateForm,
    EndForm,
    ForwardForm,
    PauseForm,
    PeriodForm,
    ReasonForm,
    ReceiveForm,
    RedactForm,
    TermsForm,
)
from .models import Arrangement, ArrangementStatus, ContactTask, Exchange, ExchangeStatus, Writer
from .services import arrangements as arrangement_services
from .services import exchanges as exchange_services
from .services.errors import ContactError

READERS: tuple[str, ...] = (Role.LETTERBOX_COORDINATOR, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR,
                            Role.PROVIDER_STAFF)
WORKERS: tuple[str, ...] = (Role.LETTERBOX_COORDINATOR, Role.SOCIAL_WORKER, Role.PROVIDER_STAFF)
ARRANGERS: tuple[str, ...] = (Role.LETTERBOX_COORDINATOR, Role.SOCIAL_WORKER)
# Who changes the terms: the authority's letterbox coordinator, or the provider coordinating it on referral (scope
# keeps a provider to the arrangements it coordinates).
TERMS_EDITORS: tuple[str, ...] = (Role.LETTERBOX_COORDINATOR, Role.PROVIDER_STAFF)
PAGE_SIZE = 25
LIST_LIMIT = 50

ARRANGEMENT_ACTIONS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "activate": ("Start the arrangement", ConfirmForm, ("proposed",)),
    "pause": ("Pause the arrangement", PauseForm, ("active",)),
    "resume": ("Start the arrangement again", ConfirmForm, ("paused",)),
    "end": ("End the arrangement", EndForm, ("proposed", "active", "paused")),
    "coordinate": ("Hand it to a provider on referral", CoordinateForm, ("proposed", "active", "paused")),
}
EXCHANGE_ACTIONS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "receive": ("Log the item as received", ReceiveForm, (ExchangeStatus.EXPECTED,)),
    "check": ("Check the item", CheckForm, (ExchangeStatus.RECEIVED, ExchangeStatus.HELD, ExchangeStatus.REDACTED)),
    "hold": ("Hold the item", ReasonForm, (ExchangeStatus.RECEIVED, ExchangeStatus.REDACTED)),
    "redact": ("Record a redaction", RedactForm, (ExchangeStatus.RECEIVED, ExchangeStatus.HELD)),
    "forward": ("Forward the item", ForwardForm, (ExchangeStatus.RECEIVED, ExchangeStatus.REDACTED)),
    "return": ("Return the item to the writer", ReasonForm, (ExchangeStatus.RECEIVED, ExchangeStatus.HELD)),
    "miss": ("Mark the item as missed", ConfirmForm, (ExchangeStatus.EXPECTED,)),
}


def _arrangement(request: HttpRequest, pk: int) -> Arrangement:
    try:
        return selectors.arrangement_detail(user=request.user, pk=pk)
    except Arrangement.DoesNotExist as exc:
        raise Http404("No such arrangement") from exc


def _exchange(request: HttpRequest, pk: int) -> Exchange:
    try:
        return selectors.exchange_detail(user=request.user, pk=pk)
    except Exchange.DoesNotExist as exc:
        raise Http404("No such item") from exc


def _audit(request: HttpRequest, obj: Arrangement | Exchange, action: str = AccessAction.VIEW) -> None:
    arrangement = obj if isinstance(obj, Arrangement) else obj.arrangement
    record_access(user=request.user, obj=obj, action=action, family=arrangement.household, request=request,
                  authority=arrangement.authority)


def _can_write(request: HttpRequest) -> bool:
    return str(getattr(request.user, "role", "")) in WORKERS


def _shows_names(request: HttpRequest) -> bool:
    return getattr(request.user, "scope", "") != Scope.PROVIDER


@role_required(*READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = rules.month_start(today.replace(year=today.year - 1)), rules.next_month(today)
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["period_from"] or start
        end = form.cleaned_data["period_to"] or end
    counts = selectors.period_counts(user=request.user, start=start, end=end, today=today)
    rows = counts.rows()
    return render(request, "contact/dashboard.html", {
        "form": form, "start": start, "end_inclusive": end - timedelta(days=1), "rows": rows,
        "chart": bar_chart("Letterbox exchanges in the period", [(label, n, f"{n:,}") for label, n in rows]),
        "due": selectors.due_list(user=request.user, today=today)[:LIST_LIMIT],
        "overdue": selectors.overdue_list(user=request.user, today=today)[:LIST_LIMIT],
        "to_check": selectors.to_check_list(user=request.user)[:LIST_LIMIT],
        "tasks": selectors.open_tasks(user=request.user)[:LIST_LIMIT],
        "shows_names": _shows_names(request), "can_write": _can_write(request),
        "can_arrange": request.user.role in ARRANGERS,  # type: ignore[union-attr]
    })


@role_required(*READERS)
def arrangement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.arrangements(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contact/arrangement_list.html", {
        "page": page, "shows_names": _shows_names(request),
        "can_arrange": request.user.role in ARRANGERS,  # type: ignore[union-attr]
    })


@role_required(*ARRANGERS)
def arrangement_new(request: HttpRequest) -> HttpResponse:
    form = ArrangementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            arrangement = arrangement_services.arrangement_propose(
                child=data["child"], relatives=list(data["relatives"]), direction=data["direction"],
                due_months=data["due_months"], agreed_date=data["agreed_date"],
                overdue_after_weeks=data["overdue_after_weeks"], photos_allowed=data["photos_allowed"],
                gifts_allowed=data["gifts_allowed"], cards_allowed=data["cards_allowed"],
                conditions=data["conditions"], second_check_required=data["second_check_required"],
                plan=data["plan"], by=request.user, now=timezone.now())
        except ContactError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contact:arrangement_detail", pk=arrangement.pk)
    return render(request, "contact/arrangement_form.html", {"form": form})


@role_required(*READERS)
def arrangement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = _arrangement(request, pk)
    _audit(request, arrangement)
    exchanges = list(selectors.arrangement_exchanges(arrangement=arrangement))
    today = timezone.localdate()
    timeliness = [rules.timeliness(due=e.due_date, weeks=arrangement.overdue_after_weeks,
                                   received_date=e.received_date, today=today)
                  if e.status != ExchangeStatus.MISSED else "missed"
                  for e in reversed(exchanges) if e.status != ExchangeStatus.EXCUSED]
    return render(request, "contact/arrangement_detail.html", {
        "arrangement": arrangement, "exchanges": exchanges,
        "events": selectors.arrangement_events(arrangement=arrangement)[:100],
        "sees_relatives": selectors.may_see_relatives(user=request.user, arrangement=arrangement),
        "shows_names": _shows_names(request), "can_write": _can_write(request),
        "misses_in_a_row": rules.repeated_misses(timeliness),
        "can_change_terms": request.user.role in TERMS_EDITORS  # type: ignore[union-attr]
        and arrangement.status != ArrangementStatus.ENDED,
        "actions": [(name, label) for name, (label, _, sources) in ARRANGEMENT_ACTIONS.items()
                    if arrangement.status in sources] if request.user.role in ARRANGERS else [],  # type: ignore[union-attr]
    })


@role_required(*ARRANGERS)
def arrangement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ARRANGEMENT_ACTIONS:
        raise Http404("No such action")
    arrangement = _arrangement(request, pk)
    title, form_class, _ = ARRANGEMENT_ACTIONS[action]
    extra = {"user": request.user, "arrangement": arrangement} if form_class is CoordinateForm else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        data, now, user = form.cleaned_data, timezone.now(), request.user
        try:
            if action == "activate":
                arrangement_services.arrangement_activate(arrangement=arrangement, by=user, now=now)
            elif action == "pause":
                arrangement_services.arrangement_pause(arrangement=arrangement, reason=data["reason"],
                                                       until=data["until"], by=user, now=now)
            elif action == "resume":
                arrangement_services.arrangement_resume(arrangement=arrangement, by=user, now=now)
            elif action == "coordinate":
                arrangement_services.arrangement_coordinate_by_referral(
                    arrangement=arrangement, referral=data["referral"], by=user, now=now)
            else:
                arrangement_services.arrangement_end(arrangement=arrangement, reason=data["reason"], by=user,
                                                     now=now)
        except ContactError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contact:arrangement_detail", pk=arrangement.pk)
    return render(request, "contact/action_form.html", {
        "form": form, "title": title, "arrangement": arrangement, "multipart": False,
        "back": arrangement, "shows_names": _shows_names(request),
    })


@role_required(*TERMS_EDITORS)
def arrangement_terms(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = _arrangement(request, pk)
    form = TermsForm(request.POST or None, initial=TermsForm.initial_for(arrangement.terms))
    if request.method == "POST" and form.is_valid():
        try:
            arrangement_services.arrangement_change_terms(arrangement=arrangement, terms=form.terms(),
                                                          by=request.user, now=timezone.now())
        except ContactError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contact:arrangement_detail", pk=arrangement.pk)
    return render(request, "contact/terms_form.html", {
        "form": form, "title": "Change the terms", "arrangement": arrangement,
        "shows_names": _shows_names(request),
    })


@role_required(*READERS)
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _exchange(request, pk)
    _audit(request, exchange)
    arrangement = exchange.arrangement
    return render(request, "contact/exchange_detail.html", {
        "exchange": exchange, "arrangement": arrangement, "checks": list(exchange.checks.all()),
        "sees_relatives": selectors.may_see_relatives(user=request.user, arrangement=arrangement),
        "shows_names": _shows_names(request),
        "checklist": rules.CHECKLIST, "refusals": exchange.forward_refusals()
        if exchange.status in (ExchangeStatus.RECEIVED, ExchangeStatus.REDACTED) else [],
        "actions": [(name, label) for name, (label, _, sources) in EXCHANGE_ACTIONS.items()
                    if exchange.status in sources] if _can_write(request) else [],
    })


def _exchange_form(action: str, exchange: Exchange, request: HttpRequest) -> Any:
    _, form_class, _ = EXCHANGE_ACTIONS[action]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    if form_class is ReceiveForm:
        relatives = (exchange.arrangement.relatives.all() if exchange.writer == Writer.RELATIVES
                     and selectors.may_see_relatives(user=request.user, arrangement=exchange.arrangement) else None)
        return ReceiveForm(data, files, relatives=relatives)
    if form_class is RedactForm:
        return RedactForm(data, files)
    return form_class(data)


def _run_exchange_action(action: str, exchange: Exchange, data: dict[str, Any], request: HttpRequest) -> None:
    user, now = request.user, timezone.now()
    if action == "receive":
        exchange_services.exchange_receive(exchange=exchange, received_date=data["received_date"], kind=data["kind"],
                                           written_by=data.get("written_by"), scan=data["scan"], by=user, now=now)
    elif action == "check":
        exchange_services.exchange_check(exchange=exchange, points=data["points"], by=user, now=now)
    elif action == "hold":
        exchange_services.exchange_hold(exchange=exchange, reason=data["reason"], by=user, now=now)
    elif action == "redact":
        exchange_services.exchange_redact(exchange=exchange, note=data["note"], redacted_scan=data["redacted_scan"],
                                          by=user, now=now)
    elif action == "forward":
        exchange_services.exchange_forward(exchange=exchange, channel=data["channel"], points=data["points"],
                                           forwarded_date=data["forwarded_date"], by=user, now=now)
    elif action == "return":
        exchange_services.exchange_return(exchange=exchange, reason=data["reason"], by=user, now=now)
    else:
        exchange_services.exchange_miss(exchange=exchange, by=user, now=now)


@role_required(*WORKERS)
def exchange_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in EXCHANGE_ACTIONS:
        raise Http404("No such action")
    exchange = _exchange(request, pk)
    form = _exchange_form(action, exchange, request)
    if request.method == "POST" and form.is_valid():
        try:
            _run_exchange_action(action, exchange, form.cleaned_data, request)
        except ContactError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contact:exchange_detail", pk=exchange.pk)
    return render(request, "contact/action_form.html", {
        "form": form, "title": EXCHANGE_ACTIONS[action][0], "arrangement": exchange.arrangement,
        "exchange": exchange, "multipart": action in ("receive", "redact"), "back": exchange,
        "shows_names": _shows_names(request), "checklist_hint": action in ("check", "forward"),
    })


@role_required(*READERS)
def exchange_scan(request: HttpRequest, pk: int, copy: str) -> HttpResponse:
    """The original scan or the redacted copy: only for those who may see the birth family's details; audited."""
    exchange = _exchange(request, pk)
    if not selectors.may_see_relatives(user=request.user, arrangement=exchange.arrangement):
        raise PermissionDenied("Only the letterbox coordinator and the child's workers may open scans.")
    field, content_type = ((exchange.scan, exchange.scan_type) if copy == "original"
                           else (exchange.redacted_scan, exchange.redacted_scan_type))
    if copy not in ("original", "redacted") or not field:
        raise Http404("No such scan")
    content = stored_bytes(field)
    _audit(request, exchange, AccessAction.DOWNLOAD)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    return private_response(content, content_type=content_type or "application/octet-stream", inline=True,
                            filename=f"{exchange.arrangement.reference}-{copy}.{extension}")


@require_POST
@role_required(*WORKERS)
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = ContactTask.objects.for_user(request.user).get(pk=pk)
    except ContactTask.DoesNotExist as exc:
        raise Http404("No such task") from exc
    exchange_services.task_done(task=task, by=request.user, now=timezone.now())
    return redirect("contact:dashboard")

