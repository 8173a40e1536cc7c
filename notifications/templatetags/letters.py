"""Dates as "4 March 2026" and money as "£3,000.00" in letters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from moneyed import Money

from core.money import format_gbp

register = template.Library()


@register.filter
def long_date(value: date | datetime | None) -> str:
    return "" if value is None else f"{value:%-d %B %Y}"


@register.filter
def pounds(value: Money | Decimal | None) -> str:
    return format_gbp(value)
