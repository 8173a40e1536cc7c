"""Checks every uploaded spreadsheet passes before anything reads it: a size limit, a .csv or .xlsx name, and
content that matches the name. An .xlsx must be a zip package with `[Content_Types].xml`, a workbook part and no
macros (`vbaProject.bin`, a macro-enabled content type); an .xls, .xlsm or any other binary is refused whatever
it is called. The package's XML manifest is parsed with defusedxml (no entity expansion, no external entities).

`validate_spreadsheet_upload` is a Django form-field validator; `check_spreadsheet(name=, content=)` is the same
check on bytes for imports that do not come through a form. `sniff` tells a PDF, JPEG or PNG by its first bytes, for
the apps that take documents and scans (invoice PDFs, letterbox scans)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc and other OLE2 compound files
ZIP_MAGIC = b"PK\x03\x04"
MACRO_MARKERS = ("vbaproject.bin", "macroenabled", "vbadata", "activex")
XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


#: What a document or image is, by its first bytes (never by its name): content type -> (signature, extension).
SIGNATURES = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
}


def sniff(content: bytes, allowed: tuple[str, ...] = tuple(SIGNATURES)) -> str | None:
    """The content type, among `allowed`, whose signature `content` starts with; None when it is none of them."""
    return next((kind for kind in allowed if content.startswith(SIGNATURES[kind][0])), None)


class UploadRejected(ValidationError):
    """The file is refused; the message says why in words a user can act on."""


def _check_xlsx(content: bytes) -> None:
    if not content.startswith(ZIP_MAGIC):
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): its content is not a workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): it could not be opened") from error
    lowered = [n.lower() for n in names]
    if any(marker in n for n in lowered for marker in MACRO_MARKERS):
        raise UploadRejected("The selected file contains macros: save it as a plain Excel workbook (.xlsx)")
    if "[content_types].xml" not in lowered:
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): it has no content types")
    manifest_name = names[lowered.index("[content_types].xml")]
    info = archive.getinfo(manifest_name)
    if info.file_size > 1024 * 1024:
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): its manifest is too large")
    try:
        root = SafeElementTree.fromstring(archive.read(manifest_name))
    except (DefusedXmlException, SafeElementTree.ParseError) as error:
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): its manifest is unsafe or "
                             "unreadable") from error
    types = [str(el.attrib.get("ContentType", "")).lower() for el in root.iter()]
    if any("macroenabled" in t or "vba" in t for t in types):
        raise UploadRejected("The selected file contains macros: save it as a plain Excel workbook (.xlsx)")
    if XLSX_MAIN_TYPE not in types:
        raise UploadRejected("The selected file is not an Excel workbook (.xlsx): it has no workbook in it")


def _check_csv(content: bytes) -> None:
    if content.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in content[:8192]:
        raise UploadRejected("The selected file is not a CSV file: its content is not text")


def check_spreadsheet(*, name: str, content: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Raise UploadRejected unless `content` is a .csv or a macro-free .xlsx no larger than `max_bytes`."""
    lowered = (name or "").lower().strip()
    if not lowered.endswith(ALLOWED_EXTENSIONS):
        raise UploadRejected("The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
    if len(content) > max_bytes:
        raise UploadRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB")
    if not content:
        raise UploadRejected("The selected file is empty")
    if lowered.endswith(".xlsx"):
        _check_xlsx(content)
    else:
        _check_csv(content)


def validate_spreadsheet_upload(upload: Any) -> None:
    """Form-field validator for an UploadedFile; reads it and rewinds it for the view."""
    if upload is None:
        return
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRejected(f"The selected file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    check_spreadsheet(name=upload.name, content=content)
