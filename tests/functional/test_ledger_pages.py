"""Ledger pages: role and scope on every URL pattern, the figures they show, bad input."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger import urls as ledger_urls
from ledger.services import account_for
from ledger.services import reverse as reverse_tx
from organisations.models import Role
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_ledger import posted
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db

READERS = [Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.AUDITOR, Role.LEAD_COMMISSIONER]
NOT_READERS = [Role.SOCIAL_WORKER, Role.ADMINISTRATOR]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    medway = AuthorityFactory(short_code="medway", name="Medway")
    source = UserFactory(authority=kent, username="the-source")
    kent_tx = posted(kent, ("bank", "1234.56"), ("asf_income", "-1234.56"), key="kent-1", memo="Kent receipt",
                     source=source, on=date(2026, 5, 1))
    medway_tx = posted(medway, ("bank", "777.00"), ("asf_income", "-777.00"), key="medway-1",
                       memo="Medway receipt", on=date(2026, 5, 1))
    return {
        "kent": kent, "medway": medway, "source": source, "kent_tx": kent_tx, "medway_tx": medway_tx,
        "kent_bank": account_for(authority=kent, code="bank"),
        "medway_bank": account_for(authority=medway, code="bank"),
    }


def as_user(client, authority, role=Role.FINANCE_OFFICER):  # type: ignore[no-untyped-def]
    return signed_in(client, UserFactory(authority=authority, role=role))


def source_query(world) -> str:  # type: ignore[no-untyped-def]
    return f"?source=organisations.user:{world['source'].pk}"


def kent_urls(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One URL per pattern, each pointing at something of Kent's."""
    return {
        "accounts": reverse("ledger:accounts"),
        "account": reverse("ledger:account", args=[world["kent_bank"].pk]),
        "trial_balance": reverse("ledger:trial_balance")
        + f"?authority={world['kent'].pk}&start_day=1&start_month=4&start_year=2026"
        + "&end_day=1&end_month=4&end_year=2027",
        "entries": reverse("ledger:entries") + source_query(world),
        "transaction": reverse("ledger:transaction", args=[world["kent_tx"].pk]),
    }


class TestEveryUrlPattern:
    def test_every_pattern_has_a_cross_authority_and_role_case(self, world):  # type: ignore[no-untyped-def]
        names = {pattern.name for pattern in ledger_urls.urlpatterns}
        assert names == set(kent_urls(world)), "add the new pattern to kent_urls() and to the tests below"

    @pytest.mark.parametrize("role", NOT_READERS)
    def test_other_roles_are_refused_everywhere(self, client, world, role):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"], role)
        for name, url in kent_urls(world).items():
            assert client.get(url).status_code == 403, name

    @pytest.mark.parametrize("role", READERS)
    def test_readers_of_kent_see_every_page(self, client, world, role):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"], role)
        for name, url in kent_urls(world).items():
            response = client.get(url)
            assert response.status_code == 200, name
            assert "1,234.56" in response.content.decode(), name

    def test_a_medway_reader_sees_nothing_of_kents(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["medway"])
        urls = kent_urls(world)
        assert client.get(urls["account"]).status_code == 404
        assert client.get(urls["transaction"]).status_code == 404
        for name in ("accounts", "entries"):
            body = client.get(urls[name]).content.decode()
            assert "1,234.56" not in body and "Kent" not in body, name
        response = client.get(urls["trial_balance"])
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        assert "1,234.56" not in response.content.decode()

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, world):  # type: ignore[no-untyped-def]
        for name, url in kent_urls(world).items():
            response = client.get(url)
            assert (response.status_code == 302 and "sign-in" in response.url) or denied(response), name


class TestPartnershipReader:
    def test_sees_every_member_and_chooses_one(self, client, world):  # type: ignore[no-untyped-def]
        partnership = PartnershipFactory(members=[world["kent"], world["medway"]])
        signed_in(client, PartnershipUserFactory(partnership=partnership, role=Role.AUDITOR))
        body = client.get(reverse("ledger:accounts")).content.decode()
        assert "1,234.56" in body and "777.00" in body
        body = client.get(reverse("ledger:accounts") + f"?authority={world['medway'].pk}").content.decode()
        assert "777.00" in body and "1,234.56" not in body


class TestTrialBalancePage:
    def test_shows_the_table_the_chart_and_equal_totals(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        body = client.get(kent_urls(world)["trial_balance"]).content.decode()
        assert "<svg" in body and "govuk-table" in body
        assert body.count("£1,234.56") >= 4  # debits, credits, closing debit and credit, totals
        assert "Balances" in body

    def test_refuses_an_end_before_the_start(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        url = reverse("ledger:trial_balance") + (
            f"?authority={world['kent'].pk}&start_day=1&start_month=4&start_year=2026&end_day=1&end_month=4&end_year=2025"
        )
        body = client.get(url).content.decode()
        assert "There is a problem" in body and "must be after its start" in body

    def test_offers_this_financial_year_by_default(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        response = client.get(reverse("ledger:trial_balance"))
        assert response.status_code == 200
        assert "There is a problem" not in response.content.decode()


class TestEntriesPage:
    @pytest.mark.parametrize("bad", ["nonsense", "nosuch.model:1", "organisations.user:", "a.b:1:2"])
    def test_bad_source_gets_an_error_summary(self, client, world, bad):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        body = client.get(reverse("ledger:entries") + f"?source={bad}").content.decode()
        assert "There is a problem" in body

    def test_lists_the_reversal_with_the_original(self, client, world):  # type: ignore[no-untyped-def]
        reverse_tx(original=world["kent_tx"], memo="Receipt reversed", idempotency_key="rev",
                   transaction_date=date(2026, 5, 2))
        as_user(client, world["kent"])
        body = client.get(reverse("ledger:entries") + source_query(world)).content.decode()
        assert "Kent receipt" in body and "Receipt reversed" in body

    def test_takes_a_fixed_number_of_queries(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        url = reverse("ledger:entries") + source_query(world)
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for n in range(5):
            posted(world["kent"], ("bank", "1"), ("asf_income", "-1"), source=world["source"], key=f"more-{n}")
        with CaptureQueriesContext(connection) as many:
            client.get(url)
        assert len(many) == len(few)


class TestAccountListQueries:
    def test_takes_a_fixed_number_of_queries(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        url = reverse("ledger:accounts")
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for code in ("support_expenditure", "provider_creditors", "top_up_budget"):
            posted(world["kent"], (code, "3"), ("bank", "-3"))
        with CaptureQueriesContext(connection) as many:
            client.get(url)
        assert len(many) == len(few)


class TestHomePanel:
    def test_a_finance_officer_sees_their_balances_on_the_home_page(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"])
        body = client.get(reverse("home")).content.decode()
        assert "Ledger balances today" in body
        assert "£1,234.56" in body and "777.00" not in body

    def test_a_social_worker_does_not(self, client, world):  # type: ignore[no-untyped-def]
        as_user(client, world["kent"], Role.SOCIAL_WORKER)
        assert "Ledger balances today" not in client.get(reverse("home")).content.decode()
