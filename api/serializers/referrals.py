"""What a provider's system sees of a referral (the same fields as the provider's pages, nothing more) and what
it sends back: a decline's reason, a session delivered."""

from __future__ import annotations

from rest_framework import serializers


class ProviderReferralSerializer(serializers.Serializer):
    """A referral as its provider sees it: `commissioning.selectors.provider_view`."""

    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    service = serializers.CharField()
    authority = serializers.CharField()
    service_user = serializers.CharField()
    service_user_kind = serializers.CharField()
    notes_for_provider = serializers.CharField()
    sent_date = serializers.DateField(allow_null=True)
    response_due_date = serializers.DateField(allow_null=True)
    accepted_date = serializers.DateField(allow_null=True)
    declined_date = serializers.DateField(allow_null=True)
    decline_reason = serializers.CharField()
    first_session_date = serializers.DateField(allow_null=True)
    completed_date = serializers.DateField(allow_null=True)
    contract_reference = serializers.CharField()


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=600)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    session_date = serializers.DateField()
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=24 * 60)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
