"""Contracts, usage and apportionment runs (`contracts:read`); usage posted in bulk (`usage:write`), all or nothing,
through the contracts app's usage import."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.models import ApportionmentLine, ApportionmentRun, Contract, UsageRecord

from ..filters import updated_since_filterset
from ..serializers import contracts as s
from ..services import usage_post
from ._base import ScopedReadViewSet


class ContractViewSet(ScopedReadViewSet):
    required_scope = "contracts:read"
    model = Contract
    serializer_class = s.ContractSerializer
    select_related = ("provider", "lead_authority")
    prefetch_related = ("parties",)
    filterset_class = updated_since_filterset(Contract, fields={"status": ["exact"]})


class UsageRecordViewSet(ScopedReadViewSet):
    """Usage facts (referrals, sessions, hours, spend, children) recorded against contracts. `POST` records a batch."""

    required_scope = "contracts:read"
    scopes_by_action = {"create": "usage:write"}
    model = UsageRecord
    serializer_class = s.UsageRecordSerializer
    select_related = ("contract", "authority")
    filterset_class = updated_since_filterset(
        UsageRecord, fields={"measure": ["exact"], "usage_date": ["gte", "lt"]},
        extra={})

    @extend_schema(request=s.UsagePostSerializer,
                   responses={201: s.UsagePostResultSerializer, 200: s.UsagePostResultSerializer})
    def create(self, request: Request) -> Response:
        """Record usage rows: every row or none (each problem named by its row), safe to retry with the same key."""
        form = s.UsagePostSerializer(data=request.data, context={"max_rows": settings.API_MAX_USAGE_ROWS})
        form.is_valid(raise_exception=True)
        rows = [{**row, "quantity": str(row["quantity"]), "usage_date": row["usage_date"].isoformat()}
                for row in form.validated_data["rows"]]
        report = usage_post(client=self.client, key=form.validated_data["idempotency_key"], rows=rows,
                            now=timezone.now())
        if report.batch_id:
            self.touched.append(f"contracts.importbatch:{report.batch_id}")
        body = {"batch_id": report.batch_id, "total_rows": report.total_rows, "new_rows": report.new_rows,
                "unchanged_rows": report.unchanged_rows}
        return Response(s.UsagePostResultSerializer(body).data,
                        status=status.HTTP_201_CREATED if report.new_rows else status.HTTP_200_OK)


class ApportionmentRunViewSet(ScopedReadViewSet):
    """Apportionment runs of shared contracts, with each authority's line."""

    required_scope = "contracts:read"
    model = ApportionmentRun
    serializer_class = s.ApportionmentRunSerializer
    select_related = ("contract",)
    prefetch_related = (Prefetch("lines", queryset=ApportionmentLine.objects.select_related("authority")
                                 .order_by("position", "id")),)
    filterset_class = updated_since_filterset(ApportionmentRun, fields={"status": ["exact"], "contract": ["exact"]})
