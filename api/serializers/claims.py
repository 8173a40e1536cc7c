"""ASF applications with their state, amounts and dates; a child's fund headroom for a financial year."""

from __future__ import annotations

from rest_framework import serializers

from claims.models.applications import ApplicationLine, ASFApplication

from ._fields import PROVIDER_NAME, AuthorityCodeField, MoneyField


class ApplicationLineSerializer(serializers.ModelSerializer):
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    provider = serializers.StringRelatedField()
    unit_cost = MoneyField()
    travel = MoneyField()
    total = MoneyField()
    lean_columns = {"provider": PROVIDER_NAME}

    class Meta:
        model = ApplicationLine
        fields = ["id", "service_type", "provider", "is_assessment", "sessions", "unit_cost", "travel", "total"]


class ASFApplicationSerializer(serializers.ModelSerializer):
    responsible_authority = AuthorityCodeField()
    lines = ApplicationLineSerializer(many=True, read_only=True)
    therapy_total = MoneyField()
    assessment_total = MoneyField()
    estimated_fund = MoneyField()
    estimated_authority = MoneyField()
    approved_therapy = MoneyField()
    approved_assessment = MoneyField()
    approved_fund = MoneyField()
    approved_authority = MoneyField()
    funds_received = MoneyField()
    unspent_returned = MoneyField()

    class Meta:
        model = ASFApplication
        fields = ["id", "reference", "child", "responsible_authority", "assessment", "start_date", "financial_year",
                  "status", "fund_reference", "submitted_date", "first_submitted_date", "decision", "decision_date",
                  "therapy_total", "assessment_total", "estimated_fund", "estimated_authority", "approved_therapy",
                  "approved_assessment", "approved_fund", "approved_authority", "funds_received",
                  "unspent_returned", "spend_confirmed_date", "closed_date", "created_at", "lines"]


class HeadroomSerializer(serializers.Serializer):
    child = serializers.IntegerField()
    financial_year = serializers.CharField()
    rules = serializers.CharField(source="rule_set.name")
    therapy_so_far = MoneyField()
    assessment_so_far = MoneyField()
    fund_so_far = MoneyField()
    fund_left = MoneyField(allow_null=True, help_text="null: the year's rules set no yearly cap")


class HeadroomQuerySerializer(serializers.Serializer):
    financial_year = serializers.RegexField(r"^\d{4}-\d{2}$", max_length=7,
                                            help_text="The financial year, like 2025-26")
