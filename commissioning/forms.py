"""Forms for commissioning pages. They parse input only; the services decide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from core.forms import GovukDateField, GovukForm
from organisations.models import Provider
from support.models import ServiceType
from support.models.catalogue import ServiceCategory

NOTES_HELP = (
    "Only what the provider needs to deliver the service (for example, when the person can be contacted). "
    "The provider sees this and nothing else from the record."
)


class NotesForm(GovukForm):
    notes_for_provider = forms.CharField(
        label="What the provider needs to know", widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=2000, help_text=NOTES_HELP,
    )


class FromRequestForm(NotesForm):
    service_type = forms.ModelChoiceField(
        label="Service", queryset=ServiceType.objects.none(), empty_label="Choose a service",
        error_messages={"required": "Choose the service to refer for"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = ServiceType.objects.filter(  # type: ignore[attr-defined]
            active=True, category=ServiceCategory.BIRTH_FAMILY
        ).order_by("name")
        self.order_fields(["service_type", "notes_for_provider"])


class ReasonForm(GovukForm):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=600,
        error_messages={"required": "Give the reason"},
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError("Give the reason")
        return value


class SpotPurchaseForm(GovukForm):
    provider = forms.ModelChoiceField(
        label="Approved provider", queryset=Provider.objects.none(), empty_label="Choose a provider",
        error_messages={"required": "Choose the provider"},
    )
    justification = forms.CharField(
        label="Justification", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text="Why no contract can meet this need, and why this provider",
        error_messages={"required": "Give the justification for buying outside a contract"},
    )
    estimated_cost = forms.DecimalField(
        label="Estimated cost (£)", min_value=Decimal("0"), max_digits=12, decimal_places=2,
        error_messages={
            "required": "Enter the estimated cost",
            "invalid": "The estimated cost must be an amount in pounds, like 1800 or 1800.50",
            "min_value": "The estimated cost cannot be negative",
            "max_decimal_places": "The estimated cost must be in pounds and pence",
        },
    )

    def __init__(self, *args: Any, providers: QuerySet[Provider] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = (  # type: ignore[attr-defined]
            providers if providers is not None else Provider.objects.filter(approved=True)
        )

    def clean_justification(self) -> str:
        value = self.cleaned_data["justification"].strip()
        if not value:
            raise forms.ValidationError("Give the justification for buying outside a contract")
        return value


class SpotDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision", choices=[("approve", "Approve"), ("refuse", "Refuse")], widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or refuse"},
    )
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=600,
                           help_text="Required when you refuse")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", "Give the reason you refuse the spot purchase")
        return data


class SessionForm(GovukForm):
    session_date = GovukDateField(label="Date of the session", error_messages={"required": "Enter the date"})
    duration_minutes = forms.IntegerField(
        label="Length in minutes", required=False, min_value=1, max_value=1440,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={"invalid": "The length must be a whole number of minutes",
                        "min_value": "The length must be at least 1 minute",
                        "max_value": "The length must be at most 1440 minutes"},
    )
    note = forms.CharField(label="Note for the authority", required=False, max_length=300,
                           help_text="Optional. No clinical detail.")

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_session_date(self) -> date:
        value = self.cleaned_data["session_date"]
        if value is None:
            raise forms.ValidationError("Enter the date")
        if value > self.today:
            raise forms.ValidationError("The date of the session must be today or in the past")
        return value


class WaitingTimesForm(GovukForm):
    sent_from = GovukDateField(label="Sent from", required=False)
    sent_to = GovukDateField(label="Sent to", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("sent_from"), data.get("sent_to")
        if start and end and end < start:
            self.add_error("sent_to", "The end date must be the same as or after the start date")
        return data
