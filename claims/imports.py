"""Reading the fund's remittance file (CSV or Excel) into rows for claims.services.remittances.remittance_check
and remittance_import. The fund's exact format is unconfirmed (DOMAIN.md 1.7): the columns are found by their
headings, one containing "reference" and one containing "amount"."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook


class UnreadableFile(ValueError):
    pass


def _find_columns(header: list[str]) -> tuple[int, int]:
    names = [h.strip().lower() for h in header]
    try:
        reference = next(i for i, n in enumerate(names) if "reference" in n or n == "ref")
        amount = next(i for i, n in enumerate(names) if "amount" in n or "paid" in n)
    except StopIteration as error:
        raise UnreadableFile(
            "The first row must have a column for the fund reference and one for the amount.") from error
    return reference, amount


def _rows(table: list[list[Any]]) -> list[tuple[int, str, str]]:
    if not table:
        raise UnreadableFile("The file is empty.")
    reference, amount = _find_columns([str(c or "") for c in table[0]])
    out = []
    for number, row in enumerate(table[1:], start=2):
        cells = [("" if c is None else str(c)) for c in row]
        if not any(c.strip() for c in cells):
            continue
        cells += [""] * (max(reference, amount) + 1 - len(cells))
        out.append((number, cells[reference].strip(), cells[amount].strip()))
    return out


def read_remittance(*, name: str, content: bytes) -> list[tuple[int, str, str]]:
    """(row number as the file shows it, fund reference, amount text) for every non-empty row."""
    if name.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise UnreadableFile("The Excel file could not be read.") from error
        sheet = workbook.worksheets[0]
        return _rows([list(r) for r in sheet.iter_rows(values_only=True)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile("The CSV file must be UTF-8 text.") from error
    return _rows([row for row in csv.reader(io.StringIO(text))])
