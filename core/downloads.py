"""Serving a privately stored file: read it back, check it against the hash taken when it was stored, and answer
with headers that keep it out of caches and stop browsers guessing its type. The caller checks who may see it and
records the access (core.audit) before it answers."""

import hashlib
from typing import Any

from django.http import HttpResponse


class StoredFileAltered(Exception):
    """A privately stored file no longer matches the hash taken when it was stored: it is not served."""


def stored_bytes(field: Any, *, sha256: str = "", label: str = "The stored file") -> bytes:
    """The file's bytes; StoredFileAltered when `sha256` is given and the bytes no longer match it."""
    with field.open("rb") as handle:
        content: bytes = handle.read()
    if sha256 and hashlib.sha256(content).hexdigest() != sha256:
        raise StoredFileAltered(f"{label} does not match the hash taken when it was stored")
    return content


def private_response(content: bytes, *, content_type: str, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
