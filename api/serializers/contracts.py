"""Contracts, contract usage (read, and posted in bulk), apportionment runs with their lines."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contracts.models import ApportionmentLine, ApportionmentRun, Contract, UsageMeasure, UsageRecord

from ._fields import PROVIDER_NAME, AuthorityCodeField, MoneyField


class ContractSerializer(serializers.ModelSerializer):
    provider = serializers.StringRelatedField()
    lead_authority = AuthorityCodeField()
    parties = AuthorityCodeField(many=True)
    unit_price = MoneyField()
    total_value = MoneyField()
    lean_columns = {"provider": PROVIDER_NAME}

    class Meta:
        model = Contract
        fields = ["id", "reference", "title", "provider", "lead_authority", "parties", "procurement_route",
                  "pricing", "unit_price", "status", "start_date", "end_date", "original_end_date", "total_value",
                  "capacity_per_year", "capacity_measure"]


class UsageRecordSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    authority = AuthorityCodeField()

    class Meta:
        model = UsageRecord
        fields = ["id", "contract", "authority", "usage_date", "measure", "quantity", "source_key", "recorded_at"]


class ExactDecimalField(serializers.DecimalField):
    """A decimal sent as a string or a whole number: a JSON float is refused, since it may not be the number meant."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, float | bool):
            raise serializers.ValidationError("Send the quantity as a string, e.g. \"1.50\", not a float.")
        return super().to_internal_value(data)


class UsageRowSerializer(serializers.Serializer):
    contract_reference = serializers.CharField(max_length=40)
    authority = serializers.CharField(max_length=120, help_text="The authority's short code, e.g. kent")
    usage_date = serializers.DateField()
    measure = serializers.ChoiceField(choices=UsageMeasure.choices)
    quantity = ExactDecimalField(max_digits=14, decimal_places=2, min_value=0, coerce_to_string=True)


class UsagePostSerializer(serializers.Serializer):
    idempotency_key = serializers.RegexField(
        r"^[A-Za-z0-9._:-]{1,100}$",
        help_text="Your key for this batch (letters, digits, . _ : -). Sending the same key and rows again records "
                  "nothing new; the same key with other rows is refused (409).")
    rows = UsageRowSerializer(many=True, allow_empty=False)

    def validate_rows(self, rows: list) -> list:
        limit = self.context.get("max_rows", 5000)
        if len(rows) > limit:
            raise serializers.ValidationError(f"Send at most {limit} rows at once.")
        return rows


class UsagePostResultSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField(allow_null=True)
    total_rows = serializers.IntegerField()
    new_rows = serializers.IntegerField()
    unchanged_rows = serializers.IntegerField()


class ApportionmentLineSerializer(serializers.ModelSerializer):
    authority = AuthorityCodeField()
    fixed_amount = MoneyField()
    usage_amount = MoneyField()
    amount = MoneyField()
    estimate_amount = MoneyField(allow_null=True)
    adjustment = MoneyField(allow_null=True)

    class Meta:
        model = ApportionmentLine
        fields = ["id", "authority", "authority_name", "weight", "fixed_amount", "usage_amount", "amount",
                  "estimate_amount", "adjustment", "explanation", "position"]


class ApportionmentRunSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    total_cost = MoneyField()
    lines = ApportionmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = ApportionmentRun
        fields = ["id", "contract", "title", "total_cost", "cost_start_date", "cost_end_date", "basis",
                  "usage_start_date", "usage_end_date", "fixed_share_percent", "tolerance_percent", "status",
                  "created_at", "calculated_at", "approved_at", "recharged_at", "recharge_date", "weight_total",
                  "lines"]
