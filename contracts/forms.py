"""Forms for the contract pages (GOV.UK Design System)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.forms import GovukDateField, GovukForm
from core.uploads import validate_spreadsheet_upload as check_upload
from organisations.models import Authority, Provider
from support.models import ServiceType

from .models import (
    PRICING_MEASURE,
    ApportionmentRun,
    Contract,
    ExtensionOption,
    Pricing,
    ProcurementRoute,
    UsageMeasure,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UsageUploadForm(GovukForm):
    file = forms.FileField(label="Usage file", help_text="A CSV file or an Excel workbook with the columns "
                           "contract_reference, authority, usage_date, measure, quantity")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV file or an Excel workbook (.xlsx)")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 20 MB")
        check_upload(upload)  # content sniffing: a real .csv or a macro-free .xlsx (core.uploads)
        return upload


class UsageConfirmForm(GovukForm):
    token = forms.CharField(widget=forms.HiddenInput)


class RunForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    total_cost = forms.DecimalField(
        label="Cost to share, in pounds", min_value=Decimal("0"), max_digits=14, decimal_places=2,
        error_messages={"required": "Enter the cost to share", "invalid": "The cost must be an amount in pounds",
                        "min_value": "The cost cannot be negative",
                        "max_decimal_places": "The cost must be in pounds and pence"},
    )
    cost_start_date = GovukDateField(label="Cost period starts", error_messages={"required": "Enter the start"})
    cost_end_date = GovukDateField(label="Cost period ends", error_messages={"required": "Enter the end"})
    basis = forms.ChoiceField(label="Share by", choices=UsageMeasure.choices, widget=forms.RadioSelect)
    basis_label = forms.CharField(label="How the basis reads (optional)", required=False, max_length=80,
                                  help_text="For example, adoptions 2012-15")
    basis_contracts = forms.ModelMultipleChoiceField(
        label="Count the usage of (optional)", queryset=Contract.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Leave empty to count this contract's own usage",
    )
    usage_start_date = GovukDateField(label="Usage counted from", error_messages={"required": "Enter the start"})
    usage_end_date = GovukDateField(label="Usage counted to", error_messages={"required": "Enter the end"})
    fixed_share_percent = forms.DecimalField(
        label="Fixed share split equally, per cent", min_value=Decimal(0), max_value=Decimal(100), initial=0,
        decimal_places=2, error_messages={"max_value": "The fixed share must be 100% or less",
                                          "min_value": "The fixed share cannot be negative"},
    )
    estimate = forms.ModelChoiceField(label="True up against (optional)", queryset=ApportionmentRun.objects.none(),
                                      required=False)
    tolerance_percent = forms.DecimalField(label="Tolerance, per cent (optional)", required=False,
                                           min_value=Decimal(0), decimal_places=2,
                                           help_text="Adjust only where the difference is beyond it, for example 3")

    def __init__(self, *args: Any, contract: Contract, contracts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["basis_contracts"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["estimate"].queryset = ApportionmentRun.objects.filter(  # type: ignore[attr-defined]
            contract=contract, status__in=["approved", "recharged"]
        )

    def clean(self) -> dict:
        data = super().clean() or {}
        if (data.get("cost_start_date") and data.get("cost_end_date")
                and data["cost_end_date"] < data["cost_start_date"]):
            self.add_error("cost_end_date", "The cost period must end on or after its start")
        if (data.get("usage_start_date") and data.get("usage_end_date")
                and data["usage_end_date"] < data["usage_start_date"]):
            self.add_error("usage_end_date", "The usage period must end on or after its start")
        if data.get("tolerance_percent") is not None and not data.get("estimate"):
            self.add_error("tolerance_percent", "Choose the run to true up against, or leave the tolerance empty")
        return data


class ContractStatusForm(GovukForm):
    ACTIONS = [("activate", "Make it active"), ("extend", "Take up an extension option"),
               ("expire", "Record that it has expired"), ("terminate", "End it early")]
    action = forms.ChoiceField(label="What do you want to do?", choices=ACTIONS, widget=forms.RadioSelect,
                               error_messages={"required": "Choose what to do"})
    option = forms.ModelChoiceField(label="Extension option", queryset=ExtensionOption.objects.none(),
                                    required=False)
    reason = forms.CharField(label="Reason for ending it early", required=False, widget=forms.Textarea,
                             max_length=300)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = contract.extension_options.filter(exercised_date__isnull=True)
        self.fields["option"].queryset = options  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == "extend" and not data.get("option"):
            self.add_error("option", "Choose the extension option to take up")
        if data.get("action") == "terminate" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter the reason for ending the contract early")
        return data


class KpiReturnForm(GovukForm):
    financial_year = forms.IntegerField(label="Financial year it starts in", min_value=2000, max_value=2100,
                                        help_text="For example, 2025 for 2025-26")
    quarter = forms.TypedChoiceField(label="Quarter", coerce=int, widget=forms.RadioSelect,
                                     choices=[(1, "April to June"), (2, "July to September"),
                                              (3, "October to December"), (4, "January to March")])
    value = forms.DecimalField(label="Value returned", max_digits=12, decimal_places=2)
    submitted_date = GovukDateField(label="Date returned", error_messages={"required": "Enter the date returned"})
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)


class ContractForm(GovukForm):
    """A new contract on the register: who provides it, who leads and shares it, its term, value and services."""

    reference = forms.CharField(label="Reference", max_length=40, help_text="For example, RAA-CAFIS-2026",
                                error_messages={"required": "Enter the contract reference"})
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the contract title"})
    provider = forms.ModelChoiceField(label="Provider", queryset=Provider.objects.none(),
                                      help_text="Providers on the partnership's approved list",
                                      error_messages={"required": "Choose the provider",
                                                      "invalid_choice": "Choose a provider from the list"})
    lead_authority = forms.ModelChoiceField(label="Lead authority", queryset=Authority.objects.none(),
                                            help_text="The authority that holds the contract and pays the provider",
                                            error_messages={"required": "Choose the lead authority",
                                                            "invalid_choice": "Choose a lead authority you work for"})
    parties = forms.ModelMultipleChoiceField(
        label="Authorities sharing the cost (optional)", queryset=Authority.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="The lead authority always shares it",
        error_messages={"invalid_choice": "Choose authorities from the list"},
    )
    procurement_route = forms.ChoiceField(label="How it was bought", choices=ProcurementRoute.choices,
                                          widget=forms.RadioSelect,
                                          error_messages={"required": "Choose how the contract was bought"})
    pricing = forms.ChoiceField(label="Pricing", choices=Pricing.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose how the contract is priced"})
    unit_price = forms.DecimalField(
        label="Price per referral, session or hour, in pounds (optional)", required=False, min_value=Decimal("0.01"),
        max_digits=14, decimal_places=2,
        error_messages={"invalid": "The unit price must be an amount in pounds", "min_value": "The unit price "
                        "must be more than £0", "max_decimal_places": "The unit price must be in pounds and pence"},
    )
    start_date = GovukDateField(label="Start date", error_messages={"required": "Enter the start date"})
    end_date = GovukDateField(label="End date", help_text="The last day of the initial term",
                              error_messages={"required": "Enter the end date"})
    total_value = forms.DecimalField(
        label="Total value, in pounds", min_value=Decimal("0"), max_digits=14, decimal_places=2,
        error_messages={"required": "Enter the total value", "invalid": "The value must be an amount in pounds",
                        "min_value": "The value cannot be negative",
                        "max_decimal_places": "The value must be in pounds and pence"},
    )
    capacity_per_year = forms.IntegerField(label="Capacity a year (optional)", required=False, min_value=1,
                                           error_messages={"min_value": "The capacity must be at least 1",
                                                           "invalid": "The capacity must be a whole number"})
    capacity_measure = forms.ChoiceField(label="What the capacity counts", choices=UsageMeasure.choices,
                                         initial=UsageMeasure.REFERRALS)
    element_name = forms.CharField(label="Service element", max_length=100, required=False,
                                   help_text="For example, Therapeutic parenting support")
    service_types = forms.ModelMultipleChoiceField(
        label="Services it provides (optional)", queryset=ServiceType.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Referrals for these services are routed to this contract",
    )
    description = forms.CharField(label="Description (optional)", required=False, widget=forms.Textarea,
                                  max_length=2000)

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(approved=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["lead_authority"].queryset = authorities  # type: ignore[attr-defined]
        self.fields["parties"].queryset = authorities  # type: ignore[attr-defined]
        self.fields["service_types"].queryset = ServiceType.objects.order_by("name")  # type: ignore[attr-defined]

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if Contract.objects.filter(reference__iexact=reference).exists():
            raise forms.ValidationError(f"A contract with the reference {reference} is already on the register")
        return reference

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date must be on or after the start date")
        if data.get("pricing") in PRICING_MEASURE and data.get("unit_price") is None and not self.has_error(
                "unit_price"):
            self.add_error("unit_price", "Enter the price per unit for a contract priced per unit")
        if data.get("service_types") and not (data.get("element_name") or "").strip():
            self.add_error("element_name", "Enter a name for the service element")
        return data
