"""The test suite runs on PostgreSQL and Redis started by scripts/with_services.py (never SQLite)."""

import os
import re
from pathlib import Path

from .base import *
from .base import env

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/raa")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}  # type: ignore[var-annotated]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
DEBUG = False
# Two-factor sign-in is on in every real environment (base settings). Page tests sign in with force_login, so the
# suite turns it off by default; tests/functional/test_organisations_two_factor.py turns it on and proves it.
TWO_FACTOR_ROLES = []  # type: ignore[var-annotated]

# pytest-xdist: each test worker (gw0, gw1, ...) has its own test database (pytest-django adds the suffix), its own
# Redis database number (1, 2, ...; a run without xdist keeps the number it was given) and its own media folder.
# The broker address is written back to the environment so that the Celery worker processes a test starts use it.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER.startswith("gw"):
    _number = int(XDIST_WORKER[2:]) + 1
    for _name in ("CELERY_BROKER_URL", "REDIS_URL"):
        _url = os.environ.get(_name, "")
        if _url.startswith("redis://"):
            os.environ[_name] = re.sub(r"(/\d+)?$", f"/{_number}", _url, count=1)
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
    MEDIA_ROOT = Path(MEDIA_ROOT) / f"test-{XDIST_WORKER}"
STORAGES["letters"]["OPTIONS"]["location"] = str(Path(MEDIA_ROOT) / "letters-test")  # type: ignore[index]
STORAGES["invoices"]["OPTIONS"]["location"] = str(Path(MEDIA_ROOT) / "invoices-test")  # type: ignore[index]
STORAGES["letterbox"]["OPTIONS"]["location"] = str(Path(MEDIA_ROOT) / "letterbox-test")  # type: ignore[index]

# The cache follows the worker's Redis database; rates high enough that no test meets them unless it means to.
CACHES = caches_for(os.environ.get("REDIS_URL", ""))
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_client": "100000/minute",
                                                                "api_anonymous": "100000/minute"}}
