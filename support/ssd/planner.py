"""The dry run: every row of the extract checked, each child with a permanence order matched to a child here by
its case-system id, and the changes worked out: legal orders, SDQ readings and residence periods to create or
update, what is unchanged, what is ignored, children the case system knows and this service does not yet, and
differences in date of birth or SEND flag (reported, never written). Reads only.

Memory: a table is read as a stream; what is kept is one small tuple per person, the table ids seen (for
duplicates), and the rows of matched children."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from organisations.models import Authority

from ..models import Child, LegalOrder, OutcomeReading, ResidencePeriod, SsdImport
from ..models.readings import ReadingMeasure, ReadingSource, SdqReason
from ..models.ssd import SsdImportStatus
from . import fields as f
from .reader import Extract, read_table

CHUNK = 2000
IMPORTED_KINDS = ("adoption", "special_guardianship", "child_arrangements", "placement")


@dataclass
class Change:
    action: str  # "create" or "update"
    what: str  # "legal order", "SDQ reading", "residence"
    person_id: str
    child_id: int
    child_name: str
    description: str
    target_id: int | None = None  # the row updated
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "what": self.what, "person_id": self.person_id, "child_id": self.child_id,
                "child_name": self.child_name, "description": self.description}


@dataclass
class Plan:
    authority: Any
    sha256: str
    source_name: str
    rows: Counter[str] = field(default_factory=Counter)
    errors: list[f.RowError] = field(default_factory=list)
    creates: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    unchanged: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    unmatched: list[dict[str, str]] = field(default_factory=list)
    differences: list[dict[str, str]] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)
    matched_children: int = 0
    households: set[int] = field(default_factory=set)
    previous: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return len(self.creates) + len(self.updates)

    def counts(self) -> dict[str, Any]:
        return {
            "rows": dict(self.rows), "rows_total": sum(self.rows.values()), "create": len(self.creates),
            "update": len(self.updates), "unchanged": sum(self.unchanged.values()),
            "unchanged_by_kind": dict(self.unchanged), "ignored": sum(self.ignored.values()),
            "ignored_by_reason": dict(self.ignored), "errors": len(self.errors), "unmatched": len(self.unmatched),
            "differences": len(self.differences), "matched_children": self.matched_children,
        }


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class _Pass:
    """One table read: rows parsed, duplicate table ids and unknown person ids refused."""

    def __init__(self, plan: Plan, extract: Extract, today: date, progress: Callable[[int], None] | None) -> None:
        self.plan, self.extract, self.today, self.progress = plan, extract, today, progress
        self.read = 0

    def rows(self, table: str, *, persons: dict[str, Any] | None) -> Iterator[Any]:
        parse: Any = f.PARSERS[table]
        file = self.extract.tables[table].name if table in self.extract.tables else table
        id_field = f.COLUMNS[table][0]
        person_field = f.COLUMNS[table][1] if table != f.PERSON else ""
        seen: dict[str, int] = {}
        for line, values in read_table(self.extract, table, self.plan.errors):
            self.plan.rows[table] += 1
            self.read += 1
            if self.progress and self.read % 5000 == 0:
                self.progress(self.read)
            row: Any
            row, errors = parse(values, file=file, line=line, today=self.today)
            key = row.person_id if table == f.PERSON else row.table_id
            if key and key in seen:
                errors.append(f.RowError(file, line, id_field, key, f"the id is also on line {seen[key]}: each "
                                                                     "row must have its own id"))
            elif key:
                seen[key] = line
            if persons is not None and row.person_id and row.person_id not in persons:
                errors.append(f.RowError(file, line, person_field, row.person_id,
                                         "no person in ssd_person has this id"))
            if errors:
                self.plan.errors.extend(errors)
                continue
            yield row


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _match(authority: Any, person_ids: Iterable[str]) -> dict[str, Child]:
    matched: dict[str, Child] = {}
    for chunk in _chunks(sorted(person_ids)):
        for child in Child.objects.filter(case_system_authority=authority, case_system_id__in=chunk).only(
                "id", "household_id", "first_name", "last_name", "date_of_birth", "case_system_id",
                "ehc_plan_start_date", "ehc_plan_end_date"):
            matched[child.case_system_id] = child
    return matched


def _plan_orders(plan: Plan, matched: dict[str, Child], orders: dict[str, list[tuple[str, date, int, str]]],
                 file: str) -> None:
    for chunk in _chunks(sorted(matched)):
        children = [matched[p] for p in chunk]
        existing: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
        for order in LegalOrder.objects.filter(child__in=[c.pk for c in children], kind__in=IMPORTED_KINDS).only(
                "id", "child_id", "kind", "order_date").order_by("order_date", "id"):
            existing[(order.child_id, order.kind)].append((order.order_date, order.pk))
        for person_id in chunk:
            child = matched[person_id]
            latest: dict[str, tuple[date, int]] = {}
            for kind, order_date, line, _ in orders.get(person_id, []):
                if kind not in latest or order_date > latest[kind][0]:
                    latest[kind] = (order_date, line)
            for kind, (order_date, line) in sorted(latest.items()):
                if order_date < child.date_of_birth:
                    field_name = ("perm_placement_order_date" if kind == "placement"
                                  else "perm_permanence_order_date")
                    plan.errors.append(f.RowError(file, line, field_name, order_date.isoformat(),
                                                  f"the order is dated before the child's date of birth on our "
                                                  f"record ({_long(child.date_of_birth)})"))
                    continue
                recorded = existing.get((child.pk, kind), [])
                if any(d == order_date for d, _ in recorded):
                    plan.unchanged["legal orders"] += 1
                elif recorded:
                    old_date, pk = recorded[-1]
                    plan.updates.append(Change("update", "legal order", person_id, child.pk, child.full_name,
                                               f"{f.ORDER_LABELS[kind]}: date {_long(old_date)} becomes "
                                               f"{_long(order_date)}", pk, {"order_date": order_date}))
                    plan.households.add(child.household_id)
                else:
                    plan.creates.append(Change("create", "legal order", person_id, child.pk, child.full_name,
                                               f"{f.ORDER_LABELS[kind]} made on {_long(order_date)}", None,
                                               {"kind": kind, "order_date": order_date}))
                    plan.households.add(child.household_id)


def _plan_readings(plan: Plan, matched: dict[str, Child], readings: list[f.SdqRow]) -> None:
    for chunk in _chunks(readings):
        existing = {(r.child_id, r.source_key): r for r in OutcomeReading.objects.filter(
            child__in={matched[r.person_id].pk for r in chunk}, source=ReadingSource.CASE_SYSTEM,
            source_key__in=[r.table_id for r in chunk])}
        for row in chunk:
            child = matched[row.person_id]
            value = str(row.score) if row.score is not None else f"no score ({row.reason}: "\
                f"{SdqReason(row.reason).label.lower()})"
            values = {"reading_date": row.completed_date, "score": row.score, "reason": row.reason}
            found = existing.get((child.pk, row.table_id))
            if found is None:
                plan.creates.append(Change("create", "SDQ reading", row.person_id, child.pk, child.full_name,
                                           f"SDQ on {_long(row.completed_date)}: {value}", None,
                                           {**values, "source_key": row.table_id,
                                            "measure": ReadingMeasure.SDQ}))
            elif (found.reading_date, found.score, found.reason) == (row.completed_date, row.score, row.reason):
                plan.unchanged["SDQ readings"] += 1
            else:
                plan.updates.append(Change("update", "SDQ reading", row.person_id, child.pk, child.full_name,
                                           f"SDQ on {_long(row.completed_date)}: {value} (was "
                                           f"{found.score if found.score is not None else found.reason} on "
                                           f"{_long(found.reading_date)})", found.pk, values))


def _plan_residences(plan: Plan, matched: dict[str, Child], addresses: list[f.AddressRow]) -> None:
    districts = [(a, a.postcode_districts) for a in Authority.objects.exclude(postcode_districts="")]
    wanted: dict[tuple[int, date], tuple[Any, str, f.AddressRow]] = {}
    for row in addresses:
        child = matched[row.person_id]
        if row.start_date is None:
            plan.ignored["addresses with no start date"] += 1
            continue
        authority = f.authority_for_postcode(row.postcode, districts) if row.postcode else None
        if authority is None:
            plan.ignored["addresses in no known authority"] += 1
            plan.differences.append({
                "person_id": row.person_id, "child": child.full_name, "field": "addr_address_postcode",
                "extract": row.postcode or "(blank)",
                "record": f"not recorded as a residence: no authority's postcode districts cover it (line "
                          f"{row.line})"})
            continue
        wanted[(child.household_id, row.start_date)] = (authority, row.postcode, row)
    for chunk in _chunks(sorted(wanted, key=lambda k: (k[0], k[1]))):
        existing = {(r.household_id, r.from_date): r for r in ResidencePeriod.objects.filter(
            household__in={h for h, _ in chunk}, from_date__in={d for _, d in chunk}).select_related("authority")}
        for key in chunk:
            authority, postcode, row = wanted[key]
            child = matched[row.person_id]
            found = existing.get(key)
            if found is None:
                plan.creates.append(Change("create", "residence", row.person_id, child.pk, child.full_name,
                                           f"Living in {authority.name} ({postcode}) from {_long(key[1])}", None,
                                           {"household_id": key[0], "authority_id": authority.pk,
                                            "from_date": key[1], "address": postcode}))
                plan.households.add(key[0])
            elif found.authority_id == authority.pk:
                plan.unchanged["residences"] += 1
            else:
                plan.updates.append(Change("update", "residence", row.person_id, child.pk, child.full_name,
                                           f"From {_long(key[1])}: living in {authority.name} ({postcode}), not "
                                           f"{found.authority.name}", found.pk, {"authority_id": authority.pk}))
                plan.households.add(key[0])


def _differences(plan: Plan, matched: dict[str, Child], persons: dict[str, tuple[date | None, bool | None]],
                 today: date) -> None:
    for person_id, child in sorted(matched.items()):
        dob, send = persons[person_id]
        if dob is not None and dob != child.date_of_birth:
            plan.differences.append({"person_id": person_id, "child": child.full_name, "field": "pers_dob",
                                     "extract": dob.isoformat(),
                                     "record": f"date of birth {child.date_of_birth.isoformat()} (not changed)"})
        has_plan = child.has_ehc_plan_on(today)
        if send is not None and send != has_plan:
            plan.differences.append({
                "person_id": person_id, "child": child.full_name, "field": "pers_send_flag",
                "extract": "Y" if send else "N",
                "record": ("an EHC plan in force today" if has_plan else "no EHC plan in force today")
                + " (not changed)"})


def ssd_plan(*, authority: Any, extract: Extract, today: date,
             progress: Callable[[int], None] | None = None) -> Plan:
    """The dry run of an extract for `authority` (whose case system it came from) on `today`. Writes nothing."""
    plan = Plan(authority=authority, sha256=extract.sha256, source_name=extract.name,
                other_files=list(extract.other_files))
    reading = _Pass(plan, extract, today, progress)
    persons: dict[str, tuple[date | None, bool | None]] = {}
    for person in reading.rows(f.PERSON, persons=None):
        persons[person.person_id] = (person.dob, person.send)
    orders: dict[str, list[tuple[str, date, int, str]]] = defaultdict(list)
    for perm in reading.rows(f.PERMANENCE, persons=persons):
        if perm.order_kind and perm.order_date:
            orders[perm.person_id].append((perm.order_kind, perm.order_date, perm.line, "order"))
        if perm.placement_order_date:
            orders[perm.person_id].append(("placement", perm.placement_order_date, perm.line, "placement"))
    with_order = {p for p, rows in orders.items() if any(r[3] == "order" for r in rows)}
    plan.ignored["people with no permanence order"] = len(persons) - len(with_order)
    matched = _match(authority, with_order)
    plan.matched_children = len(matched)
    for person_id in sorted(with_order - set(matched)):
        kind, order_date = max(((k, d) for k, d, _, what in orders[person_id] if what == "order"),
                               key=lambda kd: kd[1])
        plan.unmatched.append({"person_id": person_id, "order_date": order_date.isoformat(),
                               "kind": f.ORDER_LABELS[kind]})
    readings = []
    for sdq in reading.rows(f.SDQ, persons=persons):
        if sdq.person_id in matched:
            readings.append(sdq)
        else:
            plan.ignored["SDQ rows of children not matched"] += 1
    addresses = []
    for address in reading.rows(f.ADDRESS, persons=persons):
        if address.person_id in matched:
            addresses.append(address)
        else:
            plan.ignored["address rows of children not matched"] += 1
    perm_file = extract.tables[f.PERMANENCE].name if f.PERMANENCE in extract.tables else f.PERMANENCE
    _plan_orders(plan, matched, orders, perm_file)
    _plan_readings(plan, matched, readings)
    _plan_residences(plan, matched, addresses)
    _differences(plan, matched, persons, today)
    plan.errors.sort(key=lambda e: (f.TABLES.index(_table_for(e.file, extract)) if _table_for(e.file, extract)
                                    else 9, e.line, e.field))
    plan.ignored = Counter({k: v for k, v in plan.ignored.items() if v})
    previous = SsdImport.objects.filter(authority=authority, sha256=extract.sha256,
                                        status=SsdImportStatus.COMMITTED).order_by("-at").first()
    if previous is not None:
        plan.previous = {"id": str(previous.pk), "at": previous.at.isoformat()}
    if progress:
        progress(reading.read)
    return plan


def _table_for(file: str, extract: Extract) -> str | None:
    for table, member in extract.tables.items():
        if member.name == file:
            return table
    return None
