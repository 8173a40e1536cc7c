"""The checks every scan passes before it is stored: PDF, JPEG or PNG by its content (the first bytes, whatever
the name says), 10 MB at most, not empty."""

from __future__ import annotations

from dataclasses import dataclass

from core.uploads import SIGNATURES, sniff

from .errors import ScanRejected

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png")


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
    content_type = sniff(content, SCAN_TYPES)
    if content_type is not None:
        return CheckedScan(content=content, content_type=content_type, extension=SIGNATURES[content_type][1])
    raise ScanRejected("The selected file must be a PDF, JPEG or PNG (its content is not one of these).")
