"""The Celery app. Tasks are thin wrappers around services, discovered in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("raa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
