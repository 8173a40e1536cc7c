"""The generated world's fixed clock: its history runs from `FIRST_DAY` (a scale may start later) to `TODAY`."""

from __future__ import annotations

from datetime import UTC, date, datetime

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2016, 4, 1)
