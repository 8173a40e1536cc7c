"""Tokens, scopes, the audit row of each call, the machine user, the command and throttling."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiCall, ApiClient
from api.services import api_client_revoke, api_client_rotate
from api.throttling import ClientRateThrottle
from core.models import AccessLog
from organisations.forms import SignInForm
from organisations.models import Role
from tests.factories_support import ChildFactory, HouseholdFactory

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and isinstance(body["errors"], list)
    return body


class TestTokens:
    def test_refuses_a_call_without_a_token(self, kent):
        body = assert_problem(http(None).get(f"{PREFIX}/households/"), 401)
        assert "Bearer" in body["detail"]

    def test_refuses_a_wrong_token(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        wrong = issued.token[:-4] + ("aaaa" if not issued.token.endswith("aaaa") else "bbbb")
        assert_problem(http(wrong).get(f"{PREFIX}/households/"), 401)
        assert_problem(http("not-a-token").get(f"{PREFIX}/households/"), 401)

    def test_accepts_the_token_it_issued(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        assert http(issued.token).get(f"{PREFIX}/households/").status_code == 200

    def test_refuses_a_revoked_token(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        api_client_revoke(client=issued.client, by=None, now=timezone.now())
        assert_problem(http(issued.token).get(f"{PREFIX}/households/"), 401)

    def test_refuses_an_expired_token(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        ApiClient.objects.filter(pk=issued.client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert_problem(http(issued.token).get(f"{PREFIX}/households/"), 401)

    def test_refuses_a_token_whose_machine_user_is_closed(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        issued.client.user.is_active = False
        issued.client.user.save()
        assert_problem(http(issued.token).get(f"{PREFIX}/households/"), 401)

    def test_a_rotated_token_replaces_the_old_one(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        rotated = api_client_rotate(client=issued.client, by=None, now=timezone.now())
        assert_problem(http(issued.token).get(f"{PREFIX}/households/"), 401)
        assert http(rotated.token).get(f"{PREFIX}/households/").status_code == 200

    def test_stores_only_the_digest_of_the_token(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        client = ApiClient.objects.get(pk=issued.client.pk)
        assert client.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in str(client.__dict__.values())
        assert len(issued.token) >= 43  # 32 random bytes

    def test_refuses_a_missing_scope_with_403(self, kent):
        issued = issue(name="kent-finance", authority=kent, scopes=["ledger:read"])
        body = assert_problem(http(issued.token).get(f"{PREFIX}/households/"), 403)
        assert "support:read" in body["detail"]
        assert http(issued.token).get(f"{PREFIX}/ledger/entries/").status_code == 200

    def test_refuses_a_write_with_only_the_read_scope(self, kent):
        issued = issue(name="kent-cases", authority=kent, scopes=["support:read"])
        assert_problem(http(issued.token).post(f"{PREFIX}/support-requests/", {}, format="json"), 403)


class TestMachineUser:
    def test_has_the_api_client_role_and_no_way_into_the_pages(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        user = issued.client.user
        assert user.role == Role.API_CLIENT and not user.is_staff and not user.has_usable_password()
        form = SignInForm(RequestFactory().post("/sign-in/"), data={"username": user.username, "password": "anything"})
        assert not form.is_valid()

    def test_the_sign_in_form_refuses_it_even_with_a_password(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        user = issued.client.user
        user.set_password("a-long-password-123")
        user.save()
        form = SignInForm(RequestFactory().post("/sign-in/"),
                          data={"username": user.username, "password": "a-long-password-123"})
        assert not form.is_valid()
        assert "cannot sign in" in str(form.errors)

    def test_a_page_refuses_it(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        browser = Client()
        browser.force_login(issued.client.user, backend="django.contrib.auth.backends.ModelBackend")
        assert browser.get("/support/").status_code == 403


class TestAudit:
    def test_writes_one_row_per_call_with_the_records_touched(self, kent):
        household = HouseholdFactory(responsible_authority=kent)
        issued = issue(name="kent-cases", authority=kent)
        http(issued.token).get(f"{PREFIX}/households/")
        call = ApiCall.objects.get()
        assert (call.client, call.method, call.path, call.status) == (issued.client, "GET", f"{PREFIX}/households/",
                                                                      200)
        assert call.object_ids == [f"support.household:{household.pk}"]

    def test_the_row_and_the_clients_last_use_are_one_statement(self, kent):
        issued = issue(name="kent-cases", authority=kent)
        with CaptureQueriesContext(connection) as queries:
            assert http(issued.token).get(f"{PREFIX}/households/").status_code == 200
        audit = [q["sql"] for q in queries.captured_queries if "api_apicall" in q["sql"]]
        assert len(audit) == 1 and "api_apiclient" in audit[0]  # one round trip writes both
        call = ApiCall.objects.get()
        issued.client.refresh_from_db()
        assert issued.client.last_used_at == call.at and call.duration_ms >= 0

    def test_writes_a_row_for_a_refused_call_too(self, kent):
        http("wrong-token-of-some-length").get(f"{PREFIX}/households/")
        call = ApiCall.objects.get()
        assert call.client is None and call.status == 401

    def test_a_childs_record_read_through_the_api_is_in_the_access_log(self, kent):
        child = ChildFactory(household__responsible_authority=kent)
        issued = issue(name="kent-cases", authority=kent)
        assert http(issued.token).get(f"{PREFIX}/children/{child.pk}/").status_code == 200
        log = AccessLog.objects.get()
        assert log.user == issued.client.user and log.object_id == str(child.pk)
        assert log.family_key == f"support.household:{child.household_id}"


class TestCommand:
    def test_create_prints_the_token_alone_on_its_last_line(self, kent):
        out = io.StringIO()
        call_command("api_client", "create", "kent-mosaic", "--authority", "kent", "--scopes", "all",
                     "--expires", "2030-01-31", stdout=out)
        token = out.getvalue().strip().splitlines()[-1]
        assert " " not in token
        client = ApiClient.objects.get(name="kent-mosaic")
        assert client.user.authority == kent and "support:write" in client.scopes
        assert "referrals:provider" not in client.scopes
        assert http(token).get(f"{PREFIX}/households/").status_code == 200

    def test_rotate_and_revoke(self, kent):
        out = io.StringIO()
        call_command("api_client", "create", "kent-mosaic", "--authority", "kent", "--scopes",
                     "support:read,ledger:read", stdout=out)
        first = out.getvalue().strip().splitlines()[-1]
        out = io.StringIO()
        call_command("api_client", "rotate", "kent-mosaic", stdout=out)
        second = out.getvalue().strip().splitlines()[-1]
        assert http(first).get(f"{PREFIX}/households/").status_code == 401
        assert http(second).get(f"{PREFIX}/households/").status_code == 200
        call_command("api_client", "revoke", "kent-mosaic", stdout=io.StringIO())
        assert http(second).get(f"{PREFIX}/households/").status_code == 401

    def test_refuses_an_unknown_scope(self, kent):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="not a scope"):
            call_command("api_client", "create", "kent-x", "--authority", "kent", "--scopes", "support:everything",
                         stdout=io.StringIO())
        assert not ApiClient.objects.exists()

    def test_refuses_a_provider_scope_for_an_authority(self, kent):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="provider"):
            call_command("api_client", "create", "kent-x", "--authority", "kent", "--scopes", "referrals:provider",
                         stdout=io.StringIO())


class TestThrottling:
    def test_answers_429_past_the_clients_rate(self, kent, monkeypatch):
        monkeypatch.setattr(ClientRateThrottle, "rate", "3/minute", raising=False)
        issued = issue(name="kent-cases", authority=kent)
        caller = http(issued.token)
        statuses = [caller.get(f"{PREFIX}/households/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert_problem(caller.get(f"{PREFIX}/households/"), 429)

    def test_the_window_is_counted_once_per_call_and_says_when_to_retry(self, kent, monkeypatch):
        # On Redis (the tests' cache) one script call counts the call: refused calls are not counted, so the rate
        # is exactly the calls allowed in the window, and the 429 says how long until the oldest one leaves it.
        monkeypatch.setattr(ClientRateThrottle, "rate", "2/minute", raising=False)
        issued = issue(name="kent-window", authority=kent)
        caller = http(issued.token)
        statuses = [caller.get(f"{PREFIX}/households/").status_code for _ in range(4)]
        assert statuses == [200, 200, 429, 429]
        refused = caller.get(f"{PREFIX}/households/")
        assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
        other = http(issue(name="kent-other", authority=kent).token)
        assert other.get(f"{PREFIX}/households/").status_code == 200  # per client
