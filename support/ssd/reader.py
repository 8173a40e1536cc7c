"""An SSD extract as the import reads it: one CSV file per table, in a folder, a zip, or uploaded one by one.
Pure (no ORM). Files are found by name (`ssd_person.csv`, any case, in any folder of a zip); each is read as a
stream, line by line, so nothing holds a whole table. Text must be UTF-8 (a byte-order mark is allowed); a line
that is not is an error naming the line, and the rest of that file is not read.

The extract's SHA-256 is the zip's (or the one file's) when it came as one file; for a folder or several files,
the SHA-256 of the sorted lines `<file name> <SHA-256 of the file>`, so the same files give the same digest."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from .fields import COLUMNS, REQUIRED_TABLES, TABLES, RowError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXTRACT = "the extract"


class UnreadableExtract(ValueError):
    """The extract as a whole cannot be read (not a zip or CSV files, too large, no person table)."""


@dataclass
class Member:
    name: str  # as the data manager knows it: the file's name within the zip or folder
    open: Callable[[], IO[bytes]]


@dataclass
class Extract:
    name: str
    sha256: str
    tables: dict[str, Member]
    other_files: list[str] = field(default_factory=list)

    def count_lines(self) -> int:
        """Lines in the tables' files (a cheap first pass, for progress)."""
        total = 0
        for member in self.tables.values():
            with member.open() as stream:
                for block in iter(lambda s=stream: s.read(1 << 20), b""):  # type: ignore[misc]
                    total += block.count(b"\n")
        return total


def _table_of(name: str) -> str | None:
    stem = PurePosixPath(name).name.lower()
    if not stem.endswith(".csv"):
        return None
    stem = stem[:-4]
    return stem if stem in TABLES else None


def _collect(name: str, members: list[Member], sha256: str) -> Extract:
    tables: dict[str, Member] = {}
    others = []
    for member in members:
        table = _table_of(member.name)
        if table is None:
            others.append(member.name)
        elif table in tables:
            raise UnreadableExtract(f"The extract has two files for the table {table}: {tables[table].name} and "
                                    f"{member.name}. Keep one.")
        else:
            tables[table] = member
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise UnreadableExtract(f"The extract has no {missing[0]}.csv file: every extract needs its person table.")
    return Extract(name=name, sha256=sha256, tables=tables, other_files=sorted(others))


def _sha256_of_stream(opener: Callable[[], IO[bytes]]) -> str:
    digest = hashlib.sha256()
    with opener() as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _combined_sha256(pairs: list[tuple[str, str]]) -> str:
    return hashlib.sha256("".join(f"{n} {h}\n" for n, h in sorted(pairs)).encode()).hexdigest()


def _from_zip(name: str, opener: Callable[[], IO[bytes]], size: int) -> Extract:
    if size > MAX_UPLOAD_BYTES:
        raise UnreadableExtract(f"The zip must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    try:
        with opener() as stream, zipfile.ZipFile(stream) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableExtract("The zip could not be opened: it is damaged or not a zip file.") from error
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise UnreadableExtract("The zip unpacks to more than 1 GB: split the extract.")
    if any(i.flag_bits & 0x1 for i in infos):
        raise UnreadableExtract("The zip is encrypted: export it without a password.")

    def member(filename: str) -> Member:
        def open_member() -> IO[bytes]:
            archive = zipfile.ZipFile(opener())
            return archive.open(filename)
        return Member(name=filename, open=open_member)

    return _collect(name, [member(i.filename) for i in infos], _sha256_of_stream(opener))


def open_path(path: Path | str) -> Extract:
    """A folder of CSV files, a zip, or one CSV file (the person table alone)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        members = [Member(name=str(p.relative_to(path)), open=lambda p=p: p.open("rb")) for p in files]  # type: ignore[misc]
        extract = _collect(path.name, members, "")
        extract.sha256 = _combined_sha256([(m.name, _sha256_of_stream(m.open)) for m in extract.tables.values()])
        return extract
    if not path.is_file():
        raise UnreadableExtract(f"There is no file or folder at {path}.")
    with path.open("rb") as stream:
        head = stream.read(8)
    if head.startswith(ZIP_MAGIC):
        return _from_zip(path.name, lambda: path.open("rb"), path.stat().st_size)
    return _collect(path.name, [Member(name=path.name, open=lambda: path.open("rb"))],
                    _sha256_of_stream(lambda: path.open("rb")))


def open_files(files: Mapping[str, bytes]) -> Extract:
    """Uploaded files by name: one zip, or CSV files, one per table."""
    if not files:
        raise UnreadableExtract("Select the extract: a zip, or the CSV files, one per table.")
    if len(files) == 1:
        name, content = next(iter(files.items()))
        if content.startswith(ZIP_MAGIC):
            return _from_zip(name, lambda: io.BytesIO(content), len(content))
    if sum(len(c) for c in files.values()) > MAX_UPLOAD_BYTES:
        raise UnreadableExtract(f"The files must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB together.")
    for name, content in files.items():
        if content.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in content[:8192]:
            raise UnreadableExtract(f"{name} is not a CSV file: upload one zip, or the CSV files one per table.")
    members = [Member(name=name, open=lambda c=content: io.BytesIO(c)) for name, content in files.items()]  # type: ignore[misc]
    if len(files) == 1:
        return _collect(members[0].name, members, hashlib.sha256(next(iter(files.values()))).hexdigest())
    extract = _collect(f"{len(files)} files", members, "")
    extract.sha256 = _combined_sha256([(n, hashlib.sha256(c).hexdigest()) for n, c in files.items()
                                       if _table_of(n)])
    return extract


def _decoded_lines(stream: IO[bytes], file: str, errors: list[RowError]) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(file, number, "", raw[:40].decode("latin-1").strip(),
                                   "the line is not UTF-8 text: save the file as UTF-8 (the rest of the file was "
                                   "not read)"))
            return


def read_table(extract: Extract, table: str, errors: list[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, the table's columns by name) for each non-blank row; problems with the file (missing columns, text
    that is not UTF-8, a malformed line) are appended to `errors`. A table not in the extract has no rows."""
    member = extract.tables.get(table)
    if member is None:
        return
    file = member.name
    with member.open() as stream:
        reader = csv.reader(_decoded_lines(stream, file, errors), strict=True)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
        except csv.Error as error:
            errors.append(RowError(file, 1, "", "", f"the header line cannot be read: {error}"))
            return
        wanted = COLUMNS[table]
        missing = [c for c in wanted if c not in header]
        for column in missing:
            errors.append(RowError(file, 1, column, "", "the column is missing from the file's header line"))
        if missing:
            return
        index = [(c, header.index(c)) for c in wanted]
        width = len(header)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                errors.append(RowError(file, start, "", "", f"the line cannot be read as CSV: {error}"))
                return
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width:
                errors.append(RowError(file, start, "", "", f"the line has {len(cells)} fields; the header has "
                                                            f"{width}"))
                continue
            yield start, {c: (cells[i] if i < len(cells) else "") for c, i in index}
