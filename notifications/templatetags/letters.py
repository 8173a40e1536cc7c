"""Dates as "4 March 2026" and money as "£3,000.00" in letters (the house's own core.dates and core.money)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from moneyed import Money

from core.dates import long_date as core_long_date
from core.money import format_gbp

register = template.Library()


@register.filter
def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return core_long_date(value.date() if isinstance(value, datetime) else value)


@register.filter
def pounds(value: Money | Decimal | None) -> str:
    return format_gbp(value)
