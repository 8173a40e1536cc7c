"""Every journal layout on a small worked example, cell by cell: amounts to the penny, dates as the layout asks,
text neutralised against formula injection, numbers left as numbers."""

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.journals.layouts import (
    GENERIC,
    LAYOUTS,
    ORACLE,
    UNIT4,
    BatchContext,
    JournalRow,
    UnknownLayout,
    get_layout,
    write_csv,
)

BATCH = BatchContext(reference="J-KENT-000007", authority_code="KENT", created_date=date(2026, 7, 2))
ROWS = [
    JournalRow(date(2026, 5, 3), 2026, 2, "", "CC100", "S4010", "", Decimal("1234.50"), "Therapy for family A",
               41, "support_expenditure"),
    JournalRow(date(2026, 5, 3), 2026, 3, "2026-27 P02 is closed: booked in 2026-27 P03", "CC100", "=HYPERLINK(1)",
               "P9", Decimal("-1234.50"), "@SUM(A1)", 41, "provider_creditors"),
]


def cells(layout, rows=ROWS):  # type: ignore[no-untyped-def]
    out = io.StringIO(newline="")
    count = write_csv(out, layout, BATCH, rows)
    assert count == len(rows)
    text = out.getvalue()
    assert text.endswith("\n") and "\r\n" not in text
    return list(csv.reader(io.StringIO(text, newline="")))


class TestGeneric:
    def test_every_cell(self):  # type: ignore[no-untyped-def]
        assert cells(GENERIC) == [
            ["Date", "Period", "Cost centre", "Subjective", "Project", "Debit", "Credit", "Description", "Reference",
             "Batch"],
            ["2026-05-03", "2026-27 P02", "CC100", "S4010", "", "1234.50", "", "Therapy for family A", "T41",
             "J-KENT-000007"],
            ["2026-05-03", "2026-27 P03", "CC100", "'=HYPERLINK(1)", "P9", "", "1234.50",
             "'@SUM(A1) (2026-27 P02 is closed: booked in 2026-27 P03)", "T41", "J-KENT-000007"],
        ]

    def test_no_postings_gives_the_header_alone(self):  # type: ignore[no-untyped-def]
        out = io.StringIO(newline="")
        assert write_csv(out, GENERIC, BATCH, []) == 0
        assert out.getvalue() == ",".join(GENERIC.headers) + "\n"


class TestUnit4:
    def test_every_cell(self):  # type: ignore[no-untyped-def]
        assert cells(UNIT4) == [
            ["J-KENT-000007", "BI", "GL", "GL", "KENT", "S4010", "CC100", "", "GBP", "1", "1234.50", "1234.50",
             "Therapy for family A", "20260503", "20260503", "T41", "202602"],
            ["J-KENT-000007", "BI", "GL", "GL", "KENT", "'=HYPERLINK(1)", "CC100", "P9", "GBP", "-1", "-1234.50",
             "-1234.50", "'@SUM(A1) (2026-27 P02 is closed: booked in 2026-27 P03)", "20260503", "20260503", "T41",
             "202603"],
        ]

    def test_the_client_and_voucher_type_are_the_councils_own(self):  # type: ignore[no-untyped-def]
        batch = replace(BATCH, unit4_client="KC01", unit4_voucher_type="AS")
        out = io.StringIO(newline="")
        write_csv(out, UNIT4, batch, ROWS[:1])
        row = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
        assert (row[2], row[4]) == ("AS", "KC01")

    def test_typed_set_up_codes_are_neutralised_like_any_text(self):  # type: ignore[no-untyped-def]
        batch = replace(BATCH, unit4_client="=1+1", unit4_voucher_type="@X")
        out = io.StringIO(newline="")
        write_csv(out, UNIT4, batch, ROWS[:1])
        row = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
        assert (row[2], row[4]) == ("'@X", "'=1+1")

    def test_the_columns_follow_the_gl07_order(self):  # type: ignore[no-untyped-def]
        assert UNIT4.headers[:6] == ["batch_id", "interface", "voucher_type", "trans_type", "client", "account"]
        assert not UNIT4.header


class TestOracle:
    def test_every_cell(self):  # type: ignore[no-untyped-def]
        blank_segments = [""] * 27
        first, second = cells(ORACLE)
        assert len(first) == len(ORACLE.columns) == 8 + 30 + 4 + 10
        assert first == ["NEW", "", "2026/05/03", "Adoption Support", "Adjustment", "GBP", "2026/07/02", "A",
                         "CC100", "S4010", "", *blank_segments, "1234.50", "", "", "",
                         "J-KENT-000007", "Adoption support ledger", "", "J-KENT-000007", "", "T41", "", "", "",
                         "Therapy for family A"]
        assert second == ["NEW", "", "2026/05/03", "Adoption Support", "Adjustment", "GBP", "2026/07/02", "A",
                          "CC100", "'=HYPERLINK(1)", "P9", *blank_segments, "", "1234.50", "", "",
                          "J-KENT-000007", "Adoption support ledger", "", "J-KENT-000007", "", "T41", "", "", "",
                          "'@SUM(A1) (2026-27 P02 is closed: booked in 2026-27 P03)"]

    def test_the_ledger_id_is_the_councils_own(self):  # type: ignore[no-untyped-def]
        out = io.StringIO(newline="")
        write_csv(out, ORACLE, replace(BATCH, oracle_ledger_id="300000046975971"), ROWS[:1])
        assert next(csv.reader(io.StringIO(out.getvalue(), newline="")))[:2] == ["NEW", "300000046975971"]

    def test_the_columns_follow_gl_interface_order(self):  # type: ignore[no-untyped-def]
        assert ORACLE.headers[:8] == ["STATUS", "LEDGER_ID", "EFFECTIVE_DATE_OF_TRANSACTION", "JOURNAL_SOURCE",
                                      "JOURNAL_CATEGORY", "CURRENCY_CODE", "JOURNAL_ENTRY_CREATION_DATE",
                                      "ACTUAL_FLAG"]
        assert ORACLE.headers[8:38] == [f"SEGMENT{n}" for n in range(1, 31)]
        assert ORACLE.headers[-1] == "REFERENCE10"


class TestEveryLayout:
    @pytest.mark.parametrize("name", sorted(LAYOUTS))
    def test_amounts_are_to_the_penny_and_balance(self, name):  # type: ignore[no-untyped-def]
        layout = LAYOUTS[name]
        rows = [JournalRow(date(2026, 4, 1), 2026, 1, "", "C", "S", "", Decimal(a), "m", 1, "bank")
                for a in ("0.01", "-0.01", "999999999999.99", "-999999999999.99")]
        text = cells(layout, rows)
        body = text[1:] if layout.header else text
        for row in body:
            numbers = [c for c in row if c.replace("-", "").replace(".", "").isdigit() and "." in c]
            assert numbers and all(len(n.split(".")[1]) == 2 for n in numbers), row

    def test_an_unknown_layout_is_refused_by_name(self):  # type: ignore[no-untyped-def]
        with pytest.raises(UnknownLayout, match=r"no journal layout called 'sage'.*generic, oracle, unit4"):
            get_layout("sage")

    @pytest.mark.parametrize("name", sorted(LAYOUTS))
    def test_each_layout_says_which_public_description_it_follows(self, name):  # type: ignore[no-untyped-def]
        assert LAYOUTS[name].follows
