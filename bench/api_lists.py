"""Every list endpoint of /api/v1/ on the generated dataset, beside a raw SQL query returning the same rows.

Called by bench/run.py (`--only api`) after the dataset is generated. For one generated authority it creates an API
client with every scope an authority's client may hold (`api.services.api_client_create`, as the admin and
`manage.py api_client create` do), and a client for the provider organisation with the most referrals. Then, for
every collection path of docs/api/openapi-v1.yaml that a client of that kind may list, at page sizes 50 and 500:

- `repeat` GET requests through Django's test client with the Bearer header, following each page's `next` cursor
  (so later pages are measured, not only the first; back to the first page when the list runs out): the time of
  each call (`time.perf_counter`, so the whole request, the audit row included) and its queries
  (`CaptureQueriesContext`);
- right after each request, the raw query for the same page: the SQL text of the view's own scoped queryset
  (`base_queryset()` of the viewset, which is `Model.objects.for_user(client user)`, with the view's
  `select_related` joins), `WHERE id > <the cursor's last id> ORDER BY id LIMIT <page size>`, executed through
  `connection.cursor()` and fetched. The text is taken from the ORM's compiler so the scope filter is the same as
  the API's by construction (a hand-written copy could drift from `for_user`). It returns the same rows with their
  joined rows; it does not fetch the nested rows the API prefetches (a family's child ids, a plan's services,
  an application's lines, a transaction's entries), so those lists pay for one or two queries more than the raw one.

Each line: p50/p95 of the API calls, queries per request, the raw query's p95 and the ratio API p95 / raw p95.
Goals (issue 18): p95 <= 150 ms, queries constant in page size, <= 3x the raw query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/api/v1/"
PAGE_SIZES = (50, 500)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def collection_paths() -> list[str]:
    """Every path of the checked-in schema that lists a collection (a GET without a path parameter)."""
    import yaml

    schema = yaml.safe_load((ROOT / "docs" / "api" / "openapi-v1.yaml").read_text())
    return sorted(path for path, operations in schema["paths"].items()
                  if "get" in operations and "{" not in path and path.startswith(PREFIX)
                  and path not in {f"{PREFIX}schema/", f"{PREFIX}docs/"})


def _clients() -> tuple[Any, str, Any, str]:
    """An authority's client with every scope and the busiest provider's client, with their tokens."""
    from django.db.models import Count
    from django.utils import timezone

    from api.scopes import scopes_for
    from api.services import api_client_create
    from commissioning.models import Referral
    from organisations.models import Authority, Provider, User

    worker = User.objects.filter(username__startswith="gen-001.", role="social_worker").order_by("id").first()
    authority = worker.authority if worker else Authority.objects.filter(short_code__startswith="gen-").first()
    busiest = (Referral.objects.values("provider").annotate(n=Count("id")).order_by("-n", "provider").first())
    if authority is None or busiest is None:
        raise SystemExit("api lists: no generated authority or no referral: generate the dataset first")
    provider = Provider.objects.get(pk=busiest["provider"])
    now = timezone.now()
    stamp = f"{now:%Y%m%d%H%M%S}"
    own = api_client_create(name=f"bench-{authority.short_code}-{stamp}", scopes=scopes_for(provider=False),
                            expires_at=now + timedelta(days=1), by=None, now=now, authority=authority)
    theirs = api_client_create(name=f"bench-provider-{provider.pk}-{stamp}", scopes=scopes_for(provider=True),
                               expires_at=now + timedelta(days=1), by=None, now=now, provider=provider)
    return own.client, own.token, theirs.client, theirs.token


def _raw_sql(view: Any, after: int | None, size: int) -> tuple[str, Any]:
    queryset = view.base_queryset()
    if view.select_related:
        queryset = queryset.select_related(*view.select_related)
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    return queryset.order_by("pk")[:size].query.sql_with_params()


def bench_endpoint(path: str, view_class: type, api_client: Any, token: str, size: int, repeat: int
                   ) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    http = Client(headers={"Authorization": f"Bearer {token}"})
    view = view_class()
    view.request = SimpleNamespace(user=api_client.user)
    first = f"{path}?page_size={size}"

    def get(url: str) -> Any:
        response = http.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    get(first)  # warm: URL resolution, serializers, the plan cache
    url, after = first, None
    api_ms, raw_ms, queries, rows = [], [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get(url)
            api_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        queries.append(len(captured))
        body = response.json()
        results = body["results"]
        rows += len(results)
        sql, params = _raw_sql(view, after, size)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            raw_rows = cursor.fetchall()
        raw_ms.append((time.perf_counter() - started) * 1000)
        if len(raw_rows) != len(results):
            raise SystemExit(f"{path}: the raw query returned {len(raw_rows)} rows, the API {len(results)}")
        if body.get("next") and results:
            split = urlsplit(body["next"])
            url, after = f"{split.path}?{split.query}", results[-1]["id"]
        else:
            url, after = first, None
    return {"api_ms": api_ms, "raw_ms": raw_ms, "queries": queries, "rows": rows}


def bench_api_lists(repeat: int, record: Callable[..., None]) -> None:
    """Measure every list endpoint at each page size; one `record(...)` line each (bench/run.py's format)."""
    from django.urls import resolve

    authority_client, authority_token, provider_client, provider_token = _clients()
    print(f"  (API clients: {authority_client.name} for {authority_client.user.authority.short_code}, "
          f"{provider_client.name} for {provider_client.user.provider}; {repeat} requests per line)", flush=True)
    for path in collection_paths():
        view_class = resolve(path).func.cls  # type: ignore[attr-defined]
        scope = view_class.required_scope
        if scope in authority_client.scopes:
            client, token = authority_client, authority_token
        elif scope in provider_client.scopes:
            client, token = provider_client, provider_token
        else:
            print(f"  api {path}: no client of either kind may list it, skipped")
            continue
        counts = {}
        for size in PAGE_SIZES:
            figures = bench_endpoint(path, view_class, client, token, size, repeat)
            api, raw, queries = figures["api_ms"], figures["raw_ms"], figures["queries"]
            p50, p95, r95 = _pct(api, 50), _pct(api, 95), _pct(raw, 95)
            low, high = min(queries), max(queries)
            counts[size] = (low, high)
            q_text = f"{low} q" if low == high else f"{low}-{high} q"
            ratio = p95 / r95 if r95 else None
            misses = [goal for goal, missed in (("p95", p95 > 150), ("ratio", ratio is not None and ratio > 3))
                      if missed]
            record(f"api {path.removeprefix(PREFIX)} x{size}", f"p50 {p50:6.1f} p95 {p95:6.1f} ms, {q_text}",
                   f"raw p95 {r95:6.2f} ms", ratio,
                   "ok" if not misses else f"MISSES {', '.join(misses)}",
                   path=path, page_size=size, p50_ms=p50, p95_ms=p95, raw_p95_ms=r95, queries_min=low,
                   queries_max=high, rows_per_request=figures["rows"] / len(api))
        if len(set(counts.values())) > 1:
            print(f"  api {path}: MISSES constant queries: {counts}", flush=True)
