"""The scorecard on the generated dataset, beside a raw SQL query in the same run (docs/decisions/0017).

Called by bench/run.py (`--only scorecard`) after the dataset is generated. For the first generated authority
(`gen-001.`), in the financial year with the most requests:

- the authority-year page (`scorecard:authority_year`, every measure by quarter and for the year, trend charts)
  through Django's test client as the authority's team manager: p50/p95 and queries per request;
- the partnership's side-by-side page (`scorecard:overview`) as the partnership's lead commissioner;
- the baseline, right after each page: one raw SQL query that does what a database-only design would do for one
  measure, the requests received by quarter plus `percentile_cont(0.5)` and `(0.9)` of the calendar days from
  request to first approved assessment for the authority-year (calendar days: working days need the bank-holiday
  calendar, which PostgreSQL does not hold);
- the whole board return for the partnership (every field, every member, xlsx) built as its task builds it,
  against the goal of 10 s. The bench adds the demo's definition set once if none is in force.

Goals (issue 23): the authority-year page p95 <= 300 ms with queries constant; the return under 10 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


RAW = """
WITH firsts AS (
  SELECT r.id, r.received_date,
         (SELECT min(a.approved_date) FROM support_assessment a
           WHERE a.request_id = r.id AND a.status = 'approved') AS approved
    FROM support_supportrequest r
   WHERE r.responsible_authority_id = %(authority)s AND r.received_date < %(end)s
)
SELECT count(*) FILTER (WHERE received_date >= %(start)s AND received_date < %(q2)s),
       count(*) FILTER (WHERE received_date >= %(q2)s AND received_date < %(q3)s),
       count(*) FILTER (WHERE received_date >= %(q3)s AND received_date < %(q4)s),
       count(*) FILTER (WHERE received_date >= %(q4)s AND received_date < %(end)s),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY approved - received_date)
         FILTER (WHERE approved >= %(start)s AND approved < %(end)s),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY approved - received_date)
         FILTER (WHERE approved >= %(start)s AND approved < %(end)s)
  FROM firsts
"""


def bench_scorecard(repeat: int, record: Callable[..., None]) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import ExtractYear
    from django.test import Client
    from django.urls import reverse

    from organisations.models import User
    from scorecard import rules
    from scorecard.demo import FIELDS
    from scorecard.models import ReturnDefinitionSet, ReturnField
    from scorecard.services.returns import return_table
    from scorecard.services.targets import definition_set_save, return_field_save
    from scorecard.spreadsheets import build_xlsx
    from support.models import SupportRequest

    manager = User.objects.filter(username__startswith="gen-001.", role="team_manager").order_by("id").first()
    if manager is None:
        print("  scorecard: skipped (no generated authority)")
        return
    authority = manager.authority
    partnership = authority.partnerships.order_by("pk").first()
    lead = User.objects.filter(partnership=partnership, role="lead_commissioner").order_by("id").first()
    busiest = (SupportRequest.objects.filter(responsible_authority=authority)
               .annotate(y=ExtractYear("received_date")).values("y").annotate(n=Count("id")).order_by("-n").first())
    year = rules.financial_year_of(SupportRequest.objects.filter(responsible_authority=authority,
                                                                 received_date__year=busiest["y"])
                                   .order_by("received_date").values_list("received_date", flat=True)[
                                       busiest["n"] // 2]) if busiest else 2024
    span, qs = rules.financial_year(year), rules.quarters(year)
    raw_params = {"authority": authority.pk, "start": span.start, "end": span.end, "q2": qs[1].start,
                  "q3": qs[2].start, "q4": qs[3].start}
    requests = SupportRequest.objects.filter(responsible_authority=authority, received_date__gte=span.start,
                                             received_date__lt=span.end).count()

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW, raw_params)
            cursor.fetchall()

    pages = [(f"scorecard: one authority-year ({requests} requests)", manager,
              reverse("scorecard:authority_year", args=[authority.short_code, year])),
             (f"scorecard: partnership side by side ({partnership.members.count()})", lead,
              reverse("scorecard:overview") + f"?year={year}")]
    for label, who, url in pages:
        if who is None:
            continue
        client = Client()
        client.force_login(who)

        def get(path: str = url, c: Client = client) -> None:
            response = c.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

        get()
        queries: list[str] = []

        def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries.append(sql)  # noqa: B023 (runs inside this iteration only)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            get()
        times, base = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            get()
            times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw()
            base.append((time.perf_counter() - started) * 1000)
        p50, p95, b95 = _pct(times, 50), _pct(times, 95), _pct(base, 95)
        record(label, f"p50 {p50:6.1f} ms p95 {p95:6.1f} ms, {len(queries)} q", f"raw SQL p95 {b95:5.1f} ms",
               p95 / b95 if b95 else None, "goal p95 <= 300 ms, queries constant",
               p50_ms=p50, p95_ms=p95, queries=len(queries), baseline_p95_ms=b95)

    if not ReturnDefinitionSet.objects.filter(valid_from_date__lte=qs[0].start).exists():
        definition_set = definition_set_save(definition_set=ReturnDefinitionSet(
            title="Benchmark return", version=9001, valid_from_date=span.start.replace(year=2000)), by=None)
        for position, (name, query, definition) in enumerate(FIELDS, start=1):
            return_field_save(return_field=ReturnField(definition_set=definition_set, position=position, name=name,
                                                       definition=definition, query=query), by=None)
    members = list(partnership.members.order_by("name"))
    started = time.perf_counter()
    return_queries: list[str] = []

    def counting_return(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        return_queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting_return):
        table = return_table(authorities=members, year=year, quarter=2)
        content = build_xlsx(table)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    raw()
    base_ms = (time.perf_counter() - started) * 1000
    record(f"scorecard: board return, {len(members)} authorities", f"{seconds:6.2f} s, {len(return_queries)} q, "
           f"{len(content):,} bytes", f"raw SQL {base_ms:5.1f} ms", seconds * 1000 / base_ms if base_ms else None,
           "goal < 10 s", seconds=seconds, queries=len(return_queries))
