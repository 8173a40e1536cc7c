"""Reads for auditors: the access trail, and everything held about one family (subject access requests)."""

from datetime import date, datetime
from typing import Any

from django.core import serializers
from django.db import models
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.text import capfirst
from moneyed import Money

from core import wording
from core.dates import long_date, long_datetime
from core.models import AccessLog
from core.money import format_gbp
from organisations.scoping import ScopedQuerySet, authority_ids_for
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


def _m2m_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.many_to_many]


def _in_scope(queryset: QuerySet, user: Any) -> QuerySet:
    """`queryset` cut to what `user` may see, for a model that names its authority; others follow their parent
    (a row of such a model is reached only through a parent already in scope)."""
    if isinstance(queryset, ScopedQuerySet) and queryset.authority_paths:
        return queryset.for_user(user)
    return queryset


def family_records(*, household: Household, user: Any) -> list[models.Model]:
    """The household and every row that hangs off it in the family apps that `user`'s authorities hold, breadth
    first, each once.

    A family can have records held by more than one authority (a request stays with the authority responsible
    under the three-year rule, ADR 0003): each authority is its own data controller, so an auditor sees, and a
    subject access export holds, only the rows their authorities hold, and nothing reached only through a row
    they do not.

    The walk goes a level at a time: for each model met on a level and each of its reverse relations, one query
    fetches the children of every parent of that model on the level (with their many-to-many values, which the
    dossier's serializer reads), so the number of queries depends on the models and relations, not on how many
    requests, plans or referrals the family has. Children keep the order a parent-by-parent walk gives them."""
    prefetch_related_objects([household], *_m2m_names(type(household)))
    seen: set[tuple[str, Any]] = {(household._meta.label_lower, household.pk)}
    out: list[models.Model] = [household]
    level: list[models.Model] = [household]
    depth = 0
    while level and depth < MAX_DEPTH:
        children_of: dict[tuple[Any, str], list[models.Model]] = {}
        by_model: dict[type[models.Model], list[models.Model]] = {}
        for obj in level:
            by_model.setdefault(type(obj), []).append(obj)
        for model, parents in by_model.items():
            for rel in _reverse_relations(model):
                related: Any = rel.related_model
                target = rel.field.target_field.attname
                keys = {getattr(parent, target) for parent in parents}
                found = _in_scope(related._default_manager.all(), user).filter(
                    **{f"{rel.field.name}__in": keys}
                ).prefetch_related(
                    *_m2m_names(related)
                )
                parent_of = {getattr(parent, target): parent for parent in parents}
                for child in found:
                    key_value = getattr(child, rel.field.attname)
                    # the parent is already loaded: a child's __str__ (or the serializer) reads it without a query
                    rel.field.set_cached_value(child, parent_of[key_value])
                    children_of.setdefault((key_value, rel.name), []).append(child)
        next_level: list[models.Model] = []
        for obj in level:
            for rel in _reverse_relations(type(obj)):
                key_value = getattr(obj, rel.field.target_field.attname)
                for child in children_of.get((key_value, rel.name), []):
                    key = (child._meta.label_lower, child.pk)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(child)
                    next_level.append(child)
        level = next_level
        depth += 1
    return out


# The records a family row's name (its __str__) reads through a foreign key, when the walk did not reach the row
# through that key: fetched for all rows of a model at once.
NAMED_THROUGH = {"support.child", "support.person", "support.supportrequest", "support.servicetype",
                 "commissioning.referral", "claims.asfapplication", "claims.providerinvoice", "organisations.provider",
                 "organisations.authority"}


def _load_names(records: list[models.Model]) -> None:
    """Point those keys at the family's rows already loaded (so a name read through two keys, such as an
    assessment's request's child, costs nothing), and fetch the rest once per model and key."""
    loaded = {(obj._meta.label_lower, obj.pk): obj for obj in records}
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in records:
        by_model.setdefault(type(obj), []).append(obj)
    for model, objs in by_model.items():
        candidates: list[Any] = [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]
        fields = [f for f in candidates if f.related_model._meta.label_lower in NAMED_THROUGH]
        for f in fields:
            label = f.related_model._meta.label_lower
            for obj in objs:
                target = loaded.get((label, getattr(obj, f.attname)))
                if target is not None and not f.is_cached(obj):
                    f.set_cached_value(obj, target)
        prefetch_related_objects(objs, *[f.name for f in fields])


def _state_of(model_label: str) -> str:
    known = wording.vocabulary(model_label)
    return known.state_field if known is not None else ""


def _change_words(model: type[models.Model], entry: Any, before: Any) -> str:
    """One history entry in plain words (core.wording): a change of state reads as the transition ("Notice of
    proposal issued"), any other change names the fields that changed."""
    label = model._meta.label_lower
    name = str(model._meta.verbose_name)
    state = _state_of(label)
    if entry.history_type == "+":
        return wording.event(label, from_state="", to_state=getattr(entry, state, "") if state else "",
                             default_noun=name)
    if entry.history_type == "-":
        return wording.record_event(label, "deleted", default_noun=name)
    if before is not None and state and getattr(before, state) != getattr(entry, state):
        return wording.event(label, from_state=getattr(before, state), to_state=getattr(entry, state),
                             default_noun=name)
    changed = [str(f.verbose_name) for f in model._meta.concrete_fields
               if before is not None and not f.primary_key and getattr(before, f.attname, None)
               != getattr(entry, f.attname, None)]
    return wording.record_event(label, "changed", default_noun=name, fields=changed)


def _histories(records: list[models.Model]) -> dict[tuple[str, Any], list[dict]]:
    """Each record's change history in plain words, newest first: one query per model that keeps history."""
    by_model: dict[type[models.Model], list[Any]] = {}
    for obj in records:
        by_model.setdefault(type(obj), []).append(obj.pk)
    out: dict[tuple[str, Any], list[dict]] = {}
    for model, pks in by_model.items():
        manager = getattr(model, "history", None)
        if manager is None or not hasattr(manager, "filter"):
            continue
        pk_name = model._meta.pk.attname  # type: ignore[union-attr]
        entries = (manager.filter(**{f"{pk_name}__in": pks}).select_related("history_user")
                   .order_by(pk_name, "history_date", "history_id"))
        previous: dict[Any, Any] = {}
        for entry in entries:
            key = getattr(entry, pk_name)
            out.setdefault((model._meta.label_lower, key), []).insert(0, {
                "at": entry.history_date,
                "by": getattr(entry.history_user, "username", None),
                "change": _change_words(model, entry, previous.get(key)),
            })
            previous[key] = entry
    return out


def _shown(obj: models.Model) -> list[dict[str, str]]:
    """The record's fields as a page shows them: each field's name in words, a state or choice by its label,
    money as £3,600.00, a date as 4 March 2026, a related record by its name where the walk loaded it."""
    rows = []
    label = obj._meta.label_lower
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key and not f.name.endswith("_currency")]
    words = wording.change_log_words(label, {f.name: getattr(obj, f.attname) for f in fields})
    for f in fields:
        value: Any = getattr(obj, f.attname)
        if f.name in words:
            value = words[f.name]
        elif f.is_relation:
            value = str(getattr(obj, f.name)) if f.is_cached(obj) else value  # type: ignore[attr-defined]
        elif isinstance(value, Money):
            value = format_gbp(value)
        elif f.name == _state_of(label):
            value = wording.state_label(label, value)
        elif f.choices and value not in (None, ""):
            value = getattr(obj, f"get_{f.name}_display")()
        elif isinstance(value, datetime):
            value = long_datetime(value)
        elif isinstance(value, date):
            value = long_date(value)
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        rows.append({"label": capfirst(str(f.verbose_name)), "value": "" if value is None else str(value)})
    return rows


def family_dossier(*, household: Household, user: Any, for_page: bool = False) -> dict:
    """Everything `user`'s authorities hold about one family: each record's fields, its change history, and who
    viewed it there. For the subject access export the fields are as stored and times are ISO 8601 text; for the
    page (`for_page`) each record also has its fields in words ("shown") and times stay datetimes."""
    records = family_records(household=household, user=user)
    _load_names(records)
    histories = _histories(records)
    sections: dict[str, list[dict]] = {}
    for obj in records:
        data = serializers.serialize("python", [obj])[0]
        history = histories.get((obj._meta.label_lower, obj.pk), [])
        row = {"record": str(obj), "model": data["model"], "pk": data["pk"], "fields": data["fields"],
               "history": history if for_page else [{**h, "at": h["at"].isoformat()} for h in history]}
        if for_page:
            row["shown"] = _shown(obj)
        sections.setdefault(str(obj._meta.verbose_name_plural).capitalize(), []).append(row)
    family_key = f"{household._meta.label_lower}:{household.pk}"
    accesses = [
        {"at": log.at if for_page else log.at.isoformat(), "by": log.user.username,
         "action": log.get_action_display() if for_page else log.action, "record": log.object_repr}
        for log in AccessLog.objects.filter(family_key=family_key, authority_id__in=authority_ids_for(user))
        .select_related("user").order_by("at")
    ]
    return {"family": str(household), "records": sections, "access_log": accesses, "record_count": len(records)}
