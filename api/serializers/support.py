"""Families, people, legal orders, requests, assessments, notices, decisions, plans and reviews."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework import serializers

from support.models.assessments import Assessment
from support.models.decisions import Decision
from support.models.families import Child, Household, Person
from support.models.notices import NoticeOfProposal
from support.models.orders import LegalOrder
from support.models.plans import OutcomeMeasure, PlannedService, SupportPlan
from support.models.requests import Requester, SupportRequest
from support.models.reviews import Review

from ._fields import PROVIDER_NAME, AuthorityCodeField, MoneyField


class HouseholdSerializer(serializers.ModelSerializer):
    responsible_authority = AuthorityCodeField()
    child_ids = serializers.PrimaryKeyRelatedField(source="children", many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "family_name", "carer_one_name", "carer_two_name", "arrangement", "address_line_1",
                  "address_line_2", "town", "postcode", "responsible_authority", "responsibility_reason",
                  "created_at", "child_ids"]


class ChildSerializer(serializers.ModelSerializer):
    responsible_authority = AuthorityCodeField()

    class Meta:
        model = Child
        fields = ["id", "household", "first_name", "last_name", "date_of_birth", "previously_looked_after",
                  "ehc_plan_start_date", "ehc_plan_end_date", "responsible_authority", "responsibility_reason",
                  "case_system_id", "created_at"]


class CaseSystemIdSerializer(serializers.Serializer):
    """Link a child to its person id in the client's authority's case system (blank unlinks it)."""

    case_system_id = serializers.CharField(max_length=20, allow_blank=True, trim_whitespace=True)


class PersonSerializer(serializers.ModelSerializer):
    authority = AuthorityCodeField()

    class Meta:
        model = Person
        fields = ["id", "kind", "first_name", "last_name", "date_of_birth", "authority", "related_child"]


class LegalOrderSerializer(serializers.ModelSerializer):
    placing_authority = AuthorityCodeField()

    class Meta:
        model = LegalOrder
        fields = ["id", "child", "kind", "order_date", "placing_authority", "court"]


def _request_reference(pk: int) -> str:
    return SupportRequest.reference.fget(SimpleNamespace(pk=pk))  # type: ignore[attr-defined]


class SupportRequestSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    responsible_authority = AuthorityCodeField()
    lean_columns = {"reference": (("id",), _request_reference)}  # api.lean: the model's own property

    class Meta:
        model = SupportRequest
        fields = ["id", "reference", "child", "person", "responsible_authority", "responsibility_reason",
                  "received_date", "requester", "summary", "urgent", "stage", "closed_date", "closure_reason",
                  "created_at"]


class SupportRequestCreateSerializer(serializers.Serializer):
    """A request about exactly one child or one person (ids the client can see)."""

    child = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    received_date = serializers.DateField()
    requester = serializers.ChoiceField(choices=Requester.choices)
    summary = serializers.CharField(max_length=5000, trim_whitespace=True)
    urgent = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("child")) == bool(attrs.get("person")):
            raise serializers.ValidationError("Give exactly one of child or person.")
        return attrs


class AssessmentSerializer(serializers.ModelSerializer):
    responsible_authority = AuthorityCodeField()

    class Meta:
        model = Assessment
        fields = ["id", "request", "child", "responsible_authority", "status", "started_date", "completed_date",
                  "approved_date", "summary_of_needs", "recommended_services"]


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeOfProposal
        fields = ["id", "request", "assessment", "status", "issued_date", "window_days", "window_end_date",
                  "proposes_support", "statement_of_needs", "proposed_services", "response_date"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "request", "notice", "outcome", "basis", "reasons", "decided_date", "status",
                  "approved_date"]


class PlannedServiceSerializer(serializers.ModelSerializer):
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    provider = serializers.StringRelatedField()
    estimated_cost = MoneyField()
    lean_columns = {"provider": PROVIDER_NAME}

    class Meta:
        model = PlannedService
        fields = ["id", "service_type", "frequency", "estimated_cost", "provider", "signposted", "provider_note"]


class OutcomeMeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutcomeMeasure
        fields = ["id", "name", "baseline_score", "baseline_date", "target_score", "higher_is_better"]


class SupportPlanSerializer(serializers.ModelSerializer):
    services = PlannedServiceSerializer(many=True, read_only=True)
    measures = OutcomeMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = SupportPlan
        fields = ["id", "request", "assessment", "version", "revision_of", "interim", "status", "start_date",
                  "end_date", "end_reason", "created_at", "services", "measures"]


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "plan", "due_date", "reason", "status", "completed_date", "outcome"]
