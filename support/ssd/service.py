"""The SSD import's one write. `ssd_import` plans the extract (support.ssd.planner) and then, for a committed
import with no errors, applies every change in one transaction: legal orders, SDQ readings and residence periods
created or updated, and the three-year rule re-applied to every family touched. Every history row written carries
the import as its reason. Whatever the outcome (dry run, committed, refused) an `SsdImport` row records it with the
extract's SHA-256, and an audit row (core.AccessLog, action "import") names the user."""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from core.audit import record_access
from core.models import AccessAction
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for

from ..models import Child, LegalOrder, OutcomeReading, ResidencePeriod, SsdImport
from ..models.readings import ReadingSource
from ..models.ssd import SsdImportStatus
from ..services._bulk import rows_create, rows_update
from ..services.errors import NotPermitted
from ..services.responsibility import households_refresh
from .planner import CHUNK, Change, Plan, ssd_plan
from .reader import Extract

IMPORT_ROLES = (Role.DATA_MANAGER, Role.ADMINISTRATOR)

_change_reason: contextvars.ContextVar[str] = contextvars.ContextVar("ssd_change_reason", default="")


@receiver(pre_create_historical_record, dispatch_uid="support.ssd.change_reason")
def _reason_on_history(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    reason = _change_reason.get()
    if reason and not getattr(history_instance, "history_change_reason", None):
        history_instance.history_change_reason = reason


@dataclass
class SsdResult:
    plan: Plan
    record: SsdImport

    @property
    def status(self) -> str:
        return self.record.status

    def message(self) -> str:
        plan = self.plan
        if self.record.status == SsdImportStatus.REFUSED:
            return (f"The extract was refused: {len(plan.errors)} error(s). Nothing was imported; correct them and "
                    "import it again.")
        verb = "would be" if self.record.status == SsdImportStatus.DRY_RUN else "were"
        if not plan.changes:
            text = "Nothing to change: everything in the extract is already recorded here."
            if plan.previous:
                text += (f" This extract (SHA-256 {plan.sha256[:12]}...) was imported before, on "
                         f"{plan.previous['at'][:10]}.")
            return text
        return (f"{len(plan.creates)} record(s) {verb} created and {len(plan.updates)} {verb} updated for "
                f"{plan.matched_children} matched children.")

    def as_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "import_id": self.record.pk, "status": self.record.status, "authority": plan.authority.name,
            "authority_id": plan.authority.pk, "source_name": plan.source_name, "sha256": plan.sha256,
            "counts": plan.counts(), "message": self.message(),
            "errors": [e.as_dict() for e in plan.errors],
            "creates": [c.as_dict() for c in plan.creates], "updates": [c.as_dict() for c in plan.updates],
            "unmatched": plan.unmatched, "differences": plan.differences, "other_files": plan.other_files,
            "previous": plan.previous,
        }


def _check_may_import(by: Any, authority: Any) -> None:
    if by is None:
        return  # the command line: whoever runs it on the server already holds the database
    if getattr(by, "role", None) not in IMPORT_ROLES:
        raise NotPermitted("Only a data manager or an administrator can import the case system's extract.")
    if authority.pk not in authority_ids_for(by):
        raise NotPermitted(f"You cannot import an extract for {authority.name}.")


def _record(plan: Plan, *, status: str, by: Any, now: datetime) -> SsdImport:
    record = SsdImport.objects.create(
        authority=plan.authority, by=by, at=now, source_name=plan.source_name[:200], sha256=plan.sha256,
        status=status, counts=plan.counts(), error_count=len(plan.errors))
    if by is not None and getattr(by, "pk", None):
        record_access(user=by, obj=record, action=AccessAction.IMPORT, authority=plan.authority)
    return record


def _apply(plan: Plan, *, record: SsdImport, by: Any, now: datetime, today: date) -> None:
    """Every change of the plan, in bulk: the children locked in id order, new rows and their history rows copied
    in per kind, the rows to update read in chunks, changed and written back in bulk with their history rows, then
    the three-year rule re-applied to the families touched."""
    reason = f"SSD import {record.pk} (SHA-256 {plan.sha256[:12]})"
    user = by if getattr(by, "pk", None) else None
    child_ids = sorted({c.child_id for c in (*plan.creates, *plan.updates)})
    for start in range(0, len(child_ids), CHUNK):
        list(Child.objects.select_for_update().filter(pk__in=child_ids[start:start + CHUNK]).order_by("pk")
             .values_list("pk", flat=True))
    creates: dict[str, list[Change]] = {"legal order": [], "SDQ reading": [], "residence": []}
    for change in plan.creates:
        creates[change.what].append(change)
    rows_create(LegalOrder, [
        LegalOrder(child_id=c.child_id, kind=c.values["kind"], order_date=c.values["order_date"],
                   placing_authority_id=plan.authority.pk) for c in creates["legal order"]],
        user=user, reason=reason, at=now)
    rows_create(OutcomeReading, [
        OutcomeReading(child_id=c.child_id, measure=c.values["measure"], reading_date=c.values["reading_date"],
                       score=c.values["score"], reason=c.values["reason"], source=ReadingSource.CASE_SYSTEM,
                       source_key=c.values["source_key"], ssd_import_id=record.pk) for c in creates["SDQ reading"]],
        user=user, reason=reason, at=now)
    rows_create(ResidencePeriod, [
        ResidencePeriod(household_id=c.values["household_id"], authority_id=c.values["authority_id"],
                        from_date=c.values["from_date"], address=c.values["address"])
        for c in creates["residence"]],
        user=user, reason=reason, at=now)
    models: dict[str, Any] = {"legal order": LegalOrder, "SDQ reading": OutcomeReading, "residence": ResidencePeriod}
    updates: dict[str, list[Change]] = defaultdict(list)
    for change in plan.updates:
        updates[change.what].append(change)
    for what, changes in updates.items():
        model = models[what]
        for start in range(0, len(changes), CHUNK):
            chunk = changes[start:start + CHUNK]
            found = model.objects.select_for_update().in_bulk([c.target_id for c in chunk])
            changed, names = [], {"ssd_import"} if model is OutcomeReading else set()
            for change in chunk:
                obj = found[change.target_id]
                for name, value in change.values.items():
                    setattr(obj, name, value)
                    names.add(name)
                if isinstance(obj, OutcomeReading):
                    obj.ssd_import_id = record.pk
                changed.append(obj)
            rows_update(model, changed, sorted(names), user=user, reason=reason, at=now)
    households_refresh(household_ids=plan.households, on_date=today, by=user, change_reason=reason)


def ssd_import(*, authority: Any, extract: Extract, by: Any, now: datetime, today: date, dry_run: bool,
               progress: Callable[[int], None] | None = None) -> SsdResult:
    """Import `extract` from `authority`'s case system: all or nothing. A dry run, or an extract with any error,
    writes only its `SsdImport` row (and audit row). Raises NotPermitted for a user who may not import for
    `authority` (nothing is written)."""
    _check_may_import(by, authority)
    seen = SsdImport.objects.filter(authority=authority).order_by("-pk").values_list("pk", flat=True).first() or 0
    plan = ssd_plan(authority=authority, extract=extract, today=today, progress=progress)
    if plan.errors or dry_run:
        status = SsdImportStatus.REFUSED if plan.errors else SsdImportStatus.DRY_RUN
        with transaction.atomic():
            return SsdResult(plan=plan, record=_record(plan, status=status, by=by, now=now))
    token = _change_reason.set("SSD import")
    try:
        with transaction.atomic():
            # One import per authority at a time; one committed while this was planning makes it plan again
            # (the planning ran outside the transaction, so the job's progress could be seen).
            Authority.objects.select_for_update().filter(pk=authority.pk).first()
            if SsdImport.objects.filter(authority=authority, status=SsdImportStatus.COMMITTED, pk__gt=seen).exists():
                plan = ssd_plan(authority=authority, extract=extract, today=today)
                if plan.errors:
                    return SsdResult(plan=plan, record=_record(plan, status=SsdImportStatus.REFUSED, by=by,
                                                               now=now))
            record = _record(plan, status=SsdImportStatus.COMMITTED, by=by, now=now)
            _change_reason.set(f"SSD import {record.pk} (SHA-256 {plan.sha256[:12]})")
            _apply(plan, record=record, by=by, now=now, today=today)
    finally:
        _change_reason.reset(token)
    return SsdResult(plan=plan, record=record)
