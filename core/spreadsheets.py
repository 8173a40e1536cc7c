"""Spreadsheet safety and determinism shared by every export.

`neutralise` defends against formula injection: text that begins with = + - @ tab or carriage return would be
read as a formula by Excel or LibreOffice, so it gets a leading apostrophe and stays text. Numbers, dates and
everything that is not text pass through unchanged (numbers stay numeric).

`save_deterministic` writes an openpyxl workbook with fixed document timestamps and fixed zip entry times, so
the same content always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def neutralise_row(values: Any) -> list[Any]:
    return [neutralise(v) for v in values]


def save_deterministic(workbook: Any, *, timestamp: datetime) -> bytes:
    """The workbook's bytes, with its created/modified properties set to `timestamp` (naive UTC) and every zip
    entry dated 1980-01-01, in the order openpyxl wrote them."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = timestamp.replace(tzinfo=None, microsecond=0)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()  # wb.save() would stamp `modified` with the clock
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
