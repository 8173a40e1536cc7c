"""Usage records become append-only, and an apportionment run keeps a watermark instead of a copy of its inputs.

PostgreSQL refuses UPDATE and DELETE on usage records (a BEFORE row trigger), so the records a run counted (its
basis contracts, measure, parties and usage period, up to `usage_watermark`, the highest record id when it was
calculated) never change: the run's sheet reads them in place. SQLite, the demo database, skips the trigger, as
the ledger's migration does. TRUNCATE (the test suite's flush) is not a row-level event and is not refused.
"""

from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION contracts_usage_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'usage records are append-only: % on % refused (record a new fact instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER contracts_usagerecord_append_only
    BEFORE UPDATE OR DELETE ON contracts_usagerecord
    FOR EACH ROW EXECUTE FUNCTION contracts_usage_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS contracts_usagerecord_append_only ON contracts_usagerecord;
DROP FUNCTION IF EXISTS contracts_usage_refuse_change();
"""

HELP = ("The highest usage record id when calculated: the run counts the records up to it (usage records are "
        "append-only, so these never change)")


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0002_usage_apportionment_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='apportionmentrun',
            name='usage_watermark',
            field=models.BigIntegerField(blank=True, help_text=HELP, null=True),
        ),
        migrations.AddField(
            model_name='historicalapportionmentrun',
            name='usage_watermark',
            field=models.BigIntegerField(blank=True, help_text=HELP, null=True),
        ),
        # The weights' GROUP BY now stops at the watermark: id joins the covering index, so it stays index-only.
        migrations.RemoveIndex(model_name='usagerecord', name='usage_contract_measure_auth_dt'),
        migrations.AddIndex(
            model_name='usagerecord',
            index=models.Index(fields=['contract', 'measure', 'authority', 'usage_date', 'quantity', 'id'],
                               name='usage_contract_meas_auth_dt_id'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
