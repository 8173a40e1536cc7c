"""Referrals, for a provider's system (`referrals:provider`): the referrals sent to its organisation, accepting or
declining one, recording a session delivered. Every step goes through the commissioning services, which check that
the referral was sent to the client's organisation and that its state allows the step (409 otherwise)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from commissioning import selectors as commissioning_selectors
from commissioning.models import Referral
from commissioning.services import delivery, responses

from ..filters import updated_since_filterset
from ..serializers import referrals as s
from ._base import ScopedReadViewSet


class ProviderReferralViewSet(ScopedReadViewSet):
    required_scope = "referrals:provider"
    model = Referral
    serializer_class = s.ProviderReferralSerializer
    select_related = commissioning_selectors.LIST_RELATED
    filterset_class = updated_since_filterset(Referral, fields={"status": ["exact"]})

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and args[0] is not None:
            items = args[0]
            many = kwargs.get("many", False)
            args = ([commissioning_selectors.provider_view(r) for r in items] if many
                    else commissioning_selectors.provider_view(items), *args[1:])
        return super().get_serializer(*args, **kwargs)

    def _family(self, referral: Referral) -> Any:
        support_request = referral.support_request
        return support_request.child.household if support_request.child else support_request.person

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        self.record_view(referral, family=self._family(referral), authority=referral.authority)
        return Response(self.get_serializer(referral).data)

    @extend_schema(request=None, responses={200: s.ProviderReferralSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        responses.referral_accept(referral=referral, by=request.user, now=timezone.now())
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.DeclineSerializer, responses={200: s.ProviderReferralSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        form = s.DeclineSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        responses.referral_decline(referral=referral, by=request.user, now=timezone.now(),
                                                reason=form.validated_data["reason"])
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.SessionSerializer, responses={201: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def sessions(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        form = s.SessionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        session = delivery.referral_record_session(referral=referral, by=request.user,
                                                                 now=timezone.now(), **form.validated_data)
        self.touch(session)
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)
