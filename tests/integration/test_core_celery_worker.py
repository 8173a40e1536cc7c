"""One task through a real Celery worker process and a real Redis broker, and back (the result comes back through
the configured django-db result backend, in the test database the worker shares)."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from core.models import BackgroundJob
from core.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.fail("the worker test needs Redis: run the suite through `make test` (redis-server installed)")
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_TASK_ALWAYS_EAGER="false",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"],
        env=env, cwd=settings.BASE_DIR,
    )
    yield broker
    proc.terminate()
    proc.wait(timeout=30)


def test_a_task_round_trips_through_a_real_worker(worker, settings):  # type: ignore[no-untyped-def]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    BackgroundJob.objects.create(kind="probe", description="made by the test process")
    try:
        deadline = time.monotonic() + 180
        result = ping.delay("hello")
        value = result.get(timeout=max(1, deadline - time.monotonic()))
    finally:
        app.conf.task_always_eager = True
    assert value == {"echo": "hello", "jobs": 1}
    assert result.status == "SUCCESS"
