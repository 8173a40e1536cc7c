"""Reads for the scorecard, the board return and outcomes. Each measure's query is a `Source` (which records, which
date, which authority) over the owning app's models; the figures come from `scorecard.rules`. The queries are one
per measure, whatever the period or the number of authorities (docs/decisions/0017)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from claims.models import ASFApplication, StatusChange
from claims.models.applications import Decision as FundDecision
from claims.models.applications import Status as ApplicationStatus
from commissioning.models import Referral
from contact import selectors as contact_selectors
from core.workdays import england_bank_holidays
from organisations.models import Authority, Partnership, Scope
from organisations.scoping import authority_ids_for
from support import selectors as support_selectors
from support.models import (
    Assessment,
    Decision,
    LegalOrder,
    NoticeOfProposal,
    Review,
    SupportPlan,
    SupportRequest,
)
from support.models.assessments import ApprovalStatus
from support.models.decisions import DecisionOutcome
from support.models.orders import OrderKind
from support.models.plans import PlanStatus
from support.models.requests import RequestStage

from . import rules
from .models import ReturnDefinitionSet, ReturnQuery, TimelinessTarget
from .rules import Period

# Who may see what -----------------------------------------------------------------------------------------------


def partnership_for(user: Any) -> Partnership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.scope == Scope.PARTNERSHIP:
        return user.partnership
    if user.scope == Scope.AUTHORITY and user.authority_id:
        return user.authority.partnerships.order_by("pk").first()
    return None


def figure_authorities(user: Any) -> list[Authority]:
    """The authorities whose figures `user` may see: every member of their partnership (figures name no family)."""
    partnership = partnership_for(user)
    if partnership is None:
        return []
    return list(partnership.members.order_by("name"))


def case_authority_ids(user: Any) -> set[int]:
    """The authorities whose cases `user` may list: their own scope, never more."""
    return set(authority_ids_for(user))


# Sources of the counts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    model: Any
    authority: str
    day: str
    request: str
    condition: Q = field(default_factory=Q)

    def in_span(self, span: Period) -> Q:
        return Q(self.condition, **{f"{self.day}__gte": span.start, f"{self.day}__lt": span.end})

    def rows(self, authority_ids: Iterable[int], span: Period) -> QuerySet:
        return self.model._base_manager.filter(self.in_span(span), **{f"{self.authority}__in": list(authority_ids)})

    def day_if_counted(self) -> Any:
        """The date, or NULL where the row's condition does not hold: several sources share one query."""
        field, _, transform = self.day.partition("__")
        day = TruncDate(field) if transform == "date" else F(field)
        return Case(When(self.condition, then=day), default=None) if self.condition else day


_APPROVED = (FundDecision.APPROVED_IN_FULL, FundDecision.APPROVED_IN_PART)

COUNT_SOURCES: dict[str, Source] = {
    "requests_received": Source(SupportRequest, "responsible_authority", "received_date", "pk"),
    "requests_withdrawn": Source(SupportRequest, "responsible_authority", "closed_date", "pk",
                                 Q(stage=RequestStage.WITHDRAWN)),
    "assessments_started": Source(Assessment, "responsible_authority", "started_date", "request_id"),
    "assessments_completed": Source(Assessment, "responsible_authority", "completed_date", "request_id"),
    "assessments_approved": Source(Assessment, "responsible_authority", "approved_date", "request_id",
                                   Q(status=ApprovalStatus.APPROVED)),
    "notices_issued": Source(NoticeOfProposal, "request__responsible_authority", "issued_date", "request_id"),
    "decisions_provide": Source(Decision, "request__responsible_authority", "decided_date", "request_id",
                                Q(status=ApprovalStatus.APPROVED, outcome=DecisionOutcome.PROVIDE)),
    "decisions_not_provide": Source(Decision, "request__responsible_authority", "decided_date", "request_id",
                                    Q(status=ApprovalStatus.APPROVED, outcome=DecisionOutcome.NOT_PROVIDE)),
    "plans_started": Source(SupportPlan, "request__responsible_authority", "start_date", "request_id",
                            Q(version=1) & ~Q(status=PlanStatus.DRAFT)),
    "reviews_due": Source(Review, "plan__request__responsible_authority", "due_date", "plan__request_id"),
    "reviews_done": Source(Review, "plan__request__responsible_authority", "completed_date", "plan__request_id"),
    "asf_submitted": Source(ASFApplication, "responsible_authority", "first_submitted_date",
                            "assessment__request_id"),
    "asf_approved": Source(ASFApplication, "responsible_authority", "decision_date", "assessment__request_id",
                           Q(decision__in=_APPROVED)),
    "asf_rejected": Source(ASFApplication, "responsible_authority", "decision_date", "assessment__request_id",
                           Q(decision=FundDecision.REJECTED)),
    "asf_returned": Source(StatusChange, "application__responsible_authority", "at__date",
                           "application__assessment__request_id", Q(to_status=ApplicationStatus.RETURNED)),
    "referrals_made": Source(Referral, "authority", "sent_date", "support_request_id"),
    "referrals_accepted": Source(Referral, "authority", "accepted_date", "support_request_id"),
    "referrals_first_session": Source(Referral, "authority", "first_session_date", "support_request_id"),
}


def _first_by_request(model: Any, path: str, value: str, condition: Q | None = None) -> Subquery:
    """The earliest `value` among `model` rows of the request (`path` leads from the row to the request)."""
    rows = model._base_manager.filter(condition or Q(), **{path: OuterRef("pk")}).order_by().values(path)
    return Subquery(rows.annotate(first=Min(value)).values("first")[:1])


DURATION_ENDS: dict[str, Any] = {
    "to_assessment_started": lambda: _first_by_request(Assessment, "request", "started_date"),
    "to_assessment_approved": lambda: _first_by_request(Assessment, "request", "approved_date",
                                                        Q(status=ApprovalStatus.APPROVED)),
    "to_decision": lambda: _first_by_request(Decision, "request", "decided_date", Q(status=ApprovalStatus.APPROVED)),
    "to_plan": lambda: _first_by_request(SupportPlan, "request", "start_date", ~Q(status=PlanStatus.DRAFT)),
    "to_asf_submitted": lambda: _first_by_request(ASFApplication, "assessment__request", "first_submitted_date"),
    "to_asf_approved": lambda: _first_by_request(ASFApplication, "assessment__request", "decision_date",
                                                 Q(decision__in=_APPROVED)),
    "to_first_session": lambda: _first_by_request(Referral, "support_request", "first_session_date"),
}


def count_facts(authority_ids: Iterable[int], span: Period) -> dict[str, list[tuple[int, date]]]:
    """Every count measure's (authority id, date) facts in the span: one query per model, each measure's date
    NULL on the rows its condition leaves out."""
    ids = list(authority_ids)
    groups: dict[tuple[Any, str], list[str]] = defaultdict(list)
    for key, source in COUNT_SOURCES.items():
        groups[(source.model, source.authority)].append(key)
    facts: dict[str, list[tuple[int, date]]] = {}
    for (model, authority), keys in groups.items():
        anywhere = Q()
        for key in keys:
            anywhere |= COUNT_SOURCES[key].in_span(span)
        rows = (model._base_manager.filter(anywhere, **{f"{authority}__in": ids})
                .annotate(**{f"day_{key}": COUNT_SOURCES[key].day_if_counted() for key in keys})
                .values_list(authority, *[f"day_{key}" for key in keys]))
        for key in keys:
            facts[key] = []
        for row in rows:
            for key, day in zip(keys, row[1:], strict=True):
                if day is not None:
                    facts[key].append((row[0], day))
    return facts


def duration_facts(authority_ids: Iterable[int], span: Period) -> dict[str, list[tuple[int, date, date]]]:
    """Every step's (authority id, received date, first date of the step) for the requests whose first date of
    that step falls in the span: one query, the first dates as correlated subqueries."""
    keys = list(DURATION_ENDS)
    anywhere = Q()
    for key in keys:
        anywhere |= Q(**{f"end_{key}__gte": span.start, f"end_{key}__lt": span.end})
    rows = (SupportRequest._base_manager.filter(responsible_authority__in=list(authority_ids),
                                                received_date__lt=span.end)
            .annotate(**{f"end_{key}": DURATION_ENDS[key]() for key in keys}).filter(anywhere)
            .values_list("responsible_authority", "received_date", *[f"end_{key}" for key in keys]))
    facts: dict[str, list[tuple[int, date, date]]] = {key: [] for key in keys}
    for row in rows:
        for key, end in zip(keys, row[2:], strict=True):
            if end is not None:
                facts[key].append((row[0], row[1], end))
    return facts


def _duration_rows(key: str, authority_ids: Iterable[int], span: Period) -> QuerySet:
    return (
        SupportRequest._base_manager.filter(responsible_authority__in=list(authority_ids),
                                            received_date__lt=span.end)
        .annotate(end_date=DURATION_ENDS[key]())
        .filter(end_date__gte=span.start, end_date__lt=span.end)
    )


def working_day_counter(span: Period, *, earliest: date | None = None) -> rules.WorkingDayCounter:
    """A counter from `earliest` (the oldest date a step starts from; ten years before the span when not known)
    to the span's end."""
    first = min(earliest or date(span.start.year - 10, 1, 1), span.start)
    return rules.WorkingDayCounter(first, span.end, holidays=england_bank_holidays(*range(first.year,
                                                                                           span.end.year + 1)))


def targets(authority_ids: Iterable[int]) -> dict[tuple[int, str], list[tuple[date, int]]]:
    """Every target of the authorities, dated: {(authority id, step): [(effective from, working days), ...]}; the
    one for a period is `rules.target_in_force(..., period.start)`."""
    out: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
    for authority, measure, start, days in (TimelinessTarget.objects.filter(authority__in=list(authority_ids))
                                            .values_list("authority", "measure", "effective_from", "working_days")):
        out[(authority, measure)].append((start, days))
    return dict(out)


# The scorecard ---------------------------------------------------------------------------------------------------


@dataclass
class Scorecard:
    """Figures for each authority (by id) and the partnership (key None), for each period."""

    periods: list[Period]
    authorities: list[Authority]
    counts: dict[str, dict[str, dict[int | None, int]]]
    timeliness: dict[str, dict[str, dict[int | None, rules.Timeliness]]]
    waiting: dict[str, dict[int | None, dict[str, Any]]]
    overdue: dict[str, dict[int | None, int]]
    # letterbox[measure key][period key][authority id or None] (contact.selectors.authority_period_counts)
    letterbox: dict[str, dict[str, dict[int | None, int]]] = field(default_factory=dict)


def letterbox(*, authority_ids: Sequence[int], periods: Sequence[Period],
              today: date) -> dict[str, dict[str, dict[int | None, int]]]:
    """The letterbox measures for each period, authority and their sum: two queries (contact's)."""
    found = contact_selectors.authority_period_counts(
        authority_ids=authority_ids, periods={p.key: (p.start, p.end) for p in periods}, today=today)
    out: dict[str, dict[str, dict[int | None, int]]] = {m.key: {} for m in rules.LETTERBOX_MEASURES}
    for period in periods:
        for key, row in rules.letterbox_figures(found.get(period.key, {}), authority_ids).items():
            out[key][period.key] = row
    return out


def scorecard(*, authorities: Sequence[Authority], year: int, today: date | None = None) -> Scorecard:
    """The year's figures by quarter and for the whole year, for each of `authorities` and their sum."""
    ids = [a.pk for a in authorities]
    span = rules.financial_year(year)
    periods = [*rules.quarters(year), span]
    counts: dict[str, dict[str, dict[int | None, int]]] = {}
    all_counts = count_facts(ids, span)
    for key in COUNT_SOURCES:
        facts = all_counts[key]
        counts[key] = {}
        for period in periods:
            by_authority = rules.count_in(facts, period)
            counts[key][period.key] = {**{pk: by_authority.get(pk, 0) for pk in ids},
                                       None: sum(by_authority.values())}
    goal = targets(ids)
    timeliness: dict[str, dict[str, dict[int | None, rules.Timeliness]]] = {}
    all_durations = duration_facts(ids, span)
    requests, reviews = _open_work_facts(ids, periods)
    earliest = min([span.start, *(f[1] for facts in all_durations.values() for f in facts), *(r[1] for r in requests)])
    counter = working_day_counter(span, earliest=earliest)
    for measure in rules.DURATION_MEASURES:
        facts3 = all_durations[measure.key]
        timeliness[measure.key] = {}
        for period in periods:
            days_by = rules.durations_in(facts3, period, counter)
            row: dict[int | None, rules.Timeliness] = {
                pk: rules.timeliness(days_by.get(pk, []),
                                     rules.target_in_force(goal.get((pk, measure.key), []), period.start))
                for pk in ids
            }
            row[None] = rules.timeliness([d for days in days_by.values() for d in days], None)
            timeliness[measure.key][period.key] = row
    waiting, overdue = _open_work(ids, periods, counter, requests, reviews)
    letters = letterbox(authority_ids=ids, periods=periods, today=today or timezone.localdate())
    return Scorecard(periods, list(authorities), counts, timeliness, waiting, overdue, letters)


def _open_work_facts(ids: list[int], periods: list[Period]) -> tuple[list[tuple], list[tuple]]:
    last_end = max(p.end for p in periods)
    first_start = min(p.start for p in periods)
    requests = list(
        SupportRequest._base_manager.filter(responsible_authority__in=ids, received_date__lt=last_end)
        .exclude(closed_date__lt=first_start)
        .annotate(started=_first_by_request(Assessment, "request", "started_date"))
        .filter(Q(started__isnull=True) | Q(started__gte=first_start))
        .values_list("responsible_authority", "received_date", "started", "closed_date")
    )
    reviews = list(
        Review._base_manager.filter(plan__request__responsible_authority__in=ids, due_date__lt=last_end)
        .exclude(completed_date__lt=first_start)
        .values_list("plan__request__responsible_authority", "due_date", "completed_date")
    )
    return requests, reviews


def _open_work(ids: list[int], periods: list[Period], counter: rules.WorkingDayCounter, requests: list[tuple],
               reviews: list[tuple]) -> tuple[dict, dict]:
    waiting: dict[str, dict[int | None, dict[str, Any]]] = {}
    overdue: dict[str, dict[int | None, int]] = {}
    for period in periods:
        at = period.end
        ages: dict[int, list[int]] = defaultdict(list)
        for authority, received, started, closed in requests:
            if rules.waiting_at(received=received, started=started, closed=closed, at=at):
                ages[authority].append(counter.between(received, period.last_day))
        waiting[period.key] = {pk: _waiting(ages.get(pk, [])) for pk in ids}
        waiting[period.key][None] = _waiting([a for pk in ids for a in ages.get(pk, [])])
        late: dict[int, int] = defaultdict(int)
        for authority, due, completed in reviews:
            if rules.overdue_at(due=due, completed=completed, at=at):
                late[authority] += 1
        overdue[period.key] = {pk: late.get(pk, 0) for pk in ids}
        overdue[period.key][None] = sum(late.values())
    return waiting, overdue


def _waiting(ages: list[int]) -> dict[str, Any]:
    return {"count": len(ages), "median": rules.one_place(rules.percentile(ages, "0.5")),
            "longest": max(ages) if ages else None}


# Drill-down ------------------------------------------------------------------------------------------------------


def case_list(*, user: Any, authority: Authority, measure: str, period: Period, today: date) -> list[dict]:
    """The cases behind one figure of one authority, read through the user's scope (a request the user may not
    see is never listed). Each row: the request's id and reference, the subject's name, the date, working days."""
    visible = SupportRequest.objects.for_user(user).filter(responsible_authority=authority)
    if measure in COUNT_SOURCES:
        source = COUNT_SOURCES[measure]
        facts = list(source.rows([authority.pk], period).values_list(source.request, source.day))
        days: dict[int, list[date]] = defaultdict(list)
        for request_id, day in facts:
            days[request_id].append(day)
        listed: QuerySet = visible.filter(pk__in=list(days)).select_related("child", "person")
        rows = [{"request": r, "date": day, "working_days": None} for r in listed for day in days[r.pk]]
    elif measure in rules.DURATIONS_BY_KEY:
        counter = working_day_counter(period)
        listed = (_duration_rows(measure, [authority.pk], period).filter(pk__in=visible.values("pk"))
                  .select_related("child", "person"))
        rows = [{"request": r, "date": r.end_date, "working_days": counter.between(r.received_date, r.end_date)}
                for r in listed]
    elif measure == "waiting":
        counter = working_day_counter(period)
        listed = (visible.filter(received_date__lt=period.end).exclude(closed_date__lt=period.end)
                    .annotate(started=_first_by_request(Assessment, "request", "started_date"))
                    .filter(Q(started__isnull=True) | Q(started__gte=period.end)).select_related("child", "person"))
        rows = [{"request": r, "date": r.received_date,
                 "working_days": counter.between(r.received_date, period.last_day)} for r in listed]
    else:
        raise KeyError(measure)
    rows.sort(key=lambda row: (row["date"], row["request"].pk))
    return [{"id": row["request"].pk, "reference": row["request"].reference,
             "name": row["request"].subject_name, "date": row["date"], "working_days": row["working_days"]}
            for row in rows]


# Board return ----------------------------------------------------------------------------------------------------

ADOPTION, SPECIAL_GUARDIANSHIP, OTHER = "adoption", "special_guardianship", "other"
KINDS = ((ADOPTION, "Adoption"), (SPECIAL_GUARDIANSHIP, "Special guardianship"), (OTHER, "Other or not known"))


def _kind(child_path: str) -> Any:
    """The family's kind from the child's orders: adoption (an adoption or inter-country adoption order), else
    special guardianship, else other (a request about a person, or no order recorded)."""
    from django.db.models import Case, Value, When

    def has(kinds: tuple[str, ...]) -> Exists:
        return Exists(LegalOrder._base_manager.filter(child=OuterRef(child_path), kind__in=kinds))

    return Case(
        When(has((OrderKind.ADOPTION, OrderKind.INTERCOUNTRY)), then=Value(ADOPTION)),
        When(has((OrderKind.SPECIAL_GUARDIANSHIP,)), then=Value(SPECIAL_GUARDIANSHIP)),
        default=Value(OTHER),
    )


def _grouped(rows: Iterable[tuple[int, str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for authority, kind, value in rows:
        out[(authority, kind)] = {"value": value, "count": value}
    return out


def _families_requesting(ids: list[int], period: Period) -> dict:
    rows = (SupportRequest._base_manager.filter(responsible_authority__in=ids, received_date__gte=period.start,
                                                received_date__lt=period.end)
            .annotate(kind=_kind("child"), family=Coalesce(F("child__household_id"), -F("person_id")))
            .values_list("responsible_authority", "kind", "family"))
    families: dict[tuple[int, str], set[int]] = defaultdict(set)
    for authority, kind, family in rows:
        families[(authority, kind)].add(family)
    return {key: {"value": len(v), "count": len(v)} for key, v in families.items()}


def _counted(queryset: QuerySet, authority: str, child: str) -> dict:
    from django.db.models import Count
    rows = queryset.annotate(kind=_kind(child)).values(authority, "kind").annotate(n=Count("pk")).order_by()
    return _grouped((row[authority], row["kind"], row["n"]) for row in rows)


def _assessments_completed(ids: list[int], period: Period) -> dict:
    return _counted(COUNT_SOURCES["assessments_approved"].rows(ids, period), "responsible_authority", "child")


def _families_supported(ids: list[int], period: Period) -> dict:
    rows = (SupportPlan._base_manager.filter(request__responsible_authority__in=ids, start_date__lt=period.end)
            .exclude(status=PlanStatus.DRAFT).exclude(end_date__lt=period.start)
            .annotate(kind=_kind("request__child"),
                      family=Coalesce(F("request__child__household_id"), -F("request__person_id")))
            .values_list("request__responsible_authority", "kind", "family"))
    families: dict[tuple[int, str], set[int]] = defaultdict(set)
    for authority, kind, family in rows:
        families[(authority, kind)].add(family)
    return {key: {"value": len(v), "count": len(v)} for key, v in families.items()}


def _asf_submitted(ids: list[int], period: Period) -> dict:
    return _counted(COUNT_SOURCES["asf_submitted"].rows(ids, period), "responsible_authority", "child")


def _asf_approved(ids: list[int], period: Period) -> dict:
    return _counted(COUNT_SOURCES["asf_approved"].rows(ids, period), "responsible_authority", "child")


def _asf_approved_sum(ids: list[int], period: Period) -> dict:
    from django.db.models import Count
    rows = (COUNT_SOURCES["asf_approved"].rows(ids, period).annotate(kind=_kind("child"))
            .values("responsible_authority", "kind")
            .annotate(total=Sum("approved_fund"), n=Count("pk")).order_by())
    return {(r["responsible_authority"], r["kind"]): {"value": r["total"] or Decimal("0.00"), "count": r["n"]}
            for r in rows}


def _letterbox(field_name: str) -> Any:
    """A return query for one letterbox count, by authority and family kind (the arrangement's child's orders);
    an exchange still expected counts as missed when it is overdue on the day the return is built."""
    def query(ids: list[int], period: Period) -> dict:
        found = contact_selectors.authority_period_counts(
            authority_ids=ids, periods={period.key: (period.start, period.end)}, today=timezone.localdate(),
            group=_kind).get(period.key, {})
        out = {}
        for key, counts in found.items():
            value = getattr(counts, field_name)
            if value:
                out[key] = {"value": value, "count": value}
        return out
    return query


RETURN_QUERIES: dict[str, Any] = {
    ReturnQuery.FAMILIES_REQUESTING: _families_requesting,
    ReturnQuery.ASSESSMENTS_COMPLETED: _assessments_completed,
    ReturnQuery.FAMILIES_SUPPORTED: _families_supported,
    ReturnQuery.ASF_SUBMITTED: _asf_submitted,
    ReturnQuery.ASF_APPROVED: _asf_approved,
    ReturnQuery.ASF_APPROVED_SUM: _asf_approved_sum,
    **{ReturnQuery(m.key): _letterbox(m.field) for m in rules.LETTERBOX_MEASURES},
}
MONEY_QUERIES = {ReturnQuery.ASF_APPROVED_SUM}


def definition_set_for(period: Period) -> ReturnDefinitionSet | None:
    return (ReturnDefinitionSet.objects.filter(valid_from_date__lte=period.start)
            .prefetch_related("fields").order_by("-valid_from_date", "-version").first())


def return_field_values(*, query: str, authority_ids: list[int], period: Period) -> dict:
    """{(authority id, kind): {"value": count or Decimal, "count": records behind it}} for one field."""
    return RETURN_QUERIES[query](authority_ids, period)


# Outcomes --------------------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    by_service: dict[tuple[str, str], dict[str, int]]
    by_provider: dict[tuple[str, str], dict[str, int]]
    families: int


def outcomes(*, authority_ids: Iterable[int], period: Period) -> Outcomes:
    """Support that ended in the period (`support.selectors.outcome_changes`), tallied by (service type, measure)
    and (provider, measure), each family counted once per group and measure."""
    rows = support_selectors.outcome_changes(authority_ids=authority_ids, start=period.start, end=period.end)
    by_service: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    by_provider: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for row in rows:
        by_service[(row.service_type, row.measure)][row.request_id] = row.change
        by_provider[(row.provider, row.measure)][row.request_id] = row.change
    return Outcomes(
        by_service={k: rules.tally_changes(v.values()) for k, v in sorted(by_service.items())},
        by_provider={k: rules.tally_changes(v.values()) for k, v in sorted(by_provider.items())},
        families=len({row.request_id for row in rows}),
    )
