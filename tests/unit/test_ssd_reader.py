"""Reading an SSD extract (pure): a folder, a zip, uploaded files; the tables found by name; columns checked;
text that is not UTF-8; the extract's SHA-256."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from support.ssd.fields import COLUMNS, RowError
from support.ssd.reader import UnreadableExtract, open_files, open_path, read_table

PERSON = ",".join(COLUMNS["ssd_person"]) + "\nP1,F,WBRI,2016-05-04,9434765919,Y\n\nP2,M,,,,N\n"
SDQ = ",".join(COLUMNS["ssd_sdq_scores"]) + "\nS1,P1,2024-06-01,14,\n"


def rows(extract, table):  # type: ignore[no-untyped-def]
    errors: list[RowError] = []
    return list(read_table(extract, table, errors)), errors


def zipped(files: dict[str, str | bytes], folder: str = "extract/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(folder + name, text)
    return buffer.getvalue()


class TestOpening:
    def test_a_folder_is_read_table_by_table_with_the_line_numbers_of_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "SSD_Person.csv").write_text(PERSON)
        (tmp_path / "nested").mkdir()
        (tmp_path / "nested" / "ssd_sdq_scores.csv").write_text(SDQ)
        (tmp_path / "readme.txt").write_text("hello")
        extract = open_path(tmp_path)
        assert set(extract.tables) == {"ssd_person", "ssd_sdq_scores"}
        assert extract.other_files == ["readme.txt"]
        people, errors = rows(extract, "ssd_person")
        assert errors == []
        assert [(line, row["pers_person_id"]) for line, row in people] == [(2, "P1"), (4, "P2")]
        assert rows(extract, "ssd_address") == ([], [])

    def test_a_zip_on_disk_and_uploaded_gives_the_same_rows_and_the_zips_sha256(self, tmp_path: Path) -> None:
        content = zipped({"ssd_person.csv": PERSON, "ssd_sdq_scores.csv": SDQ})
        path = tmp_path / "extract.zip"
        path.write_bytes(content)
        from_disk, uploaded = open_path(path), open_files({"extract.zip": content})
        assert from_disk.sha256 == uploaded.sha256 == hashlib.sha256(content).hexdigest()
        assert rows(from_disk, "ssd_person") == rows(uploaded, "ssd_person")
        assert len(rows(uploaded, "ssd_sdq_scores")[0]) == 1

    def test_a_folder_and_the_same_files_uploaded_have_one_sha256_whatever_the_order(self, tmp_path: Path) -> None:
        (tmp_path / "ssd_person.csv").write_text(PERSON)
        (tmp_path / "ssd_sdq_scores.csv").write_text(SDQ)
        one = open_files({"ssd_person.csv": PERSON.encode(), "ssd_sdq_scores.csv": SDQ.encode()})
        two = open_files({"ssd_sdq_scores.csv": SDQ.encode(), "ssd_person.csv": PERSON.encode()})
        assert one.sha256 == two.sha256 == open_path(tmp_path).sha256
        changed = open_files({"ssd_person.csv": PERSON.encode() + b"P3,F,,,,\n", "ssd_sdq_scores.csv": SDQ.encode()})
        assert changed.sha256 != one.sha256

    def test_an_extract_without_the_person_table_is_refused(self) -> None:
        with pytest.raises(UnreadableExtract, match=r"no ssd_person\.csv"):
            open_files({"ssd_sdq_scores.csv": SDQ.encode(), "ssd_address.csv": b"x\n"})

    def test_two_files_for_one_table_are_refused(self) -> None:
        with pytest.raises(UnreadableExtract, match="two files for the table ssd_person"):
            open_files({"extract.zip": zipped({"ssd_person.csv": PERSON, "old/ssd_person.csv": PERSON})})

    def test_a_damaged_zip_a_spreadsheet_and_nothing_are_refused(self) -> None:
        with pytest.raises(UnreadableExtract, match="could not be opened"):
            open_files({"extract.zip": b"PK\x03\x04 not really a zip"})
        with pytest.raises(UnreadableExtract, match="is not a CSV file"):
            open_files({"ssd_person.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old Excel file",
                        "ssd_sdq_scores.csv": SDQ.encode()})
        with pytest.raises(UnreadableExtract, match="Select the extract"):
            open_files({})

    def test_a_path_that_is_not_there_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(UnreadableExtract, match="no file or folder"):
            open_path(tmp_path / "missing")


class TestReadingATable:
    def test_a_byte_order_mark_and_extra_columns_in_any_order_are_fine(self) -> None:
        header = "extra," + ",".join(reversed(COLUMNS["ssd_sdq_scores"]))
        text = "\ufeff" + header + "\nz,,14,2024-06-01,P1,S1\n"
        extract = open_files({"ssd_person.csv": PERSON.encode(), "ssd_sdq_scores.csv": text.encode("utf-8")})
        found, errors = rows(extract, "ssd_sdq_scores")
        assert errors == [] and found == [(2, {"csdq_table_id": "S1", "csdq_person_id": "P1",
                                                "csdq_sdq_completed_date": "2024-06-01", "csdq_sdq_score": "14",
                                                "csdq_sdq_reason": ""})]

    def test_a_missing_column_is_an_error_on_line_1_naming_it_and_no_rows_are_read(self) -> None:
        header = ",".join(c for c in COLUMNS["ssd_person"] if c != "pers_dob")
        extract = open_files({"ssd_person.csv": (header + "\nP1,F,WBRI,,Y\n").encode()})
        found, errors = rows(extract, "ssd_person")
        assert found == []
        assert errors == [RowError("ssd_person.csv", 1, "pers_dob", "",
                                   "the column is missing from the file's header line")]

    def test_text_that_is_not_utf8_is_an_error_on_its_line(self) -> None:
        text = PERSON.encode() + "P3,F,WBRI,2016-05-04,,N,Zoë\n".encode("latin-1")
        extract = open_files({"ssd_person.csv": text})
        found, errors = rows(extract, "ssd_person")
        assert [r["pers_person_id"] for _, r in found] == ["P1", "P2"]
        assert [(e.file, e.line) for e in errors] == [("ssd_person.csv", 5)]
        assert "not UTF-8" in errors[0].reason

    def test_a_line_with_more_fields_than_the_header_is_an_error(self) -> None:
        extract = open_files({"ssd_person.csv": (PERSON + "P9,F,,,,N,extra\n").encode()})
        found, errors = rows(extract, "ssd_person")
        assert len(found) == 2 and [(e.line, e.reason) for e in errors] == [(5, "the line has 7 fields; the header "
                                                                                 "has 6")]

    def test_a_quoted_field_over_two_lines_keeps_the_next_rows_line_number(self) -> None:
        text = ",".join(COLUMNS["ssd_address"]) + '\nA1,P1,2019-01-01,,"ME14\n1XX",Home\nA2,P1,2020-01-01,,,Home\n'
        extract = open_files({"ssd_person.csv": PERSON.encode(), "ssd_address.csv": text.encode()})
        found, errors = rows(extract, "ssd_address")
        assert errors == [] and [line for line, _ in found] == [2, 4]

    def test_count_lines_counts_every_table(self) -> None:
        extract = open_files({"ssd_person.csv": PERSON.encode(), "ssd_sdq_scores.csv": SDQ.encode()})
        assert extract.count_lines() == 4 + 2
