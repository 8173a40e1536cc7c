"""core.downloads: a stored file is served only while it matches the hash taken when it was stored, and always
with private, no-sniff headers. core.uploads.sniff: a document or scan is told by its first bytes."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from core.downloads import StoredFileAltered, private_response, stored_bytes
from core.uploads import sniff


def test_a_file_that_matches_its_hash_is_read() -> None:
    content = b"%PDF-1.4 a letter"
    assert stored_bytes(ContentFile(content), sha256=hashlib.sha256(content).hexdigest()) == content


def test_a_file_changed_since_it_was_stored_is_refused() -> None:
    recorded = hashlib.sha256(b"%PDF-1.4 as issued").hexdigest()
    with pytest.raises(StoredFileAltered, match="Letter L-1 does not match"):
        stored_bytes(ContentFile(b"%PDF-1.4 altered"), sha256=recorded, label="Letter L-1")


def test_without_a_recorded_hash_the_bytes_are_read_as_they_are() -> None:
    assert stored_bytes(ContentFile(b"\x89PNG scan")) == b"\x89PNG scan"


@pytest.mark.parametrize(("inline", "disposition"), [(True, "inline"), (False, "attachment")])
def test_the_response_is_private_and_not_sniffed(inline: bool, disposition: str) -> None:
    response = private_response(b"a,b\n", content_type="text/csv", filename="run-1.csv", inline=inline)
    assert response.content == b"a,b\n"
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'{disposition}; filename="run-1.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


# core.uploads.sniff: documents and scans are told by their first bytes, never by their name.
@pytest.mark.parametrize(("content", "kind"), [
    (b"%PDF-1.7\n...", "application/pdf"),
    (b"\xff\xd8\xff\xe0 JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n IHDR", "image/png"),
    (b"PK\x03\x04 a zip called scan.pdf", None),
    (b"", None),
])
def test_sniff_tells_the_kind_by_content(content: bytes, kind: str | None) -> None:
    assert sniff(content) == kind


def test_sniff_only_answers_with_an_allowed_kind() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n", ("application/pdf",)) is None
    assert sniff(b"%PDF-1.4", ("application/pdf",)) == "application/pdf"
