import pytest
from django.db import connection


def _replay_data_migrations() -> None:
    """With --nomigrations the tables come straight from the models; replay the migrations' data and SQL
    operations (seeded catalogues, fund rule sets, the ledger's PostgreSQL triggers) against the final schema."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython, RunSQL
    from django.test.utils import override_settings

    with override_settings(MIGRATION_MODULES={}):  # pytest-django disables them under --nomigrations
        loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node not in plan:
                plan.append(node)
    project = {"core", "organisations", "ledger", "support", "contracts", "commissioning", "claims", "audit"}
    with connection.schema_editor() as editor:
        for app_label, name in plan:
            if app_label not in project:
                continue
            for operation in loader.graph.nodes[(app_label, name)].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, editor)
                elif isinstance(operation, RunSQL):
                    operation._run_sql(editor, operation.sql)


# Data migrations that seed reference data (idempotent: get_or_create / update_or_create). Add new ones here.
SEED_MIGRATIONS = (
    "support.migrations.0002_seed_service_catalogue",
    "support.migrations.0004_daily_beat_schedule",
    "claims.migrations.0002_seed_fund_rule_sets",
)


def _reseed() -> None:
    import importlib

    from django.apps import apps
    from django.db.migrations.operations.special import RunPython

    for name in SEED_MIGRATIONS:
        for operation in importlib.import_module(name).Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):  # type: ignore[no-untyped-def]
    """A transactional test empties every table when it ends, seeded catalogues included (the service types, the
    fund rule sets). At the start of each transactional test, run the migrations' seed functions again (they are
    idempotent), so test order never matters."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("_django_db_helper")
        _reseed()


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(request, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The suite runs on PostgreSQL only: the ledger trigger, row locks and numeric rounding depend on it.
    `make test` runs every migration; `PYTEST_ARGS=--nomigrations` is a faster loop while developing."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "run the tests through `make test` (PostgreSQL), not SQLite"
        # pytest-django builds the tables only when some test of the run uses the database (a run of pure unit
        # tests alone has none to seed).
        db_fixtures = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                       "live_server"}
        uses_db = any(item.get_closest_marker("django_db") or db_fixtures & set(getattr(item, "fixturenames", ()))
                      for item in request.session.items)
        if request.config.getoption("nomigrations", default=False) and uses_db:
            _replay_data_migrations()
