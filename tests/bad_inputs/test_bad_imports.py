"""Bad files for every import: the fund's remittance (page), historic contract usage (page and service) and the
contract register (django-import-export resource, as the admin uses it). Each is refused with a message that
says what is wrong, and no row is written anywhere."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models.applications import Status
from contracts.models import Contract
from contracts.resources import ContractResource
from contracts.services.errors import ContractError
from contracts.services.register import contract_create, contract_update
from contracts.services.usage_import import usage_import
from core.uploads import MAX_UPLOAD_BYTES
from tests.factories import ProviderFactory, UserFactory
from tests.factories_claims import build
from tests.factories_contracts import NOW, ActiveContractFactory
from tests.helpers import signed_in

from .conftest import changed, table_counts

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_macros(content: bytes) -> bytes:
    """A real workbook with a VBA project added, still called .xlsx."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\x00VBA macro")
    return out.getvalue()


def macro_content_type(content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            target.writestr(info, data)
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&lol2;</Types>')
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&e;</Types>')
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512

# Files any importer must refuse before reading a row: (case id, file name, content builder, expected text)
FILE_CASES: list[tuple[str, str, Any, str]] = [
    ("an .xlsm workbook", "data.xlsm", lambda: xlsx([["a"]]), "must be a CSV file"),
    ("an old .xls workbook", "data.xls", lambda: OLE, "must be a CSV file"),
    ("a PDF", "data.pdf", lambda: b"%PDF-1.4", "must be a CSV file"),
    ("an executable", "data.exe", lambda: b"MZ\x90\x00", "must be a CSV file"),
    ("no extension", "data", lambda: b"a,b\n", "must be a CSV file"),
    ("double extension ending .xlsm", "data.xlsx.xlsm", lambda: xlsx([["a"]]), "must be a CSV file"),
    ("macros inside an .xlsx", "data.xlsx", lambda: with_macros(xlsx([["a"]])), "contains macros"),
    ("macro content type in an .xlsx", "data.xlsx", lambda: macro_content_type(xlsx([["a"]])), "contains macros"),
    ("an .xls renamed .xlsx", "data.xlsx", lambda: OLE, "not an Excel workbook"),
    ("text renamed .xlsx", "data.xlsx", lambda: b"reference,amount\nA,1\n", "not an Excel workbook"),
    ("a broken zip renamed .xlsx", "data.xlsx", lambda: b"PK\x03\x04broken", "not an Excel workbook"),
    ("a zip with no manifest", "data.xlsx", lambda: zip_of({"a.txt": b"hello"}), "no content types"),
    ("a zip that is not a workbook", "data.xlsx",
     lambda: zip_of({"[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                            b'content-types"/>'}), "no workbook"),
    ("an entity-expansion manifest", "data.xlsx",
     lambda: zip_of({"[Content_Types].xml": BILLION_LAUGHS}), "unsafe or unreadable"),
    ("an external-entity manifest", "data.xlsx",
     lambda: zip_of({"[Content_Types].xml": EXTERNAL_ENTITY}), "unsafe or unreadable"),
    ("a workbook renamed .csv", "data.csv", lambda: xlsx([["a"]]), "not a CSV file"),
    ("an .xls renamed .csv", "data.csv", lambda: OLE, "not a CSV file"),
    ("binary with NUL bytes as .csv", "data.csv", lambda: b"ref\x00amount\x00\n", "not a CSV file"),
    ("an empty file", "data.csv", lambda: b"", "empty"),
    ("a file over the size limit", "data.csv", lambda: b"a" * (MAX_UPLOAD_BYTES + 1), "smaller than 20 MB"),
]


def remittance_post(client: Any, w: Any, name: str, content: bytes, **over: str) -> Any:
    data = {"authority": w.authority.pk, "payment_date_day": "30", "payment_date_month": "6",
            "payment_date_year": "2025", "file": SimpleUploadedFile(name, content)}
    data.update(over)
    return client.post(reverse("claims:remittance_import"), data)


def summary_of(response: Any) -> str:
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body, body[:2000]
    return body.split("govuk-error-summary", 1)[1].replace("&#x27;", "'").replace("&#39;", "'")


@pytest.mark.parametrize(("name", "content", "expected"), [c[1:] for c in FILE_CASES],
                         ids=[f"remittance: {c[0]}" for c in FILE_CASES])
def test_the_remittance_page_refuses_bad_files(client, kent, name, content, expected):
    signed_in(client, kent.finance)
    body = content()
    before = table_counts()
    response = remittance_post(client, kent, name, body)
    assert expected.lower() in summary_of(response).lower()
    assert changed(before, table_counts()) == {}
    assert "claims_remittance" not in client.session


@pytest.fixture
def remitting(kent: Any) -> Any:
    kent.approved = build(kent, Status.APPROVED, therapy="700.00")
    kent.medway_approved = build(kent.medway, Status.APPROVED, therapy="500.00")
    return kent


def test_a_remittance_for_an_authority_outside_scope_is_refused(client, remitting):
    signed_in(client, remitting.finance)
    before = table_counts()
    response = remittance_post(client, remitting, "remit.csv", b"Fund reference,Amount\nX,1\n",
                               authority=str(remitting.medway.authority.pk))
    assert "select a valid choice" in summary_of(response).lower()
    assert changed(before, table_counts()) == {}


# ---- historic usage ----------------------------------------------------------------------------------------------

USAGE_HEADER = "contract_reference,authority,usage_date,measure,quantity\n"


@pytest.fixture
def usage_world(kent: Any) -> Any:
    kent.contract = ActiveContractFactory(reference="CAFIS-2016", lead_authority=kent.authority,
                                          parties=[kent.medway.authority])
    return kent


@pytest.mark.parametrize(("name", "content", "expected"), [c[1:] for c in FILE_CASES],
                         ids=[f"usage page: {c[0]}" for c in FILE_CASES])
def test_the_usage_import_page_refuses_bad_files(client, usage_world, name, content, expected):
    signed_in(client, usage_world.finance)
    body = content()
    before = table_counts()
    response = client.post(reverse("contracts:usage_import"), {"step": "preview",
                                                              "file": SimpleUploadedFile(name, body)})
    summary = summary_of(response).lower()
    assert expected.lower() in summary or "must be a csv file or an excel workbook" in summary
    assert changed(before, table_counts()) == {}


USAGE_ROWS: list[tuple[str, str, str]] = [
    ("wrong columns", "a,b\n1,2\n", "The columns are wrong"),
    ("a column missing", "contract_reference,authority,usage_date,measure\nCAFIS-2016,kent,2016-05-01,referrals\n",
     "missing quantity"),
    ("a column named twice", "contract_reference,authority,usage_date,measure,quantity,quantity\n"
                             "CAFIS-2016,kent,2016-05-01,referrals,1,1\n", "The columns are wrong"),
    ("header only", USAGE_HEADER, "no rows of usage"),
    ("unknown contract", USAGE_HEADER + "NOPE-1,kent,2016-05-01,referrals,1\n", "no contract"),
    ("unknown authority", USAGE_HEADER + "CAFIS-2016,atlantis,2016-05-01,referrals,1\n", "no authority"),
    ("not a date", USAGE_HEADER + "CAFIS-2016,kent,yesterday,referrals,1\n", "is not a date"),
    ("impossible date", USAGE_HEADER + "CAFIS-2016,kent,2016-02-30,referrals,1\n", "is not a date"),
    ("unknown measure", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,hugs,1\n", "is not a usage measure"),
    ("negative quantity", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,referrals,-2\n", "cannot be negative"),
    ("quantity in words", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,referrals,two\n", "is not a number"),
    ("quantity NaN", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,referrals,NaN\n", "is not a number"),
    ("empty quantity", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,referrals,\n", "Enter the quantity"),
    ("empty contract", USAGE_HEADER + ",kent,2016-05-01,referrals,1\n", "Enter the contract reference"),
    ("one good row and one bad", USAGE_HEADER + "CAFIS-2016,kent,2016-05-01,referrals,1\n"
                                                "CAFIS-2016,kent,2016-05-02,referrals,-1\n", "cannot be negative"),
    ("not UTF-8", USAGE_HEADER + "CAFIS-2016,k\xe9nt,2016-05-01,referrals,1\n", "UTF-8"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in USAGE_ROWS],
                         ids=[f"usage service: {c[0]}" for c in USAGE_ROWS])
def test_the_usage_import_refuses_bad_rows_all_or_nothing(usage_world, content, expected):
    raw = content.encode("latin-1") if expected == "UTF-8" else content.encode()
    before = table_counts()
    with pytest.raises(ContractError) as refused:
        usage_import(content=raw, file_name="usage.csv", by=usage_world.finance, now=NOW,
                     dry_run=False,
                     contracts=Contract.objects.for_user(usage_world.finance))
    error = refused.value
    text = str(error) + " " + " ".join(p.message for p in getattr(getattr(error, "report", None), "problems", []))
    assert expected.lower() in text.lower(), text
    assert changed(before, table_counts()) == {}


# ---- the contract register (admin import) ----------------------------------------------------------------------

REGISTER_HEADERS = ["reference", "title", "provider", "lead_authority", "parties", "procurement_route", "pricing",
                    "start_date", "end_date", "total_value", "capacity_per_year"]
GOOD_REGISTER_ROW = {"reference": "NEW-9", "title": "New service", "provider": "Coram", "lead_authority": "kent",
                     "parties": "kent", "procurement_route": "block", "pricing": "block_sum",
                     "start_date": "2025-04-01", "end_date": "2027-03-31", "total_value": "12000.00",
                     "capacity_per_year": 40}

REGISTER_CASES: list[tuple[str, dict[str, Any]]] = [
    ("ends before it starts", {"end_date": "2024-03-31"}),
    ("not a date", {"start_date": "next April"}),
    ("unknown provider", {"provider": "Nobody Ltd"}),
    ("unknown lead authority", {"lead_authority": "atlantis"}),
    ("unknown party", {"parties": "kent;atlantis"}),
    ("value in words", {"total_value": "a lot"}),
    ("negative value", {"total_value": "-5"}),
    ("capacity in words", {"capacity_per_year": "many"}),
    ("unknown procurement route", {"procurement_route": "handshake"}),
    ("no title", {"title": ""}),
]


@pytest.mark.parametrize("over", [c[1] for c in REGISTER_CASES], ids=[f"register: {c[0]}" for c in REGISTER_CASES])
def test_the_register_import_refuses_bad_rows_and_writes_nothing(kent, over):
    ProviderFactory(name="Coram")
    admin = UserFactory(authority=kent.authority, is_staff=True, is_superuser=True)
    row = {**GOOD_REGISTER_ROW, **over}
    data = tablib.Dataset(headers=REGISTER_HEADERS)
    data.append([row[h] for h in REGISTER_HEADERS])
    before = table_counts()
    resource = ContractResource(by=admin, create=contract_create, update=contract_update)
    result = resource.import_data(data, dry_run=False, use_transactions=True)
    assert result.has_errors() or result.has_validation_errors()
    messages = [str(e.error) for _, errors in result.row_errors() for e in errors]
    messages += [str(v) for invalid in result.invalid_rows for v in invalid.error_dict.values()]
    assert messages and all(m.strip() for m in messages)
    assert not Contract.objects.filter(reference="NEW-9").exists()
    assert changed(before, table_counts()) == {}
