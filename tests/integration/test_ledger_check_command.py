"""`manage.py check_ledger` names a transaction that does not balance, and exits non-zero."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import AuthorityFactory
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db


def check() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def break_behind_the_triggers(sql: str, params: list) -> None:
    """Corrupt a row as a careless DBA could: with triggers off for this session, then back on."""
    with connection.cursor() as cursor:
        # Run the deferred checks queued by the sound postings now, as their commit would have.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


class TestCheckLedger:
    def test_passes_a_sound_ledger(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory()
        posted(kent, ("bank", "10"), ("asf_income", "-10"))
        out, err = check()
        assert "balances" in out and err == ""

    def test_names_a_transaction_whose_entry_was_changed(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory()
        sound = posted(kent, ("bank", "10"), ("asf_income", "-10"), key="sound")
        broken = posted(kent, ("bank", "20"), ("asf_income", "-20"), key="broken")
        break_behind_the_triggers("UPDATE ledger_entry SET amount = 19.99 WHERE transaction_id = %s AND amount > 0",
                                  [broken.pk])
        err = StringIO()
        with pytest.raises(CommandError) as raised:
            call_command("check_ledger", stdout=StringIO(), stderr=err)
        assert raised.value.returncode == 1
        assert f"Transaction {broken.pk} (key 'broken')" in err.getvalue()
        assert "-0.01" in err.getvalue()
        assert f"Transaction {sound.pk} " not in err.getvalue()

    def test_names_a_transaction_that_lost_an_entry(self):  # type: ignore[no-untyped-def]
        kent = AuthorityFactory()
        broken = posted(kent, ("bank", "20"), ("asf_income", "-20"), key="lost")
        break_behind_the_triggers("DELETE FROM ledger_entry WHERE transaction_id = %s AND amount < 0", [broken.pk])
        err = StringIO()
        with pytest.raises(CommandError):
            call_command("check_ledger", stdout=StringIO(), stderr=err)
        assert f"Transaction {broken.pk} (key 'lost')" in err.getvalue()
        assert "at least two" in err.getvalue()

    def test_names_a_transaction_balanced_only_across_authorities(self):  # type: ignore[no-untyped-def]
        kent, medway = AuthorityFactory(), AuthorityFactory()
        broken = posted(kent, ("bank", "20"), ("asf_income", "-20"), key="crossed")
        medway_tx = posted(medway, ("bank", "20"), ("asf_income", "-20"))
        medway_income = medway_tx.entries.get(amount=-20).account_id
        break_behind_the_triggers(
            "UPDATE ledger_entry SET account_id = %s WHERE transaction_id = %s AND amount < 0",
            [medway_income, broken.pk],
        )
        err = StringIO()
        with pytest.raises(CommandError):
            call_command("check_ledger", stdout=StringIO(), stderr=err)
        assert f"Transaction {broken.pk} (key 'crossed')" in err.getvalue()
        assert "for authority" in err.getvalue()
