"""Dates in Python strings (emails, notes, messages) as pages show them: "4 March 2026", "4 March 2026, 10:15".
The format is the one in config/formats/en_GB/formats.py, the same as `{{ day|date }}` in a template."""

from datetime import date, datetime

from django.utils import formats, timezone


def long_date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def long_datetime(moment: datetime) -> str:
    """A moment in the service's time zone (Europe/London)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")
