"""Reads for auditors: the access trail, and everything held about one family (subject access requests)."""

from collections import deque
from datetime import date
from typing import Any

from django.core import serializers
from django.db import models
from django.db.models import Q, QuerySet

from core.models import AccessLog
from organisations.scoping import authority_ids_for
from support.models import Household

# Apps whose rows can hold a family's personal data. Ledger and contracts rows are money and usage facts.
FAMILY_APPS = ("support", "commissioning", "claims")
MAX_DEPTH = 5


def access_log_search(
    *, user: Any, username: str = "", record: str = "", family_key: str = "",
    date_from: date | None = None, date_to: date | None = None,
) -> QuerySet[AccessLog]:
    logs = AccessLog.objects.filter(authority_id__in=authority_ids_for(user)).select_related(
        "user", "object_type", "authority"
    )
    if username:
        logs = logs.filter(Q(user__username__icontains=username) | Q(user__last_name__icontains=username))
    if record:
        logs = logs.filter(object_repr__icontains=record)
    if family_key:
        logs = logs.filter(family_key=family_key)
    if date_from:
        logs = logs.filter(at__date__gte=date_from)
    if date_to:
        logs = logs.filter(at__date__lte=date_to)
    return logs


def household_for(*, user: Any, pk: int) -> Household:
    return Household.objects.for_user(user).get(pk=pk)


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    out = []
    for rel in model._meta.related_objects:
        related: Any = rel.related_model
        if (
            (rel.one_to_many or rel.one_to_one)
            and related._meta.app_label in FAMILY_APPS
            and not related.__name__.startswith("Historical")
        ):
            out.append(rel)
    return out


def family_records(*, household: Household) -> list[models.Model]:
    """The household and every row that hangs off it in the family apps, breadth first, each once."""
    seen: set[tuple[str, Any]] = set()
    out: list[models.Model] = []
    queue: deque[tuple[models.Model, int]] = deque([(household, 0)])
    while queue:
        obj, depth = queue.popleft()
        key = (obj._meta.label_lower, obj.pk)
        if key in seen:
            continue
        seen.add(key)
        out.append(obj)
        if depth >= MAX_DEPTH:
            continue
        for rel in _reverse_relations(type(obj)):
            accessor = rel.get_accessor_name()
            if rel.one_to_one:
                child = getattr(obj, accessor, None) if hasattr(obj, accessor) else None
                if child is not None:
                    queue.append((child, depth + 1))
            else:
                for child in getattr(obj, accessor).all():
                    queue.append((child, depth + 1))
    return out


def family_dossier(*, household: Household) -> dict:
    """Everything held about one family: each record's fields, its change history, and who viewed it."""
    records = family_records(household=household)
    sections: dict[str, list[dict]] = {}
    for obj in records:
        data = serializers.serialize("python", [obj])[0]
        history = []
        manager = getattr(obj, "history", None)
        if manager is not None and hasattr(manager, "all"):
            for entry in manager.all().select_related("history_user"):
                history.append({
                    "at": entry.history_date.isoformat(),
                    "by": getattr(entry.history_user, "username", None),
                    "change": {"+": "created", "~": "changed", "-": "deleted"}.get(entry.history_type, "?"),
                })
        sections.setdefault(str(obj._meta.verbose_name_plural).capitalize(), []).append(
            {"record": str(obj), "model": data["model"], "pk": data["pk"], "fields": data["fields"],
             "history": history}
        )
    family_key = f"{household._meta.label_lower}:{household.pk}"
    accesses = [
        {"at": log.at.isoformat(), "by": log.user.username, "action": log.action, "record": log.object_repr}
        for log in AccessLog.objects.filter(family_key=family_key).select_related("user").order_by("at")
    ]
    return {"family": str(household), "records": sections, "access_log": accesses, "record_count": len(records)}
