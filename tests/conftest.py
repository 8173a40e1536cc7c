import pytest
from django.db import connection


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The suite runs on PostgreSQL only: the ledger trigger, row locks and numeric rounding depend on it."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "run the tests through `make test` (PostgreSQL), not SQLite"
