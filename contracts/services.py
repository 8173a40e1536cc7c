"""Every write in contracts: the register, its lifecycle, usage facts. Keyword-only, typed, atomic, with the
acting user as `by=` and the clock passed in."""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower
from django_fsm import TransitionNotAllowed
from moneyed import Money
from simple_history.utils import bulk_create_with_history

from core.jobs import job_create, job_fail, job_finish, job_progress, job_start
from core.models import BackgroundJob
from core.money import NotGBP, gbp, require_gbp, zero
from ledger.models import AccountCode
from ledger.services import account_for, post
from organisations.scoping import authority_ids_for

from .apportionment import apportion_with_fixed_share, exact_shares, percent_text, true_up
from .models import (
    ApportionmentLine,
    ApportionmentRun,
    ApportionmentRunStatusChange,
    Contract,
    ContractStatus,
    ContractStatusChange,
    ExtensionOption,
    ImportBatch,
    Kpi,
    KpiReturn,
    RunStatus,
    UsageMeasure,
    UsageRecord,
)

QUANTITY = Decimal("0.01")
USAGE_COLUMNS = ("contract_reference", "authority", "usage_date", "measure", "quantity")


class ContractError(Exception):
    """A change to a contract that its rules refuse; the message says why, in words a user can act on."""


class InvalidUsage(ContractError, ValueError):
    pass


class InvalidTransition(ContractError):
    pass


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it is shorter (31 Mar + 6 = 30 Sep)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _quantity(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidUsage("A quantity must be a whole number or a decimal, not a float.")
    try:
        quantity = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidUsage(f"The quantity {value!r} is not a number.") from exc
    if not quantity.is_finite():
        raise InvalidUsage(f"The quantity {value!r} is not a number.")
    if quantity < 0:
        raise InvalidUsage(f"The quantity cannot be negative ({quantity}).")
    return quantity.quantize(QUANTITY, rounding=ROUND_HALF_UP)


def check_usage(*, contract: Contract, authority: Any, usage_date: date, measure: str, quantity: Any) -> Decimal:
    """The rules every usage fact meets, whether recorded one by one or imported. Returns the quantity rounded
    to two places; raises InvalidUsage naming the problem."""
    if measure not in UsageMeasure.values:
        raise InvalidUsage(f"“{measure}” is not a usage measure: use one of {', '.join(UsageMeasure.values)}.")
    amount = _quantity(quantity)
    if not contract.covers(usage_date):
        raise InvalidUsage(
            f"{usage_date:%d %B %Y} is outside contract {contract.reference} "
            f"({contract.start_date:%d %B %Y} to {contract.end_date:%d %B %Y})."
        )
    party_ids = {a.pk for a in contract.parties.all()} | {contract.lead_authority_id}
    if authority.pk not in party_ids:
        raise InvalidUsage(f"{authority} is not a party to contract {contract.reference}.")
    return amount


@transaction.atomic
def usage_record(
    *,
    contract: Contract,
    authority: Any,
    usage_date: date,
    measure: str,
    quantity: Decimal,
    source_key: str,
    by: Any = None,
    import_batch: Any = None,
) -> tuple[UsageRecord, bool]:
    """Record one fact of use. The same `source_key` and `measure` recorded again returns the first record
    and changes nothing (created is False)."""
    if not source_key:
        raise InvalidUsage("A usage record needs the key of its source.")
    existing = UsageRecord.objects.filter(source_key=source_key, measure=measure).first()
    if existing is not None:
        return existing, False
    amount = check_usage(
        contract=contract, authority=authority, usage_date=usage_date, measure=measure, quantity=quantity
    )
    record, created = UsageRecord.objects.get_or_create(
        source_key=source_key,
        measure=measure,
        defaults={
            "contract": contract,
            "authority": authority,
            "usage_date": usage_date,
            "quantity": amount,
            "import_batch": import_batch,
            "recorded_by": by if getattr(by, "pk", None) else None,
        },
    )
    return record, created


# ---- the register -------------------------------------------------------------------------------------------


def _log(contract: Contract, before: str, *, by: Any, now: datetime, note: str = "") -> None:
    ContractStatusChange.objects.create(
        contract=contract, from_status=before, to_status=contract.status, changed_by=by, changed_at=now, note=note
    )


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


@transaction.atomic
def contract_create(
    *,
    by: Any,
    now: datetime,
    parties: list[Any] | None = None,
    service_elements: list[tuple[str, list[Any]]] | None = None,
    **fields: Any,
) -> Contract:
    """Add a contract to the register (planned). `parties` are the sharing authorities (the lead is always
    one); `service_elements` are (name, service types) pairs."""
    contract = Contract(**fields)
    contract.status = ContractStatus.PLANNED
    contract.full_clean(exclude=["status"])
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save()
    contract.parties.set({contract.lead_authority, *(parties or [])})
    for name, service_types in service_elements or []:
        element = contract.elements.create(name=name)
        element.service_types.set(service_types)
    ContractStatusChange.objects.create(
        contract=contract, from_status="", to_status=contract.status, changed_by=by, changed_at=now,
        note="Added to the register",
    )
    return contract


CONTRACT_FIELDS = (
    "reference", "title", "provider", "lead_authority", "procurement_route", "pricing", "start_date", "end_date",
    "total_value", "capacity_per_year",
)


@transaction.atomic
def contract_update(*, contract: Contract, by: Any, parties: list[Any] | None = None, **fields: Any) -> Contract:
    """Change a contract's register details (never its state: the lifecycle services move that)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if "status" in fields:
        raise ContractError("The state of a contract changes only through its lifecycle.")
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean(exclude=["status"])
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save()
    if parties is not None:
        contract.parties.set({contract.lead_authority, *parties})
    return contract


@transaction.atomic
def contract_activate(*, contract: Contract, by: Any, now: datetime) -> Contract:
    contract = _locked(contract)
    before = contract.status
    try:
        contract.activate()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be made active.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status"])
    _log(contract, before, by=by, now=now)
    return contract


@transaction.atomic
def contract_extend(*, contract: Contract, option: ExtensionOption, by: Any, today: date, now: datetime) -> Contract:
    """Take up an extension option: the end date moves on by the option's length."""
    contract = _locked(contract)
    option = ExtensionOption.objects.select_for_update().get(pk=option.pk)
    if option.contract_id != contract.pk:
        raise InvalidTransition("That extension option belongs to another contract.")
    if option.exercised_date is not None:
        raise InvalidTransition(f"That extension option was taken up on {option.exercised_date:%d %B %Y}.")
    if today > option.decision_by_date:
        raise InvalidTransition(f"The decision on that option was due by {option.decision_by_date:%d %B %Y}.")
    before = contract.status
    try:
        contract.extend(new_end_date=add_months(contract.end_date, option.length_months))
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be extended.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status", "end_date", "original_end_date"])
    option.exercised_date = today
    option.save(update_fields=["exercised_date"])
    _log(contract, before, by=by, now=now, note=f"Extended by {option.length_months} months")
    return contract


@transaction.atomic
def contract_expire(*, contract: Contract, by: Any, today: date, now: datetime) -> Contract:
    contract = _locked(contract)
    if today <= contract.end_date:
        raise InvalidTransition(f"Contract {contract.reference} runs to {contract.end_date:%d %B %Y}.")
    before = contract.status
    try:
        contract.expire()
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot expire.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status"])
    _log(contract, before, by=by, now=now)
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, by: Any, today: date, now: datetime, reason: str) -> Contract:
    if not reason.strip():
        raise InvalidTransition("Give the reason for ending the contract early.")
    contract = _locked(contract)
    before = contract.status
    try:
        contract.terminate(on_date=today)
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be terminated.") from exc
    contract._history_user = by  # type: ignore[attr-defined]
    contract.save(update_fields=["status", "end_date"])
    _log(contract, before, by=by, now=now, note=reason.strip()[:300])
    return contract


@transaction.atomic
def kpi_return_record(
    *, kpi: Kpi, financial_year: int, quarter: int, value: Decimal, submitted_date: date, by: Any, note: str = ""
) -> KpiReturn:
    """Record (or correct) a KPI's quarterly return."""
    if quarter not in (1, 2, 3, 4):
        raise ContractError("The quarter must be 1, 2, 3 or 4.")
    result, _ = KpiReturn.objects.update_or_create(
        kpi=kpi, financial_year=financial_year, quarter=quarter,
        defaults={"value": Decimal(value).quantize(QUANTITY, rounding=ROUND_HALF_UP),
                  "submitted_date": submitted_date, "recorded_by": by, "note": note},
    )
    return result


# ---- importing historic usage ---------------------------------------------------------------------------------


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
        from organisations.models import Authority

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
    from .resources import MeasureWidget, QuantityWidget, StrictDateWidget  # resources imports this module

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


# ---- apportionment runs ---------------------------------------------------------------------------------------


class RunError(ContractError):
    pass


def _log_run(run: ApportionmentRun, before: str, *, by: Any, now: datetime) -> None:
    ApportionmentRunStatusChange.objects.create(
        run=run, from_status=before, to_status=run.status, changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
    )


def number_text(value: Decimal) -> str:
    """115.00 -> '115', 2.50 -> '2.5', 1234 -> '1,234': weights as people write them."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    return f"{normal:,f}"


def default_basis_label(*, basis: str, start: date, end: date) -> str:
    return f"{UsageMeasure(basis).label.lower()} {start:%d %b %Y} to {end:%d %b %Y}"


@transaction.atomic
def run_create(
    *,
    contract: Contract,
    title: str,
    total_cost: Money,
    cost_start_date: date,
    cost_end_date: date,
    basis: str,
    usage_start_date: date,
    usage_end_date: date,
    by: Any,
    now: datetime,
    basis_label: str = "",
    basis_contracts: list[Contract] | None = None,
    fixed_share_percent: Decimal = Decimal("0"),
    estimate: ApportionmentRun | None = None,
    tolerance_percent: Decimal | None = None,
) -> ApportionmentRun:
    """A draft run: what to share, over which period, by which usage."""
    try:
        require_gbp(total_cost, what="cost to share")
    except NotGBP as exc:
        raise RunError(str(exc)) from exc
    if total_cost.amount < 0:
        raise RunError("The cost to share cannot be negative.")
    if basis not in UsageMeasure.values:
        raise RunError(f"“{basis}” is not a usage measure.")
    if cost_end_date < cost_start_date:
        raise RunError("The cost period must end on or after its start.")
    if usage_end_date < usage_start_date:
        raise RunError("The usage period must end on or after its start.")
    if not (0 <= fixed_share_percent <= 100):
        raise RunError("The fixed share must be between 0% and 100%.")
    if estimate is not None:
        if estimate.contract_id != contract.pk:
            raise RunError("A true-up must be against an earlier run for the same contract.")
        if not estimate.frozen:
            raise RunError("A true-up must be against an approved run.")
    if tolerance_percent is not None:
        if estimate is None:
            raise RunError("A tolerance needs an estimate to true up against.")
        if tolerance_percent < 0:
            raise RunError("The tolerance cannot be negative.")
    run = ApportionmentRun(  # type: ignore[misc]
        contract=contract, title=title.strip(), total_cost=gbp(total_cost.amount),
        cost_start_date=cost_start_date, cost_end_date=cost_end_date, basis=basis,
        basis_label=basis_label.strip() or default_basis_label(basis=basis, start=usage_start_date, end=usage_end_date),
        usage_start_date=usage_start_date, usage_end_date=usage_end_date,
        fixed_share_percent=Decimal(fixed_share_percent).quantize(QUANTITY), estimate=estimate,
        tolerance_percent=None if tolerance_percent is None else Decimal(tolerance_percent).quantize(QUANTITY),
        status=RunStatus.DRAFT, created_by=by if getattr(by, "pk", None) else None, created_at=now,
    )
    run.full_clean(exclude=["status", "created_by"])
    run._history_user = by  # type: ignore[attr-defined]
    run.save()
    if basis_contracts:
        run.basis_contracts.set(basis_contracts)
    ApportionmentRunStatusChange.objects.create(
        run=run, from_status="", to_status=run.status, changed_by=run.created_by, changed_at=now
    )
    return run


def _locked_run(run: ApportionmentRun) -> ApportionmentRun:
    return ApportionmentRun.objects.select_for_update().select_related("contract").get(pk=run.pk)


def _explanation(*, name: str, weight: Decimal, weight_total: Decimal, label: str, fixed_percent: Decimal,
                 parties: int, usage_share: Fraction | None) -> str:
    text = f"{name}: {number_text(weight)} of {number_text(weight_total)} {label}"
    if usage_share is not None:
        text += f" = {percent_text(usage_share)}"
    if fixed_percent > 0:
        if fixed_percent >= 100:
            return f"{name}: an equal share (1 of {parties}) of the whole cost"
        text += f" of the {number_text(100 - fixed_percent)}% shared by usage, plus 1/{parties} of the " \
                f"{number_text(fixed_percent)}% shared equally"
    return text


def run_sources(run: ApportionmentRun) -> list[Contract]:
    """The contracts whose usage a run weighs: its basis contracts, or none given, its own contract."""
    return list(run.basis_contracts.all()) or [run.contract]


def run_usage(*, run: ApportionmentRun, sources: list[Contract] | None = None,
              contract_ids: list[int] | None = None) -> Any:
    """The usage records a run weighs or weighed: its basis contracts' records of its measure in its usage period
    and, once calculated, up to its watermark (records are append-only, so a calculated run's records never
    change). The `usage_contract_meas_auth_dt_id` index covers this filter and the weights' sum."""
    if contract_ids is None:
        contract_ids = [c.pk for c in (sources if sources is not None else run_sources(run))]
    records = UsageRecord.objects.filter(
        contract__in=contract_ids, measure=run.basis,
        usage_date__gte=run.usage_start_date, usage_date__lte=run.usage_end_date,
    )
    if run.usage_watermark is not None:
        records = records.filter(id__lte=run.usage_watermark)
    return records


def _usage_watermark() -> int:
    """The highest usage record id, every record up to it committed and none to come below it. On PostgreSQL,
    `LOCK ... IN SHARE MODE` waits for the transactions inserting usage to commit and holds new inserts until
    this transaction ends (ids come from a sequence: a record inserted later has a higher id). SQLite, the demo
    database, has one writer at a time."""
    table = connection.ops.quote_name(UsageRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0] or 0)


@transaction.atomic
def run_calculate(*, run: ApportionmentRun, by: Any, now: datetime) -> ApportionmentRun:
    """Weigh each party by its usage in the usage period, split the cost penny-exactly, and freeze every input
    on the run: the names, the dates, and the usage counted, as a watermark (the highest usage record id; usage
    records are append-only, so the records up to it never change). A calculated run may be calculated again
    (before approval): its watermark moves."""
    run = _locked_run(run)
    if run.frozen:
        raise InvalidTransition("An approved run is frozen: it cannot be calculated again.")
    contract = run.contract
    parties = sorted(contract.parties.all(), key=lambda a: a.name)
    if not parties:
        raise RunError(f"Contract {contract.reference} has no party authorities.")
    sources = run_sources(run)
    run.usage_watermark = _usage_watermark()
    counted = run_usage(run=run, sources=sources).filter(authority__in=[a.pk for a in parties])
    weights: dict[int, Decimal] = {a.pk: Decimal("0.00") for a in parties}
    usage_count = 0
    for row in counted.values("authority_id").annotate(total=Sum("quantity"), rows=Count("id")).order_by():
        # PostgreSQL sums numeric(14,2) exactly; the quantize only matters on SQLite, which sums REALs.
        weights[row["authority_id"]] = Decimal(row["total"]).quantize(QUANTITY, rounding=ROUND_HALF_UP)
        usage_count += row["rows"]
    weight_total = sum(weights.values(), Decimal("0.00"))
    fixed = run.fixed_share_percent
    if weight_total == 0 and fixed < 100:
        raise RunError(
            f"No {UsageMeasure(run.basis).label.lower()} were recorded between {run.usage_start_date:%d %B %Y} and "
            f"{run.usage_end_date:%d %B %Y}: there is nothing to share by."
        )
    # Keyed by name (unique, and the order of the lines and of the spreadsheet rows), so a tie of remainders
    # goes to the authority listed first, as the spreadsheet's formulas also decide it.
    by_name = {a.name: weights[a.pk] for a in parties}
    named_parts = apportion_with_fixed_share(run.total_cost, by_name, fixed_percent=fixed)
    parts = {a.pk: named_parts[a.name] for a in parties}
    named_shares = exact_shares(by_name) if weight_total else {}
    shares = {a.pk: named_shares[a.name] for a in parties if a.name in named_shares}
    adjustments: dict[int, Money] = {}
    estimates: dict[int, Money] = {}
    if run.estimate_id:
        estimates = {line.authority_id: line.amount for line in run.estimate.lines.all()}  # type: ignore[union-attr]
        actual = {pk: parts[pk][0] + parts[pk][1] for pk in weights}
        adjustments = true_up(estimate=estimates, actual=actual,
                              tolerance_percent=run.tolerance_percent or Decimal(0))

    run.lines.all().delete()
    run.usage_lines.all().delete()  # a run calculated before the watermark: its frozen copy goes
    lines = []
    for position, authority in enumerate(parties):
        fixed_part, usage_part = parts[authority.pk]
        lines.append(ApportionmentLine(  # type: ignore[misc]
            run=run, authority=authority, authority_name=authority.name, weight=weights[authority.pk],
            fixed_amount=fixed_part, usage_amount=usage_part, amount=fixed_part + usage_part,
            estimate_amount=estimates.get(authority.pk, zero()) if run.estimate_id else None,
            adjustment=adjustments.get(authority.pk) if run.estimate_id else None,
            explanation=_explanation(
                name=authority.name, weight=weights[authority.pk], weight_total=weight_total, label=run.basis_label,
                fixed_percent=fixed, parties=len(parties), usage_share=shares.get(authority.pk),
            )[:300],
            position=position,
        ))
    bulk_create_with_history(lines, ApportionmentLine, default_user=by if getattr(by, "pk", None) else None)
    run.weight_total = weight_total
    run.inputs = {
        "contract_reference": contract.reference, "contract_title": contract.title,
        "provider": str(contract.provider), "lead_authority_id": contract.lead_authority_id,
        "lead_authority": str(contract.lead_authority), "basis": run.basis, "basis_label": run.basis_label,
        "basis_contracts": [c.reference for c in sources], "usage_records": usage_count,
        "basis_contract_ids": [c.pk for c in sources], "usage_watermark": run.usage_watermark,
        "usage_period": [run.usage_start_date.isoformat(), run.usage_end_date.isoformat()],
        "cost_period": [run.cost_start_date.isoformat(), run.cost_end_date.isoformat()],
        "total_cost": str(run.total_cost.amount), "fixed_share_percent": str(fixed),
        "tolerance_percent": None if run.tolerance_percent is None else str(run.tolerance_percent),
        "estimate_run": run.estimate_id, "parties": [{"id": a.pk, "name": a.name} for a in parties],
        "calculated_at": now.isoformat(),
    }
    before = run.status
    run.calculate()
    run.calculated_by = by if getattr(by, "pk", None) else None
    run.calculated_at = now
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "weight_total", "usage_watermark", "inputs", "calculated_by", "calculated_at"])
    _log_run(run, before, by=by, now=now)
    return run


@transaction.atomic
def run_approve(*, run: ApportionmentRun, by: Any, now: datetime) -> ApportionmentRun:
    """Approve a calculated run: from now on it is frozen. The approver is neither the person who set it up (the
    cost and the basis) nor the person who calculated it; a run the system calculated (`manage.py apportion
    --save`) is recalculated by a named person first, so that there is a maker to check."""
    run = _locked_run(run)
    if run.status != RunStatus.CALCULATED:
        raise InvalidTransition(
            f"Only a calculated run can be approved; this one is {run.get_status_display().lower()}."
        )
    if run.calculated_by_id is None:
        raise InvalidTransition("The system calculated this run: calculate it again on its page, then someone "
                                "else approves it.")
    if getattr(by, "pk", None) in (run.calculated_by_id, run.created_by_id):
        raise InvalidTransition("Someone other than the people who set up and calculated the run must approve it.")
    before = run.status
    run.approve()
    run.approved_by = by
    run.approved_at = now
    run.inputs = {**run.inputs, "approved_by": str(by) if by else "", "approved_on": f"{now:%d %B %Y}".lstrip("0")}
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "approved_by", "approved_at", "inputs"])
    _log_run(run, before, by=by, now=now)
    return run


def recharge_amount(*, run: ApportionmentRun, line: ApportionmentLine) -> Money:
    """What the lead recovers from a partner: its share, or for a true-up run only the adjustment."""
    if run.estimate_id:
        return line.adjustment if line.adjustment is not None else zero()
    return line.amount


@transaction.atomic
def run_recharge(*, run: ApportionmentRun, by: Any, now: datetime, today: date) -> ApportionmentRun:
    """Post the recharges in the lead authority's books: for each partner, Dr recharge receivable from that
    partner / Cr contract cost recovered. Each posting has its own key, so a retry posts nothing twice.
    Only a finance officer of the lead authority may post them (the page checks the same; tasks and commands
    come here without a page)."""
    from organisations.models import Role
    from organisations.scoping import authority_ids_for

    run = _locked_run(run)
    if getattr(by, "role", None) != Role.FINANCE_OFFICER or not getattr(by, "is_active", False):
        raise InvalidTransition("Only a finance officer of the lead authority can post the recharges.")
    if run.contract.lead_authority_id not in authority_ids_for(by):
        raise InvalidTransition(
            f"Only a finance officer of {run.contract.lead_authority} (the lead authority) can post the recharges."
        )
    if run.status == RunStatus.RECHARGED:
        return run
    if run.status != RunStatus.APPROVED:
        raise InvalidTransition(
            f"Only an approved run can be recharged; this one is {run.get_status_display().lower()}."
        )
    lead = run.contract.lead_authority
    recovered = account_for(authority=lead, code=AccountCode.CONTRACT_COST_RECOVERED)
    for line in run.lines.select_related("authority").order_by("authority_id"):
        if line.authority_id == lead.pk:
            continue
        amount = recharge_amount(run=run, line=line)
        if amount.amount == 0:
            continue
        receivable = account_for(authority=lead, code=AccountCode.RECHARGE_RECEIVABLE, counterparty=line.authority)
        post(
            lines=[(receivable, amount), (recovered, -amount)],
            memo=f"Recharge to {line.authority_name}: {run.contract.reference} {run.title}"[:255],
            idempotency_key=f"contracts.apportionmentrun:{run.pk}:recharge:{line.authority_id}",
            transaction_date=today, by=by, source=run, now=now,
        )
    before = run.status
    run.recharge()
    run.recharged_at = now
    run.recharge_date = today
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "recharged_at", "recharge_date"])
    _log_run(run, before, by=by, now=now)
    return run


# ---- the spreadsheet --------------------------------------------------------------------------------------------


def run_spreadsheet_name(run: ApportionmentRun) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", run.inputs.get("contract_reference", run.contract.reference)).strip("-")
    return f"apportionment-{reference}-run-{run.pk}.xlsx"


def run_spreadsheet_request(*, run: ApportionmentRun, by: Any) -> BackgroundJob:
    """Ask for the run's spreadsheet: a job row the page can watch, and the build queued once this commits."""
    from . import tasks  # tasks wrap this module

    if run.status == RunStatus.DRAFT:
        raise RunError("Calculate the run before asking for its spreadsheet.")
    with transaction.atomic():
        job = job_create(
            kind="contracts.run_spreadsheet", description=f"Spreadsheet of apportionment {run.pk}: {run.title}"[:200],
            by=by if getattr(by, "pk", None) else None, authority=run.contract.lead_authority,
            target=f"contracts.apportionmentrun:{run.pk}",
        )
        transaction.on_commit(lambda: tasks.build_run_spreadsheet.delay(str(job.pk), run.pk))
    return job


def run_spreadsheet_bytes(*, run: ApportionmentRun, progress: Any = None) -> bytes:
    from .selectors import run_sheet  # selectors read through this module's helpers
    from .spreadsheets import build_run_workbook

    return build_run_workbook(run_sheet(run=run), progress=progress)


def run_spreadsheet_build(*, job_id: Any, run_id: int) -> None:
    """Build the spreadsheet for a job, reporting progress on the job row; a failure is written on the job."""
    run = ApportionmentRun.objects.select_related("contract").get(pk=run_id)
    try:
        total = run.usage_lines.count() if run.usage_watermark is None else run.inputs.get("usage_records", 0)
        job_start(job_id=job_id, total=total)
        content = run_spreadsheet_bytes(run=run, progress=lambda done: job_progress(job_id=job_id, done=done))
        job_finish(job_id=job_id, content=content, filename=run_spreadsheet_name(run),
                   message=f"{len(content):,} bytes")
    except Exception as exc:
        job_fail(job_id=job_id, message=f"The spreadsheet could not be built: {exc}")
        raise
