"""Thin Celery wrappers around claims services."""

from celery import shared_task
from django.utils import timezone

from .services.rule_changes import open_applications_recheck


@shared_task
def recheck_open_applications(reason: str = "Scheduled re-check of open applications") -> int:
    """Split every open application again under the rules in force (also run when an administrator edits them)."""
    return len(open_applications_recheck(by=None, now=timezone.now(), reason=reason))
