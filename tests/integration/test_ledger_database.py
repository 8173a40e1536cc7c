"""PostgreSQL itself refuses an unbalanced transaction (at commit) and any change to ledger rows."""

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import Entry
from tests.factories import AuthorityFactory
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent")


def run(sql, params=()):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def check_deferred_now() -> None:
    """Fire the deferred constraint triggers now, as COMMIT would."""
    run("SET CONSTRAINTS ALL IMMEDIATE")


class TestZeroSumTrigger:
    def test_refuses_an_extra_unbalanced_entry_at_commit(self, kent):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        entry = tx.entries.first()
        with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
            run("INSERT INTO ledger_entry (transaction_id, account_id, amount, amount_currency) "
                "VALUES (%s, %s, 1.00, 'GBP')", [tx.pk, entry.account_id])
            check_deferred_now()

    def test_refuses_a_transaction_without_entries(self, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError, match="at least two"), transaction.atomic():
            run("INSERT INTO ledger_transaction (transaction_date, memo, idempotency_key, source_id, created_at) "
                "VALUES ('2026-04-01', 'empty', 'empty', '', now())")
            check_deferred_now()

    def test_refuses_entries_that_balance_only_across_authorities(self, kent):  # type: ignore[no-untyped-def]
        medway = AuthorityFactory(short_code="medway")
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        medway_tx = posted(medway, ("bank", "10"), ("asf_income", "-10"))
        kent_bank = tx.entries.get(amount=10).account_id
        medway_bank = medway_tx.entries.get(amount=10).account_id
        with pytest.raises(IntegrityError, match="for authority"), transaction.atomic():
            run("INSERT INTO ledger_entry (transaction_id, account_id, amount, amount_currency) "
                "VALUES (%s, %s, 3.00, 'GBP'), (%s, %s, -3.00, 'GBP')", [tx.pk, kent_bank, tx.pk, medway_bank])
            check_deferred_now()

    def test_accepts_a_balanced_transaction_written_in_sql(self, kent):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        bank = tx.entries.get(amount=10).account_id
        with transaction.atomic():
            run("INSERT INTO ledger_entry (transaction_id, account_id, amount, amount_currency) "
                "VALUES (%s, %s, 2.00, 'GBP'), (%s, %s, -2.00, 'GBP')", [tx.pk, bank, tx.pk, bank])
            check_deferred_now()
        assert tx.entries.count() == 4


class TestAppendOnly:
    def test_refuses_an_update_of_an_entry(self, kent):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            run("UPDATE ledger_entry SET amount = amount * 2 WHERE transaction_id = %s", [tx.pk])

    def test_refuses_a_delete_of_an_entry(self, kent):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            run("DELETE FROM ledger_entry WHERE transaction_id = %s", [tx.pk])
        assert Entry.objects.filter(transaction=tx).count() == 2

    def test_refuses_an_orm_update_or_delete_too(self, kent):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.filter(transaction=tx).update(amount=0)
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.filter(transaction=tx).delete()

    @pytest.mark.parametrize("sql", ["UPDATE ledger_transaction SET memo = 'changed' WHERE id = %s",
                                     "DELETE FROM ledger_transaction WHERE id = %s"])
    def test_refuses_changing_a_transaction(self, kent, sql):  # type: ignore[no-untyped-def]
        tx = posted(kent, ("bank", "10"), ("asf_income", "-10"))
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            run(sql, [tx.pk])
