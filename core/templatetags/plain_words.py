"""Template filters that put money in the words people use. A builtin of the template engine
(config.settings.base): every template has them without `{% load %}`. Dates need no filter of ours: Django's own
`{{ day|date }}` and `{{ moment|date:"DATETIME_FORMAT" }}` read "4 March 2026" and "4 March 2026, 10:15"
(config/formats/en_GB/formats.py)."""

from decimal import Decimal

from django import template
from moneyed import Money

from core.money import format_gbp

register = template.Library()


@register.filter
def gbp(value: Money | Decimal | None) -> str:
    """{{ invoice.amount|gbp }} -> £3,600.00 (core.money.format_gbp: never rounds, never a float)."""
    return format_gbp(value)

