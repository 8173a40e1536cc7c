"""Importing historic usage from a CSV or Excel file: every row or none, streamed in chunks, the same data imported
again writing nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.utils import bulk_create_with_history

from contracts.models import Contract, ImportBatch, UsageRecord
from contracts.resources import MeasureWidget, QuantityWidget, StrictDateWidget
from organisations.models import Authority
from organisations.scoping import authority_ids_for

from .errors import ContractError
from .usage import QUANTITY, InvalidUsage, check_usage

USAGE_COLUMNS = ("contract_reference", "authority", "usage_date", "measure", "quantity")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row in the spreadsheet (the header is row 1)
    column: str
    message: str


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    total_rows: int = 0
    new_rows: int = 0
    unchanged_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(ContractError):
    """The file has problems: nothing of it was written. `report` lists them row by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} problem(s) in {report.file_name}: nothing was imported.")
        self.report = report


IMPORT_CHUNK = 2000  # rows validated with one query per lookup, and written with one bulk insert


def _read_usage_rows(*, content: bytes, file_name: str) -> tuple[list[str], Iterator[list[Any]]]:
    """A CSV or Excel file as its normalised headers and an iterator over its non-blank rows, each padded to the
    headers' width. The file is read as it is iterated (openpyxl read-only, the csv reader), never all at once.
    Raises ContractError for an unreadable file or wrong columns, also from the iterator."""
    name = file_name.lower()
    kind = name.rsplit(".", 1)[-1].upper()
    raw: Iterator[Sequence[Any]]
    try:
        if name.endswith(".csv"):
            raw = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline=""))
        elif name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            raw = book.active.values  # type: ignore[union-attr]
        else:
            raise ContractError("The file must be a CSV file (.csv) or an Excel workbook (.xlsx).")
        first = next(raw, None)
    except UnicodeDecodeError as exc:
        raise ContractError("The CSV file must be saved as UTF-8 text.") from exc
    except ContractError:
        raise
    except Exception as exc:  # the readers raise many kinds for an unreadable file
        raise ContractError(f"The file could not be read as {kind}.") from exc
    headers = [str(h or "").strip().lower() for h in (first or [])]
    missing = [c for c in USAGE_COLUMNS if c not in headers]
    unexpected = [h for h in headers if h not in USAGE_COLUMNS]
    if missing or unexpected or len(headers) != len(set(headers)):
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(h or '(blank)' for h in unexpected)}")
        if len(headers) != len(set(headers)):
            parts.append("a column named twice")
        raise ContractError(
            f"The columns are wrong ({'; '.join(parts)}). The first row must name exactly: {', '.join(USAGE_COLUMNS)}."
        )

    def rows() -> Iterator[list[Any]]:
        width = len(headers)
        try:
            for row in raw:
                values = list(row)
                if not any(str(v if v is not None else "").strip() for v in values):
                    continue
                if len(values) > width:
                    raise ContractError(f"The file could not be read as {kind}.")
                yield values + [""] * (width - len(values))
        except ContractError:
            raise
        except UnicodeDecodeError as exc:
            raise ContractError("The CSV file must be saved as UTF-8 text.") from exc
        except Exception as exc:
            raise ContractError(f"The file could not be read as {kind}.") from exc

    return headers, rows()


def _digest(headers: list[str], rows: Iterator[list[Any]]) -> tuple[str, int]:
    """The SHA-256 of the normalised rows (the same text `json.dumps([headers, rows])` gives, so batches
    imported before streaming keep their digests), and the number of rows; computed row by row."""
    digest = hashlib.sha256()
    digest.update(f"[{json.dumps(headers)}, [".encode())
    count = 0
    for row in rows:
        digest.update(((", " if count else "") + json.dumps([str(v if v is not None else "").strip()
                                                              for v in row])).encode())
        count += 1
    digest.update(b"]]")
    return digest.hexdigest(), count


@dataclass
class _Lookups:
    """Contracts and authorities met so far in a file, fetched once per chunk of rows for the names not yet met."""

    contracts: Any
    contract_by_reference: dict[str, Contract | None] = field(default_factory=dict)
    authority_by_text: dict[str, Any] = field(default_factory=dict)

    def load(self, chunk: list[dict[str, Any]]) -> None:
        references = {str(r["contract_reference"] or "").strip().lower() for r in chunk} - {""}
        references -= self.contract_by_reference.keys()
        if references:
            queryset = self.contracts if self.contracts is not None else Contract.objects.all()
            found = (queryset.annotate(reference_lower=Lower("reference"))
                     .filter(reference_lower__in=references).prefetch_related("parties").order_by("pk"))
            for contract in found:
                self.contract_by_reference.setdefault(contract.reference.lower(), contract)
            for reference in references:
                self.contract_by_reference.setdefault(reference, None)
        texts = {str(r["authority"] or "").strip().lower() for r in chunk} - {""}
        texts -= self.authority_by_text.keys()
        if texts:
            found = list(Authority.objects.annotate(code_lower=Lower("short_code"), name_lower=Lower("name"))
                         .filter(Q(code_lower__in=texts) | Q(name_lower__in=texts)).order_by("pk"))
            for text in texts:
                self.authority_by_text[text] = next(
                    (a for a in found if a.code_lower == text), next((a for a in found if a.name_lower == text), None)
                )


def _check_row(row: dict[str, Any], lookups: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row's values (contract, authority, usage_date, measure, quantity) and its problems as (column,
    message) pairs: the field checks first, then (only when every field reads) the rules of a usage fact."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    reference = str(row["contract_reference"] or "").strip()
    if not reference:
        problems.append(("contract_reference", "Enter the contract reference."))
    elif (contract := lookups.contract_by_reference.get(reference.lower())) is None:
        problems.append(("contract_reference", f"There is no contract “{reference}” that you can see."))
    else:
        values["contract"] = contract
    text = str(row["authority"] or "").strip()
    if not text:
        problems.append(("authority", "Enter the authority."))
    elif (authority := lookups.authority_by_text.get(text.lower())) is None:
        problems.append(("authority", f"There is no authority “{text}”."))
    else:
        values["authority"] = authority
    for column, widget in (("usage_date", StrictDateWidget()), ("measure", MeasureWidget()),
                           ("quantity", QuantityWidget())):
        try:
            values[column] = widget.clean(row[column])
        except ValueError as exc:
            problems.append((column, str(exc)))
    return values, problems


def _scope_problems(values: dict[str, Any], scope: set[int] | None) -> list[tuple[str, str]]:
    """The importer's authorities decide whose usage they may record: on a contract their authority leads, any
    party's (the lead receives the provider's returns for the whole contract); on one another authority leads,
    only their own: usage is what apportionment weighs, so one party must not record another's."""
    contract, authority = values["contract"], values["authority"]
    if scope is None or contract.lead_authority_id in scope or authority.pk in scope:
        return []
    return [("authority", f"You can import usage for your own authority only: {contract.lead_authority} leads "
                          f"contract {contract.reference} and records the other parties' usage.")]


def _rule_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        check_usage(contract=values["contract"], authority=values["authority"], usage_date=values["usage_date"],
                    measure=values["measure"], quantity=values["quantity"])
    except InvalidUsage as exc:
        text = str(exc)
        column = "usage_date" if "outside contract" in text else "authority" if "party" in text else "quantity"
        return [(column, text)]
    try:  # the column's own limits (14 digits, 2 places), as the model's full_clean reports them
        UsageRecord._meta.get_field("quantity").run_validators(values["quantity"])
    except ValidationError as exc:
        return [("quantity", message) for message in exc.messages]
    return []


def usage_import(
    *, content: bytes, file_name: str, by: Any, now: datetime, dry_run: bool, contracts: Any = None
) -> ImportReport:
    """Import historic usage: every row or none. A dry run reports what would happen and writes nothing; the
    same data imported again finds its batch and writes nothing. `contracts` limits the contracts the file may
    name (the importing user's); a person's own authorities limit whose usage they may record on a contract
    they do not lead (`_scope_problems`). Raises ContractError for an unreadable file or wrong columns, ImportRefused
    (with the report) when any row has a problem.

    The file is read twice as a stream (first for its digest, which finds an earlier import of the same data,
    then to check and write it) in chunks of IMPORT_CHUNK rows: one query per chunk for the contracts and
    authorities not yet met, one for the rows already imported, one bulk insert (with history) for the new
    ones. Nothing holds more than a chunk of rows; the one transaction makes it all or nothing."""
    headers, rows = _read_usage_rows(content=content, file_name=file_name)
    digest, row_count = _digest(headers, rows)
    if not row_count:
        raise ContractError("The file has no rows of usage under its column names.")
    report = ImportReport(file_name=file_name, dry_run=dry_run, total_rows=row_count)
    recorded_by = by if getattr(by, "pk", None) else None
    scope = set(authority_ids_for(by)) if recorded_by is not None else None
    with transaction.atomic():
        batch = ImportBatch.objects.filter(digest=digest).first()
        if batch is None and not dry_run:
            batch = ImportBatch.objects.create(
                file_name=file_name[:200], digest=digest, row_count=row_count, created_by=by, created_at=now
            )
        prefix = f"import:{batch.pk}" if batch else "import:new"
        lookups = _Lookups(contracts=contracts)

        def flush(chunk: list[dict[str, Any]]) -> None:
            lookups.load(chunk)
            existing: set[tuple[str, str]] = set()
            if batch is not None:
                existing = set(UsageRecord.objects.filter(source_key__in=[r["source_key"] for r in chunk])
                               .values_list("source_key", "measure"))
            new = []
            for row in chunk:
                values, problems = _check_row(row, lookups)
                if not problems and (row["source_key"], values["measure"]) in existing:
                    report.unchanged_rows += 1
                    continue
                problems = problems or _rule_problems(values) or _scope_problems(values, scope)
                report.problems.extend(RowProblem(row["row"], column, message) for column, message in problems)
                if problems:
                    continue
                report.new_rows += 1
                new.append(UsageRecord(
                    contract=values["contract"], authority=values["authority"], usage_date=values["usage_date"],
                    measure=values["measure"], quantity=values["quantity"].quantize(QUANTITY, rounding=ROUND_HALF_UP),
                    source_key=row["source_key"], import_batch=batch, recorded_by=recorded_by,
                ))
            if new and not dry_run and not report.problems:
                bulk_create_with_history(new, UsageRecord, batch_size=IMPORT_CHUNK, default_user=recorded_by,
                                         default_date=now)

        chunk: list[dict[str, Any]] = []
        _headers, rows = _read_usage_rows(content=content, file_name=file_name)
        for number, values in enumerate(rows, start=1):
            row = dict(zip(headers, values, strict=True))
            row["row"] = number + 1  # the row in the spreadsheet, the header being row 1 (blank rows skipped)
            row["source_key"] = f"{prefix}:{number + 1}"
            chunk.append(row)
            if len(chunk) == IMPORT_CHUNK:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
        report.problems.sort(key=lambda p: (p.row, p.column))
        report.batch_id = batch.pk if batch else None
        if report.problems and not dry_run:
            raise ImportRefused(report)
    return report
