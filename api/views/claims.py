"""ASF applications and a child's fund headroom (`claims:read`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from claims.models.applications import ApplicationLine, ASFApplication
from claims.services.headroom import headroom_for_child
from support.models.families import Child

from ..filters import updated_since_filterset
from ..serializers import claims as s
from ._base import ApiView, ScopedReadViewSet


class ASFApplicationViewSet(ScopedReadViewSet):
    required_scope = "claims:read"
    model = ASFApplication
    serializer_class = s.ASFApplicationSerializer
    select_related = ("responsible_authority",)
    prefetch_related = (Prefetch("lines", queryset=ApplicationLine.objects.select_related("service_type", "provider")),)
    filterset_class = updated_since_filterset(
        ASFApplication, fields={"status": ["exact"], "child": ["exact"], "financial_year": ["exact"]})


class ChildHeadroomView(ApiView):
    """What the fund has committed for a child in a financial year and what it can still pay."""

    required_scope = "claims:read"

    @extend_schema(parameters=[OpenApiParameter("financial_year", str, required=True,
                                                description="The financial year, like 2025-26")],
                   responses={200: s.HeadroomSerializer})
    def get(self, request: Request, pk: int) -> Response:
        child = Child.objects.for_user(request.user).filter(pk=pk).first()
        if child is None:
            raise Child.DoesNotExist
        query = s.HeadroomQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        headroom: Any = headroom_for_child(child=child, financial_year=query.validated_data["financial_year"])
        self.touch(child)
        data = {**{f.name: getattr(headroom, f.name) for f in dataclasses.fields(headroom)}, "child": child.pk}
        return Response(s.HeadroomSerializer(data).data)
