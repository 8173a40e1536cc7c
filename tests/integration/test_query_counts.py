"""Query counts of every list and detail page stay the same whatever the number of rows shown, so an N+1 fails CI.

Two separate generated worlds live in one test database (`generate_dataset`'s engine, tiny scale): a small one
(a third of the volumes) and a large one (three times the small). Each page is rendered by the same kind of user
in each world; the large world's page must not make more queries than the small world's. Detail pages are also
rendered for the busiest and the quietest object of the large world, which must cost the same.
Counts only: no timings here (bench/run.py measures time).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.dataset.generate import generate
from organisations.models import User

pytestmark = pytest.mark.django_db

SMALL, LARGE = "q", "r"


@dataclass(frozen=True)
class World:
    ns: str

    def user(self, role: str) -> Any:
        prefix = f"gprov{self.ns}" if role == "provider_staff" else f"gen-{self.ns}001."
        found = User.objects.filter(username__startswith=prefix, role=role).order_by("id").first()
        if found is None:
            found = User.objects.get(username__startswith=f"graa{self.ns}01.", role=role)
        return found

    @property
    def authority(self) -> Any:
        return self.user("social_worker").authority


def _queries(user: Any, url: str) -> list[str]:
    client = Client()
    client.force_login(user)
    client.get(url)  # warm per-process caches (content types, templates) so both worlds pay the same
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} as {user.role}: {response.status_code}"
    return [q["sql"] for q in captured.captured_queries]


def _shape(sql: str) -> str:
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'S'", sql))[:160]


def _extra(few: list[str], many: list[str]) -> str:
    """The query shapes the bigger page ran more often: where the N+1 is."""
    grown = Counter(map(_shape, many)) - Counter(map(_shape, few))
    return "\n".join(f"  +{n} x {shape}" for shape, n in grown.most_common(5))


@pytest.fixture
def worlds() -> tuple[World, World]:
    generate(scale_name="tiny", seed=7, fraction=1.0, namespace=SMALL)
    generate(scale_name="tiny", seed=7, fraction=3.0, namespace=LARGE)
    small, large = World(SMALL), World(LARGE)
    for world in (small, large):
        _apportionment_run(world)
    return small, large


def _apportionment_run(world: World) -> None:
    """One calculated run on the world's first contract (the generator writes no runs: services do)."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from djmoney.money import Money

    from contracts.models import Contract
    from contracts.services.runs import run_calculate, run_create

    contract = Contract.objects.filter(lead_authority=world.authority).order_by("id").first()
    now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    run = run_create(
        contract=contract, title="Query-count run", total_cost=Money(Decimal("9000.00"), "GBP"),
        cost_start_date=date(2025, 4, 1), cost_end_date=date(2026, 3, 31), basis="sessions",
        usage_start_date=date(2016, 4, 1), usage_end_date=date(2026, 11, 1), by=world.user("finance_officer"),
        now=now,
    )
    run_calculate(run=run, by=world.user("finance_officer"), now=now)


# ---------------------------------------------------------------------------------------------- list pages

LIST_PAGES: list[tuple[str, str]] = [
    ("support:caseload", "social_worker"),
    ("support:team_caseload", "team_manager"),
    ("support:due_soon", "social_worker"),
    ("support:approvals", "team_manager"),
    ("commissioning:to_send", "social_worker"),
    ("commissioning:waiting", "social_worker"),
    ("commissioning:overdue", "social_worker"),
    ("commissioning:waiting_times", "lead_commissioner"),
    ("commissioning:spot_queue", "team_manager"),
    ("commissioning:inbox", "provider_staff"),
    ("contracts:overview", "lead_commissioner"),
    ("contracts:runs", "finance_officer"),
    ("ledger:accounts", "finance_officer"),
    ("ledger:trial_balance", "finance_officer"),
    ("ledger:entries", "finance_officer"),
    ("claims:queue", "team_manager"),
    ("claims:rechecks", "team_manager"),
    ("claims:report", "finance_officer"),
    ("audit:search", "auditor"),
    ("notifications:outbox", "social_worker"),
    ("contact:dashboard", "social_worker"),
    ("contact:arrangement_list", "social_worker"),
    # the home page's panels (each app's work waiting), as each kind of user sees it
    ("home", "social_worker"),
    ("home", "team_manager"),
    ("home", "lead_commissioner"),
    ("home", "finance_officer"),
    ("home", "auditor"),
    ("home", "provider_staff"),
]


@pytest.mark.parametrize(("name", "role"), LIST_PAGES, ids=[f"{n}-{r}" if n == "home" else n for n, r in LIST_PAGES])
def test_list_page_query_count_does_not_grow_with_rows(worlds: tuple[World, World], name: str, role: str) -> None:
    small, large = worlds
    url = reverse(name)
    few = _queries(small.user(role), url)
    many = _queries(large.user(role), url)
    assert len(many) <= len(few), (
        f"{name}: {len(few)} queries with few rows, {len(many)} with three times as many:\n{_extra(few, many)}"
    )


# ---------------------------------------------------------------------------------------------- detail pages


def _busiest_and_quietest(queryset: Any, related: str) -> tuple[Any, Any]:
    ranked = list(queryset.annotate(n=Count(related, distinct=True)).order_by("-n", "id"))
    assert ranked, "the generated world has no such object"
    # the quietest with at least one related row: a page may rightly skip a query for an empty section
    with_some = [obj for obj in ranked if obj.n] or ranked
    return ranked[0], with_some[-1]


def _households(world: World) -> Any:
    from support.models import Household

    return Household.objects.filter(responsible_authority=world.authority)


def _requests(world: World) -> Any:
    from support.models import SupportRequest

    return SupportRequest.objects.filter(responsible_authority=world.authority)


def _plans(world: World) -> Any:
    from support.models import SupportPlan

    return SupportPlan.objects.filter(request__responsible_authority=world.authority)


def _referrals(world: World) -> Any:
    from commissioning.models import Referral

    return Referral.objects.filter(authority=world.authority)


def _people(world: World) -> Any:
    from support.models import Person

    return Person.objects.filter(authority=world.authority)


def _runs(world: World) -> Any:
    from contracts.models import ApportionmentRun

    return ApportionmentRun.objects.filter(contract__lead_authority=world.authority)


def _provider_referrals(world: World) -> Any:
    from commissioning.models import Referral

    return Referral.objects.filter(sent_to=world.user("provider_staff").provider)


def _contracts(world: World) -> Any:
    from contracts.models import Contract

    return Contract.objects.filter(lead_authority=world.authority)


def _accounts(world: World) -> Any:
    from ledger.models import Account

    return Account.objects.filter(authority=world.authority)


def _transactions(world: World) -> Any:
    from ledger.models import Transaction

    return Transaction.objects.filter(entries__account__authority=world.authority).distinct()


def _applications(world: World) -> Any:
    from claims.models.applications import ASFApplication

    return ASFApplication.objects.filter(responsible_authority=world.authority)


def _arrangements(world: World) -> Any:
    from contact.models import Arrangement

    return Arrangement.objects.filter(authority=world.authority)


def _letterbox_items(world: World) -> Any:
    from contact.models import Exchange

    return Exchange.objects.filter(authority=world.authority, status="forwarded")


# (url name, role, objects of a world, the related rows that make a page busier)
DETAIL_PAGES: list[Any] = [
    ("support:household_detail", "social_worker", _households, "children__requests"),
    ("audit:family", "auditor", _households, "children__requests"),
    ("audit:family_export", "auditor", _households, "children__requests"),
    ("support:person_detail", "social_worker", _people, "requests"),
    ("support:request_detail", "social_worker", _requests, "plans__services"),
    ("support:plan_detail", "social_worker", _plans, "services"),
    ("commissioning:detail", "social_worker", _referrals, "sessions"),
    ("commissioning:provider_detail", "provider_staff", _provider_referrals, "sessions"),
    ("contracts:detail", "lead_commissioner", _contracts, "usage_records"),
    ("contracts:run_detail", "finance_officer", _runs, "lines"),
    ("ledger:account", "finance_officer", _accounts, "entries"),
    ("ledger:transaction", "finance_officer", _transactions, "entries"),
    ("claims:detail", "team_manager", _applications, "child__asf_applications"),
    ("contact:arrangement_detail", "social_worker", _arrangements, "exchanges"),
    ("contact:exchange_detail", "social_worker", _letterbox_items, "arrangement__exchanges"),
]


def _detail_name(page: Any) -> str:
    return page.values[0] if hasattr(page, "values") else page[0]


@pytest.mark.parametrize(("name", "role", "objects", "related"), DETAIL_PAGES, ids=map(_detail_name, DETAIL_PAGES))
def test_detail_page_query_count_does_not_grow_with_rows(
    worlds: tuple[World, World], name: str, role: str, objects: Any, related: str
) -> None:
    small, large = worlds
    small_busiest, _ = _busiest_and_quietest(objects(small), related)
    busiest, quietest = _busiest_and_quietest(objects(large), related)
    few = _queries(small.user(role), reverse(name, args=[small_busiest.pk]))
    quiet = _queries(large.user(role), reverse(name, args=[quietest.pk]))
    busy = _queries(large.user(role), reverse(name, args=[busiest.pk]))
    assert len(busy) <= len(quiet), (
        f"{name}: {len(quiet)} queries for {quietest.n} related rows, {len(busy)} for {busiest.n}:\n"
        f"{_extra(quiet, busy)}"
    )
    assert len(busy) <= len(few), (
        f"{name}: {len(few)} queries in the small world, {len(busy)} in the large one:\n{_extra(few, busy)}"
    )


def test_every_list_and_detail_page_is_counted() -> None:
    """A new list or detail page (a GET page with at most one integer argument, and no form of its own) must be
    added to LIST_PAGES or DETAIL_PAGES, or to NOT_COUNTED with the reason."""
    from django.urls import get_resolver

    counted = {n for n, _ in LIST_PAGES} | set(map(_detail_name, DETAIL_PAGES))
    missing = []
    for namespace in ("support", "commissioning", "contracts", "ledger", "claims", "audit", "notifications",
                      "contact"):
        resolver = get_resolver().namespace_dict[namespace][1]
        for name in resolver.reverse_dict:
            if not isinstance(name, str):
                continue
            full = f"{namespace}:{name}"
            if full in counted or full in NOT_COUNTED:
                continue
            missing.append(full)
    assert not missing, f"pages with no query-count test: {sorted(missing)}"


_FORMS = [
    "support:assessment_approve", "support:assessment_edit", "support:assessment_start", "support:child_create",
    "support:child_update", "support:decision_approve", "support:decision_record", "support:decision_resubmit",
    "support:household_create", "support:household_move", "support:legal_order_add", "support:notice_end_window",
    "support:notice_issue", "support:notice_response", "support:outcome_measure_add", "support:person_create",
    "support:plan_activate", "support:plan_create", "support:plan_edit", "support:plan_end", "support:plan_revise",
    "support:planned_service_add", "support:request_allocate", "support:request_close",
    "support:request_create_for_child", "support:request_create_for_person", "support:request_withdraw",
    "support:review_complete", "support:review_schedule", "commissioning:accept", "commissioning:cancel",
    "commissioning:complete", "commissioning:create_from_plan", "commissioning:create_from_request",
    "commissioning:decline", "commissioning:notes", "commissioning:record_session", "commissioning:reroute",
    "commissioning:route", "commissioning:send", "commissioning:spot_decide", "commissioning:spot_request",
    "contracts:create", "contracts:kpi_return", "contracts:run_approve", "contracts:run_calculate",
    "contracts:run_create",
    "contracts:run_recharge", "contracts:status", "contracts:usage_import", "claims:action", "claims:create",
    "claims:edit", "claims:invoice_add", "claims:invoice_approve", "claims:invoice_pay", "claims:line_add",
    "claims:line_remove", "claims:remittance_import", "contact:arrangement_new", "contact:arrangement_action",
    "contact:exchange_action", "contact:task_done", "contact:arrangement_terms",
]

#: Forms and actions (a form of fixed size, or a POST), and downloads of one file or job: not lists of rows.
NOT_COUNTED: dict[str, str] = {
    **{name: "a form or an action, not a list of rows" for name in _FORMS},
    "contracts:run_spreadsheet": "starts a spreadsheet job (POST)",
    "contracts:job": "the progress of one background job",
    "contracts:job_download": "streams one finished file",
    "claims:export": "one application's JSON for the fund: its lines are bounded by the form",
    "notifications:letter_download": "streams one stored letter",
    "contact:exchange_scan": "streams one stored scan",
    "notifications:notify_callback": "one delivery receipt from GOV.UK Notify (POST)",
}


def test_the_to_send_sections_are_paged_at_a_constant_cost(worlds: tuple[World, World], monkeypatch: Any) -> None:
    """Each section of "Referrals to send" shows a page of rows (fetched one over the page, with no count), with
    its own page parameter; every page of every section costs the same queries in either world."""
    from commissioning import views
    from commissioning.models import Referral

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    small, large = worlds
    user = large.user("social_worker")
    drafts = list(Referral.objects.for_user(user).filter(status="draft").order_by("created_at", "id")
                  .values_list("id", flat=True))
    assert len(drafts) >= 2, "the large world needs two pages of drafts"
    url = reverse("commissioning:to_send")
    client = Client()
    client.force_login(user)
    first = client.get(url).content.decode()
    second = client.get(url, {"drafts_page": 2, "services_page": 2}).content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/referrals/(\d+)/"', first.split('id="drafts"')[1]
                                          .split('id="declined"')[0])]
    assert shown == drafts[:1] and "drafts_page=2#drafts" in first
    shown = [int(pk) for pk in re.findall(r'href="/referrals/(\d+)/"', second.split('id="drafts"')[1]
                                          .split('id="declined"')[0])]
    assert shown == drafts[1:2] and "drafts_page=1" in second
    assert ("drafts_page=3" in second) == (len(drafts) > 2)
    counts = {len(_queries(w.user("social_worker"), url + query)) for w in (small, large)
              for query in ("", "?drafts_page=2&declined_page=2&services_page=2&requests_page=2",
                            "?drafts_page=999&services_page=x")}
    assert len(counts) == 1, counts
