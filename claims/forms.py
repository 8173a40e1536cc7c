"""GOV.UK forms for claims. Forms parse and validate input; the views call one service with what they clean."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from moneyed import Money

from core.dates import long_date
from core.forms import GovukDateField, GovukForm
from core.uploads import validate_spreadsheet_upload
from organisations.models import Provider
from support.models import Assessment, ServiceType


class PoundsField(forms.CharField):
    """An amount in pounds and pence, typed as text (never a float): "1,250.50" or "£1250.5"."""

    def __init__(self, *, allow_zero: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}))
        super().__init__(**kwargs)
        self.allow_zero = allow_zero

    def clean(self, value: Any) -> Money | None:  # type: ignore[override]
        text = super().clean(value)
        if text in (None, ""):
            return None
        label = (self.label or "The amount").capitalize()
        try:
            amount = Decimal(str(text).replace(",", "").replace("£", "").strip())
        except InvalidOperation as error:
            raise forms.ValidationError(f"{label} must be an amount in pounds, like 1250.00") from error
        if not amount.is_finite():
            raise forms.ValidationError(f"{label} must be an amount in pounds, like 1250.00")
        if amount < 0:
            raise forms.ValidationError(f"{label} cannot be negative")
        if amount == 0 and not self.allow_zero:
            raise forms.ValidationError(f"{label} must be more than £0")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(f"{label} must be in pounds and pence, with no more than 2 decimal places")
        return Money(amount.quantize(Decimal("0.01")), "GBP")


class ApplicationCreateForm(GovukForm):
    assessment = forms.ModelChoiceField(queryset=Assessment.objects.none(), label="The approved assessment of need",
                                        empty_label="Choose an assessment")
    start_date = GovukDateField(label="When the services start")
    purpose_for_fund = forms.CharField(label="Summary for the fund", required=False, widget=forms.Textarea(
        attrs={"rows": 4}), help_text="The fund sees this: do not write names, addresses or dates of birth")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = (  # type: ignore[attr-defined]
            Assessment.objects.for_user(user).filter(approved_date__isnull=False, child__isnull=False)
            .select_related("child").order_by("-approved_date"))
        self.fields["assessment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.child.full_name}: assessment approved {long_date(a.approved_date)}")


class ApplicationEditForm(GovukForm):
    start_date = GovukDateField(label="When the services start")
    purpose_for_fund = forms.CharField(label="Summary for the fund", required=False, widget=forms.Textarea(
        attrs={"rows": 4}), help_text="The fund sees this: do not write names, addresses or dates of birth")
    exceptional_reason = forms.CharField(
        label="Exceptional reason for a late application", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only when the application goes to the fund after the window following the assessment")
    internal_notes = forms.CharField(label="Internal notes", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text="Never leaves the authority")


class LineForm(GovukForm):
    service_type = forms.ModelChoiceField(
        queryset=ServiceType.objects.filter(asf_fundable=True, asf_excluded=False, active=True),
        label="Service", empty_label="Choose a service")
    provider = forms.ModelChoiceField(queryset=Provider.objects.filter(approved=True), label="Provider",
                                      empty_label="Choose a provider")
    sessions = forms.IntegerField(label="Number of sessions", min_value=1, max_value=500,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                "class": "govuk-input--width-4"}))
    unit_cost = PoundsField(label="Cost per session")
    travel = PoundsField(label="Travel", required=False, help_text="At the fund's set rates; leave empty if none")
    description_for_fund = forms.CharField(label="Description for the fund", required=False, max_length=300)


class NoteForm(GovukForm):
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}))


class DateForm(GovukForm):
    on_date = GovukDateField(label="Date")


class SubmitForm(GovukForm):
    submitted_date = GovukDateField(label="Date submitted to the fund")
    fund_reference = forms.CharField(label="The fund's reference", required=False, max_length=40)


class ApproveForm(GovukForm):
    fund_reference = forms.CharField(label="The fund's reference", max_length=40, required=False)
    decision_date = GovukDateField(label="Date of the fund's decision")
    fund_amount = PoundsField(label="Amount the fund approved", required=False,
                              help_text="Leave empty to record what the rules allow")
    approved_therapy = PoundsField(label="Therapy approved", required=False,
                                   help_text="Leave empty if the fund approved all the therapy asked for")
    approved_assessment = PoundsField(label="Specialist assessment approved", required=False,
                                      help_text="Leave empty if the fund approved all the assessment asked for")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(GovukForm):
    decision_date = GovukDateField(label="Date of the fund's decision")
    note = forms.CharField(label="The fund's reason", widget=forms.Textarea(attrs={"rows": 3}))


class InvoiceForm(GovukForm):
    line: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label="Application line", empty_label="Choose a line")  # type: ignore[arg-type]
    invoice_number = forms.CharField(label="Provider's invoice number", max_length=60)
    invoice_date = GovukDateField(label="Invoice date")
    amount = PoundsField(label="Amount", allow_zero=False)
    top_up_reason = forms.CharField(
        label="Top-up reason", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the invoice takes the line past what the fund approved")

    def __init__(self, *args: Any, application: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = application.lines.select_related(  # type: ignore[attr-defined]
            "service_type", "provider")
        self.fields["line"].label_from_instance = (  # type: ignore[attr-defined]
            lambda line: f"{line.service_type} from {line.provider}")


class PayForm(GovukForm):
    paid_date = GovukDateField(label="Date paid")


class InvoiceApproveForm(GovukForm):
    """No fields: the approval is the button. Carries the service's refusal into the error summary."""


class RemittanceForm(GovukForm):
    authority: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label="Authority paid", empty_label=None)  # type: ignore[arg-type]
    payment_date = GovukDateField(label="Date the fund paid")
    file = forms.FileField(label="Remittance file (CSV or Excel)", validators=[validate_spreadsheet_upload],
                           help_text="Columns: fund reference, amount. A header row is expected.")

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities  # type: ignore[attr-defined]


class ReportForm(GovukForm):
    authority: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label="Authority", empty_label=None)  # type: ignore[arg-type]
    financial_year = forms.ChoiceField(label="Financial year", choices=())

    def __init__(self, *args: Any, authorities: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities  # type: ignore[attr-defined]
        self.fields["financial_year"].choices = [(y, y) for y in years]  # type: ignore[attr-defined]
