"""ledger.services: post, reverse, account_for, chart_ensure; ledger.selectors.balance."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from core.money import gbp
from ledger.models import CHART, Account, AccountCode, AccountKind, Entry, Transaction
from ledger.selectors import balance
from ledger.services import (
    AlreadyReversed,
    IdempotencyConflict,
    InvalidLine,
    LedgerError,
    Unbalanced,
    account_for,
    chart_ensure,
    post,
    reverse,
)
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db

DAY = date(2026, 4, 1)


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent", name="Kent")


@pytest.fixture
def medway():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="medway", name="Medway")


def accounts(authority, *codes):  # type: ignore[no-untyped-def]
    return [account_for(authority=authority, code=code) for code in codes]


def nothing_written() -> bool:
    return not Transaction.objects.exists() and not Entry.objects.exists()


class TestPost:
    def test_writes_one_transaction_with_its_signed_entries(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        user = UserFactory(authority=kent, role=Role.FINANCE_OFFICER)
        tx = post(lines=[(bank, gbp("100.50")), (income, gbp("-100.50"))], memo="Receipt",
                  idempotency_key="k1", transaction_date=DAY, by=user)
        assert tx.created_by == user
        assert sorted(e.amount for e in tx.entries.all()) == [gbp("-100.50"), gbp("100.50")]
        assert balance(account=bank) == gbp("100.50")
        assert balance(account=income) == gbp("-100.50")

    def test_writes_the_entries_in_the_order_of_the_lines_with_what_it_returns_saved(self, kent):  # type: ignore[no-untyped-def]
        bank, income, creditors = accounts(kent, "bank", "asf_income", "provider_creditors")
        tx = post(lines=[(income, gbp("-7.00")), (bank, gbp("10.00")), (creditors, gbp("-3.00"))], memo="Three",
                  idempotency_key="three", transaction_date=DAY)
        assert [(e.account_id, e.amount) for e in Entry.objects.filter(transaction=tx).order_by("id")] == [
            (income.pk, gbp("-7.00")), (bank.pk, gbp("10.00")), (creditors.pk, gbp("-3.00"))]
        stored = Transaction.objects.get(pk=tx.pk)
        assert (stored.memo, stored.transaction_date, stored.created_at) == ("Three", DAY, tx.created_at)
        assert not tx._state.adding

    def test_a_missing_account_on_any_line_writes_nothing(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        ghost = Account(pk=999999, authority=kent, code="asf_income", name="Ghost", kind=AccountKind.INCOME)
        with pytest.raises(InvalidLine, match="does not exist"):
            post(lines=[(bank, gbp("2")), (ghost, gbp("-1")), (income, gbp("-1"))], memo="x",
                 idempotency_key="ghost-middle", transaction_date=DAY)
        assert nothing_written()
        # The key is free again: nothing of the refused posting was kept.
        assert post(lines=[(bank, gbp("2")), (income, gbp("-2"))], memo="x", idempotency_key="ghost-middle",
                    transaction_date=DAY).entries.count() == 2

    def test_the_posting_is_one_statement_that_djangos_query_log_sees(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        with CaptureQueriesContext(connection) as queries:  # logged with its values, so not prepared
            post(lines=[(bank, gbp("4")), (income, gbp("-4"))], memo="x", idempotency_key="seen",
                 transaction_date=DAY)
        written = [q["sql"] for q in queries if "ledger_entry" in q["sql"]]
        assert len(written) == 1 and written[0].startswith("WITH") and "'seen'" in written[0]

    def test_execute_wrappers_see_the_prepared_statement(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        seen: list[str] = []

        def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return execute(sql, params, many, context)

        assert not connection.queries_logged
        with connection.execute_wrapper(wrapper):
            post(lines=[(bank, gbp("4")), (income, gbp("-4"))], memo="x", idempotency_key="wrapped",
                 transaction_date=DAY)
        assert [sql for sql in seen if sql.startswith("WITH")] and Entry.objects.count() == 2

    def test_writes_the_same_with_prepared_postings_turned_off(self, kent, settings):  # type: ignore[no-untyped-def]
        settings.LEDGER_PREPARED_POSTINGS = False
        bank, income = accounts(kent, "bank", "asf_income")
        tx = post(lines=[(bank, gbp("4")), (income, gbp("-4"))], memo="x", idempotency_key="plain",
                  transaction_date=DAY)
        assert sorted(e.amount for e in tx.entries.all()) == [gbp("-4"), gbp("4")]
        assert post(lines=[(bank, gbp("4")), (income, gbp("-4"))], memo="x", idempotency_key="plain",
                    transaction_date=DAY).pk == tx.pk

    def test_records_the_source(self, kent):  # type: ignore[no-untyped-def]
        source = UserFactory(authority=kent)
        tx = posted(kent, ("bank", "5"), ("asf_income", "-5"), source=source)
        assert tx.source_label == f"organisations.user:{source.pk}"

    @pytest.mark.parametrize(
        ("amounts", "error"),
        [
            (["10", "-9.99"], Unbalanced),
            (["10"], InvalidLine),
            (["10", "0", "-10"], InvalidLine),
            (["10.001", "-10.001"], InvalidLine),
        ],
    )
    def test_refuses_bad_lines_and_writes_nothing(self, kent, amounts, error):  # type: ignore[no-untyped-def]
        bank = account_for(authority=kent, code="bank")
        income = account_for(authority=kent, code="asf_income")
        lines = [(bank if i % 2 == 0 else income, Money(Decimal(a), "GBP")) for i, a in enumerate(amounts)]
        with pytest.raises(error):
            post(lines=lines, memo="Bad", idempotency_key="bad", transaction_date=DAY)
        assert nothing_written()

    def test_refuses_another_currency(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        with pytest.raises(InvalidLine, match="GBP"):
            post(lines=[(bank, Money("10", "EUR")), (income, Money("-10", "EUR"))], memo="Euros",
                 idempotency_key="eur", transaction_date=DAY)
        assert nothing_written()

    def test_refuses_a_plain_number_for_an_amount(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        with pytest.raises(InvalidLine, match="Money"):
            post(lines=[(bank, Decimal("10")), (income, Decimal("-10"))], memo="x",  # type: ignore[list-item]
                 idempotency_key="num", transaction_date=DAY)
        assert nothing_written()

    def test_refuses_an_unsaved_or_deleted_account(self, kent):  # type: ignore[no-untyped-def]
        bank = account_for(authority=kent, code="bank")
        ghost = Account(authority=kent, code="asf_income", name="Ghost", kind=AccountKind.INCOME)
        with pytest.raises(InvalidLine, match="saved"):
            post(lines=[(bank, gbp("1")), (ghost, gbp("-1"))], memo="x", idempotency_key="g", transaction_date=DAY)
        ghost.pk = 999999
        with pytest.raises(InvalidLine, match="does not exist"):
            post(lines=[(bank, gbp("1")), (ghost, gbp("-1"))], memo="x", idempotency_key="g", transaction_date=DAY)
        assert nothing_written()

    def test_refuses_lines_that_balance_overall_but_not_per_authority(self, kent, medway):  # type: ignore[no-untyped-def]
        (kent_bank,) = accounts(kent, "bank")
        (medway_income,) = accounts(medway, "asf_income")
        with pytest.raises(Unbalanced, match="authority"):
            post(lines=[(kent_bank, gbp("10")), (medway_income, gbp("-10"))], memo="x", idempotency_key="x",
                 transaction_date=DAY)
        assert nothing_written()

    @pytest.mark.parametrize("field", ["memo", "idempotency_key"])
    def test_refuses_a_blank_memo_or_key(self, kent, field):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        kwargs = {"memo": "m", "idempotency_key": "k", field: "  "}
        with pytest.raises(LedgerError):
            post(lines=[(bank, gbp("1")), (income, gbp("-1"))], transaction_date=DAY, **kwargs)
        assert nothing_written()


class TestIdempotency:
    def test_the_same_key_again_returns_the_first_transaction_and_writes_nothing(self, kent):  # type: ignore[no-untyped-def]
        first = posted(kent, ("bank", "10"), ("asf_income", "-10"), key="same")
        again = posted(kent, ("asf_income", "-10"), ("bank", "10"), key="same", memo="a retry")
        assert again.pk == first.pk
        assert Transaction.objects.count() == 1
        assert Entry.objects.count() == 2

    def test_the_same_key_with_other_lines_is_a_conflict(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "10"), ("asf_income", "-10"), key="same")
        with pytest.raises(IdempotencyConflict):
            posted(kent, ("bank", "11"), ("asf_income", "-11"), key="same")
        assert Entry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
class TestConcurrentPosts:
    def test_two_concurrent_posts_with_one_key_write_once(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory(short_code="kent")
        bank, income = accounts(kent, "bank", "asf_income")
        barrier = threading.Barrier(6)
        results, errors = [], []

        def worker() -> None:
            try:
                barrier.wait()
                results.append(post(lines=[(bank, gbp("7")), (income, gbp("-7"))], memo="race",
                                    idempotency_key="race", transaction_date=DAY).pk)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(set(results)) == 1 and len(results) == 6
        assert Transaction.objects.count() == 1
        assert balance(account=bank) == gbp("7")


@pytest.mark.django_db(transaction=True)
class TestPostOutsideATransaction:
    """Outside any transaction (autocommit) a posting on PostgreSQL is one statement, a database transaction of
    its own: all of it or nothing, its key kept or freed with it, the zero-sum trigger run at its end."""

    def test_is_not_in_a_transaction_here(self):  # type: ignore[no-untyped-def]
        assert connection.get_autocommit() and not connection.in_atomic_block

    def test_writes_the_transaction_and_its_entries_in_line_order(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory(short_code="kent")
        bank, income, creditors = accounts(kent, "bank", "asf_income", "provider_creditors")
        tx = post(lines=[(income, gbp("-7.00")), (bank, gbp("10.00")), (creditors, gbp("-3.00"))], memo="Three",
                  idempotency_key="auto-three", transaction_date=DAY)
        assert [(e.account_id, e.amount) for e in Entry.objects.filter(transaction=tx).order_by("id")] == [
            (income.pk, gbp("-7.00")), (bank.pk, gbp("10.00")), (creditors.pk, gbp("-3.00"))]
        assert Transaction.objects.get(pk=tx.pk).idempotency_key == "auto-three"

    def test_a_missing_account_writes_nothing_and_frees_the_key(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory(short_code="kent")
        bank, income = accounts(kent, "bank", "asf_income")
        ghost = Account(pk=999999, authority=kent, code="asf_income", name="Ghost", kind=AccountKind.INCOME)
        with pytest.raises(InvalidLine, match="does not exist"):
            post(lines=[(bank, gbp("2")), (ghost, gbp("-1")), (income, gbp("-1"))], memo="x",
                 idempotency_key="auto-ghost", transaction_date=DAY)
        assert nothing_written()
        assert post(lines=[(bank, gbp("2")), (income, gbp("-2"))], memo="x", idempotency_key="auto-ghost",
                    transaction_date=DAY).entries.count() == 2

    def test_a_retry_returns_the_first_and_other_lines_conflict(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory(short_code="kent")
        first = posted(kent, ("bank", "10"), ("asf_income", "-10"), key="auto-same")
        assert posted(kent, ("asf_income", "-10"), ("bank", "10"), key="auto-same").pk == first.pk
        with pytest.raises(IdempotencyConflict):
            posted(kent, ("bank", "11"), ("asf_income", "-11"), key="auto-same")
        assert (Transaction.objects.count(), Entry.objects.count()) == (1, 2)


class TestPostInsideACallersTransaction:
    def test_a_refused_posting_leaves_the_callers_transaction_usable(self, kent):  # type: ignore[no-untyped-def]
        bank, income = accounts(kent, "bank", "asf_income")
        ghost = Account(pk=999999, authority=kent, code="asf_income", name="Ghost", kind=AccountKind.INCOME)
        with transaction.atomic():
            with pytest.raises(InvalidLine):
                post(lines=[(bank, gbp("1")), (ghost, gbp("-1"))], memo="x", idempotency_key="in-tx",
                     transaction_date=DAY)
            tx = post(lines=[(bank, gbp("1")), (income, gbp("-1"))], memo="x", idempotency_key="in-tx",
                      transaction_date=DAY)
        assert list(Transaction.objects.values_list("pk", flat=True)) == [tx.pk]
        assert Entry.objects.count() == 2


class TestReverse:
    def test_posts_the_mirror_image_linked_to_the_original(self, kent):  # type: ignore[no-untyped-def]
        original = posted(kent, ("support_expenditure", "250"), ("provider_creditors", "-250"))
        reversal = reverse(original=original, memo="Invoice cancelled", idempotency_key="rev", transaction_date=DAY)
        assert reversal.reverses == original
        for code in ("support_expenditure", "provider_creditors"):
            assert balance(account=account_for(authority=kent, code=code)) == gbp("0")

    def test_reversing_again_with_the_same_key_returns_the_reversal(self, kent):  # type: ignore[no-untyped-def]
        original = posted(kent, ("bank", "1"), ("asf_income", "-1"))
        first = reverse(original=original, memo="r", idempotency_key="rev", transaction_date=DAY)
        assert reverse(original=original, memo="r", idempotency_key="rev", transaction_date=DAY) == first
        assert Transaction.objects.count() == 2

    def test_refuses_a_second_reversal(self, kent):  # type: ignore[no-untyped-def]
        original = posted(kent, ("bank", "1"), ("asf_income", "-1"))
        reverse(original=original, memo="r", idempotency_key="rev", transaction_date=DAY)
        with pytest.raises(AlreadyReversed):
            reverse(original=original, memo="r", idempotency_key="rev2", transaction_date=DAY)
        assert Transaction.objects.count() == 2

    def test_carries_the_source_over(self, kent):  # type: ignore[no-untyped-def]
        source = UserFactory(authority=kent)
        original = posted(kent, ("bank", "1"), ("asf_income", "-1"), source=source)
        reversal = reverse(original=original, memo="r", idempotency_key="rev", transaction_date=DAY)
        assert reversal.source_label == original.source_label


class TestChart:
    def test_chart_ensure_makes_the_nine_accounts_once(self, kent):  # type: ignore[no-untyped-def]
        first = chart_ensure(authority=kent)
        second = chart_ensure(authority=kent)
        assert [a.pk for a in first] == [a.pk for a in second]
        assert {a.code for a in first} == set(AccountCode.values)
        assert all(a.kind == CHART[a.code] for a in first)
        assert Account.objects.filter(authority=kent).count() == 9

    def test_account_for_makes_a_sub_account_per_counterparty(self, kent, medway):  # type: ignore[no-untyped-def]
        plain = account_for(authority=kent, code="recharge_receivable")
        from_medway = account_for(authority=kent, code="recharge_receivable", counterparty=medway)
        assert plain != from_medway
        assert from_medway == account_for(authority=kent, code="recharge_receivable", counterparty=medway)
        assert "Medway" in from_medway.name

    def test_refuses_an_unknown_code_or_itself_as_counterparty(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(LedgerError):
            account_for(authority=kent, code="petty_cash")
        with pytest.raises(LedgerError):
            account_for(authority=kent, code="recharge_receivable", counterparty=kent)


class TestBalance:
    def test_up_to_includes_that_day_and_nothing_later(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, ("bank", "10"), ("asf_income", "-10"), on=date(2026, 4, 1))
        posted(kent, ("bank", "5"), ("asf_income", "-5"), on=date(2026, 4, 2))
        bank = account_for(authority=kent, code="bank")
        assert balance(account=bank, up_to=date(2026, 3, 31)) == gbp("0")
        assert balance(account=bank, up_to=date(2026, 4, 1)) == gbp("10")
        assert balance(account=bank) == gbp("15")
