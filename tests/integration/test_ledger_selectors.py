"""ledger.selectors: balances, trial balance per authority and period, entries behind a record, the check."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.money import gbp
from ledger.models import Account
from ledger.selectors import (
    accounts_with_balances,
    balances,
    entries_for_source,
    trial_balance,
    unbalanced_transactions,
)
from ledger.services import account_for, chart_ensure
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():  # type: ignore[no-untyped-def]
    kent, medway = AuthorityFactory(name="Kent"), AuthorityFactory(name="Medway")
    posted(kent, ("bank", "100"), ("asf_income", "-100"), on=date(2026, 3, 31))
    posted(kent, ("bank", "40"), ("asf_income", "-40"), on=date(2026, 4, 1))
    posted(kent, ("support_expenditure", "15"), ("bank", "-15"), on=date(2027, 3, 31))
    posted(kent, ("bank", "7"), ("asf_income", "-7"), on=date(2027, 4, 1))
    posted(medway, ("bank", "999"), ("asf_income", "-999"), on=date(2026, 6, 1))
    return kent, medway


class TestTrialBalance:
    def test_splits_opening_movement_and_closing_with_an_exclusive_end(self, two):  # type: ignore[no-untyped-def]
        kent, _ = two
        rows = {r["code"]: r for r in trial_balance(authority=kent, start=date(2026, 4, 1), end=date(2027, 4, 1))}
        bank = rows["bank"]
        assert (bank["opening"], bank["debits"], bank["credits"], bank["closing"]) == (
            gbp("100"), gbp("40"), gbp("15"), gbp("125"))
        assert rows["asf_income"]["closing_credit"] == gbp("140")
        assert rows["support_expenditure"]["closing_debit"] == gbp("15")

    def test_has_every_account_of_the_authority_and_none_of_another(self, two):  # type: ignore[no-untyped-def]
        kent, _medway = two
        chart_ensure(authority=kent)
        rows = trial_balance(authority=kent, start=date(2026, 4, 1), end=date(2027, 4, 1))
        assert {r["account"].authority_id for r in rows} == {kent.pk}
        assert len(rows) == 9
        assert all(r["closing"].amount != 999 for r in rows)

    def test_closing_debits_equal_closing_credits(self, two):  # type: ignore[no-untyped-def]
        for authority in two:
            rows = trial_balance(authority=authority, start=date(2020, 1, 1), end=date(2030, 1, 1))
            assert sum(r["closing_debit"].amount for r in rows) == sum(r["closing_credit"].amount for r in rows)


class TestBalances:
    def test_many_accounts_in_one_query(self, two):  # type: ignore[no-untyped-def]
        kent, _ = two
        accounts = chart_ensure(authority=kent)
        with CaptureQueriesContext(connection) as queries:
            got = balances(accounts=accounts)
        assert len(queries) == 1
        assert got[account_for(authority=kent, code="bank").pk] == gbp("132")
        assert got[account_for(authority=kent, code="recharge_receivable").pk] == gbp("0")

    def test_up_to_a_day(self, two):  # type: ignore[no-untyped-def]
        kent, _ = two
        bank = account_for(authority=kent, code="bank")
        assert balances(accounts=[bank], up_to=date(2026, 4, 1))[bank.pk] == gbp("140")

    def test_accounts_with_balances_only_in_the_users_scope(self, two):  # type: ignore[no-untyped-def]
        _kent, medway = two
        user = UserFactory(authority=medway, role=Role.FINANCE_OFFICER)
        rows = accounts_with_balances(user=user)
        assert {r["account"].authority_id for r in rows} == {medway.pk}
        assert Account.objects.for_user(user).count() == len(rows)


class TestEntriesForSource:
    def test_only_the_entries_of_that_record(self, two):  # type: ignore[no-untyped-def]
        kent, _ = two
        mine, other = UserFactory(authority=kent), UserFactory(authority=kent)
        posted(kent, ("bank", "5"), ("asf_income", "-5"), source=mine)
        posted(kent, ("bank", "6"), ("asf_income", "-6"), source=other)
        assert sorted(e.amount for e in entries_for_source(source=mine)) == [gbp("-5"), gbp("5")]


class TestUnbalancedTransactions:
    def test_none_in_a_sound_ledger(self, two):  # type: ignore[no-untyped-def]
        assert unbalanced_transactions() == []
