"""The apportionment workbook, built from plain data (no database): its live formulas, evaluated independently
here, give exactly the split `apportion` gives; text is neutralised; the bytes do not depend on the clock."""

import io
import time
import zipfile
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.escape import unescape

from contracts.apportionment import apportion_with_fixed_share
from contracts.spreadsheets import FACT_LABELS, GBP_FORMAT, RunSheet, SheetLine, build_run_workbook, sheet_title
from core.spreadsheets import neutralise, neutralise_row

# ---- a small, independent evaluator for the formulas the workbook uses ------------------------------------------


def _num(value):  # type: ignore[no-untyped-def]
    if value is None or value == "":
        return Fraction(0)
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    return Fraction(Decimal(str(value)))


def _flat(args):  # type: ignore[no-untyped-def]
    for arg in args:
        if isinstance(arg, list):
            yield from arg
        else:
            yield arg


def _round(x, places):  # type: ignore[no-untyped-def]
    exponent = Decimal(1).scaleb(-int(places))
    value = Decimal(x.numerator) / Decimal(x.denominator)
    return Fraction(value.quantize(exponent, rounding=ROUND_HALF_UP))  # Excel: half away from zero


FUNCTIONS = {
    "SUM": lambda *a: sum((_num(v) for v in _flat(a)), Fraction(0)),
    "ROUND": _round,
    "INT": lambda x: Fraction(x.numerator // x.denominator),
    "IF": lambda c, a, b: a if c else b,
    "AND": lambda *a: all(a),
    "RANK": lambda x, values, order: 1 + sum(1 for v in values if _num(v) > x),
    "COUNTIF": lambda values, x: sum(1 for v in values if _num(v) == x),
}


class Sheet:
    def __init__(self, ws):  # type: ignore[no-untyped-def]
        self.ws = ws
        self.cache: dict[str, object] = {}

    def cell(self, ref):  # type: ignore[no-untyped-def]
        ref = ref.replace("$", "")
        if ref not in self.cache:
            value = self.ws[ref].value
            self.cache[ref] = self.evaluate(value) if isinstance(value, str) and value.startswith("=") else (
                value if isinstance(value, str) else _num(value))
        return self.cache[ref]

    def range(self, ref):  # type: ignore[no-untyped-def]
        start, end = ref.replace("$", "").split(":")
        return [self.cell(c.coordinate) for row in self.ws[f"{start}:{end}"] for c in row]

    def evaluate(self, formula):  # type: ignore[no-untyped-def]
        parts = []
        for token in Tokenizer(formula).items:
            if token.type == Token.OPERAND and token.subtype == Token.RANGE:
                parts.append(f"R({token.value!r})" if ":" in token.value else f"C({token.value!r})")
            elif token.type == Token.OPERAND and token.subtype == Token.NUMBER:
                parts.append(f"N({token.value!r})")
            elif token.type == Token.FUNC and token.subtype == Token.OPEN:
                parts.append(f"F[{token.value[:-1]!r}](")
            elif token.type in (Token.FUNC, Token.PAREN):
                parts.append(token.value)
            elif token.type == Token.SEP:
                parts.append(",")
            elif token.type == Token.OP_IN:
                parts.append({"=": "==", "<>": "!="}.get(token.value, token.value))
            elif token.type == Token.OP_PRE:
                parts.append(token.value)
            elif token.type == Token.WSPACE:
                continue
            else:
                raise AssertionError(f"unexpected token {token.type} {token.value}")
        env = {"R": self.range, "C": self.cell, "N": lambda t: Fraction(Decimal(t)), "F": FUNCTIONS}
        return eval("".join(parts), env)  # our own workbook's formulas, in a test


# ---- building sheets from plain data ----------------------------------------------------------------------------

STAMP = datetime(2018, 5, 1, 9, 30)


def make_sheet(total: Decimal, weights: dict[str, Decimal], fixed: Decimal = Decimal(0), usage=None) -> RunSheet:  # type: ignore[no-untyped-def]
    parts = apportion_with_fixed_share(Money(total, "GBP"), weights, fixed_percent=fixed)
    names = sorted(weights)
    lines = [SheetLine(authority_id=i, name=n, weight=weights[n], fixed_amount=parts[n][0].amount,
                       usage_amount=parts[n][1].amount, amount=(parts[n][0] + parts[n][1]).amount,
                       explanation=f"{n}: {weights[n]}") for i, n in enumerate(names)]
    facts = list(zip(FACT_LABELS, ["C-1: Test", "Provider", "Kent", total, "1 April 2016 to 31 March 2018",
                                   "adoptions", "1 April 2012 to 31 March 2015", fixed / 100, "Approved"],
                     strict=True))
    usage = usage or {}
    return RunSheet(heading="Apportionment", facts=facts, total=total, fixed_percent=fixed, measure_label="Children",
                    timestamp=STAMP, lines=lines, usage_rows=lambda pk: usage.get(pk, []))


def reopen(content: bytes):  # type: ignore[no-untyped-def]
    return openpyxl.load_workbook(io.BytesIO(content))


def line_rows(ws, count):  # type: ignore[no-untyped-def]
    return range(13, 13 + count)


class TestFormulas:
    def test_the_cafis_split_is_computed_by_the_formulas(self):
        sheet = make_sheet(Decimal("752550.00"), {"Kent": Decimal(430), "Medway": Decimal(115), "Bexley": Decimal(70)})
        book = reopen(build_run_workbook(sheet))
        ws = book["Summary"]
        ev = Sheet(ws)
        assert [ws[f"A{r}"].value for r in line_rows(ws, 3)] == ["Bexley", "Kent", "Medway"]
        for row, line in zip(line_rows(ws, 3), sheet.lines, strict=True):
            for column in "CDEFH":
                assert ws[f"{column}{row}"].data_type == "f" and ws[f"{column}{row}"].value.startswith("=")
            assert Decimal(str(ws[f"G{row}"].value)) == line.amount  # the stored split, beside the formulas
            assert ev.cell(f"F{row}") == Fraction(line.amount)
            assert ev.cell(f"H{row}") == 0
        assert ev.cell("F16") == Fraction(Decimal("752550.00"))
        assert ws["G13"].number_format == GBP_FORMAT and ws["F13"].number_format == GBP_FORMAT
        assert ev.cell("C14") == Fraction(430, 615)

    @settings(max_examples=40, deadline=None)
    @given(
        st.integers(min_value=0, max_value=10**9).map(lambda p: Decimal(p) / 100),
        st.dictionaries(st.sampled_from(["Bexley", "Kent", "Medway", "Swale", "Dover"]),
                        st.one_of(st.integers(0, 5000).map(Decimal),
                                  st.decimals(0, 500, places=2, allow_nan=False, allow_infinity=False)),
                        min_size=1, max_size=5).filter(lambda w: sum(w.values()) > 0),
        st.sampled_from([Decimal(0), Decimal(20), Decimal("33.33"), Decimal(100)]),
    )
    def test_the_formulas_always_give_the_stored_split(self, total, weights, fixed):  # type: ignore[no-untyped-def]
        sheet = make_sheet(total, weights, fixed)
        ws = reopen(build_run_workbook(sheet))["Summary"]
        ev = Sheet(ws)
        for row, line in zip(line_rows(ws, len(weights)), sheet.lines, strict=True):
            assert ev.cell(f"D{row}") == Fraction(line.fixed_amount)
            assert ev.cell(f"E{row}") == Fraction(line.usage_amount)
            assert ev.cell(f"H{row}") == 0
        assert ev.cell(f"F{13 + len(weights)}") == Fraction(total)


class TestLayout:
    def test_sheets_headers_widths_print_titles_and_chart(self):
        usage = {0: [("HIST", date(2013, 6, 1), Decimal("69.00"), "import:1:2")],
                 1: [("HIST", date(2013, 6, 1), Decimal("429.00"), "import:1:3"),
                     ("HIST", date(2014, 6, 1), Decimal("1.00"), "import:1:4")]}
        content = build_run_workbook(make_sheet(Decimal("100.00"), {"Bexley": Decimal(70), "Kent": Decimal(430)},
                                                usage=usage))
        book = reopen(content)
        assert book.sheetnames == ["Summary", "Bexley", "Kent"]
        summary, kent = book["Summary"], book["Kent"]
        assert summary.freeze_panes == "B13" and kent.freeze_panes == "A2"
        assert summary.print_title_rows == "$12:$12" and kent.print_title_rows == "$1:$1"
        assert summary.column_dimensions["I"].width == 70 and kent.column_dimensions["D"].width == 48
        assert [c.value for c in kent[1]] == ["Contract", "Date", "Quantity", "Source"]
        assert kent["B2"].value == datetime(2013, 6, 1) and kent["B2"].number_format == "dd/mm/yyyy"
        assert kent["C4"].value == "=SUM(C2:C3)"
        assert summary["B5"].value == 100 and summary["B5"].number_format == GBP_FORMAT
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert "xl/charts/chart1.xml" in names

    def test_reports_progress(self):
        usage = {0: [("C", date(2013, 1, 1), Decimal(1), f"k:{n}") for n in range(2500)]}
        seen = []
        build_run_workbook(make_sheet(Decimal("1.00"), {"A": Decimal(1)}, usage=usage), progress=seen.append)
        assert seen == [1000, 2000, 2500]

    def test_text_that_could_be_a_formula_is_neutralised(self):
        evil = "=HYPERLINK(\"http://x\",\"click\")"
        usage = {0: [("+SUM(1)", date(2013, 1, 1), Decimal(1), "@cmd")]}
        sheet = make_sheet(Decimal("1.00"), {evil: Decimal(1)}, usage=usage)
        book = reopen(build_run_workbook(sheet))
        summary = book["Summary"]
        assert summary["A13"].value == "'" + evil and summary["A13"].data_type == "s"
        usage_sheet = book[book.sheetnames[1]]
        assert usage_sheet["A2"].value == "'+SUM(1)" and usage_sheet["D2"].value == "'@cmd"
        assert usage_sheet["C2"].value == 1 and usage_sheet["C2"].data_type == "n"

    def test_the_same_content_gives_the_same_bytes_whatever_the_clock(self, monkeypatch):  # type: ignore[no-untyped-def]
        sheet = make_sheet(Decimal("10.00"), {"A": Decimal(1), "B": Decimal(2)})
        first = build_run_workbook(sheet)
        monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
        monkeypatch.setattr(time, "localtime", lambda *a: time.gmtime(2_000_000_000))
        second = build_run_workbook(sheet)
        assert first == second
        props = reopen(first).properties
        assert props.created == STAMP and props.modified == STAMP

    def test_refuses_facts_out_of_order(self):
        sheet = make_sheet(Decimal("1.00"), {"A": Decimal(1)})
        sheet.facts = list(reversed(sheet.facts))
        with pytest.raises(ValueError, match="in order"):
            build_run_workbook(sheet)

    def test_sheet_titles_are_valid_and_unique(self):
        used = {"summary"}
        assert sheet_title("Royal Borough of Kingston upon Thames Council", used) == "Royal Borough of Kingston upon "
        assert sheet_title("Royal Borough of Kingston upon Thames", used) == "Royal Borough of Kingston u (2)"
        assert sheet_title("a/b:c*d?[e]", used) == "a b c d  e"
        assert sheet_title("Summary", used) == "Summary (2)"


class TestNeutralise:
    @pytest.mark.parametrize("text", ["=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
    def test_dangerous_text_gets_an_apostrophe(self, text):  # type: ignore[no-untyped-def]
        assert neutralise(text) == "'" + text

    @pytest.mark.parametrize("value", ["Kent", "", "a=b", 5, Decimal("-2.50"), -3, None, date(2016, 4, 1)])
    def test_everything_else_is_unchanged(self, value):  # type: ignore[no-untyped-def]
        assert neutralise(value) == value

    def test_rows(self):
        assert neutralise_row(["=x", 1, "y"]) == ["'=x", 1, "y"]


class TestUsageExport:
    def test_streams_rows_with_native_numbers_and_dates_and_neutralised_text(self):
        from contracts.spreadsheets import USAGE_EXPORT_HEADERS, write_usage_workbook

        rows = [("KCC-1", "kent", date(2016, 4, 1), "referrals", Decimal("2.50"), "commissioning.referral:1"),
                ("=EVIL()", "medway", date(2016, 4, 2), "spend", Decimal("10.00"), "-1+1")]
        out = io.BytesIO()
        assert write_usage_workbook(iter(rows), out) == 2
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Usage"]
        assert [c.value for c in ws[1]] == USAGE_EXPORT_HEADERS
        assert ws["C2"].value == datetime(2016, 4, 1) and ws["C2"].is_date
        assert ws["E2"].value == 2.5 and ws["E2"].data_type == "n"
        assert ws["A3"].value == "'=EVIL()" and ws["A3"].data_type == "s" and ws["F3"].value == "'-1+1"
        assert ws.freeze_panes == "A2"

    def test_bold_header_repeated_on_print_widths_and_uk_dates(self):
        from contracts.spreadsheets import DATE_FORMAT, USAGE_EXPORT_WIDTHS, write_usage_workbook

        out = io.BytesIO()
        write_usage_workbook(iter([("KCC-1", "kent", date(2016, 4, 1), "hours", Decimal("1.50"), "k:1")]), out)
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Usage"]
        assert all(cell.font.bold for cell in ws[1]) and not ws["A2"].font.bold
        assert ws.print_title_rows == "$1:$1"
        assert [ws.column_dimensions[letter].width for letter in "ABCDEF"] == pytest.approx(USAGE_EXPORT_WIDTHS,
                                                                                           abs=1)
        assert ws["C2"].number_format == DATE_FORMAT

    def test_text_that_looks_like_a_link_a_number_or_a_control_stays_the_same_text(self):
        from contracts.spreadsheets import write_usage_workbook

        rows = [("http://x.invalid/a", "kent", date(2016, 4, 1), "hours", Decimal("1"), "0044"),
                ("\tTAB", "kent", date(2016, 4, 1), "hours", Decimal("1"), "\r=1+1")]
        out = io.BytesIO()
        write_usage_workbook(iter(rows), out)
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Usage"]
        assert (ws["A2"].value, ws["A2"].hyperlink, ws["F2"].value, ws["F2"].data_type) == (
            "http://x.invalid/a", None, "0044", "s")
        # A carriage return is stored as Excel's escape _x000D_ (an XML reader would turn a bare one into \n).
        assert (ws["A3"].value, unescape(ws["F3"].value)) == ("'\tTAB", "'\r=1+1")

    def test_no_rows_is_a_header_only_workbook(self):
        from contracts.spreadsheets import USAGE_EXPORT_HEADERS, write_usage_workbook

        out = io.BytesIO()
        assert write_usage_workbook(iter([]), out) == 0
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Usage"]
        assert [c.value for c in ws[1]] == USAGE_EXPORT_HEADERS and ws.max_row == 1
