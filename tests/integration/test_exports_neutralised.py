"""Every spreadsheet export neutralises text that a spreadsheet would run as a formula: text beginning with
= + - @ tab or carriage return is written with a leading apostrophe (and stays text); numbers stay numbers. Each
test seeds such strings into the data, builds the export, reopens the file and reads every cell."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from moneyed import Money

from contracts.resources import ContractResource, UsageExportResource
from contracts.selectors import usage_export_rows
from contracts.services.run_spreadsheets import run_spreadsheet_bytes
from contracts.services.runs import run_calculate, run_create
from contracts.spreadsheets import write_usage_workbook
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db

DANGEROUS = ["=HYPERLINK(\"http://x.invalid\",\"click\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
             "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cells(content: bytes) -> list[tuple[str, str, Any]]:
    """(sheet, coordinate, value) of every cell read back from the workbook, formulas as their text."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    out = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out.append((ws.title, cell.coordinate, cell.value, cell.data_type))
    return out


def assert_neutralised(content: bytes, payloads: list[str]) -> int:
    cells = text_cells(content)
    found = 0
    for sheet, coordinate, value, kind in cells:
        if not isinstance(value, str):
            continue
        if kind == "f":  # the workbook's own formulas: none may carry a seeded string
            assert not any(p.strip("\t\r=+-@")[:8] in value for p in payloads), (sheet, coordinate, value)
            continue
        assert not value.startswith(STARTS), (sheet, coordinate, value)
        if any(value == "'" + p for p in payloads):
            found += 1
    return found


@pytest.fixture
def hostile() -> dict[str, Any]:
    kent = AuthorityFactory(short_code="kent", name="=Kent Council")
    medway = AuthorityFactory(short_code="medway", name="+Medway Council")
    bexley = AuthorityFactory(short_code="bexley", name="@Bexley Council")
    contract = ActiveContractFactory(reference="=CAFIS", title=DANGEROUS[0], lead_authority=kent,
                                     parties=[medway, bexley], start_date=date(2016, 4, 1),
                                     end_date=date(2018, 3, 31))
    history = ActiveContractFactory(reference="-HIST", title=DANGEROUS[1], lead_authority=kent,
                                    parties=[medway, bexley], start_date=date(2012, 4, 1),
                                    end_date=date(2015, 3, 31))
    for i, (authority, count) in enumerate(((kent, 430), (medway, 115), (bexley, 70))):
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2013, 6, 1), measure="children",
                           quantity=Decimal(count), source_key=DANGEROUS[3 + i])
    return {"kent": kent, "medway": medway, "bexley": bexley, "contract": contract, "history": history,
            "maker": UserFactory(authority=kent), "checker": UserFactory(authority=kent)}


def test_the_apportionment_spreadsheet_neutralises_every_text_cell(hostile):
    run = run_create(
        contract=hostile["contract"], title=DANGEROUS[2], total_cost=Money(Decimal("752550.00"), "GBP"),
        cost_start_date=date(2016, 4, 1), cost_end_date=date(2018, 3, 31), basis="children",
        basis_label=DANGEROUS[4], basis_contracts=[hostile["history"]], usage_start_date=date(2012, 4, 1),
        usage_end_date=date(2015, 3, 31), by=hostile["maker"], now=NOW)
    run = run_calculate(run=run, by=hostile["maker"], now=NOW)
    content = run_spreadsheet_bytes(run=run)
    seeded = [*DANGEROUS, "=Kent Council", "+Medway Council", "@Bexley Council", "=CAFIS", "-HIST"]
    assert assert_neutralised(content, seeded) >= 3
    numbers = [v for _, _, v, kind in text_cells(content) if kind == "n"]
    assert numbers, "the amounts must stay numeric"


def test_the_streaming_usage_export_neutralises_references_and_keys(hostile):
    out = io.BytesIO()
    assert write_usage_workbook(usage_export_rows(), out) == 3
    content = out.getvalue()
    assert assert_neutralised(content, [*DANGEROUS, "-HIST"]) >= 4
    quantities = [v for _, c, v, kind in text_cells(content) if c.startswith("E") and kind == "n"]
    assert sorted(quantities) == [70, 115, 430]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_admin_usage_export_neutralises_text(hostile, fmt):
    dataset = UsageExportResource().export()
    _check_dataset(dataset, fmt, [*DANGEROUS[3:], "-HIST"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_admin_register_export_neutralises_text(hostile, fmt):
    dataset = ContractResource().export()
    _check_dataset(dataset, fmt, [*DANGEROUS[:2], "=CAFIS", "-HIST"])


def _check_dataset(dataset: Any, fmt: str, payloads: list[str]) -> None:
    if fmt == "xlsx":
        assert_neutralised(dataset.export("xlsx"), payloads)
        return
    rows = list(csv.reader(io.StringIO(dataset.export("csv"))))
    for row in rows:
        for value in row:
            assert not value.startswith(STARTS), value

