"""Horizontal bar charts as plain data for an SVG template: no JavaScript, always shown beside a table."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.text import slugify


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Decimal | int, str]],
    *,
    width: int = 640,
    label_width: int = 200,
    bar_height: int = 24,
    gap: int = 14,
    variants: Sequence[str] | None = None,
) -> dict:
    """rows: (label, value, display text). Bars scale to the largest value; negative values draw as zero."""
    max_value = max((Decimal(v) for _, v, _ in rows), default=Decimal(0))
    value_width = 130
    plot = width - label_width - value_width
    bars = []
    for index, (label, value, display) in enumerate(rows):
        fraction = Decimal(value) / max_value if max_value > 0 and Decimal(value) > 0 else Decimal(0)
        bar_width = int(plot * fraction)
        y = gap + index * (bar_height + gap)
        bars.append(
            {
                "label": label,
                "display": display,
                "y": y,
                "label_y": y + bar_height - 6,
                "width": bar_width,
                "value_x": label_width + bar_width + 8,
                "variant": (variants[index] if variants and index < len(variants) else ""),
            }
        )
    return {
        "id": "chart-" + slugify(title)[:40],
        "title": title,
        "width": width,
        "height": gap + len(rows) * (bar_height + gap),
        "bar_x": label_width,
        "bar_height": bar_height,
        "bars": bars,
    }
