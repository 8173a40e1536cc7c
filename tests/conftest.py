import json
import os
import tempfile
from pathlib import Path

import pytest
from django.db import connection

# A real OpenID provider in its own process, for the single sign-on tests (fixtures oidc_op, client_secret).
pytest_plugins = ["tests.oidc"]

# Groups of tests that must not run beside each other on two pytest-xdist workers (`--dist loadgroup` keeps each
# group on one worker, one test at a time): the browser journeys (one Chromium at a time) and the tests that start
# real Celery worker processes. Tests marked `serial` need the whole machine (they restart PostgreSQL): they run
# alone, after the parallel phase (scripts/run_tests.py, `--phase`).
GROUPS = (("tests/e2e/", "browser"),)
MARKER_GROUPS = (("worker", "celery-worker"),)


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption("--phase", choices=("all", "parallel", "serial"), default="all",
                     help="parallel: every test but those marked serial; serial: only those; all (default): every test")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist): one results file per run
        handle, name = tempfile.mkstemp(prefix="raa-axe-results-", suffix=".jsonl")
        os.close(handle)
        os.environ["AXE_RESULTS"] = name  # the workers xdist starts inherit it


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    phase = config.getoption("phase")
    if phase != "all":
        keep = [item for item in items if bool(item.get_closest_marker("serial")) == (phase == "serial")]
        deselected = [item for item in items if item not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = keep
    if not config.pluginmanager.hasplugin("xdist"):  # `-p no:xdist`: no groups to keep
        return
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        path = Path(str(item.path)).as_posix()
        group = next((name for prefix, name in GROUPS if f"/{prefix}" in path), None)
        group = group or next((name for marker, name in MARKER_GROUPS if item.get_closest_marker(marker)), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter, config):  # type: ignore[no-untyped-def]
    """The accessibility results of the run, from every worker: pages checked, and any violation below serious
    (reported, allowed). tests/e2e/conftest.py writes one line per page axe-core checked."""
    if hasattr(config, "workerinput"):
        return
    path = Path(os.environ.get("AXE_RESULTS", ""))
    if not path.is_file():
        return
    checked = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not checked:
        return
    minor = sum(c["violations"] - len(c["serious_or_critical"]) for c in checked)
    failing = sum(1 for c in checked if c["serious_or_critical"])
    terminalreporter.write_sep("-", "axe-core accessibility")
    terminalreporter.write_line(
        f"{len(checked)} page views checked ({len({c['url'] for c in checked})} addresses): {failing} with a serious "
        f"or critical violation, {minor} moderate or minor violations in all; details in {path}")


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
    "contact.migrations.0002_daily_beat_schedule",
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
