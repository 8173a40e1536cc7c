"""Writes through the API, each through the page's own service, and the bad-input corpus of every write endpoint:
wrong types, missing fields, unknown ids, a wrong state (409), an oversize body, malformed JSON, a repeated key with
another body. Each is a clear 4xx in problem+json, and writes no row (table_counts, history included)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from commissioning.models import ReferralStatus
from contracts.models import UsageRecord
from support.models.requests import SupportRequest
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories import ProviderFactory
from tests.factories_commissioning import SentReferralFactory, live_contract
from tests.factories_support import ChildFactory

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db


def refused(caller, url, body, status, *, raw=False):  # type: ignore[no-untyped-def]
    """POST `body`; the answer is `status` in problem+json and no table changed."""
    before = table_counts()
    if raw:
        response = caller.generic("POST", url, body, content_type="application/json")
    else:
        response = caller.post(url, body, format="json")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    assert not changed(before, table_counts()), changed(before, table_counts())
    return problem


def common_bad_inputs(caller, url):  # type: ignore[no-untyped-def]
    refused(caller, url, "{not json", 400, raw=True)
    refused(caller, url, "[1, 2]", 400, raw=True)
    with override_settings(API_MAX_BODY_BYTES=1000):
        refused(caller, url, '{"summary": "' + "x" * 2000 + '"}', 413, raw=True)


class TestSupportRequestCreate:
    url = f"{PREFIX}/support-requests/"

    def body(self, subject, **changes):  # type: ignore[no-untyped-def]
        return {"child": subject.pk, "received_date": str(timezone.localdate() - timedelta(days=1)),
                "requester": "adoptive_parent", "summary": "Help with school", **changes}

    def test_records_a_request_through_the_pages_service(self, kent):
        child = ChildFactory(household__responsible_authority=kent)
        issued = issue(name="kent-cases", authority=kent)
        response = http(issued.token).post(self.url, self.body(child), format="json")
        assert response.status_code == 201, response.content
        created = SupportRequest.objects.get(pk=response.json()["id"])
        assert created.responsible_authority == kent and created.created_by == issued.client.user
        assert created.allocated_worker is None  # the machine user is no social worker
        assert created.status_changes.get().by == issued.client.user
        assert response.json()["reference"] == created.reference

    def test_bad_inputs_write_nothing(self, kent, medway):
        child = ChildFactory(household__responsible_authority=kent)
        foreign = ChildFactory(household__responsible_authority=medway)
        caller = http(issue(name="kent-cases", authority=kent).token)
        common_bad_inputs(caller, self.url)
        problem = refused(caller, self.url, {}, 400)
        assert {e["field"] for e in problem["errors"]} >= {"received_date", "requester", "summary"}
        refused(caller, self.url, self.body(child, received_date="yesterday"), 400)
        refused(caller, self.url, self.body(child, child="one"), 400)
        refused(caller, self.url, self.body(child, urgent="perhaps"), 400)
        refused(caller, self.url, self.body(child, requester="the cat"), 400)
        refused(caller, self.url, self.body(child, child=999999), 400)
        refused(caller, self.url, self.body(child, person=1), 400)
        problem = refused(caller, self.url, self.body(foreign), 400)
        assert problem["errors"][0]["field"] == "child"
        future = str(timezone.localdate() + timedelta(days=3))
        problem = refused(caller, self.url, self.body(child, received_date=future), 400)
        assert problem["errors"][0]["field"] == "received_date"


class TestReferralSteps:
    def world(self, kent):  # type: ignore[no-untyped-def]
        provider = ProviderFactory(name="Coram")
        contract = live_contract(provider=provider, lead=kent)
        referral = SentReferralFactory(contract=contract, sent_date=timezone.localdate() - timedelta(days=5))
        contract.parties.add(referral.authority)
        issued = issue(name="coram-system", provider=provider)
        return referral, http(issued.token)

    def test_accept_then_record_a_session(self, kent):
        referral, caller = self.world(kent)
        response = caller.post(f"{PREFIX}/referrals/{referral.pk}/accept/", format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == ReferralStatus.ACCEPTED
        today = str(timezone.localdate())
        response = caller.post(f"{PREFIX}/referrals/{referral.pk}/sessions/",
                               {"session_date": today, "duration_minutes": 60}, format="json")
        assert response.status_code == 201, response.content
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.ACTIVE and referral.sessions.count() == 1

    def test_decline_needs_a_reason_and_then_declines(self, kent):
        referral, caller = self.world(kent)
        url = f"{PREFIX}/referrals/{referral.pk}/decline/"
        refused(caller, url, {}, 400)
        refused(caller, url, {"reason": ""}, 400)
        refused(caller, url, {"reason": 42 * "x" * 20}, 400)
        common_bad_inputs(caller, url)
        assert caller.post(url, {"reason": "No capacity"}, format="json").status_code == 200
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.DECLINED

    def test_a_step_the_state_does_not_allow_is_a_409(self, kent):
        referral, caller = self.world(kent)
        today = str(timezone.localdate())
        refused(caller, f"{PREFIX}/referrals/{referral.pk}/sessions/", {"session_date": today}, 409)
        assert caller.post(f"{PREFIX}/referrals/{referral.pk}/accept/", format="json").status_code == 200
        refused(caller, f"{PREFIX}/referrals/{referral.pk}/accept/", {}, 409)
        refused(caller, f"{PREFIX}/referrals/{referral.pk}/decline/", {"reason": "Too late"}, 409)

    def test_bad_sessions_write_nothing(self, kent):
        referral, caller = self.world(kent)
        caller.post(f"{PREFIX}/referrals/{referral.pk}/accept/", format="json")
        url = f"{PREFIX}/referrals/{referral.pk}/sessions/"
        common_bad_inputs(caller, url)
        refused(caller, url, {}, 400)
        refused(caller, url, {"session_date": "01/05/2025"}, 400)
        refused(caller, url, {"session_date": str(timezone.localdate()), "duration_minutes": "long"}, 400)
        refused(caller, url, {"session_date": str(timezone.localdate()), "duration_minutes": 0}, 400)
        refused(caller, url, {"session_date": str(timezone.localdate() + timedelta(days=2))}, 400)
        refused(caller, f"{PREFIX}/referrals/999999/sessions/", {"session_date": str(timezone.localdate())}, 404)


class TestUsagePost:
    url = f"{PREFIX}/usage/"

    def world(self, kent):  # type: ignore[no-untyped-def]
        contract = live_contract(lead=kent, reference="KENT-USE-1")
        return contract, http(issue(name="kent-finance", authority=kent).token)

    def row(self, **changes):  # type: ignore[no-untyped-def]
        return {"contract_reference": "KENT-USE-1", "authority": "kent", "usage_date": "2025-06-01",
                "measure": "sessions", "quantity": "2", **changes}

    def test_records_every_row_and_a_retry_records_nothing_more(self, kent):
        _contract, caller = self.world(kent)
        body = {"idempotency_key": "kent-2025-06", "rows": [self.row(), self.row(usage_date="2025-06-02")]}
        first = caller.post(self.url, body, format="json")
        assert first.status_code == 201, first.content
        assert first.json()["new_rows"] == 2 and UsageRecord.objects.count() == 2
        again = caller.post(self.url, body, format="json")
        assert again.status_code == 200 and again.json()["new_rows"] == 0
        assert UsageRecord.objects.count() == 2

    def test_the_same_key_with_other_rows_is_a_409(self, kent):
        _contract, caller = self.world(kent)
        assert caller.post(self.url, {"idempotency_key": "k1", "rows": [self.row()]}, format="json").status_code == 201
        problem = refused(caller, self.url, {"idempotency_key": "k1", "rows": [self.row(quantity="3")]}, 409)
        assert "k1" in problem["detail"]

    def test_one_bad_row_refuses_the_batch_naming_the_row(self, kent):
        _contract, caller = self.world(kent)
        problem = refused(caller, self.url, {"idempotency_key": "k2", "rows": [
            self.row(), self.row(usage_date="2031-01-01"), self.row(contract_reference="NOPE")]}, 400)
        fields = {e["field"] for e in problem["errors"]}
        assert fields == {"rows.1.usage_date", "rows.2.contract_reference"}

    def test_bad_shapes_write_nothing(self, kent):
        _contract, caller = self.world(kent)
        common_bad_inputs(caller, self.url)
        refused(caller, self.url, {}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": []}, 400)
        refused(caller, self.url, {"idempotency_key": "has spaces", "rows": [self.row()]}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": "all of them"}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row(quantity=1.5)]}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row(quantity="-1")]}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row(measure="cups of tea")]}, 400)
        refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row(usage_date="June")]}, 400)
        problem = refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row(authority="nowhere")]}, 400)
        assert problem["errors"][0]["field"] == "rows.0.authority"
        with override_settings(API_MAX_USAGE_ROWS=2):
            refused(caller, self.url, {"idempotency_key": "k3", "rows": [self.row()] * 3}, 400)

    def test_needs_the_usage_write_scope(self, kent):
        live_contract(lead=kent, reference="KENT-USE-1")
        caller = http(issue(name="kent-reader", authority=kent, scopes=["contracts:read"]).token)
        refused(caller, self.url, {"idempotency_key": "k4", "rows": [self.row()]}, 403)
