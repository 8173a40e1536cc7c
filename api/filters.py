"""Filters. Every list takes `updated_since` (ISO 8601 date-time): the rows created or changed at or after it, as
their change history (django-simple-history) records, or as their own timestamp for append-only rows."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds and validates the FilterSet's form only when the request names one of
    its filters: a list without filters (most calls) skips that work and is filtered the same (by nothing)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and not any(name in request.query_params
                                                   for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since", label="Rows created or changed at or after this time (ISO 8601)"
    )
    #: For models without change history: the field that records when the row was written.
    timestamp_field: str = ""

    def filter_updated_since(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        if self.timestamp_field:
            return queryset.filter(**{f"{self.timestamp_field}__gte": value})
        history = queryset.model.history.filter(history_date__gte=value)  # type: ignore[attr-defined]
        return queryset.filter(pk__in=history.values("id"))


def updated_since_filterset(model_: type, *, fields: dict[str, Any] | None = None, timestamp_field: str = "",
                            extra: dict[str, Any] | None = None) -> type[UpdatedSinceFilterSet]:
    """A FilterSet for `model_` with `updated_since` and the given exact-match `fields` (Meta.fields style)."""
    meta = type("Meta", (), {"model": model_, "fields": fields or {}})
    attrs: dict[str, Any] = {"Meta": meta, "timestamp_field": timestamp_field, **(extra or {})}
    return type(f"{model_.__name__}FilterSet", (UpdatedSinceFilterSet,), attrs)
