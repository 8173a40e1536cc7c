"""The checks every scan passes before it is stored: PDF, JPEG or PNG by its content (the first bytes, whatever
the name says), 10 MB at most, not empty."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ScanRejected

MAX_SCAN_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@dataclass(frozen=True)
class CheckedScan:
    content: bytes
    content_type: str
    extension: str


def check_scan(content: bytes) -> CheckedScan:
    if not content:
        raise ScanRejected("The selected file is empty.")
    if len(content) > MAX_SCAN_BYTES:
        raise ScanRejected("The selected file must be 10 MB or smaller.")
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return CheckedScan(content=content, content_type=content_type, extension=extension)
    raise ScanRejected("The selected file must be a PDF, JPEG or PNG (its content is not one of these).")
