"""Commissioning pages. Thin: check role and scope, parse, call one service or selector, render.
Domain errors become GOV.UK error summaries (nothing saved) or a message on the referral page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from moneyed import Money

from core.audit import record_access
from core.charts import bar_chart
from core.money import format_gbp
from organisations.access import role_required
from organisations.models import Provider, Role
from support.models import PlannedService, SupportRequest

from . import selectors
from .forms import (
    FromRequestForm,
    NotesForm,
    ReasonForm,
    SessionForm,
    SpotDecisionForm,
    SpotPurchaseForm,
    WaitingTimesForm,
)
from .models import Referral, ReferralStatus, RouteType, SpotPurchase
from .services import delivery, drafting, responses, spot_purchases
from .services.errors import ReferralError

CASEWORK = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
READERS = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.LEAD_COMMISSIONER, Role.AUDITOR)
MONITORS = (Role.LEAD_COMMISSIONER, Role.TEAM_MANAGER, Role.AUDITOR)
PROVIDER = (Role.PROVIDER_STAFF,)
PAGE_SIZE = 25

QUEUES = {
    "to_send": "Referrals to send",
    "waiting": "Sent and waiting",
    "overdue": "Overdue responses",
}


def _referral(request: HttpRequest, pk: int) -> Referral:
    try:
        return selectors.referral_detail(user=request.user, pk=pk)
    except Referral.DoesNotExist as exc:
        raise Http404("No such referral") from exc


def _provider_referral(request: HttpRequest, pk: int) -> Referral:
    try:
        return selectors.provider_referral(user=request.user, pk=pk)
    except Referral.DoesNotExist as exc:
        raise Http404("No such referral") from exc


def _record_view(request: HttpRequest, referral: Referral) -> None:
    """Reads of a family's record are logged (ADR 0004): the family is the child's household or the person."""
    support_request = referral.support_request
    family = support_request.child.household if support_request.child else support_request.person
    record_access(user=request.user, obj=referral, family=family, request=request, authority=referral.authority)


def _can_write(request: HttpRequest) -> bool:
    return str(getattr(request.user, "role", "")) in CASEWORK


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _tabs(request: HttpRequest, current: str, today: date) -> list[dict]:
    counts = selectors.queue_counts(user=request.user, today=today)
    return [{"key": key, "label": label, "count": counts[key], "current": key == current,
             "url_name": f"commissioning:{key}"} for key, label in QUEUES.items()]


# ---- the authority's lists -------------------------------------------------------------------------------------


def _section(request: HttpRequest, name: str, items: Any) -> dict[str, Any]:
    """One section of the "to send" page: a page of PAGE_SIZE rows chosen by its own `<name>_page` parameter.
    PAGE_SIZE + 1 rows are fetched to know whether a next page exists, so a section costs one query and no
    count, whatever the authority's volume."""
    try:
        number = min(max(1, int(request.GET.get(f"{name}_page", "1"))), 10_000)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(items[start:start + PAGE_SIZE + 1])

    def url(page: int) -> str:
        params = request.GET.copy()
        params[f"{name}_page"] = str(page)
        return f"?{params.urlencode()}#{name}"

    return {"rows": rows[:PAGE_SIZE], "number": number, "previous_url": url(number - 1) if number > 1 else "",
            "next_url": url(number + 1) if len(rows) > PAGE_SIZE else ""}


@role_required(*READERS)
def to_send(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "commissioning/referral_to_send.html", {
        "tabs": _tabs(request, "to_send", today),
        "drafts": _section(request, "drafts", selectors.referral_queue(user=request.user, queue="to_send",
                                                                       today=today)),
        "declined": _section(request, "declined", selectors.referral_queue(user=request.user, queue="declined",
                                                                           today=today)),
        "planned_services": _section(request, "services", selectors.planned_services_to_refer(user=request.user)),
        "person_requests": _section(request, "requests", selectors.person_requests_to_refer(user=request.user)),
        "can_write": _can_write(request),
    })


def _queue(request: HttpRequest, queue: str) -> HttpResponse:
    today = timezone.localdate()
    page = _page(request, selectors.referral_queue(user=request.user, queue=queue, today=today))
    return render(request, "commissioning/referral_list.html", {
        "tabs": _tabs(request, queue, today), "title": QUEUES[queue], "queue": queue, "page_obj": page,
        "today": today,
    })


@role_required(*READERS)
def waiting(request: HttpRequest) -> HttpResponse:
    return _queue(request, "waiting")


@role_required(*READERS)
def overdue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "overdue")


# ---- one referral ------------------------------------------------------------------------------------------------


@role_required(*READERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    _record_view(request, referral)
    today = timezone.localdate()
    next_option = None
    if referral.status == ReferralStatus.DECLINED and not hasattr(referral, "next_referral"):
        next_option = drafting.next_alternative(referral=referral, on_date=today)
    return render(request, "commissioning/referral_detail.html", {
        "referral": referral,
        "history": selectors.referral_history(referral=referral),
        "sessions": selectors.referral_sessions(referral=referral),
        "spot_purchases": selectors.referral_spot_purchases(referral=referral),
        "considered": referral.routing_considered,
        "next_option": next_option,
        "can_write": _can_write(request),
        "is_draft": referral.status == ReferralStatus.DRAFT,
        "needs_spot": referral.status == ReferralStatus.DRAFT and referral.route_type == RouteType.NONE,
        "subject": referral.support_request.subject_name,
    })


def _form_page(request: HttpRequest, form: Any, *, title: str, referral: Referral | None = None,
               button: str = "Continue", intro: str = "", back: str = "") -> HttpResponse:
    return render(request, "commissioning/referral_form.html", {
        "form": form, "title": title, "referral": referral, "button": button, "intro": intro, "back": back,
    })


@role_required(*CASEWORK)
def create_from_plan(request: HttpRequest, planned_service_pk: int) -> HttpResponse:
    try:
        planned = PlannedService.objects.for_user(request.user).select_related(
            "service_type", "plan__request").get(pk=planned_service_pk)
    except PlannedService.DoesNotExist as exc:
        raise Http404("No such planned service") from exc
    form = NotesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = drafting.referral_create_from_plan(
                planned_service=planned, by=request.user, now=timezone.now(),
                notes_for_provider=form.cleaned_data["notes_for_provider"],
            )
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Referral {referral.reference} created and routed.")
            return redirect("commissioning:detail", pk=referral.pk)
    return _form_page(request, form, title=f"Refer: {planned.service_type}", button="Create and route referral",
                      intro=f"For {planned.plan.request.subject_name}, {planned.frequency}.")


@role_required(*CASEWORK)
def create_from_request(request: HttpRequest, request_pk: int) -> HttpResponse:
    try:
        support_request = SupportRequest.objects.for_user(request.user).select_related("person").get(pk=request_pk)
    except SupportRequest.DoesNotExist as exc:
        raise Http404("No such request") from exc
    form = FromRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = drafting.referral_create_from_request(
                support_request=support_request, service_type=form.cleaned_data["service_type"],
                by=request.user, now=timezone.now(), notes_for_provider=form.cleaned_data["notes_for_provider"],
            )
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Referral {referral.reference} created and routed.")
            return redirect("commissioning:detail", pk=referral.pk)
    return _form_page(request, form, title=f"Refer {support_request.subject_name}", button="Create and route referral",
                      intro="Birth family and adult adoptee services need no support plan.")


def _act(request: HttpRequest, referral: Referral, action: Any, done: str,
         back: str = "commissioning:detail") -> HttpResponse:
    """Run a referral action; its refusal or `done` as a message; back to the referral's page."""
    try:
        action()
    except ReferralError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back, pk=referral.pk)


@require_POST
@role_required(*CASEWORK)
def route(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    return _act(request, referral,
                lambda: drafting.referral_route(referral=referral, by=request.user, now=timezone.now()),
                "Routed again on today's contracts.")


@require_POST
@role_required(*CASEWORK)
def send(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    return _act(request, referral,
                lambda: drafting.referral_send(referral=referral, by=request.user, now=timezone.now()),
                f"{referral.reference} sent to {referral.provider}.")


@require_POST
@role_required(*CASEWORK)
def reroute(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    try:
        new = drafting.referral_reroute(referral=referral, by=request.user, now=timezone.now())
    except ReferralError as exc:
        messages.error(request, str(exc))
        return redirect("commissioning:detail", pk=referral.pk)
    messages.success(request, f"New referral {new.reference} created for the next provider.")
    return redirect("commissioning:detail", pk=new.pk)


@role_required(*CASEWORK)
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = NotesForm(request.POST or None, initial={"notes_for_provider": referral.notes_for_provider})
    if request.method == "POST" and form.is_valid():
        try:
            drafting.referral_update_notes(referral=referral, by=request.user,
                                           notes_for_provider=form.cleaned_data["notes_for_provider"])
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "What the provider sees has been saved.")
            return redirect("commissioning:detail", pk=referral.pk)
    return _form_page(request, form, title="What the provider needs to know", referral=referral, button="Save")


@role_required(*CASEWORK)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.referral_cancel(referral=referral, by=request.user, now=timezone.now(),
                                     reason=form.cleaned_data["reason"])
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{referral.reference} cancelled.")
            return redirect("commissioning:detail", pk=referral.pk)
    return _form_page(request, form, title=f"Cancel {referral.reference}", referral=referral,
                      button="Cancel referral")


@role_required(*CASEWORK)
def spot_request(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = SpotPurchaseForm(request.POST or None, providers=Provider.objects.filter(approved=True))
    if request.method == "POST" and form.is_valid():
        try:
            spot_purchases.spot_purchase_request(
                referral=referral, provider=form.cleaned_data["provider"],
                justification=form.cleaned_data["justification"],
                estimated_cost=Money(form.cleaned_data["estimated_cost"], "GBP"), by=request.user, now=timezone.now(),
            )
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Spot purchase sent to a manager for approval.")
            return redirect("commissioning:detail", pk=referral.pk)
    return _form_page(request, form, title="Request a spot purchase", referral=referral, button="Ask for approval",
                      intro=referral.routing_reason)


@role_required(Role.TEAM_MANAGER)
def spot_queue(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.spot_purchases_waiting(user=request.user))
    return render(request, "commissioning/spot_queue.html", {"page_obj": page})


@role_required(Role.TEAM_MANAGER)
def spot_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        spot = selectors.spot_purchases_waiting(user=request.user).get(pk=pk)
    except SpotPurchase.DoesNotExist as exc:
        raise Http404("No such spot purchase waiting") from exc
    form = SpotDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (spot_purchases.spot_purchase_approve if form.cleaned_data["decision"] == "approve"
                  else spot_purchases.spot_purchase_refuse)
        try:
            decide(spot_purchase=spot, by=request.user, now=timezone.now(), note=form.cleaned_data["note"])
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Spot purchase for {spot.referral.reference}: decision recorded.")
            return redirect("commissioning:detail", pk=spot.referral_id)
    intro = (f"{spot.provider}, estimated {format_gbp(spot.estimated_cost)}, asked by {spot.requested_by}. "
             f"Justification: {spot.justification}")
    return _form_page(request, form, title=f"Spot purchase for {spot.referral.reference}", referral=spot.referral,
                      button="Record decision", intro=intro)


# ---- waiting times ----------------------------------------------------------------------------------------------


@role_required(*MONITORS)
def waiting_times(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = WaitingTimesForm(request.GET or None)
    sent_from, sent_to = today - timedelta(days=365), today
    if form.is_bound and form.is_valid():
        sent_from = form.cleaned_data["sent_from"] or sent_from
        sent_to = form.cleaned_data["sent_to"] or sent_to
    rows = selectors.waiting_times(user=request.user, sent_from=sent_from, sent_to=sent_to)
    chart_rows = [(f"{r.provider} ({r.contract})", Decimal(str(r.median_days_to_first_session or 0)),
                   f"{r.median_days_to_first_session:g} days" if r.median_days_to_first_session is not None else "none")
                  for r in rows]
    return render(request, "commissioning/waiting_times.html", {
        "form": form, "rows": rows, "sent_from": sent_from, "sent_to": sent_to,
        "chart": bar_chart("Median days from acceptance to first session", chart_rows) if rows else None,
    })


# ---- the provider's pages ---------------------------------------------------------------------------------------


@role_required(*PROVIDER)
def inbox(request: HttpRequest) -> HttpResponse:
    new = [selectors.provider_view(r) for r in selectors.provider_inbox(user=request.user, queue="new")[:200]]
    current = [selectors.provider_view(r) for r in selectors.provider_inbox(user=request.user, queue="open")[:200]]
    return render(request, "commissioning/provider_inbox.html", {"new": new, "current": current})


@role_required(*PROVIDER)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _provider_referral(request, pk)
    _record_view(request, referral)
    sessions = [{"date": s.session_date, "minutes": s.duration_minutes, "note": s.note}
                for s in referral.sessions.order_by("session_date", "id")]
    return render(request, "commissioning/provider_detail.html", {
        "r": selectors.provider_view(referral), "sessions": sessions,
    })


def _provider_act(request: HttpRequest, referral: Referral, action: Any, done: str) -> HttpResponse:
    return _act(request, referral, action, done, back="commissioning:provider_detail")


@require_POST
@role_required(*PROVIDER)
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _provider_referral(request, pk)
    return _provider_act(request, referral,
                         lambda: responses.referral_accept(referral=referral, by=request.user, now=timezone.now()),
                         f"{referral.reference} accepted.")


@role_required(*PROVIDER)
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _provider_referral(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            responses.referral_decline(referral=referral, by=request.user, now=timezone.now(),
                                      reason=form.cleaned_data["reason"])
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{referral.reference} declined. The authority has been told why.")
            return redirect("commissioning:inbox")
    return render(request, "commissioning/provider_form.html", {
        "form": form, "title": f"Decline {referral.reference}", "button": "Decline referral",
        "r": selectors.provider_view(referral),
    })


@role_required(*PROVIDER)
def record_session(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _provider_referral(request, pk)
    today = timezone.localdate()
    form = SessionForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.referral_record_session(
                referral=referral, session_date=form.cleaned_data["session_date"], by=request.user,
                now=timezone.now(), duration_minutes=form.cleaned_data["duration_minutes"],
                note=form.cleaned_data["note"],
            )
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Session recorded.")
            return redirect("commissioning:provider_detail", pk=referral.pk)
    return render(request, "commissioning/provider_form.html", {
        "form": form, "title": "Record a session delivered", "button": "Record session",
        "r": selectors.provider_view(referral),
    })


@require_POST
@role_required(*PROVIDER)
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _provider_referral(request, pk)
    return _provider_act(request, referral,
                         lambda: delivery.referral_complete(referral=referral, by=request.user, now=timezone.now()),
                         f"{referral.reference} completed.")
