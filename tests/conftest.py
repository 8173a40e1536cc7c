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


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    """A transactional test empties every table when it ends, seeded catalogues included; ask Django to reload
    the database's starting content at the start of each one (serialized rollback), so test order never matters."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True),
                            append=False)


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(request, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The suite runs on PostgreSQL only: the ledger trigger, row locks and numeric rounding depend on it.
    `make test` runs every migration; `PYTEST_ARGS=--nomigrations` is a faster loop while developing."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "run the tests through `make test` (PostgreSQL), not SQLite"
        if request.config.getoption("nomigrations", default=False):
            _replay_data_migrations()
