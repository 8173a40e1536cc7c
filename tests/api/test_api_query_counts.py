"""Every list costs the same number of queries whatever the page size (the joins are in the views' querysets)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Authority, Provider

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db

AUTHORITY_LISTS = ["households/", "children/", "people/", "legal-orders/", "support-requests/", "assessments/",
                   "notices/", "decisions/", "plans/", "reviews/", "asf-applications/", "contracts/", "usage/",
                   "apportionment-runs/", "ledger/entries/", "ledger/transactions/"]


def count(caller, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = caller.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def test_queries_do_not_grow_with_the_page_size():
    call_command("seed_demo", password="count-password-123", stdout=io.StringIO())
    partnership_client = issue(name="raa-system", partnership=Authority.objects.get(short_code="kent")
                               .partnerships.get())
    coram = issue(name="coram-system", provider=Provider.objects.get(name="Coram"))
    cases = [(partnership_client.token, path) for path in AUTHORITY_LISTS] + [(coram.token, "referrals/")]
    grew, compared = [], 0
    for token, path in cases:
        caller = http(token)
        small, small_rows = count(caller, f"{PREFIX}/{path}?page_size=1")
        large, large_rows = count(caller, f"{PREFIX}/{path}?page_size=100")
        if large_rows > small_rows:
            compared += 1
        if large != small:
            grew.append(f"{path}: {small} queries for {small_rows} row(s), {large} for {large_rows}")
    assert not grew, grew
    assert compared >= 12, "too few lists had more than one row to compare"
