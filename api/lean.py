"""Lists rendered from the database's rows without model instances: the same JSON as the serializers, a few times
cheaper for a page of 500.

A list's serializer is read once (per view class) into a *plan*: for each of its fields, the columns it needs (ORM
lookups for `values()`, joins included: an authority's short code is `responsible_authority__short_code`) and the
function that turns them into the field's JSON. Plain fields keep their own DRF `to_representation` (dates,
date-times in the site's time zone, decimals as strings, choices), so the output is the serializer's by
construction; money is the `amount` and `amount_currency` columns written as `{"amount": "1250.00", "currency":
"GBP"}` without building a `Money`; a related object by its id or slug is the joined column. Nested lists (a
plan's services, a transaction's visible entries, a family's child ids) are one more `values()` query for the whole
page, through the same queryset as the view's prefetch (the same scope, the same order), grouped by parent.

A field the plan cannot read from columns (a method field, a property such as a request's `reference`) either has
a rule in the serializer's `lean_columns` (`{name: (lookups, function)}`) or the view keeps DRF's serializer (the
plan is None). `tests/api/test_api_lean_lists.py` holds every lean list to the serializer's own output."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework.settings import api_settings

from .serializers._fields import MoneyField


class Unsupported(Exception):
    """The serializer has a field that the plan cannot read from columns."""


@dataclass(frozen=True)
class Column:
    name: str
    lookups: tuple[str, ...]
    convert: Callable[..., Any]


@dataclass(frozen=True)
class Nested:
    """A nested list: its rows are read by `queryset` (filtered to the page's parents through `parent_lookup`)."""

    name: str
    queryset: Callable[[Any], QuerySet]
    parent_lookup: str
    plan: Plan | None  # None: a flat list of `value_lookup`
    value_lookup: str = ""


@dataclass
class Plan:
    model: type[Model]
    columns: list[Column] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # the serializer's field order, kept in each row's keys

    @property
    def lookups(self) -> list[str]:
        seen: dict[str, None] = {self.model._meta.pk.attname: None}
        for column in self.columns:
            for lookup in column.lookups:
                seen[lookup] = None
        return list(seen)

    def render(self, rows: Sequence[dict[str, Any]], view: Any) -> list[dict[str, Any]]:
        zone = timezone.get_current_timezone()  # as DRF's DateTimeField: the site's time zone, once per page
        columns = [(c.name, c.lookups[0] if len(c.lookups) == 1 else None, c.lookups,
                    functools.partial(_iso_datetime, zone=zone) if c.convert is _iso_datetime else c.convert)
                   for c in self.columns]
        out = []
        for row in rows:
            item = {}
            for name, single, lookups, convert in columns:
                if single is not None:
                    value = row[single]
                    item[name] = None if value is None else convert(value)
                else:
                    item[name] = convert(*(row[lookup] for lookup in lookups))
            out.append(item)
        if self.nested and rows:
            pk = self.model._meta.pk.attname
            ids = [row[pk] for row in rows]
            for nested in self.nested:
                children = nested.queryset(view).filter(**{f"{nested.parent_lookup}__in": ids})
                grouped: dict[Any, list[Any]] = {i: [] for i in ids}
                if nested.plan is None:
                    for parent, value in children.values_list(nested.parent_lookup, nested.value_lookup):
                        grouped[parent].append(value)
                else:
                    wanted = dict.fromkeys([nested.parent_lookup, *nested.plan.lookups])
                    child_rows = list(children.values(*wanted))
                    for parent_row, rendered in zip(child_rows, nested.plan.render(child_rows, view), strict=True):
                        grouped[parent_row[nested.parent_lookup]].append(rendered)
                for item, i in zip(out, ids, strict=True):
                    item[nested.name] = grouped[i]
        if [c.name for c in self.columns] + [n.name for n in self.nested] != self.order:
            out = [{name: item[name] for name in self.order} for item in out]  # a nested list mid-row
        return out


def _money(amount: Any, currency: Any) -> dict[str, str] | None:
    return None if amount is None else {"amount": f"{amount:.2f}", "currency": str(currency)}


def _identity(value: Any) -> Any:
    return value


def _iso_datetime(value: datetime, zone: Any) -> str:
    """DRF's DateTimeField in ISO 8601 (`enforce_timezone`, then `isoformat` with Z for UTC), with the zone looked up
    once per page instead of once per value."""
    text = value.astimezone(zone).isoformat() if timezone.is_aware(value) else timezone.make_aware(
        value, zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _converter(fld: serializers.Field) -> Callable[..., Any]:
    """The field's own `to_representation`, or the same result by a shorter way for date-times."""
    if (isinstance(fld, serializers.DateTimeField) and settings.USE_TZ and "timezone" not in fld.__dict__
            and str(getattr(fld, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601):
        return _iso_datetime
    return fld.to_representation


def _model_field(model: type[Model], path: str) -> Any:
    """The model field at the end of `path` (a__b__c), or Unsupported when it is not a field (a property)."""
    found: Any = None
    for name in path.split("__"):
        try:
            found = model._meta.get_field(name)
        except FieldDoesNotExist as missing:
            raise Unsupported(f"{model.__name__}.{name} is not a field") from missing
        if found.is_relation and found.related_model is not None:
            model = found.related_model
    return found


def _prefetch_for(prefetches: Sequence[Any], name: str) -> Prefetch | None:
    for prefetch in prefetches:
        if isinstance(prefetch, Prefetch) and name in (prefetch.to_attr, prefetch.prefetch_through):
            return prefetch
    return None


def _nested(model: type[Model], name: str, source: str, prefetches: Sequence[Any], child: Any) -> Nested:
    prefetch = _prefetch_for(prefetches, source)
    through = prefetch.prefetch_through if prefetch else source
    relation = _model_field(model, through)
    child_model = relation.related_model
    if relation.one_to_many:  # a reverse foreign key: the children's own column
        parent_lookup = relation.field.attname
    elif relation.many_to_many and not relation.auto_created:  # a many-to-many field: through its join table
        parent_lookup = relation.related_query_name()
    else:
        raise Unsupported(f"{model.__name__}.{through} is neither a reverse foreign key nor a many-to-many field")
    custom = prefetch.queryset if prefetch is not None else None

    def queryset(view: Any) -> QuerySet:
        if callable(getattr(view, f"lean_{name}_queryset", None)):
            return getattr(view, f"lean_{name}_queryset")()
        base = custom if custom is not None else child_model._default_manager.all()
        return base.select_related(None)

    if isinstance(child, serializers.BaseSerializer):
        return Nested(name, queryset, parent_lookup, plan_for(child))
    if isinstance(child, relations.PrimaryKeyRelatedField):
        return Nested(name, queryset, parent_lookup, None, child_model._meta.pk.attname)
    if isinstance(child, relations.SlugRelatedField):
        return Nested(name, queryset, parent_lookup, None, child.slug_field)
    raise Unsupported(f"{name}: nested {type(child).__name__}")


def plan_for(serializer: serializers.Serializer, prefetches: Sequence[Any] = ()) -> Plan:
    """The plan of a (bound or unbound) ModelSerializer instance; Unsupported if a field has no column rule."""
    if not isinstance(serializer, serializers.ModelSerializer):
        raise Unsupported(f"{type(serializer).__name__} is not a ModelSerializer")
    model = serializer.Meta.model
    plan = Plan(model)
    rules: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = getattr(serializer, "lean_columns", {})
    for name, fld in serializer.fields.items():
        if fld.write_only:
            continue
        plan.order.append(name)
        if name in rules:
            lookups, convert = rules[name]
            plan.columns.append(Column(name, tuple(lookups), convert))
            continue
        source = fld.source or name
        if source == "*":
            raise Unsupported(f"{name}: source '*'")
        path = source.replace(".", "__")
        if isinstance(fld, serializers.ListSerializer):
            plan.nested.append(_nested(model, name, source, prefetches, fld.child))
        elif isinstance(fld, relations.ManyRelatedField):
            plan.nested.append(_nested(model, name, source, prefetches, fld.child_relation))
        elif isinstance(fld, MoneyField):
            _model_field(model, path)
            plan.columns.append(Column(name, (path, f"{path}_currency"), _money))
        elif isinstance(fld, relations.SlugRelatedField):
            _model_field(model, path)
            plan.columns.append(Column(name, (f"{path}__{fld.slug_field}",), _identity))
        elif isinstance(fld, relations.PrimaryKeyRelatedField):
            found = _model_field(model, path)
            plan.columns.append(Column(name, (found.attname if "__" not in path else path,), _identity))
        elif isinstance(fld, serializers.BaseSerializer | relations.RelatedField | serializers.SerializerMethodField):
            raise Unsupported(f"{name}: {type(fld).__name__}")
        else:
            _model_field(model, path)
            plan.columns.append(Column(name, (path,), _converter(fld)))
    return plan


_PLANS: dict[type, Plan | None] = {}


def plan_for_view(view: Any) -> Plan | None:
    """The plan of a list view's serializer, made once per view class; None where DRF's serializer must stay."""
    view_class = type(view)
    if view_class not in _PLANS:
        try:
            serializer = view.get_serializer_class()(context={})
            prefetches = getattr(view_class, "lean_prefetch", ()) or getattr(view_class, "prefetch_related", ())
            _PLANS[view_class] = plan_for(serializer, prefetches)
        except Unsupported:
            _PLANS[view_class] = None
    return _PLANS[view_class]
