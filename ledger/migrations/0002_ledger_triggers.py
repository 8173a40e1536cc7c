"""PostgreSQL guards the ledger itself (SQLite, the demo database, relies on the Python checks in services.post):

- a DEFERRABLE INITIALLY DEFERRED constraint trigger, on entries and on transactions, refuses at commit a
  transaction with fewer than two entries, or whose entries do not sum to zero (in total and for each authority);
- BEFORE UPDATE OR DELETE triggers refuse to change or remove an entry or a transaction: corrections are
  reversing transactions.

TRUNCATE (the test suite's flush) is not a row-level event and is not refused.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_assert_transaction_balanced(tx_id bigint) RETURNS void AS $$
DECLARE
    line_count integer;
    total numeric;
    bad record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_transaction WHERE id = tx_id) THEN
        RETURN;
    END IF;
    SELECT COUNT(*), COALESCE(SUM(amount), 0) INTO line_count, total FROM ledger_entry WHERE transaction_id = tx_id;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has % entries: at least two are needed', tx_id, line_count
            USING ERRCODE = 'check_violation';
    END IF;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', tx_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    FOR bad IN
        SELECT a.authority_id, SUM(e.amount) AS subtotal
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE e.transaction_id = tx_id
        GROUP BY a.authority_id
        HAVING SUM(e.amount) <> 0
    LOOP
        RAISE EXCEPTION 'ledger transaction % does not balance for authority %: its entries sum to %',
            tx_id, bad.authority_id, bad.subtotal USING ERRCODE = 'check_violation';
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_entry_check_balanced() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_assert_transaction_balanced(NEW.transaction_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_transaction_check_balanced() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_assert_transaction_balanced(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused (post a reversing transaction instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_balanced();

CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
    AFTER INSERT ON ledger_transaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_check_balanced();

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_transaction_append_only
    BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_transaction_append_only ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_transaction_check_balanced();
DROP FUNCTION IF EXISTS ledger_entry_check_balanced();
DROP FUNCTION IF EXISTS ledger_assert_transaction_balanced(bigint);
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
