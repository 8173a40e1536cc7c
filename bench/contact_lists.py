"""The letterbox coordinator's due and overdue lists on the generated dataset, beside a raw SQL query of the same rows.

Called by bench/run.py (`--only contact`) after the dataset is generated. For the generated authority with the most
letterbox items it makes (once) a letterbox coordinator of that authority, then for each list:

- `contact.selectors.due_list` / `overdue_list` for that user, the first 50 rows with the joins the dashboard shows
  (arrangement, child, provider), evaluated `repeat` times: p50/p95 (`time.perf_counter`) and the queries each takes;
- right after, the raw query for the same rows: the SQL text of the selector's own queryset (the scope filter
  `for_user` makes, the joins, the order and the limit), executed through `connection.cursor()` and fetched; taken
  from the ORM's compiler so it cannot drift from the selector;
- the whole dashboard page (both lists, the tasks, the counts and the chart) through Django's test client.

A `generated today` is the generator's clock (core.dataset.clock.TODAY), so the lists hold what the dataset was made
for. Goals (issue 22): p95 <= 150 ms, constant queries, the list within a few times the raw query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

LIST_SIZE = 50


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _coordinator() -> Any:
    from django.db.models import Count

    from contact.models import Exchange
    from organisations.models import Authority, Role, Scope, User

    busiest = (Exchange.objects.filter(authority__short_code__startswith="gen-").values("authority")
               .annotate(n=Count("id")).order_by("-n").first())
    if busiest is None:
        raise SystemExit("no generated letterbox items: generate the dataset first")
    authority = Authority.objects.get(pk=busiest["authority"])
    user, _ = User.objects.get_or_create(
        username=f"{authority.short_code}.bench_letterbox_coordinator",
        defaults={"role": Role.LETTERBOX_COORDINATOR, "scope": Scope.AUTHORITY, "authority": authority})
    return user


def bench_contact_lists(repeat: int, record: Callable[..., None]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from contact import selectors
    from core.dataset.clock import TODAY

    user = _coordinator()
    lists = {"due now": selectors.due_list, "overdue": selectors.overdue_list}
    for label, selector in lists.items():
        def rows(s: Callable[..., Any] = selector) -> list[Any]:
            return list(s(user=user, today=TODAY)[:LIST_SIZE])

        sql, params = selector(user=user, today=TODAY)[:LIST_SIZE].query.sql_with_params()

        def raw(text: str = sql, values: Any = params) -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(text, values)
                return cursor.fetchall()

        found = rows()
        assert len(found) == len(raw()), "the raw query and the selector disagree"
        with CaptureQueriesContext(connection) as queries:
            rows()
        times, base = [], []
        for _ in range(repeat):
            times += _timed(rows, 1)
            base += _timed(raw, 1)
        p50, p95, b95 = _pct(times, 50), _pct(times, 95), _pct(base, 95)
        total = selector(user=user, today=TODAY).count()
        record(f"letterbox {label} list ({total:,} rows, first {LIST_SIZE})",
               f"p50 {p50:6.1f} ms p95 {p95:6.1f} ms, {len(queries)} q", f"raw SQL p95 {b95:5.1f} ms",
               p95 / b95 if b95 else None, "goal p95 <= 150 ms, constant queries",
               p50_ms=p50, p95_ms=p95, queries=len(queries), baseline_p95_ms=b95, rows=total)

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("contact:dashboard")

    def page() -> None:
        if client.get(url).status_code != 200:
            raise SystemExit(f"{url} did not answer 200")

    page()
    statements: list[str] = []

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)  # a request resets the connection's query log, so count at the cursor
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        page()
    times = _timed(page, repeat)
    base = _timed(lambda: client.get("/healthz"), repeat)
    p50, p95, b95 = _pct(times, 50), _pct(times, 95), _pct(base, 95)
    record("page: letterbox dashboard", f"p50 {p50:6.1f} ms p95 {p95:6.1f} ms, {len(statements)} q",
           f"/healthz p95 {b95:5.1f} ms", p95 / b95 if b95 else None, "goal p95 <= 150 ms",
           p50_ms=p50, p95_ms=p95, queries=len(statements), baseline_p95_ms=b95)
