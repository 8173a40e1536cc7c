"""The test suite runs on PostgreSQL and Redis started by scripts/with_services.py (never SQLite)."""

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
