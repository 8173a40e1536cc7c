"""The throwaway PostgreSQL is restarted mid-run: committed writes survive, the interrupted transaction leaves
nothing, and the application reconnects on the next request (CONN_HEALTH_CHECKS)."""

import os
import subprocess

import pytest
from django.db import OperationalError, connection, transaction
from django.db.utils import InterfaceError

from core.models import BackgroundJob

# serial: the restart would cut every other test worker's connection, so this runs alone (scripts/run_tests.py).
pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]


def restart_postgres() -> None:
    command = os.environ.get("PG_CTL_RESTART")
    if not command:
        pytest.fail("PG_CTL_RESTART is not set: run the suite through `make test` (scripts/with_services.py)")
    subprocess.run(command, shell=True, check=True, capture_output=True, timeout=120)


def test_committed_writes_survive_a_restart_and_the_app_reconnects(client):  # type: ignore[no-untyped-def]
    BackgroundJob.objects.create(kind="restart", description="committed before the restart")
    with pytest.raises((OperationalError, InterfaceError)), transaction.atomic():
        BackgroundJob.objects.create(kind="restart", description="interrupted: must not survive")
        restart_postgres()
        BackgroundJob.objects.create(kind="restart", description="after the server went away")
    connection.close()
    response = client.get("/healthz")  # a request: Django checks the connection and opens a new one
    assert response.status_code == 200 and response.json()["database"] == "ok"
    descriptions = list(BackgroundJob.objects.filter(kind="restart").values_list("description", flat=True))
    assert descriptions == ["committed before the restart"]
