"""Every read a support page needs, scoped to the user and with the joins it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from core import wording
from core.dates import long_date
from core.workdays import add_working_days, bank_holidays_around
from notifications.selectors import letters_about
from organisations.models import Role

from . import rules
from .models import (
    Assessment,
    Child,
    Decision,
    Household,
    LegalOrder,
    NoticeOfProposal,
    Person,
    ResidencePeriod,
    Review,
    StatusChange,
    SupportPlan,
    SupportRequest,
)
from .models.assessments import ApprovalStatus
from .models.notices import NoticeStatus
from .models.plans import PlanStatus
from .models.requests import OPEN_STAGES, RequestStage
from .models.reviews import ReviewStatus


def _request_rows(qs: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    return qs.select_related("child__household", "person", "allocated_worker", "responsible_authority")


def caseload(
    *, user: Any, mine: bool = False, q: str = "", stage: str = "", worker: Any = None, urgent: bool = False,
) -> QuerySet[SupportRequest]:
    """Requests the user may see: their own allocation (`mine`) or their team's, searched and filtered."""
    qs = SupportRequest.objects.for_user(user)
    if mine:
        qs = qs.filter(allocated_worker=user)
    if stage == "all":
        pass
    elif stage in RequestStage.values:
        qs = qs.filter(stage=stage)
    else:
        qs = qs.filter(stage__in=OPEN_STAGES)
    if worker is not None:
        qs = qs.filter(allocated_worker=worker)
    if urgent:
        qs = qs.filter(urgent=True)
    q = q.strip()
    if q:
        condition = (Q(child__first_name__icontains=q) | Q(child__last_name__icontains=q)
                     | Q(person__first_name__icontains=q) | Q(person__last_name__icontains=q)
                     | Q(child__household__family_name__icontains=q) | Q(child__household__postcode__iexact=q))
        reference = q.upper().removeprefix("SR-").lstrip("0")
        if reference.isdigit():
            condition |= Q(pk=int(reference))
        qs = qs.filter(condition)
    return _request_rows(qs).order_by("-urgent", "-received_date", "-pk")


def household_for_record(*, user: Any, pk: int) -> Household:
    """The family record: raises Household.DoesNotExist outside the user's scope. Its children's requests and
    birth relatives are those the user's authorities hold: a request another authority holds (three-year rule) is
    that authority's, as on the timeline."""
    return (
        Household.objects.for_user(user)
        .select_related("responsible_authority")
        .prefetch_related(
            Prefetch("residences", queryset=ResidencePeriod.objects.select_related("authority").order_by("from_date")),
            Prefetch("children", queryset=Child.objects.select_related("responsible_authority").prefetch_related(
                Prefetch("orders", queryset=LegalOrder.objects.select_related("placing_authority")),
                Prefetch("requests", queryset=SupportRequest.objects.for_user(user).select_related(
                    "allocated_worker", "responsible_authority")),
                Prefetch("birth_family", queryset=Person.objects.for_user(user)),
            )),
        )
        .get(pk=pk)
    )


#: The fund's application window, in months after the assessment, for an assessment approved on a date. The fund's
#: rule sets say it (claims.FundRuleSet.application_window_months, which submission enforces); claims registers,
#: when it starts, a factory that reads the rule sets once and answers for any date (support cannot import
#: claims), so the due-soon list and submission agree. Without it, or before any rule set was in force,
#: settings.ASF_APPLICATION_WINDOW_MONTHS.
_asf_window_rule: Callable[[], Callable[[date], int]] | None = None
ASF_WINDOW_MONTHS_AT_MOST = 12  # how far back the due-soon list looks at least (further if today's window is longer)


def set_asf_window_rule(factory: Callable[[], Callable[[date], int]] | None) -> None:
    global _asf_window_rule
    _asf_window_rule = factory


def asf_window_months() -> Callable[[date], int]:
    """A function from an assessment's approval date to the months the fund's window gives (rules read once)."""
    fallback = int(settings.ASF_APPLICATION_WINDOW_MONTHS)
    if _asf_window_rule is None:
        return lambda on_date: fallback
    months_on = _asf_window_rule()

    def months(on_date: date) -> int:
        try:
            return months_on(on_date)
        except ValueError:  # no rule set in force on that date
            return fallback

    return months


@dataclass(frozen=True)
class TimelineEvent:
    on_date: date
    title: str
    detail: str = ""
    by: str = ""
    url: str = ""


def _change_title(change: StatusChange) -> str:
    """A support status change in plain words (core.wording): "Notice of proposal issued"."""
    return wording.event(f"support.{change.subject}", transition=change.transition, from_state=change.from_state,
                         to_state=change.to_state)


def request_history(*, request: SupportRequest) -> list[wording.HistoryLine]:
    """Every change of state on one request, its assessments, notices, decisions, plans and reviews, oldest
    first, in plain words."""
    changes = request.status_changes.select_related("by").order_by("at", "pk")
    return [wording.HistoryLine(_change_title(c), c.effective_date, str(c.by) if c.by else "", c.note)
            for c in changes]


def household_timeline(*, user: Any, household: Household) -> list[TimelineEvent]:
    """Every step for the family, newest first: moves, orders, and each state change of each request the user may
    see (requests of other authorities are left out)."""
    events: list[TimelineEvent] = []
    for residence in household.residences.all():
        events.append(TimelineEvent(residence.from_date, f"Moved to {residence.authority.name}", residence.address))
    for child in household.children.all():
        events.append(TimelineEvent(child.date_of_birth, f"{child.first_name} born"))
        for order in child.orders.all():
            placing = f"placed by {order.placing_authority.name}" if order.placing_authority else "no placing authority"
            title = f"{order.get_kind_display()} for {child.first_name}"
            events.append(TimelineEvent(order.order_date, title, placing))
    changes = (
        StatusChange.objects.for_user(user)
        .filter(request__child__household=household)
        .select_related("by", "request__child")
        .order_by("at", "pk")
    )
    for change in changes:
        title = _change_title(change)
        if change.transition == "create":
            title = f"{title} ({change.request.reference})"
        events.append(TimelineEvent(
            change.effective_date, title, change.note,
            by=str(change.by) if change.by else "The system",
            url=reverse("support:request_detail", args=[change.request_id]),
        ))
    return sorted(events, key=lambda e: e.on_date, reverse=True)


def request_for_page(*, user: Any, pk: int) -> SupportRequest:
    return _request_rows(SupportRequest.objects.for_user(user)).select_related("created_by").get(pk=pk)


def request_steps(*, request: SupportRequest) -> dict[str, Any]:
    """The objects of each step of one request, for its page."""
    assessment = request.assessments.select_related("author", "approved_by").order_by("-pk").first()
    notice = request.notices.select_related("issued_by").order_by("-pk").first()
    decision = request.decisions.select_related("author", "approved_by").order_by("-pk").first()
    plans = list(request.plans.select_related("author").prefetch_related("services__service_type",
                                                                          "services__provider", "reviews")
                 .order_by("-version"))
    changes = request_history(request=request)
    return {"assessment": assessment, "notice": notice, "decision": decision, "plans": plans,
            "active_plan": next((p for p in plans if p.status == PlanStatus.ACTIVE), None),
            "draft_plan": next((p for p in plans if p.status == PlanStatus.DRAFT), None),
            "changes": changes}


def plan_for_page(*, user: Any, pk: int) -> SupportPlan:
    return (
        SupportPlan.objects.for_user(user)
        .select_related("request__child__household", "request__person", "request__responsible_authority", "author")
        .prefetch_related("services__service_type", "services__provider", "measures__scores",
                          Prefetch("reviews", queryset=Review.objects.order_by("due_date")))
        .get(pk=pk)
    )


def approvals_waiting(*, user: Any, today: date) -> list[dict[str, Any]]:
    """Assessments and decisions waiting for a team manager, oldest first, with how long each has waited.
    A manager's own work is listed but marked: someone else must approve it."""
    rows: list[dict[str, Any]] = []
    assessments = (Assessment.objects.for_user(user).filter(status=ApprovalStatus.SUBMITTED)
                   .select_related("author", "request__child", "request__person"))
    for a in assessments:
        waited_from = a.completed_date or a.started_date
        rows.append({"kind": "Assessment", "request": a.request, "author": a.author, "since": waited_from,
                     "days": (today - waited_from).days, "own": a.author_id == user.pk,
                     "url": reverse("support:assessment_approve", args=[a.pk])})
    decisions = (Decision.objects.for_user(user).filter(status=ApprovalStatus.SUBMITTED)
                 .select_related("author", "request__child", "request__person"))
    for d in decisions:
        rows.append({"kind": f"Decision ({d.get_outcome_display().lower()})", "request": d.request, "author": d.author,
                     "since": d.decided_date, "days": (today - d.decided_date).days, "own": d.author_id == user.pk,
                     "url": reverse("support:decision_approve", args=[d.pk])})
    return sorted(rows, key=lambda r: r["since"])


@dataclass(frozen=True)
class DueItem:
    kind: str
    deadline: date
    working_days_left: int
    request: SupportRequest
    detail: str
    url: str
    key: str

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0


def due_soon(*, user: Any, today: date, horizon: int | None = None, mine: bool = False) -> list[DueItem]:
    """Representation windows ending, reviews due and ASF application windows closing within the horizon (in
    working days, England bank holidays excluded), and anything overdue. Soonest first."""
    requests = SupportRequest.objects.for_user(user).filter(stage__in=OPEN_STAGES)
    if mine:
        requests = requests.filter(allocated_worker=user)
    return due_items(requests=requests, today=today, horizon=horizon)


def due_items(*, requests: QuerySet[SupportRequest], today: date, horizon: int | None = None) -> list[DueItem]:
    """The deadlines of `requests` (no scoping here: callers pass a scoped queryset, or all for the reminders)."""
    horizon = settings.DUE_SOON_WORKING_DAYS if horizon is None else horizon
    holidays = bank_holidays_around(today)
    limit = add_working_days(today, horizon, holidays=holidays)
    requests = requests.filter(stage__in=OPEN_STAGES)
    items: list[DueItem] = []

    notices = (NoticeOfProposal.objects.filter(request__in=requests, status=NoticeStatus.OPEN,
                                               window_end_date__lte=limit)
               .select_related("request__child", "request__person", "request__allocated_worker"))
    for n in notices:
        items.append(DueItem("Representations window ends", n.window_end_date,
                             rules.working_days_left(today, n.window_end_date, holidays=holidays), n.request,
                             f"Notice sent {long_date(n.issued_date)}", reverse("support:notice_response", args=[n.pk]),
                             f"notice:{n.pk}:{n.window_end_date.isoformat()}"))

    reviews = (Review.objects.filter(plan__request__in=requests, status=ReviewStatus.DUE,
                                     plan__status=PlanStatus.ACTIVE, due_date__lte=limit)
               .select_related("plan__request__child", "plan__request__person", "plan__request__allocated_worker"))
    for r in reviews:
        items.append(DueItem("Review due", r.due_date, rules.working_days_left(today, r.due_date, holidays=holidays),
                             r.plan.request, r.get_reason_display(), reverse("support:review_complete", args=[r.pk]),
                             f"review:{r.pk}:{r.due_date.isoformat()}"))

    window_months = asf_window_months()
    earliest_start = rules.add_months(today, -max(ASF_WINDOW_MONTHS_AT_MOST, window_months(today)))
    assessments = (Assessment.objects.filter(request__in=requests, status=ApprovalStatus.APPROVED,
                                             approved_date__gte=earliest_start)
                   .select_related("request__child", "request__person", "request__allocated_worker"))
    for a in assessments:
        if a.request.child_id is None or a.approved_date is None:
            continue
        months = window_months(a.approved_date)
        deadline = rules.asf_application_deadline(a.approved_date, months)
        if deadline > limit or deadline < today:
            continue
        items.append(DueItem("ASF application window closes", deadline,
                             rules.working_days_left(today, deadline, holidays=holidays), a.request,
                             f"Assessment approved {long_date(a.approved_date)}; apply within {months} months",
                             reverse("support:request_detail", args=[a.request_id]),
                             f"asf-window:{a.pk}:{deadline.isoformat()}"))
    return sorted(items, key=lambda i: (i.deadline, i.kind))


def home_counts(*, user: Any, today: date) -> dict[str, int]:
    mine = SupportRequest.objects.for_user(user).filter(stage__in=OPEN_STAGES, allocated_worker=user).count()
    due = len(due_soon(user=user, today=today, mine=user.role == Role.SOCIAL_WORKER))
    waiting = len(approvals_waiting(user=user, today=today)) if user.role == Role.TEAM_MANAGER else 0
    return {"mine": mine, "due": due, "waiting": waiting}


def next_steps(*, user: Any) -> list[dict[str, Any]]:
    """Steps waiting for the user on requests allocated to them, each with the link that does it."""
    mine = SupportRequest.objects.for_user(user).filter(stage__in=OPEN_STAGES, allocated_worker=user)
    rows: list[dict[str, Any]] = []
    related = ("request__child", "request__person")
    for a in Assessment.objects.filter(request__in=mine, status=ApprovalStatus.RETURNED).select_related(*related):
        rows.append({"label": "Change the returned assessment", "request": a.request,
                     "url": reverse("support:assessment_edit", args=[a.pk])})
    waiting = (NoticeOfProposal.objects.filter(request__in=mine, decision__isnull=True)
               .exclude(status=NoticeStatus.OPEN).select_related(*related))
    for n in waiting:
        rows.append({"label": "Record the decision", "request": n.request,
                     "url": reverse("support:decision_record", args=[n.pk])})
    for d in Decision.objects.filter(request__in=mine, status=ApprovalStatus.RETURNED).select_related(*related):
        rows.append({"label": "Change the returned decision", "request": d.request,
                     "url": reverse("support:decision_resubmit", args=[d.pk])})
    to_plan = (mine.filter(stage=RequestStage.DECIDED, decisions__status=ApprovalStatus.APPROVED,
                           decisions__outcome="provide")
               .exclude(plans__status=PlanStatus.DRAFT).select_related("child", "person"))
    for r in to_plan:
        rows.append({"label": "Write the support plan", "request": r,
                     "url": reverse("support:plan_create", args=[r.pk])})
    for p in SupportPlan.objects.filter(request__in=mine, status=PlanStatus.DRAFT).select_related(*related):
        rows.append({"label": f"Finish and put in place the draft plan (version {p.version})", "request": p.request,
                     "url": reverse("support:plan_detail", args=[p.pk])})
    return rows


def home_summary(*, user: Any, today: date) -> dict[str, int]:
    """The counts on a case worker's home page. A social worker: their own cases with a deadline in the next
    DUE_SOON_WORKING_DAYS working days, their overdue deadlines, and the steps waiting for them. A team manager:
    assessments and decisions waiting for their approval (never their own) and the team's overdue deadlines.
    A fixed number of queries whatever the caseload."""
    mine_only = user.role == Role.SOCIAL_WORKER
    items = due_soon(user=user, today=today, mine=mine_only)
    summary = {
        "due_soon_cases": len({i.request.pk for i in items if not i.overdue}),
        "overdue": sum(1 for i in items if i.overdue),
        "open_mine": SupportRequest.objects.for_user(user).filter(stage__in=OPEN_STAGES, allocated_worker=user)
        .count(),
    }
    if mine_only:
        summary["awaiting_me"] = len(next_steps(user=user))
    else:
        summary["awaiting_me"] = sum(1 for row in approvals_waiting(user=user, today=today) if not row["own"])
    return summary


def request_letters(*, user: Any, request: SupportRequest) -> Any:
    """The letters about a request and its steps (acknowledgement, notice, decision, reviews), newest first."""
    return letters_about(user=user, objects=[
        request, *request.notices.all(), *request.decisions.all(), *Review.objects.filter(plan__request=request)])


# Outcomes of support that ended (issue 23) ----------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeChange:
    """One family's change on one measure, under one service of its ended plan."""

    plan_id: int
    request_id: int
    service_type: str
    provider_id: int | None
    provider: str
    measure: str
    change: str


SDQ_LOOK_BACK_DAYS = 92  # an SDQ reading up to three months before the plan starts counts as its baseline


def outcome_changes(*, authority_ids: Any, start: date, end: date, provider_ids: Any = None) -> list[OutcomeChange]:
    """For plans that ended from `start` (inclusive) to `end` (exclusive): each outcome measure's baseline against
    its last score at a review, and the child's SDQ readings (from the case-system import or a worker) from three
    months before the plan started to its end, first against last; one row per planned service (of the providers
    named, when `provider_ids` is given). Not scoped to a user: callers pass the authorities the user may see.
    Four queries, whatever the number of plans."""
    from django.db.models import OuterRef, Subquery

    from .models import OutcomeMeasure, OutcomeReading, OutcomeScore, PlannedService
    from .models.readings import ReadingMeasure

    plans = {p["pk"]: p for p in SupportPlan._base_manager.filter(
        request__responsible_authority__in=list(authority_ids), status=PlanStatus.ENDED, end_date__gte=start,
        end_date__lt=end).values("pk", "request_id", "request__child_id", "start_date", "end_date")}
    if not plans:
        return []
    last_score = OutcomeScore._base_manager.filter(measure=OuterRef("pk")).order_by("-score_date", "-id")
    measures = (OutcomeMeasure._base_manager.filter(plan__in=list(plans))
                .annotate(last=Subquery(last_score.values("score")[:1]),
                          last_date=Subquery(last_score.values("score_date")[:1]))
                .values_list("plan_id", "name", "baseline_score", "baseline_date", "last", "last_date",
                             "higher_is_better"))
    changes: dict[int, set[tuple[str, str]]] = {}
    for plan_id, name, baseline, baseline_date, last, last_date, higher in measures:
        pair = rules.first_and_last([(baseline_date, baseline)] + ([(last_date, last)] if last is not None else []))
        if pair:
            changes.setdefault(plan_id, set()).add((name, rules.outcome_change(*pair, higher_is_better=higher)))
    readings: dict[int, list[tuple[date, int]]] = {}
    children = [p["request__child_id"] for p in plans.values() if p["request__child_id"]]
    for child_id, day, score in (OutcomeReading._base_manager.filter(child__in=children, measure=ReadingMeasure.SDQ,
                                                                     score__isnull=False)
                                 .values_list("child_id", "reading_date", "score")):
        readings.setdefault(child_id, []).append((day, score or 0))
    sdq = str(ReadingMeasure.SDQ.label)
    for plan_id, plan in plans.items():
        earliest = plan["start_date"] - timedelta(days=SDQ_LOOK_BACK_DAYS)
        latest = plan["end_date"] or date.max
        window = [(d, s) for d, s in readings.get(plan["request__child_id"], []) if earliest <= d <= latest]
        pair = rules.first_and_last(window)
        if pair:
            changes.setdefault(plan_id, set()).add((sdq, rules.outcome_change(*pair, higher_is_better=False)))
    services = PlannedService._base_manager.filter(plan__in=list(changes))
    if provider_ids is not None:
        services = services.filter(provider__in=list(provider_ids))
    out = []
    for plan_id, service_type, provider_id, provider in services.values_list(
            "plan_id", "service_type__name", "provider_id", "provider__name").order_by("plan_id", "id"):
        for measure, change in sorted(changes[plan_id]):
            out.append(OutcomeChange(plan_id, plans[plan_id]["request_id"], service_type, provider_id,
                                     provider or "No provider named", measure, change))
    return out
