"""The board return as a file: xlsx (xlsxwriter: a partnership summary, one sheet per authority, the definitions)
and CSV. Pure: it takes plain data (`ReturnTable`) and applies suppression (1 to 4 shown as "[c]"; a sum of money
is suppressed when fewer than 5 records lie behind it). Text is neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter

from core.spreadsheets import neutralise, neutralise_row

from .rules import SUPPRESSED, is_suppressed

KIND_LABELS = (("adoption", "Adoption"), ("special_guardianship", "Special guardianship"),
               ("other", "Other or not known"))


@dataclass
class ReturnField:
    name: str
    definition: str
    query: str
    money: bool


@dataclass
class ReturnTable:
    title: str
    period_label: str
    version: int
    authorities: list[tuple[int, str]]
    fields: list[ReturnField]
    # values[field index][(authority id, kind)] = {"value": int | Decimal, "count": int}
    values: list[dict[tuple[int, str], dict[str, Any]]] = field(default_factory=list)


def _cell(value: Any, count: int, money: bool) -> Any:
    if is_suppressed(count):
        return SUPPRESSED
    if money:
        return Decimal(value).quantize(Decimal("0.01"))
    return value


def _sum(parts: list[dict[str, Any]], money: bool) -> tuple[Any, int]:
    value = sum((Decimal(p["value"]) for p in parts), Decimal("0.00")) if money else sum(p["value"] for p in parts)
    return value, sum(p["count"] for p in parts)


def authority_cells(table: ReturnTable, index: int, authority_id: int) -> list[Any]:
    """One field for one authority: each kind, then the total, suppressed."""
    spec = table.fields[index]
    values = table.values[index]
    zero = {"value": Decimal("0.00") if spec.money else 0, "count": 0}
    parts = [values.get((authority_id, kind), zero) for kind, _ in KIND_LABELS]
    total = _sum(parts, spec.money)
    return [_cell(p["value"], p["count"], spec.money) for p in parts] + [_cell(*total, spec.money)]


def summary_cells(table: ReturnTable, index: int) -> list[Any]:
    """One field: each authority's total, then the partnership's, suppressed."""
    spec = table.fields[index]
    values = table.values[index]
    cells = []
    every = []
    for authority_id, _ in table.authorities:
        parts = [v for (a, _kind), v in values.items() if a == authority_id]
        every.extend(parts)
        cells.append(_cell(*_sum(parts, spec.money), spec.money))
    cells.append(_cell(*_sum(every, spec.money), spec.money))
    return cells


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        candidate = f"{clean[:28]} {n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def build_xlsx(table: ReturnTable, *, progress: Callable[[int], None] | None = None) -> bytes:
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "£#,##0.00"})
    used: set[str] = set()

    def write_rows(sheet: Any, header: list[str], rows: list[tuple[ReturnField, list[Any]]], top: int = 0) -> None:
        sheet.write_row(top, 0, neutralise_row(header), bold)
        for r, (spec, cells) in enumerate(rows, start=top + 1):
            sheet.write_string(r, 0, neutralise(spec.name))
            for c, value in enumerate(cells, start=1):
                if value == SUPPRESSED:
                    sheet.write_string(r, c, SUPPRESSED)
                elif spec.money:
                    sheet.write_number(r, c, float(value), money)  # display only: the CSV keeps the exact pence
                else:
                    sheet.write_number(r, c, value)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, len(header), 18)
        sheet.freeze_panes(top + 1, 1)

    summary = book.add_worksheet(_sheet_name("Partnership summary", used))
    summary.write_string(0, 0, neutralise(f"{table.title}: {table.period_label} (definitions version "
                                          f"{table.version}); [c] = fewer than 5, not shown"))
    write_rows(summary, ["Field", *[name for _, name in table.authorities], "Partnership"],
               [(spec, summary_cells(table, i)) for i, spec in enumerate(table.fields)], top=2)
    for done, (authority_id, name) in enumerate(table.authorities, start=1):
        sheet = book.add_worksheet(_sheet_name(name, used))
        write_rows(sheet, ["Field", *[label for _, label in KIND_LABELS], "Total"],
                   [(spec, authority_cells(table, i, authority_id)) for i, spec in enumerate(table.fields)])
        if progress:
            progress(done)
    definitions = book.add_worksheet(_sheet_name("Definitions", used))
    definitions.write_row(0, 0, ["Field", "Definition", "Query (reviewed in code)"], bold)
    for r, spec in enumerate(table.fields, start=1):
        definitions.write_row(r, 0, neutralise_row([spec.name, spec.definition, spec.query]))
    definitions.write_row(len(table.fields) + 2, 0, neutralise_row(
        ["Suppression", "Counts from 1 to 4, and sums of money over fewer than 5 records, are shown as [c]."]))
    definitions.set_column(0, 0, 40)
    definitions.set_column(1, 1, 100)
    book.close()
    return stream.getvalue()


def build_csv(table: ReturnTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "definitions_version", "authority", "kind", "field", "value"])
    for i, spec in enumerate(table.fields):
        for authority_id, name in table.authorities:
            cells = authority_cells(table, i, authority_id)
            for (_kind, label), value in zip([*KIND_LABELS, ("total", "Total")], cells, strict=True):
                writer.writerow(neutralise_row([table.period_label, table.version, name, label, spec.name,
                                                str(value)]))
        writer.writerow(neutralise_row([table.period_label, table.version, "Partnership", "Total", spec.name,
                                        str(summary_cells(table, i)[-1])]))
    return out.getvalue().encode("utf-8")
