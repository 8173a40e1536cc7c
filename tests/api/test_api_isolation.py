"""Isolation crawl over the API on the full demo: a client for each demo authority and one for a provider lists
every collection and pages through it; each sees exactly what a user of its organisation sees through the same
scoped querysets; then every object id any other client saw is asked for by each client that did not see it (404,
never 403 or 200), and every write is tried with a foreign id (refused, nothing written). A GET path of the schema
the crawl never reaches, and a write path no test below names, fail the test."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from organisations.models import Authority, Provider, User
from tests.bad_inputs.conftest import changed, table_counts

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db

# Collection path -> the model behind it (the crawl checks the ids against the page users' own querysets).
COLLECTIONS = {
    "households/": "support.Household", "children/": "support.Child", "people/": "support.Person",
    "legal-orders/": "support.LegalOrder", "support-requests/": "support.SupportRequest",
    "assessments/": "support.Assessment", "notices/": "support.NoticeOfProposal", "decisions/": "support.Decision",
    "plans/": "support.SupportPlan", "reviews/": "support.Review", "referrals/": "commissioning.Referral",
    "asf-applications/": "claims.ASFApplication", "contracts/": "contracts.Contract",
    "usage/": "contracts.UsageRecord", "apportionment-runs/": "contracts.ApportionmentRun",
    "ledger/entries/": "ledger.Entry",
}
# Write paths, and the tests that exercise them (with their bad inputs) beyond the foreign-id tries here.
WRITES = {
    "/api/v1/support-requests/": "tests/api/test_api_writes.py::TestSupportRequestCreate",
    "/api/v1/referrals/{id}/accept/": "tests/api/test_api_writes.py::TestReferralSteps",
    "/api/v1/referrals/{id}/decline/": "tests/api/test_api_writes.py::TestReferralSteps",
    "/api/v1/referrals/{id}/sessions/": "tests/api/test_api_writes.py::TestReferralSteps",
    "/api/v1/usage/": "tests/api/test_api_writes.py::TestUsagePost",
    "/api/v1/children/{id}/case-system-id/": "tests/api/test_api_case_system_id.py",
}
NOT_DATA = {"/api/v1/schema/": "the schema: tests/api/test_api_schema.py", "/api/v1/docs/": "test_api_schema.py"}


def page_through(caller, path: str, reached: set[str]) -> list[int]:  # type: ignore[no-untyped-def]
    ids: list[int] = []
    url: str | None = f"{PREFIX}/{path}?page_size=500"
    while url:
        response = caller.get(url)
        assert response.status_code == 200, (path, response.content[:300])
        reached.add(url.split("?")[0].replace("http://testserver", ""))
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(ids) == len(set(ids)), f"{path}: a row on two pages"
    return ids


def expected_ids(label: str, user: User) -> set[int]:
    if label == "ledger.Entry":
        from ledger.models import Entry
        return set(Entry.objects.for_user(user).values_list("id", flat=True))
    model = apps.get_model(label)
    return set(model.objects.for_user(user).values_list("id", flat=True))


def test_no_client_reaches_another_organisations_records():  # type: ignore[no-untyped-def]
    call_command("seed_demo", password="crawl-password-123", stdout=io.StringIO())
    authorities = list(Authority.objects.filter(short_code__in=["kent", "medway", "bexley"]))
    assert len(authorities) == 3
    coram = Provider.objects.get(name="Coram")
    clients = {a.short_code: issue(name=f"{a.short_code}-system", authority=a) for a in authorities}
    clients["coram"] = issue(name="coram-system", provider=coram)
    page_users = {a.short_code: User.objects.get(username=f"{a.short_code}.social_worker") for a in authorities}
    page_users["coram"] = User.objects.get(username="coram.provider_staff")

    reached: set[str] = set()
    seen: dict[str, dict[str, set[int]]] = defaultdict(dict)
    for name, issued in clients.items():
        caller = http(issued.token)
        for path, label in COLLECTIONS.items():
            allowed = (path == "referrals/") == (name == "coram")
            if not allowed:
                assert caller.get(f"{PREFIX}/{path}").status_code == 403, (name, path)
                continue
            ids = page_through(caller, path, reached)
            assert set(ids) == expected_ids(label, page_users[name]), f"{name} {path}: not what its pages show"
            seen[name][path] = set(ids)
        if name != "coram":
            ids = page_through(caller, "ledger/transactions/", reached)
            assert ids, f"{name}: no transactions"
            seen[name]["ledger/transactions/"] = set(ids)
    for path in COLLECTIONS:
        if path != "referrals/":
            assert all(seen[a][path] for a in ("kent", "medway", "bexley") if path != "people/"), path

    # Every id another client saw, asked for by each client that did not see it.
    leaks, tried = [], 0
    for name, issued in clients.items():
        caller = http(issued.token)
        for path in {p for other in seen.values() for p in other}:
            if path not in seen[name]:
                continue
            foreign = set().union(*(seen[o].get(path, set()) for o in clients if o != name)) - seen[name][path]
            for pk in sorted(foreign):
                tried += 1
                status = caller.get(f"{PREFIX}/{path}{pk}/").status_code
                if status != 404:
                    leaks.append(f"{name} GET {path}{pk}/ gave {status}")
            mine = sorted(seen[name][path])[:3]
            for pk in mine:
                url = f"{PREFIX}/{path}{pk}/"
                assert caller.get(url).status_code == 200, url
                reached.add(url)
        if name != "coram":
            foreign_children = set().union(*(seen[o].get("children/", set()) for o in clients if o != name))
            for pk in sorted(foreign_children - seen[name]["children/"]):
                tried += 1
                status = caller.get(f"{PREFIX}/children/{pk}/fund-headroom/?financial_year=2025-26").status_code
                if status != 404:
                    leaks.append(f"{name} headroom of child {pk} gave {status}")
            own = min(seen[name]["children/"])
            url = f"{PREFIX}/children/{own}/fund-headroom/"
            assert caller.get(url, {"financial_year": "2025-26"}).status_code == 200
            reached.add(url)
    print(f"\napi crawl: {len(clients)} clients, {tried} foreign requests, {len(leaks)} leaks")
    assert tried > 100
    assert not leaks, leaks[:30]

    # Writes with a foreign id: refused, nothing written.
    before = table_counts()
    kent = http(clients["kent"].token)
    medway_child = min(seen["medway"]["children/"] - seen["kent"]["children/"])
    body = {"child": medway_child, "received_date": str(timezone.localdate()), "requester": "adoptive_parent",
            "summary": "x"}
    response = kent.post(f"{PREFIX}/support-requests/", body, format="json")
    assert response.status_code == 400 and "child" in response.json()["errors"][0]["field"]
    medway_contract = apps.get_model("contracts.Contract").objects.filter(
        lead_authority__short_code="medway").exclude(parties__short_code="kent").first()
    if medway_contract is not None:
        response = kent.post(f"{PREFIX}/usage/", {"idempotency_key": "foreign-1", "rows": [
            {"contract_reference": medway_contract.reference, "authority": "medway", "usage_date": "2025-05-01",
             "measure": "sessions", "quantity": "1"}]}, format="json")
        assert response.status_code == 400, response.content
    response = kent.post(f"{PREFIX}/children/{medway_child}/case-system-id/", {"case_system_id": "X1"}, format="json")
    assert response.status_code == 404, response.content
    other_referrals = apps.get_model("commissioning.Referral").objects.exclude(sent_to=coram)
    coram_client = http(clients["coram"].token)
    for referral in other_referrals.exclude(sent_to=None)[:5]:
        for step, body in (("accept", {}), ("decline", {"reason": "No"}), ("sessions", {"session_date": "2025-05-01"})):
            status = coram_client.post(f"{PREFIX}/referrals/{referral.pk}/{step}/", body, format="json").status_code
            assert status == 404, (step, referral.pk, status)
    assert not changed(before, table_counts()), changed(before, table_counts())

    # Every GET path of the schema was reached here; every write path is named with its tests.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path, operations in schema["paths"].items():
        if path in NOT_DATA:
            continue
        pattern = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$")
        if "get" in operations and not any(pattern.match(url) for url in reached):
            missing.append(f"GET {path}")
        for method in set(operations) & {"post", "put", "patch", "delete"}:
            if path not in WRITES:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"schema paths no test exercises: {missing}"

