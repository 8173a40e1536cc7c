"""The board return as a file: xlsx (xlsxwriter: a partnership summary, one sheet per authority, the definitions)
and CSV. Pure: it takes plain data (`ReturnTable`) and applies suppression (1 to 4 shown as "[c]"; a sum of money
is suppressed when fewer than 5 records lie behind it) and secondary suppression (`scorecard.rules.protect_table`:
no hidden cell can be worked out from its row's total). Text is neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter

from core.spreadsheets import neutralise, neutralise_row

from .rules import SUPPRESSED, ProtectedTable, protect_table

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


def _show(value: Any, hidden: bool, money: bool) -> Any:
    if hidden:
        return SUPPRESSED
    if money:
        return Decimal(value).quantize(Decimal("0.01"))
    return value


def _sum(parts: list[dict[str, Any]], money: bool) -> tuple[Any, int]:
    value = sum((Decimal(p["value"]) for p in parts), Decimal("0.00")) if money else sum(p["value"] for p in parts)
    return value, sum(p["count"] for p in parts)


def _parts(table: ReturnTable, index: int, authority_id: int) -> list[dict[str, Any]]:
    zero = {"value": Decimal("0.00") if table.fields[index].money else 0, "count": 0}
    return [table.values[index].get((authority_id, kind), zero) for kind, _ in KIND_LABELS]


def protection(table: ReturnTable, index: int) -> ProtectedTable:
    """One field's masks: primary and secondary suppression over its authority-by-kind counts and the summary
    (`scorecard.rules.protect_table`), the same for the xlsx and the CSV."""
    return protect_table([[p["count"] for p in _parts(table, index, a)] for a, _ in table.authorities])


def authority_cells(table: ReturnTable, index: int, authority_id: int,
                    protected: ProtectedTable | None = None) -> list[Any]:
    """One field for one authority: each kind, then the total, suppressed."""
    money = table.fields[index].money
    protected = protected or protection(table, index)
    row = [a for a, _ in table.authorities].index(authority_id)
    parts = _parts(table, index, authority_id)
    value, _count = _sum(parts, money)
    return ([_show(p["value"], hidden, money) for p, hidden in zip(parts, protected.rows[row], strict=True)]
            + [_show(value, protected.row_totals[row], money)])


def summary_cells(table: ReturnTable, index: int, protected: ProtectedTable | None = None) -> list[Any]:
    """One field: each authority's total, then the partnership's, suppressed."""
    money = table.fields[index].money
    protected = protected or protection(table, index)
    cells = []
    every = []
    for row, (authority_id, _) in enumerate(table.authorities):
        parts = _parts(table, index, authority_id)
        every.extend(parts)
        cells.append(_show(_sum(parts, money)[0], protected.row_totals[row], money))
    cells.append(_show(_sum(every, money)[0], protected.grand_total, money))
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
                                          f"{table.version}); [c] = not shown: fewer than 5, or hidden so "
                                          f"that a small number cannot be worked out from a total"))
    protected = [protection(table, i) for i in range(len(table.fields))]
    write_rows(summary, ["Field", *[name for _, name in table.authorities], "Partnership"],
               [(spec, summary_cells(table, i, protected[i])) for i, spec in enumerate(table.fields)], top=2)
    for done, (authority_id, name) in enumerate(table.authorities, start=1):
        sheet = book.add_worksheet(_sheet_name(name, used))
        write_rows(sheet, ["Field", *[label for _, label in KIND_LABELS], "Total"],
                   [(spec, authority_cells(table, i, authority_id, protected[i]))
                    for i, spec in enumerate(table.fields)])
        if progress:
            progress(done)
    definitions = book.add_worksheet(_sheet_name("Definitions", used))
    definitions.write_row(0, 0, ["Field", "Definition", "Query (reviewed in code)"], bold)
    for r, spec in enumerate(table.fields, start=1):
        definitions.write_row(r, 0, neutralise_row([spec.name, spec.definition, spec.query]))
    definitions.write_row(len(table.fields) + 2, 0, neutralise_row(
        ["Suppression", "Counts from 1 to 4, and sums of money over fewer than 5 records, are shown as [c]. Where "
         "a total would give one of them away, the next smallest figure of the row (or the total) is shown as [c] "
         "too. Zero is always shown."]))
    definitions.set_column(0, 0, 40)
    definitions.set_column(1, 1, 100)
    book.close()
    return stream.getvalue()


def build_csv(table: ReturnTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "definitions_version", "authority", "kind", "field", "value"])
    for i, spec in enumerate(table.fields):
        protected = protection(table, i)
        for authority_id, name in table.authorities:
            cells = authority_cells(table, i, authority_id, protected)
            for (_kind, label), value in zip([*KIND_LABELS, ("total", "Total")], cells, strict=True):
                writer.writerow(neutralise_row([table.period_label, table.version, name, label, spec.name,
                                                str(value)]))
        writer.writerow(neutralise_row([table.period_label, table.version, "Partnership", "Total", spec.name,
                                        str(summary_cells(table, i, protected)[-1])]))
    return out.getvalue().encode("utf-8")
