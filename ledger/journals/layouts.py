"""File layouts as data: which columns a finance system's journal import takes, in what order, with dates and
periods written as it asks. Pure: rows in, rows of text out; no ORM, no clock.

Every layout writes amounts to the penny from the ledger's Decimal amounts (never a float), and every text cell on
one line (a line break becomes a space) and through `core.spreadsheets.neutralise`, so a memo or a code that begins
with = + - @ cannot run as a formula when the file is opened in a spreadsheet. Numeric cells (amounts, flags) are
written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from core.money import PENNY
from core.spreadsheets import neutralise

from .rules import period_label


class UnknownLayout(ValueError):
    pass


@dataclass(frozen=True)
class JournalRow:
    """One posting as a layout sees it: what the batch line and its entry say."""

    posting_date: date
    period_year: int
    period_number: int
    period_note: str
    cost_centre: str
    subjective: str
    project_code: str
    amount: Decimal  # debit positive, credit negative
    memo: str
    transaction_id: int
    account_code: str


@dataclass(frozen=True)
class BatchContext:
    reference: str  # J-KENT-000012
    authority_code: str  # KENT
    created_date: date  # the day the batch was made (never the day the file is written: re-downloads must match)
    # The council's own set-up values (JournalSettings), as frozen on the batch when it was made.
    oracle_ledger_id: str = ""  # blank: left for Oracle's import to default
    unit4_client: str = ""  # blank: the authority's code
    unit4_voucher_type: str = "GL"


@dataclass(frozen=True)
class Const:
    value: str


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    follows: str  # the public description the column map is modelled on
    columns: tuple[tuple[str, str | Const], ...]
    date_format: str
    period_format: str  # "label" (2026-27 P01), "yyyypp" (202601), "number" (1)
    header: bool = True
    delimiter: str = ","
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headers(self) -> list[str]:
        return [header for header, _ in self.columns]


LINE_BREAKS = {ord("\r"): " ", ord("\n"): " "}


def one_line(text: str) -> str:
    """Each CR or LF in a cell becomes a space: finance systems' imports read a file line by line."""
    return text.translate(LINE_BREAKS)


def _debit(row: JournalRow) -> str:
    return f"{row.amount.quantize(PENNY):f}" if row.amount > 0 else ""


def _credit(row: JournalRow) -> str:
    return f"{(-row.amount).quantize(PENNY):f}" if row.amount < 0 else ""


def _description(row: JournalRow) -> str:
    return f"{row.memo} ({row.period_note})" if row.period_note else row.memo


#: name -> (is text, value). Text is neutralised; numbers are not (a credit of -12.00 must stay a number).
FIELDS: dict[str, tuple[bool, Callable[[JournalRow, BatchContext, Layout], str]]] = {
    "date": (False, lambda r, b, lay: r.posting_date.strftime(lay.date_format)),
    "created_date": (False, lambda r, b, lay: b.created_date.strftime(lay.date_format)),
    "period": (True, lambda r, b, lay: _period(r, lay)),
    "cost_centre": (True, lambda r, b, lay: r.cost_centre),
    "subjective": (True, lambda r, b, lay: r.subjective),
    "project": (True, lambda r, b, lay: r.project_code),
    "debit": (False, lambda r, b, lay: _debit(r)),
    "credit": (False, lambda r, b, lay: _credit(r)),
    "amount": (False, lambda r, b, lay: f"{r.amount.quantize(PENNY):f}"),
    "dc_flag": (False, lambda r, b, lay: "1" if r.amount > 0 else "-1"),
    "description": (True, lambda r, b, lay: _description(r)),
    "reference": (True, lambda r, b, lay: f"T{r.transaction_id}"),
    "batch": (True, lambda r, b, lay: b.reference),
    "authority": (True, lambda r, b, lay: b.authority_code),
    "currency": (True, lambda r, b, lay: "GBP"),
    "oracle_ledger_id": (True, lambda r, b, lay: b.oracle_ledger_id),
    "unit4_client": (True, lambda r, b, lay: b.unit4_client or b.authority_code),
    "unit4_voucher_type": (True, lambda r, b, lay: b.unit4_voucher_type),
}


def _period(row: JournalRow, layout: Layout) -> str:
    if layout.period_format == "yyyypp":
        return f"{row.period_year}{row.period_number:02d}"
    if layout.period_format == "number":
        return str(row.period_number)
    return period_label((row.period_year, row.period_number))


GENERIC = Layout(
    name="generic",
    title="Generic CSV",
    follows="This service's own layout: one row per posting, a header row, ISO dates (YYYY-MM-DD).",
    columns=(("Date", "date"), ("Period", "period"), ("Cost centre", "cost_centre"), ("Subjective", "subjective"),
             ("Project", "project"), ("Debit", "debit"), ("Credit", "credit"), ("Description", "description"),
             ("Reference", "reference"), ("Batch", "batch")),
    date_format="%Y-%m-%d",
    period_format="label",
)

# Modelled on Unit4's public description of the GL07 "batch input" of general ledger transactions (the table
# acrbatchinput that the GL07 server process reads): batch_id, interface, voucher_type, trans_type, client,
# account, dim_1 to dim_7, currency, dc_flag (1 debit, -1 credit), cur_amount and amount (signed), description,
# trans_date and voucher_date (YYYYMMDD), voucher_no, period (YYYYPP). Written delimited, without a header row,
# the columns in that order; the dimensions past dim_2 and the tax and ledger (AP/AR) columns are left off.
# The client and the voucher type are each council's own set-up (JournalSettings, in the back office: the client
# defaults to the authority's code, the voucher type to GL); which dim_ holds the cost centre and the project is
# too, and fixed here: check it with the council's Unit4 team before the first import.
UNIT4 = Layout(
    name="unit4",
    title="Unit4 ERP (GL07 batch input)",
    follows="Unit4 ERP's public description of the GL07 batch input of general ledger transactions (acrbatchinput)",
    columns=(("batch_id", "batch"), ("interface", Const("BI")), ("voucher_type", "unit4_voucher_type"),
             ("trans_type", Const("GL")), ("client", "unit4_client"), ("account", "subjective"),
             ("dim_1", "cost_centre"), ("dim_2", "project"), ("currency", "currency"), ("dc_flag", "dc_flag"),
             ("cur_amount", "amount"), ("amount", "amount"), ("description", "description"),
             ("trans_date", "date"), ("voucher_date", "date"), ("voucher_no", "reference"), ("period", "period")),
    date_format="%Y%m%d",
    period_format="yyyypp",
    header=False,
    notes=("The period is the financial year it starts in and the period number: 202601 is April 2026.",),
)

_SEGMENTS: tuple[tuple[str, str | Const], ...] = (
    ("SEGMENT1", "cost_centre"), ("SEGMENT2", "subjective"), ("SEGMENT3", "project"),
    *((f"SEGMENT{n}", Const("")) for n in range(4, 31)),
)

# Modelled on Oracle's public description of the Fusion General Ledger journal import (the File-Based Data Import
# template JournalImportTemplate, which loads GL_INTERFACE): STATUS (NEW), LEDGER_ID, the accounting date
# (YYYY/MM/DD), journal source and category, CURRENCY_CODE, the creation date (YYYY/MM/DD), ACTUAL_FLAG (A),
# SEGMENT1 to SEGMENT30, entered debit and credit (one of the two blank; no thousands separator, a point for
# decimals), converted debit and credit (blank: the amounts are in the ledger's currency), REFERENCE1 to
# REFERENCE10. The template's CSV has no header row and the columns are taken by position, so every one up to
# REFERENCE10 is written, in order; the later columns (statistical amounts, attributes, PERIOD_NAME and the rest)
# are left off, and Journal Import assigns the period from the accounting date. LEDGER_ID is the council's own
# (JournalSettings, in the back office; blank for the import to default it); the segment order is each council's
# own chart of accounts, and fixed here: check it before the first import.
ORACLE = Layout(
    name="oracle",
    title="Oracle Fusion General Ledger (journal import, GL_INTERFACE)",
    follows="Oracle Fusion General Ledger's public description of the journal import template (GL_INTERFACE)",
    columns=(("STATUS", Const("NEW")), ("LEDGER_ID", "oracle_ledger_id"), ("EFFECTIVE_DATE_OF_TRANSACTION", "date"),
             ("JOURNAL_SOURCE", Const("Adoption Support")), ("JOURNAL_CATEGORY", Const("Adjustment")),
             ("CURRENCY_CODE", "currency"), ("JOURNAL_ENTRY_CREATION_DATE", "created_date"),
             ("ACTUAL_FLAG", Const("A")), *_SEGMENTS,
             ("ENTERED_DEBIT_AMOUNT", "debit"), ("ENTERED_CREDIT_AMOUNT", "credit"),
             ("CONVERTED_DEBIT_AMOUNT", Const("")), ("CONVERTED_CREDIT_AMOUNT", Const("")),
             ("REFERENCE1", "batch"), ("REFERENCE2", Const("Adoption support ledger")), ("REFERENCE3", Const("")),
             ("REFERENCE4", "batch"), ("REFERENCE5", Const("")), ("REFERENCE6", "reference"),
             ("REFERENCE7", Const("")), ("REFERENCE8", Const("")), ("REFERENCE9", Const("")),
             ("REFERENCE10", "description")),
    date_format="%Y/%m/%d",
    period_format="label",
    header=False,
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (GENERIC, UNIT4, ORACLE)}


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(LAYOUTS))
        raise UnknownLayout(f"There is no journal layout called {name!r}: choose one of {known}.") from None


def layout_choices() -> list[tuple[str, str]]:
    return [(layout.name, layout.title) for layout in LAYOUTS.values()]


def _compile(layout: Layout, batch: BatchContext) -> list[Callable[[JournalRow], str]]:
    getters: list[Callable[[JournalRow], str]] = []
    for _, source in layout.columns:
        if isinstance(source, Const):
            value = str(neutralise(source.value))
            getters.append(lambda r, v=value: v)  # type: ignore[misc]
            continue
        is_text, get = FIELDS[source]
        if is_text:
            getters.append(lambda r, g=get: neutralise(one_line(g(r, batch, layout))))  # type: ignore[misc]
        else:
            getters.append(lambda r, g=get: g(r, batch, layout))  # type: ignore[misc]
    return getters


def render_rows(layout: Layout, batch: BatchContext, rows: Iterable[JournalRow]) -> Iterator[list[str]]:
    """The file's rows as text cells: the header (where the layout has one), then one row per posting."""
    getters = _compile(layout, batch)
    if layout.header:
        yield list(layout.headers)
    for row in rows:
        yield [get(row) for get in getters]


def write_header(stream: IO[str], layout: Layout) -> None:
    if layout.header:
        csv.writer(stream, delimiter=layout.delimiter, lineterminator="\n").writerow(layout.headers)


def write_csv(stream: IO[str], layout: Layout, batch: BatchContext, rows: Iterable[JournalRow],
              progress: Callable[[int], Any] | None = None, every: int = 10_000) -> int:
    """Write the layout's CSV to a text stream (opened with newline=""); the number of postings written."""
    writer = csv.writer(stream, delimiter=layout.delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    written = 0
    for cells in render_rows(layout, batch, rows):
        writer.writerow(cells)
        written += 1
        if progress is not None and written % every == 0:
            progress(written - (1 if layout.header else 0))
    return written - (1 if layout.header and written else 0)


# ---- the same file written by PostgreSQL ------------------------------------------------------------------------
# `sql_columns` turns a layout into SELECT expressions over the batch's rows (the aliases of
# ledger.journals.selectors.batch_rows_sql: t transaction, l line, e entry), so that COPY ... TO STDOUT (FORMAT
# csv) writes the very bytes `write_csv` does, at the speed of COPY. Empty text becomes NULL, which PostgreSQL's CSV
# writes as nothing, as Python's csv module writes an empty string; both quote a cell holding the delimiter or a
# double quote (text cells hold no CR or LF: one_line) and end lines with LF.
# tests/integration/test_journal_file_paths.py holds the two to it.


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_text(expression: str) -> str:
    """one_line then neutralise, in SQL, evaluating `expression` twice at most (a CR first becomes a space, so the
    leading characters that matter are = + - @ and tab)."""
    return (f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9)) THEN '''' ELSE '' END "
            f"|| translate({expression}, chr(13) || chr(10), '  ')")


def _sql_date(python_format: str) -> str:
    return _literal(python_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD"))


def _sql_period(layout: Layout) -> str:
    if layout.period_format == "yyyypp":
        return "l.period_year::text || lpad(l.period_number::text, 2, '0')"
    if layout.period_format == "number":
        return "l.period_number::text"
    return ("l.period_year::text || '-' || lpad(((l.period_year + 1) % 100)::text, 2, '0') || ' P' || "
            "lpad(l.period_number::text, 2, '0')")


#: Text a person typed (memos, mapped codes): made one line and neutralised in SQL.
_SQL_TYPED: dict[str, str] = {
    "cost_centre": "l.cost_centre",
    "subjective": "l.subjective",
    "project": "l.project_code",
    "description": "CASE WHEN l.period_note <> '' THEN t.memo || ' (' || l.period_note || ')' ELSE t.memo END",
}
#: Cells this service writes itself in a fixed form (digits, a letter then digits): nothing to make safe.
_SQL_FORMED: dict[str, Callable[[Layout], str]] = {
    "date": lambda lay: f"to_char(t.transaction_date, {_sql_date(lay.date_format)})",
    "period": lambda lay: _sql_period(lay),
    "debit": lambda lay: "CASE WHEN e.amount > 0 THEN e.amount::text END",
    "credit": lambda lay: "CASE WHEN e.amount < 0 THEN (-e.amount)::text END",
    "amount": lambda lay: "e.amount::text",
    "dc_flag": lambda lay: "CASE WHEN e.amount > 0 THEN '1' ELSE '-1' END",
    "reference": lambda lay: "'T' || t.id::text",
}
#: The same in every row of a batch: worked out once, in Python, by the same getters write_csv uses.
_BATCH_CONSTANT = ("created_date", "batch", "authority", "currency", "oracle_ledger_id", "unit4_client",
                   "unit4_voucher_type")
_NO_ROW = JournalRow(date(2000, 1, 1), 2000, 1, "", "", "", "", Decimal("0.00"), "", 0, "")


def sql_columns(layout: Layout, batch: BatchContext) -> list[str]:
    """One SQL expression per column of the layout (text; NULL for an empty cell)."""
    getters = _compile(layout, batch)
    out = []
    for (_, source), get in zip(layout.columns, getters, strict=True):
        if isinstance(source, Const) or source in _BATCH_CONSTANT:
            expression = _literal(get(_NO_ROW))
        elif source in _SQL_TYPED:
            expression = _sql_text(_SQL_TYPED[source])
        else:
            expression = _SQL_FORMED[source](layout)
        out.append(f"NULLIF({expression}, '')")
    return out
