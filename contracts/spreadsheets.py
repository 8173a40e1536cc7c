"""The apportionment spreadsheet (openpyxl, streaming write-only mode, any size) and the usage export (xlsxwriter).

Summary sheet: one row per authority with its weight and the share, fixed part, usage part and amount as live
formulas that compute the split from the weights and the total exactly as `contracts.apportionment` does (whole
pennies by largest remainder, ties to the row listed first), the agreed amount stored beside them as a value and a
difference column that shows 0.00 when they agree. A sheet per authority lists the usage it was weighed by. GBP
formats, frozen headers, column widths, print titles, a native bar chart; text neutralised against formula
injection. Built only from the run's frozen inputs, with fixed timestamps, so an approved run rebuilds byte for
byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font

from core.spreadsheets import DANGEROUS_STARTS, neutralise, save_deterministic

GBP_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
PERCENT_FORMAT = "0.00%"
NUMBER_FORMAT = "#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
FIRST_LINE_ROW = 13
PROGRESS_EVERY = 1000

SUMMARY_HEADERS = [
    "Authority", "Weight", "Share of usage", "Fixed part", "Usage part", "Amount", "Agreed amount", "Difference",
    "Explanation", "Working: whole pennies", "Working: remainder",
]
SUMMARY_WIDTHS = [34, 12, 14, 16, 16, 16, 16, 12, 70, 20, 18]
FACT_LABELS = ("Contract", "Provider", "Lead authority", "Cost to share", "Cost period", "Basis", "Usage period",
               "Fixed share, split equally", "Status")
USAGE_HEADERS = ["Contract", "Date", "Quantity", "Source"]
USAGE_WIDTHS = [18, 13, 12, 48]


@dataclass(frozen=True)
class SheetLine:
    authority_id: int
    name: str
    weight: Decimal
    fixed_amount: Decimal
    usage_amount: Decimal
    amount: Decimal
    explanation: str


@dataclass
class RunSheet:
    """Everything the workbook shows, taken from the run's frozen inputs."""

    heading: str
    facts: list[tuple[str, Any]]
    total: Decimal
    fixed_percent: Decimal
    measure_label: str
    timestamp: datetime
    lines: list[SheetLine]
    usage_rows: Callable[[int], Iterable[tuple[str, date, Decimal, str]]]
    usage_count: int = 0
    extra: dict = field(default_factory=dict)


def sheet_title(name: str, used: set[str]) -> str:
    """A worksheet title Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\']", " ", name).strip()[:31] or "Authority"
    title, counter = base, 2
    while title.lower() in used:
        suffix = f" ({counter})"
        title = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(title.lower())
    return title


def _cell(ws: Any, value: Any, *, number_format: str | None = None, bold: bool = False, wrap: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=neutralise(value))
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _formula(ws: Any, text: str, number_format: str, *, bold: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=text)  # our own formula text, never user input
    cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _widths(ws: Any, widths: list[int]) -> None:
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width


def summary_formulas(*, row: int, index: int, count: int, first: int, last: int, cells: dict[str, str]) -> dict:
    """The formulas of one authority's row (index from 1). `cells` names the total, fixed share and working
    cells. The usage part is whole pennies by largest remainder: the row takes one of the pennies left over when
    its remainder ranks within them, ties to the row above."""
    weights = f"$B${first}:$B${last}"
    weight_sum = f"SUM({weights})"
    scaled_sum = f"ROUND({weight_sum}*100,0)"
    fixed_pennies, usage_pennies, left_over = cells["fixed_pennies"], cells["usage_pennies"], cells["left_over"]
    return {
        "C": f"=IF({weight_sum}=0,0,B{row}/{weight_sum})",
        "D": f"=(INT({fixed_pennies}/{count})"
             f"+IF({index}<={fixed_pennies}-{count}*INT({fixed_pennies}/{count}),1,0))/100",
        "J": f"=IF({weight_sum}=0,0,INT({usage_pennies}*ROUND(B{row}*100,0)/{scaled_sum}))",
        "K": f"=IF({weight_sum}=0,0,{usage_pennies}*ROUND(B{row}*100,0)-J{row}*{scaled_sum})",
        "E": f"=(J{row}+IF(AND(K{row}>0,RANK(K{row},$K${first}:$K${last},0)+COUNTIF($K${first}:K{row},K{row})-1"
             f"<={left_over}),1,0))/100",
        "F": f"=D{row}+E{row}",
        "H": f"=F{row}-G{row}",
    }


def build_run_workbook(sheet: RunSheet, *, progress: Callable[[int], None] | None = None) -> bytes:
    """The workbook's bytes. `progress(done)` is told how many usage rows are written, every thousand."""
    labels = [label for label, _ in sheet.facts]
    if len(labels) != len(FACT_LABELS) or labels != list(FACT_LABELS):
        raise ValueError(f"The summary facts must be, in order: {', '.join(FACT_LABELS)}.")
    workbook = Workbook(write_only=True)
    workbook.calculation.fullCalcOnLoad = True
    summary = workbook.create_sheet("Summary")
    _widths(summary, SUMMARY_WIDTHS)  # write-only: widths and panes before the first row
    summary.freeze_panes = f"B{FIRST_LINE_ROW}"

    summary.append([_cell(summary, sheet.heading, bold=True)])
    for label, value in sheet.facts:  # rows 2 to 10: the total is B5, the fixed share B9
        fmt = GBP_FORMAT if label == "Cost to share" else PERCENT_FORMAT if label.startswith("Fixed share") else None
        summary.append([_cell(summary, label, bold=True), _cell(summary, value, number_format=fmt)])
    summary.append([])
    summary.append([_cell(summary, h, bold=True, wrap=True) for h in SUMMARY_HEADERS])

    count = len(sheet.lines)
    first, last = FIRST_LINE_ROW, FIRST_LINE_ROW + count - 1
    total_row = last + 1
    cells = {"fixed_pennies": f"$B${total_row + 2}", "usage_pennies": f"$B${total_row + 3}",
             "left_over": f"$B${total_row + 4}"}
    for index, line in enumerate(sheet.lines, start=1):
        row = first + index - 1
        f = summary_formulas(row=row, index=index, count=count, first=first, last=last, cells=cells)
        summary.append([
            _cell(summary, line.name),
            _cell(summary, line.weight, number_format=NUMBER_FORMAT),
            _formula(summary, f["C"], PERCENT_FORMAT),
            _formula(summary, f["D"], GBP_FORMAT),
            _formula(summary, f["E"], GBP_FORMAT),
            _formula(summary, f["F"], GBP_FORMAT),
            _cell(summary, line.amount, number_format=GBP_FORMAT),
            _formula(summary, f["H"], GBP_FORMAT),
            _cell(summary, line.explanation),
            _formula(summary, f["J"], "0"),
            _formula(summary, f["K"], "0"),
        ])
    formats = {"B": NUMBER_FORMAT, "C": PERCENT_FORMAT}
    totals = [_cell(summary, "Total", bold=True)]
    for column in "BCDEFGH":
        totals.append(_formula(summary, f"=SUM({column}{first}:{column}{last})", formats.get(column, GBP_FORMAT),
                               bold=True))
    summary.append(totals)
    summary.append([])
    summary.append([_cell(summary, "Working: fixed pennies"), _formula(summary, "=ROUND($B$5*100*$B$9,0)", "0")])
    summary.append([_cell(summary, "Working: usage pennies"),
                    _formula(summary, f"=ROUND($B$5*100,0)-{cells['fixed_pennies']}", "0")])
    summary.append([_cell(summary, "Working: pennies left over"),
                    _formula(summary, f"={cells['usage_pennies']}-SUM(J{first}:J{last})", "0")])
    summary.print_title_rows = f"{FIRST_LINE_ROW - 1}:{FIRST_LINE_ROW - 1}"

    chart = BarChart()
    chart.type = "bar"
    chart.title = "The split (agreed amounts)"
    chart.y_axis.title = "£"
    chart.y_axis.numFmt = '"£"#,##0'
    chart.add_data(Reference(summary, min_col=7, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(summary, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.height = max(6, 1.5 * count + 3)
    chart.width = 20
    summary.add_chart(chart, f"A{total_row + 7}")

    used = {"summary"}
    done = 0
    for line in sheet.lines:
        ws = workbook.create_sheet(sheet_title(line.name, used))
        _widths(ws, USAGE_WIDTHS)
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.append([_cell(ws, h, bold=True) for h in USAGE_HEADERS])
        rows = 0
        for reference, usage_date, quantity, source_key in sheet.usage_rows(line.authority_id):
            ws.append([
                _cell(ws, reference),
                _cell(ws, usage_date, number_format=DATE_FORMAT),
                _cell(ws, quantity, number_format=NUMBER_FORMAT),
                _cell(ws, source_key),
            ])
            rows += 1
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
        total = _formula(ws, f"=SUM(C2:C{rows + 1})" if rows else "=0", NUMBER_FORMAT, bold=True)
        ws.append([_cell(ws, "Total", bold=True), None, total,
                   _cell(ws, f"{sheet.measure_label}: weight on the summary {line.weight}")])
    if progress:
        progress(done)
    return save_deterministic(workbook, timestamp=sheet.timestamp)


# ---- usage export (streaming) -----------------------------------------------------------------------------------

USAGE_EXPORT_HEADERS = ["contract_reference", "authority", "usage_date", "measure", "quantity", "source_key"]
USAGE_EXPORT_WIDTHS = [18, 12, 12, 12, 12, 40]


def write_usage_workbook(rows: Iterable[tuple], stream: Any) -> int:
    """Write usage rows (contract reference, authority code, date, measure, quantity, source key) to an .xlsx
    with xlsxwriter in constant-memory mode: each row goes to disk as the next begins, so memory stays flat
    whatever the count (and a million rows write faster than openpyxl's write-only mode: docs/performance.md).
    Bold frozen header, repeated on every printed page, column widths; text neutralised; numbers and dates stay
    native (dates as dd/mm/yyyy). Returns the number of rows written."""
    # Every cell is written by its typed method, so no text is ever taken for a formula, a URL or a number.
    workbook = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    ws = workbook.add_worksheet("Usage")
    for column, width in enumerate(USAGE_EXPORT_WIDTHS):
        ws.set_column(column, column, width)
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    bold, day = workbook.add_format({"bold": True}), workbook.add_format({"num_format": DATE_FORMAT})
    for column, header in enumerate(USAGE_EXPORT_HEADERS):
        ws.write_string(0, column, header, bold)
    text, number, when = ws.write_string, ws.write_number, ws.write_datetime
    dangerous = DANGEROUS_STARTS
    count = 0
    for count, (reference, authority, usage_date, measure, quantity, source_key) in enumerate(rows, start=1):
        # neutralise inline: this loop is the hot path of a million-row export
        text(count, 0, "'" + reference if reference.startswith(dangerous) else reference)
        text(count, 1, authority)
        when(count, 2, usage_date, day)
        text(count, 3, measure)
        number(count, 4, quantity)
        text(count, 5, "'" + source_key if source_key.startswith(dangerous) else source_key)
    workbook.close()
    return count
