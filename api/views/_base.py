"""What every API view shares: the bearer token, the scope it needs, the client's own querysets (`for_user` of its
machine user: another authority's record is a 404), a body-size limit, throttling of refused tokens, and one audit
row per call naming the records it touched."""

from __future__ import annotations

import builtins
import time
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions, mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.audit import record_access

from ..errors import PayloadTooLarge
from ..filters import FilterBackend
from ..lean import plan_for_view
from ..models import ApiClient
from ..services import api_call_record
from ..throttling import UnauthenticatedRateThrottle


def visible(model: type[Model], user: Any, pk: int | None, *, field: str) -> Any:
    """The `model` row `pk` from the user's own queryset, None for no id; an id the user cannot see (another
    authority's, or none at all) is a field error that says no more than that."""
    if pk is None:
        return None
    found = model.objects.for_user(user).filter(pk=pk).first()  # type: ignore[attr-defined]
    if found is None:
        raise ValidationError({field: f"There is no {model._meta.verbose_name} {pk} that this client can see."})
    return found


def label(obj: Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


class ApiViewMixin:
    """Mixed into every API view (before APIView in the bases)."""

    required_scope: ClassVar[str] = ""
    scopes_by_action: ClassVar[dict[str, str]] = {}

    request: Request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._started = time.monotonic()
        self.touched: list[str] = []
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.API_MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.")
        try:
            super().initial(request, *args, **kwargs)  # type: ignore[misc]
        except (exceptions.AuthenticationFailed, exceptions.NotAuthenticated):
            throttle = UnauthenticatedRateThrottle()
            if not throttle.allow_request(request, self):
                raise exceptions.Throttled(throttle.wait()) from None
            raise

    @property
    def client(self) -> ApiClient:
        assert isinstance(self.request.auth, ApiClient)
        return self.request.auth

    def touch(self, *objects: Model) -> None:
        self.touched.extend(label(obj) for obj in objects)

    def record_view(self, obj: Model, *, family: Model, authority: Any) -> None:
        """A read of a child's or family's record, in the access log like a page view."""
        django_request: HttpRequest = self.request._request
        record_access(user=self.request.user, obj=obj, family=family, authority=authority, request=django_request)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        client = request._auth if isinstance(getattr(request, "_auth", None), ApiClient) else None
        started = getattr(self, "_started", time.monotonic())
        api_call_record(client=client, method=request.method or "", path=request.get_full_path(),
                        status=response.status_code, object_ids=getattr(self, "touched", []), now=timezone.now(),
                        duration_ms=int((time.monotonic() - started) * 1000))
        return response


class ApiView(ApiViewMixin, APIView):
    pass


class ScopedReadViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and read one model through the client's own queryset (`Model.objects.for_user`), with the joins the
    serializer needs, so a page costs the same number of queries whatever its size."""

    model: ClassVar[type[Model]]
    select_related: ClassVar[tuple[str, ...]] = ()
    prefetch_related: ClassVar[tuple[Any, ...]] = ()

    filter_backends = [FilterBackend]

    def base_queryset(self) -> QuerySet:
        return self.model.objects.for_user(self.request.user)  # type: ignore[attr-defined]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A page of rows read as columns (`api.lean`), without model instances, where the serializer allows it: the
        # same JSON, the same queries (the page, one per nested list), in a fraction of the time. (A comment, not a
        # docstring: drf-spectacular would make a docstring every list's description in the schema.)
        plan = plan_for_view(self)
        if plan is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.base_queryset()).values(*plan.lookups)
        page = self.paginate_queryset(queryset)
        assert page is not None  # every list is paged
        return self.get_paginated_response(plan.render(page, self))

    def get_queryset(self) -> QuerySet:
        queryset = self.base_queryset()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def paginate_queryset(self, queryset: QuerySet) -> builtins.list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            if page and isinstance(page[0], dict):  # a lean page: rows as dicts
                model_label, pk = self.model._meta.label_lower, self.model._meta.pk.attname
                self.touched.extend(f"{model_label}:{row[pk]}" for row in page)
            else:
                self.touch(*page)
        return page

    def get_object(self) -> Any:
        obj = super().get_object()
        self.touch(obj)
        return obj
