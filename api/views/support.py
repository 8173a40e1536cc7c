"""Support: families, children, people, legal orders, requests (and recording one), assessments, notices,
decisions, plans with their services and outcome measures, reviews. Read with `support:read`; a request is
recorded with `support:write` through the same service as the page."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from support.models.assessments import Assessment
from support.models.decisions import Decision
from support.models.families import Child, Household, Person
from support.models.notices import NoticeOfProposal
from support.models.orders import LegalOrder
from support.models.plans import PlannedService, SupportPlan
from support.models.requests import SupportRequest
from support.models.reviews import Review
from support.services import families as family_services
from support.services import requests as request_services

from ..filters import updated_since_filterset
from ..serializers import support as s
from ._base import ScopedReadViewSet, visible


class SupportReadViewSet(ScopedReadViewSet):
    required_scope = "support:read"


class HouseholdViewSet(SupportReadViewSet):
    """Families (adoptive parents or special guardians at one address) the client's authority may see."""

    model = Household
    serializer_class = s.HouseholdSerializer
    select_related = ("responsible_authority",)
    prefetch_related = ("children",)
    filterset_class = updated_since_filterset(Household)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.get_object()
        self.record_view(household, family=household, authority=household.responsible_authority)
        return Response(self.get_serializer(household).data)


class ChildViewSet(SupportReadViewSet):
    model = Child
    scopes_by_action = {"case_system_id": "support:write"}
    serializer_class = s.ChildSerializer
    select_related = ("responsible_authority",)
    filterset_class = updated_since_filterset(Child, fields={"household": ["exact"]})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        child = self.get_object()
        self.record_view(child, family=child.household, authority=child.responsible_authority)
        return Response(self.get_serializer(child).data)

    @extend_schema(request=s.CaseSystemIdSerializer, responses={200: s.ChildSerializer})
    @action(detail=True, methods=["post"], url_path="case-system-id")
    def case_system_id(self, request: Request, pk: str | None = None) -> Response:
        """Set the child's case-system id (its `pers_person_id` in the SSD extract of the client's authority),
        through the same service as the child's page (`support:write`)."""
        child = self.get_object()
        form = s.CaseSystemIdSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user: Any = request.user
        linked = family_services.child_link_case_system(
            child=child, by=user, case_system_id=form.validated_data["case_system_id"],
            authority=user.authority or child.responsible_authority)
        self.touch(linked)
        return Response(self.get_serializer(linked).data)


class PersonViewSet(SupportReadViewSet):
    """Birth parents, birth relatives and adult adoptees."""

    model = Person
    serializer_class = s.PersonSerializer
    select_related = ("authority",)
    filterset_class = updated_since_filterset(Person, fields={"kind": ["exact"]})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        self.record_view(person, family=person, authority=person.authority)
        return Response(self.get_serializer(person).data)


class LegalOrderViewSet(SupportReadViewSet):
    model = LegalOrder
    serializer_class = s.LegalOrderSerializer
    select_related = ("placing_authority",)
    filterset_class = updated_since_filterset(LegalOrder, fields={"child": ["exact"]})


class SupportRequestViewSet(SupportReadViewSet):
    """Requests for support. `POST` records one, as the front door or the case system would (`support:write`)."""

    model = SupportRequest
    serializer_class = s.SupportRequestSerializer
    select_related = ("responsible_authority",)
    filterset_class = updated_since_filterset(SupportRequest, fields={"stage": ["exact"], "child": ["exact"],
                                                                      "person": ["exact"]})
    scopes_by_action = {"create": "support:write"}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        support_request = self.get_object()
        subject: Any = support_request.child or support_request.person
        self.record_view(subject, family=support_request.child.household if support_request.child else subject,
                         authority=support_request.responsible_authority)
        return Response(self.get_serializer(support_request).data)

    @extend_schema(request=s.SupportRequestCreateSerializer, responses={201: s.SupportRequestSerializer})
    def create(self, request: Request) -> Response:
        form = s.SupportRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        child = visible(Child, request.user, data.pop("child", None), field="child")
        person = visible(Person, request.user, data.pop("person", None), field="person")
        created = request_services.request_create(by=request.user, now=timezone.now(), child=child, person=person,
                                                  **data)
        self.touch(created)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class AssessmentViewSet(SupportReadViewSet):
    model = Assessment
    serializer_class = s.AssessmentSerializer
    select_related = ("responsible_authority",)
    filterset_class = updated_since_filterset(Assessment, fields={"request": ["exact"], "status": ["exact"]})


class NoticeViewSet(SupportReadViewSet):
    """Notices of proposal (reg 18) and their representations window."""

    model = NoticeOfProposal
    serializer_class = s.NoticeSerializer
    filterset_class = updated_since_filterset(NoticeOfProposal, fields={"request": ["exact"]})


class DecisionViewSet(SupportReadViewSet):
    model = Decision
    serializer_class = s.DecisionSerializer
    filterset_class = updated_since_filterset(Decision, fields={"request": ["exact"]})


class SupportPlanViewSet(SupportReadViewSet):
    """Support plans with their planned services and outcome measures."""

    model = SupportPlan
    serializer_class = s.SupportPlanSerializer
    prefetch_related = (
        Prefetch("services", queryset=PlannedService.objects.select_related("service_type", "provider")), "measures")
    filterset_class = updated_since_filterset(SupportPlan, fields={"request": ["exact"], "status": ["exact"]})


class ReviewViewSet(SupportReadViewSet):
    model = Review
    serializer_class = s.ReviewSerializer
    filterset_class = updated_since_filterset(Review, fields={"plan": ["exact"], "status": ["exact"]})
