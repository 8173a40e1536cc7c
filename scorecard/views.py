"""Scorecard pages: the side-by-side comparison of the partnership's authorities, one authority's year by
quarter with trend charts, the cases behind a figure (the user's own scope only), outcomes, and the board return."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.audit import record_access
from core.charts import bar_chart
from core.models import AccessAction, BackgroundJob, JobStatus
from organisations.access import role_required
from organisations.models import Authority, Role

from . import rules, selectors, tasks
from .forms import QUARTERS, BoardReturnForm, year_choices
from .services.errors import ScorecardError
from .services.returns import JOB_KIND, parse_target

VIEW_ROLES = (Role.TEAM_MANAGER, Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER, Role.AUDITOR)
RETURN_ROLES = (Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER)


def _year_and_quarter(request: HttpRequest, year: int | None = None) -> tuple[int, int | None]:
    """The financial year and quarter asked for (GET), defaulting to this year and the whole year."""
    today = timezone.localdate()
    allowed = {int(y) for y, _ in year_choices(today, back=10)}
    if year is None:
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and int(raw) in allowed else rules.financial_year_of(today)
    elif year not in allowed:
        raise Http404
    raw_quarter = request.GET.get("quarter", "")
    quarter = int(raw_quarter) if raw_quarter in {"1", "2", "3", "4"} else None
    return year, quarter


def _number(value: Decimal | int | None, suffix: str = "") -> str:
    if value is None:
        return "none"
    text = f"{value:,}" if isinstance(value, int) else f"{value.normalize():,f}" if value == value.to_integral() \
        else f"{value:,}"
    return text + suffix


def _timeliness_cells(t: rules.Timeliness) -> dict[str, str]:
    return {
        "count": _number(t.count), "median": _number(t.median), "p90": _number(t.p90),
        "within": "no target" if t.target is None else ("none" if t.within_target is None
                                                         else f"{_number(t.within_target)}% within {t.target}"),
    }


def _comparison(card: selectors.Scorecard, period_key: str) -> dict[str, Any]:
    columns: list[int | None] = [a.pk for a in card.authorities] + [None]
    counts = []
    for measure in rules.COUNT_MEASURES:
        counts.append({"label": measure.label, "explain": rules.count_explanation(measure),
                       "cells": [_number(card.counts[measure.key][period_key][c]) for c in columns]})
    durations = []
    for duration in rules.DURATION_MEASURES:
        durations.append({"label": duration.label, "explain": rules.duration_explanation(duration),
                          "cells": [_timeliness_cells(card.timeliness[duration.key][period_key][c])
                                    for c in columns]})
    open_work = [
        {"label": "Requests waiting for assessment at the period's end",
         "cells": [_number(card.waiting[period_key][c]["count"]) for c in columns]},
        {"label": "Their median wait (working days)",
         "cells": [_number(card.waiting[period_key][c]["median"]) for c in columns]},
        {"label": "Reviews overdue at the period's end",
         "cells": [_number(card.overdue[period_key][c]) for c in columns]},
    ]
    letterbox = [{"label": m.label, "explain": m.explain,
                  "cells": [_number(card.letterbox[m.key][period_key][c]) for c in columns]}
                 for m in rules.LETTERBOX_MEASURES]
    return {"counts": counts, "durations": durations, "open_work": open_work, "letterbox": letterbox}


def _period_links(request_path: str, year: int, quarter: int | None) -> list[dict[str, Any]]:
    links = [{"label": "Whole year", "url": f"{request_path}?year={year}", "current": quarter is None}]
    for number in (1, 2, 3, 4):
        links.append({"label": f"Q{number}", "url": f"{request_path}?year={year}&quarter={number}",
                      "current": quarter == number})
    return links


@role_required(*VIEW_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    authorities = selectors.figure_authorities(request.user)
    if not authorities:
        raise Http404
    year, quarter = _year_and_quarter(request)
    card = selectors.scorecard(authorities=authorities, year=year, today=timezone.localdate())
    period = rules.period_for(year, quarter)
    letterbox_charts = [
        bar_chart(f"{m.label}, {period.label}",
                  [(a.name, card.letterbox[m.key][period.key][a.pk], _number(card.letterbox[m.key][period.key][a.pk]))
                   for a in authorities])
        for m in (rules.LETTERBOX_BY_KEY["letterbox_active"], rules.LETTERBOX_BY_KEY["letterbox_on_time"],
                  rules.LETTERBOX_BY_KEY["letterbox_missed"])
    ]
    headline = [
        bar_chart(f"{m.label}, {period.label}",
                  [(a.name, card.counts[m.key][period.key][a.pk], _number(card.counts[m.key][period.key][a.pk]))
                   for a in authorities])
        for m in (rules.COUNTS_BY_KEY["requests_received"], rules.COUNTS_BY_KEY["assessments_approved"],
                  rules.COUNTS_BY_KEY["asf_approved"])
    ]
    return render(request, "scorecard/overview.html", {
        "year": year, "quarter": quarter, "period": period, "authorities": authorities,
        "comparison": _comparison(card, period.key), "charts": headline, "letterbox_charts": letterbox_charts,
        "years": year_choices(timezone.localdate()), "quarters": QUARTERS,
        "periods": _period_links(reverse("scorecard:overview"), year, quarter),
        "can_list": selectors.case_authority_ids(request.user),
        "can_return": getattr(request.user, "role", "") in RETURN_ROLES,
    })


def _authority_or_404(request: HttpRequest, code: str) -> Authority:
    for authority in selectors.figure_authorities(request.user):
        if authority.short_code == code:
            return authority
    raise Http404


@role_required(*VIEW_ROLES)
def authority_year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    authority = _authority_or_404(request, code)
    year, quarter = _year_and_quarter(request, year)
    card = selectors.scorecard(authorities=[authority], year=year, today=timezone.localdate())
    period = rules.period_for(year, quarter)
    quarters = card.periods[:4]
    pk = authority.pk
    trends = []
    rows: list[tuple[str, Decimal | int, str]]
    for m in rules.COUNT_MEASURES:
        rows = [(p.label.split(" (")[0], card.counts[m.key][p.key][pk], _number(card.counts[m.key][p.key][pk]))
                for p in quarters]
        trends.append({"key": m.key, "label": m.label, "chart": bar_chart(f"{m.label} by quarter", rows),
                       "rows": rows})
    for d in rules.DURATION_MEASURES:
        rows = [(p.label.split(" (")[0], card.timeliness[d.key][p.key][pk].median or 0,
                 _number(card.timeliness[d.key][p.key][pk].median)) for p in quarters]
        trends.append({"key": d.key, "label": f"{d.label}: median working days",
                       "chart": bar_chart(f"{d.label}, median working days by quarter", rows), "rows": rows})
    for lm in rules.LETTERBOX_MEASURES:
        rows = [(p.label.split(" (")[0], card.letterbox[lm.key][p.key][pk], _number(card.letterbox[lm.key][p.key][pk]))
                for p in quarters]
        trends.append({"key": lm.key, "label": lm.label, "chart": bar_chart(f"{lm.label} by quarter", rows),
                       "rows": rows})
    may_list = pk in selectors.case_authority_ids(request.user)
    comparison = _comparison(card, period.key)
    for row, measure in zip(comparison["counts"], rules.COUNT_MEASURES, strict=True):
        row["key"] = measure.key
    for row, duration in zip(comparison["durations"], rules.DURATION_MEASURES, strict=True):
        row["key"] = duration.key
    return render(request, "scorecard/authority_year.html", {
        "authority": authority, "authority_list": [authority], "year": year, "quarter": quarter, "period": period,
        "comparison": comparison,
        "trends": trends, "may_list": may_list, "query": f"?quarter={quarter}" if quarter else "",
        "periods": _period_links(reverse("scorecard:authority_year", args=[authority.short_code, year]), year,
                                 quarter),
    })


@role_required(*VIEW_ROLES)
def cases(request: HttpRequest, code: str, year: int, measure: str) -> HttpResponse:
    authority = _authority_or_404(request, code)
    if authority.pk not in selectors.case_authority_ids(request.user):
        raise Http404
    if measure not in rules.COUNTS_BY_KEY and measure not in rules.DURATIONS_BY_KEY and measure != "waiting":
        raise Http404
    year, quarter = _year_and_quarter(request, year)
    period = rules.period_for(year, quarter)
    rows = selectors.case_list(user=request.user, authority=authority, measure=measure, period=period,
                               today=timezone.localdate())
    if measure in rules.COUNTS_BY_KEY:
        label, explain = rules.COUNTS_BY_KEY[measure].label, rules.count_explanation(rules.COUNTS_BY_KEY[measure])
    elif measure in rules.DURATIONS_BY_KEY:
        label = rules.DURATIONS_BY_KEY[measure].label
        explain = rules.duration_explanation(rules.DURATIONS_BY_KEY[measure])
    else:
        label = "Requests waiting for assessment at the period's end"
        explain = ("Requests received before the period ended, with no assessment started and not closed or "
                   "withdrawn by then; the wait is in working days to the period's last day.")
    return render(request, "scorecard/cases.html", {
        "authority": authority, "year": year, "period": period, "label": label, "explain": explain, "rows": rows,
        "back": reverse("scorecard:authority_year", args=[authority.short_code, year])
        + (f"?quarter={quarter}" if quarter else ""),
    })


@role_required(*VIEW_ROLES)
def outcomes(request: HttpRequest) -> HttpResponse:
    authorities = selectors.figure_authorities(request.user)
    if not authorities:
        raise Http404
    year, quarter = _year_and_quarter(request)
    period = rules.period_for(year, quarter)
    found = selectors.outcomes(authority_ids=[a.pk for a in authorities], period=period)

    def table(groups: dict[tuple[str, str], dict[str, int]]) -> list[dict[str, Any]]:
        return [{"group": g, "measure": m, "improved": c.get(rules.IMPROVED, 0), "same": c.get(rules.SAME, 0),
                 "worse": c.get(rules.WORSE, 0)} for (g, m), c in groups.items()]

    totals = rules.add_up(found.by_service.values())
    chart = bar_chart(f"Outcomes of support that ended, {period.label}",
                      [(label, totals.get(key, 0), _number(totals.get(key, 0))) for key, label in rules.CHANGES],
                      variants=["", "grey", "red"])
    return render(request, "scorecard/outcomes.html", {
        "year": year, "quarter": quarter, "period": period, "by_service": table(found.by_service),
        "by_provider": table(found.by_provider), "families": found.families, "chart": chart,
        "totals": [(label, totals.get(key, 0)) for key, label in rules.CHANGES],
        "periods": _period_links(reverse("scorecard:outcomes"), year, quarter),
    })


@require_http_methods(["GET", "POST"])
@role_required(*RETURN_ROLES)
def board_return(request: HttpRequest) -> HttpResponse:
    partnership = selectors.partnership_for(request.user)
    if partnership is None:
        raise Http404
    today = timezone.localdate()
    form = BoardReturnForm(request.POST or None, today=today, initial={"year": rules.financial_year_of(today)})
    if request.method == "POST" and form.is_valid():
        try:
            job = tasks.board_return_request(partnership=partnership, year=form.cleaned_data["year"],
                                             quarter=form.cleaned_data["quarter"],
                                             file_format=form.cleaned_data["file_format"], by=request.user)
        except ScorecardError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("scorecard:return_job", job_id=job.pk)
    jobs = [j for j in BackgroundJob.objects.filter(kind=JOB_KIND, requested_by=request.user.pk)[:10]]
    return render(request, "scorecard/board_return.html", {"form": form, "jobs": jobs, "partnership": partnership})


def _job_or_404(request: HttpRequest, job_id: uuid.UUID) -> BackgroundJob:
    job = BackgroundJob.objects.filter(pk=job_id, kind=JOB_KIND).first()
    partnership = selectors.partnership_for(request.user)
    if job is None or partnership is None or parse_target(job.target)[0] != partnership.pk:
        raise Http404
    return job


@role_required(*RETURN_ROLES)
def return_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, "scorecard/return_job.html", {"job": job, "running": running})


@role_required(*RETURN_ROLES)
def return_download(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    job = _job_or_404(request, job_id)
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise Http404
    authority = getattr(request.user, "authority", None) if getattr(request.user, "authority_id", None) else None
    record_access(user=request.user, obj=job, action=AccessAction.DOWNLOAD, request=request, authority=authority)
    content_type = ("text/csv" if job.result_name.endswith(".csv")
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name,
                        content_type=content_type)
