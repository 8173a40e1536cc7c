"""Every list read as columns (`api.lean`) answers exactly what DRF's serializer answers for the same request: the
same rows, fields, values, nested lists and `next` links, for a partnership's client, an authority's client (whose
ledger transactions show only its own entries) and with a filter."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from api.lean import plan_for_view
from api.urls import router
from api.views import _base
from organisations.models import Authority, Provider

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db


def lean_lists() -> list[str]:
    return [prefix for prefix, viewset, _ in router.registry if plan_for_view(viewset()) is not None]


def test_every_list_but_the_providers_referrals_is_lean():
    assert set(lean_lists()) == {prefix for prefix, _, _ in router.registry} - {"referrals"}


def test_a_lean_list_answers_what_the_serializer_answers(monkeypatch):
    call_command("seed_demo", password="lean-password-123", stdout=io.StringIO())
    kent = Authority.objects.get(short_code="kent")
    callers = {"partnership": http(issue(name="raa-lean", partnership=kent.partnerships.get()).token),
               "kent": http(issue(name="kent-lean", authority=kent).token)}
    coram = http(issue(name="coram-lean", provider=Provider.objects.get(name="Coram")).token)
    compared, rows = 0, 0
    for prefix in lean_lists():
        for who, caller in callers.items():
            for query in ("page_size=2", "page_size=500", "page_size=3&updated_since=2000-01-01T00:00:00Z"):
                url = f"{PREFIX}/{prefix}/?{query}"
                pages = 0
                while url and pages < 3:
                    lean = caller.get(url)
                    with monkeypatch.context() as patched:
                        patched.setattr(_base, "plan_for_view", lambda view: None)
                        plain = caller.get(url)
                    assert lean.status_code == plain.status_code == 200, (who, url, lean.content[:300])
                    assert lean.content == plain.content, (who, url)  # the same bytes: values, keys and their order
                    compared += 1
                    rows += len(lean.json()["results"])
                    url, pages = lean.json()["next"], pages + 1
    assert coram.get(f"{PREFIX}/referrals/").status_code == 200  # the one list that keeps the serializer
    assert compared >= 16 * 2 * 3 and rows >= 500, (compared, rows)
