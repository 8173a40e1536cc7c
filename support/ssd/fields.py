"""The SSD tables the import reads, and each field's parsing and checks. Pure: no ORM, no clock; a parser returns
the row's values and its errors, each error naming the file, line, field, value and reason."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

PERSON = "ssd_person"
PERMANENCE = "ssd_permanence"
SDQ = "ssd_sdq_scores"
ADDRESS = "ssd_address"

#: The columns read from each table (as named in the SSD's YAML definitions); each must be in its file's header.
COLUMNS: dict[str, tuple[str, ...]] = {
    PERSON: ("pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob", "pers_common_child_id", "pers_send_flag"),
    PERMANENCE: ("perm_table_id", "perm_person_id", "perm_permanence_order_date", "perm_permanence_order_type",
                 "perm_adm_decision_date", "perm_placed_for_adoption_date", "perm_placement_order_date",
                 "perm_adopted_by_carer_flag"),
    SDQ: ("csdq_table_id", "csdq_person_id", "csdq_sdq_completed_date", "csdq_sdq_score", "csdq_sdq_reason"),
    ADDRESS: ("addr_table_id", "addr_person_id", "addr_address_start_date", "addr_address_end_date",
              "addr_address_postcode", "addr_address_type"),
}
TABLES = tuple(COLUMNS)
#: Every extract must have the person table; a table missing from the extract has no rows.
REQUIRED_TABLES = (PERSON,)

PERSON_ID_MAX = 20
SEXES = {"F", "M", "U"}
#: The DfE's ethnicity codes (the census and children-in-need returns).
ETHNICITIES = {
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
    "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
}
SDQ_REASONS = {"SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"}
SDQ_MAX = 40
#: The SSD's order types, lower-cased, to the kinds of legal order recorded here.
ORDER_TYPES = {
    "adoption": "adoption",
    "special guardianship": "special_guardianship",
    "special guardianship order": "special_guardianship",
    "child arrangements/residence order": "child_arrangements",
    "child arrangements order": "child_arrangements",
    "residence order": "child_arrangements",
}
ORDER_LABELS = {"adoption": "Adoption", "special_guardianship": "Special Guardianship",
                "child_arrangements": "Child Arrangements/Residence Order", "placement": "Placement order"}

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d{1,7})?)?")
_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})")


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int  # the line in the file, the header being line 1 (0 for the extract as a whole)
    field: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "value": self.value,
                "reason": self.reason}


class FieldError(ValueError):
    """A value the field cannot take; the message is the reason, in plain words."""


def parse_date(text: str) -> date | None:
    """`YYYY-MM-DD` or SQL Server's `YYYY-MM-DD HH:MM:SS.fff` (the time is dropped); blank is None."""
    text = text.strip()
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise FieldError("must be a date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.fff")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise FieldError("is not a real date") from error


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no check digit can make them valid (11 - sum
    mod 11 is 10)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_valid(text: str) -> bool:
    """Ten digits whose last is the modulus-11 check digit of the first nine."""
    if len(text) != 10 or not text.isascii() or not text.isdigit():
        return False
    return nhs_check_digit(text[:9]) == int(text[9])


def parse_flag(text: str) -> bool | None:
    value = text.strip().upper()
    if not value:
        return None
    if value in ("Y", "N"):
        return value == "Y"
    raise FieldError("must be Y or N")


def postcode_district(postcode: str) -> str | None:
    """The outward code of a UK postcode ("ME14 1XX" -> "ME14"), or None when it is not a postcode."""
    match = _POSTCODE.fullmatch(re.sub(r"\s+", " ", postcode.strip().upper()))
    return match[1] if match else None


def parse_districts(text: str) -> list[str]:
    return [part.upper() for part in re.split(r"[\s,;]+", text or "") if part]


def authority_for_postcode(postcode: str, districts: Iterable[tuple[Any, str]]) -> Any | None:
    """The authority whose districts cover the postcode: an exact district ("ME14") beats an area ("ME"); None
    when no authority covers it or two cover it equally."""
    district = postcode_district(postcode)
    if district is None:
        return None
    area = re.match(r"[A-Z]+", district)[0]  # type: ignore[index]
    exact, by_area = [], []
    for authority, text in districts:
        covered = parse_districts(text)
        if district in covered:
            exact.append(authority)
        elif area in covered:
            by_area.append(authority)
    found = exact or by_area
    return found[0] if len(found) == 1 else None


# ---- rows ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRow:
    line: int
    person_id: str
    dob: date | None
    send: bool | None


@dataclass(frozen=True, slots=True)
class PermanenceRow:
    line: int
    table_id: str
    person_id: str
    order_kind: str  # a legal order kind ("" when the row has no permanence order)
    order_date: date | None
    placement_order_date: date | None


@dataclass(frozen=True, slots=True)
class SdqRow:
    line: int
    table_id: str
    person_id: str
    completed_date: date
    score: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class AddressRow:
    line: int
    table_id: str
    person_id: str
    start_date: date | None
    end_date: date | None
    postcode: str


class _Row:
    """Collects one row's errors while its fields are parsed."""

    def __init__(self, file: str, line: int, values: Mapping[str, str]) -> None:
        self.file, self.line, self.values = file, line, values
        self.errors: list[RowError] = []

    def text(self, field: str) -> str:
        return (self.values.get(field) or "").strip()

    def error(self, field: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.line, field, self.text(field), reason))

    def date(self, field: str, *, required: bool = False, today: date | None = None) -> date | None:
        try:
            value = parse_date(self.text(field))
        except FieldError as error:
            self.error(field, f"the date {error}")
            return None
        if value is None and required:
            self.error(field, "the date is missing")
        if value is not None and today is not None and value > today:
            self.error(field, "the date is in the future")
        return value

    def flag(self, field: str) -> bool | None:
        try:
            return parse_flag(self.text(field))
        except FieldError as error:
            self.error(field, f"the flag {error}")
            return None

    def identifier(self, field: str) -> str:
        value = self.text(field)
        if not value:
            self.error(field, "the id is missing")
        elif len(value) > PERSON_ID_MAX:
            self.error(field, f"the id must be at most {PERSON_ID_MAX} characters")
        return value


def parse_person(values: Mapping[str, str], *, file: str, line: int, today: date) -> tuple[PersonRow, list[RowError]]:
    row = _Row(file, line, values)
    person_id = row.identifier("pers_person_id")
    sex = row.text("pers_sex").upper()
    if sex and sex not in SEXES:
        row.error("pers_sex", "the sex must be F, M or U")
    ethnicity = row.text("pers_ethnicity").upper()
    if ethnicity and ethnicity not in ETHNICITIES:
        row.error("pers_ethnicity", "the ethnicity is not one of the DfE's codes (for example WBRI, MWBC, REFU, NOBT)")
    dob = row.date("pers_dob", today=today)
    nhs = row.text("pers_common_child_id").replace(" ", "")
    if nhs and not nhs_number_valid(nhs):
        row.error("pers_common_child_id", "the NHS number must be 10 digits with a valid check digit"
                  if len(nhs) == 10 and nhs.isdigit() else "the NHS number must be 10 digits")
    send = row.flag("pers_send_flag")
    return PersonRow(line, person_id, dob, send), row.errors


def parse_permanence(values: Mapping[str, str], *, file: str, line: int,
                     today: date) -> tuple[PermanenceRow, list[RowError]]:
    row = _Row(file, line, values)
    table_id = row.identifier("perm_table_id")
    person_id = row.identifier("perm_person_id")
    order_date = row.date("perm_permanence_order_date", today=today)
    kind_text = row.text("perm_permanence_order_type")
    kind = ORDER_TYPES.get(re.sub(r"\s+", " ", kind_text.lower()), "")
    if kind_text and not kind:
        row.error("perm_permanence_order_type", "the order type must be Adoption, Special Guardianship or "
                  "Child Arrangements/Residence Order")
    if order_date is not None and not kind_text:
        row.error("perm_permanence_order_type", "the order type is missing for an order with a date")
    for field in ("perm_adm_decision_date", "perm_placed_for_adoption_date"):
        row.date(field, today=today)
    placement = row.date("perm_placement_order_date", today=today)
    row.flag("perm_adopted_by_carer_flag")
    return PermanenceRow(line, table_id, person_id, kind if order_date else "", order_date, placement), row.errors


def parse_sdq(values: Mapping[str, str], *, file: str, line: int, today: date) -> tuple[SdqRow, list[RowError]]:
    row = _Row(file, line, values)
    table_id = row.identifier("csdq_table_id")
    person_id = row.identifier("csdq_person_id")
    completed = row.date("csdq_sdq_completed_date", required=True, today=today)
    score_text, reason = row.text("csdq_sdq_score"), row.text("csdq_sdq_reason").upper()
    score: int | None = None
    if score_text:
        if not score_text.isascii() or not score_text.isdigit():
            row.error("csdq_sdq_score", f"the score must be a whole number from 0 to {SDQ_MAX}")
        elif int(score_text) > SDQ_MAX:
            row.error("csdq_sdq_score", f"the score must be from 0 to {SDQ_MAX}")
        else:
            score = int(score_text)
    if reason and reason not in SDQ_REASONS:
        row.error("csdq_sdq_reason", "the reason must be one of SDQ1 to SDQ5")
    if not score_text and not reason:
        row.error("csdq_sdq_score", "give a score or the reason there is none (csdq_sdq_reason)")
    return SdqRow(line, table_id, person_id, completed or date.min, score,
                  "" if score is not None else reason), row.errors


def parse_address(values: Mapping[str, str], *, file: str, line: int,
                  today: date) -> tuple[AddressRow, list[RowError]]:
    row = _Row(file, line, values)
    table_id = row.identifier("addr_table_id")
    person_id = row.identifier("addr_person_id")
    start = row.date("addr_address_start_date", today=today)
    end = row.date("addr_address_end_date")
    if start and end and end < start:
        row.error("addr_address_end_date", "the end date is before the start date")
    postcode = re.sub(r"\s+", " ", row.text("addr_address_postcode").upper())
    if postcode and postcode_district(postcode) is None:
        row.error("addr_address_postcode", "the postcode is not a UK postcode")
    return AddressRow(line, table_id, person_id, start, end, postcode), row.errors


PARSERS = {PERSON: parse_person, PERMANENCE: parse_permanence, SDQ: parse_sdq, ADDRESS: parse_address}
