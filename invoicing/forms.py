"""Invoicing's forms: raising an invoice, answering a query, finance's decision, a payment run, bank details, a
credit note. Parsing only: the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from claims.forms import PoundsField
from core.dates import long_date
from core.forms import GovukDateField, GovukForm
from core.money import format_gbp

from .models import LineKind

PDF_HELP = "A PDF of your invoice, 10 MB at most"


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class RaiseForm(GovukForm):
    paying_authority = forms.TypedChoiceField(label="Authority you are invoicing", coerce=int)
    invoice_number = forms.CharField(label="Your invoice number", max_length=60)
    invoice_date = GovukDateField(label="Invoice date")
    stated_total = PoundsField(label="Total on your invoice", allow_zero=False)
    sessions = forms.TypedMultipleChoiceField(label="Sessions delivered", coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    travel_referral = forms.TypedChoiceField(label="Travel for referral", coerce=int, required=False,
                                             empty_value=None)
    travel_amount = PoundsField(label="Travel amount", required=False)
    report_referral = forms.TypedChoiceField(label="Report for referral", coerce=int, required=False,
                                             empty_value=None)
    report_amount = PoundsField(label="Report amount", required=False)
    pdf = forms.FileField(label="Invoice PDF", help_text=PDF_HELP)

    def __init__(self, *args: Any, sessions: Any, referrals: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "paying_authority").choices = [(a.pk, a.name) for a in authorities]
        _choices(self, "sessions").choices = [
            (s.pk, f"{s.referral.reference} ({s.referral.authority.name}): {long_date(s.session_date)}"
                   + (f", {s.duration_minutes} minutes" if s.duration_minutes else ""))
            for s in sessions]
        options = [("", "No extra")] + [(r.pk, f"{r.reference} ({r.authority.name})") for r in referrals]
        _choices(self, "travel_referral").choices = options
        _choices(self, "report_referral").choices = options

    def clean(self) -> dict:
        data = super().clean() or {}
        for kind in ("travel", "report"):
            if bool(data.get(f"{kind}_referral")) != bool(data.get(f"{kind}_amount")):
                self.add_error(f"{kind}_amount", f"Give both the referral and the amount for the {kind}, or neither")
        return data

    def extras(self) -> list[tuple[int, str, Any]]:
        out = []
        for kind in (LineKind.TRAVEL, LineKind.REPORT):
            referral, amount = self.cleaned_data.get(f"{kind}_referral"), self.cleaned_data.get(f"{kind}_amount")
            if referral and amount:
                out.append((referral, str(kind), amount))
        return out


class DecideForm(GovukForm):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[
        ("approve", "Approve: the lines match what was delivered and agreed"),
        ("query", "Query: ask the provider a question"),
        ("reject", "Reject: refuse the invoice"),
    ])
    message = forms.CharField(label="Message to the provider (for a query or a rejection)", required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("decision") in ("query", "reject") and not (data.get("message") or "").strip():
            self.add_error("message", "Write the message to the provider")
        return data


class TermsForm(GovukForm):
    agreed_sessions = forms.IntegerField(label="Sessions agreed", required=False, min_value=1, max_value=10_000,
                                         help_text="Leave empty when the contract or the fund's approval sets them",
                                         widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                       "class": "govuk-input--width-4"}),
                                         error_messages={"invalid": "Enter the sessions agreed as a whole number",
                                                         "min_value": "The sessions agreed must be at least 1",
                                                         "max_value": "The sessions agreed must be 10,000 or fewer"})
    spot_price = PoundsField(label="Agreed price per session", required=False, allow_zero=False,
                             help_text="For a spot purchase: leave empty when a contract's rate applies")
    travel_allowance = PoundsField(label="Travel allowance", required=False, allow_zero=False,
                                   help_text="The most the provider may invoice for travel on this referral")
    report_price = PoundsField(label="Report price", required=False, allow_zero=False,
                               help_text="The agreed price of a report, if the provider may invoice one")


class AnswerForm(GovukForm):
    message = forms.CharField(label="Your answer", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    pdf = forms.FileField(label="A corrected PDF (if any)", required=False, help_text=PDF_HELP)


class RunForm(GovukForm):
    authority = forms.TypedChoiceField(label="Paying authority", coerce=int)
    due_by = GovukDateField(label="Invoices due by")
    payment_date = GovukDateField(label="Payment date")

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "authority").choices = [(a.pk, a.name) for a in authorities]


class BankDetailsForm(GovukForm):
    provider = forms.TypedChoiceField(label="Provider", coerce=int)
    account_name = forms.CharField(label="Name on the account", max_length=140)
    sort_code = forms.CharField(label="Sort code", max_length=8,
                                widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}))
    account_number = forms.CharField(label="Account number", max_length=10,
                                     widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}))

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "provider").choices = [(p.pk, p.name) for p in providers]


class BankDecideForm(GovukForm):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve these details"), ("reject", "Reject them")])


class CreditForm(GovukForm):
    credit_number = forms.CharField(label="Your credit note number", max_length=60)
    credit_date = GovukDateField(label="Credit note date")
    pdf = forms.FileField(label="Credit note PDF", help_text=PDF_HELP)

    def __init__(self, *args: Any, lines: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"line_{line.pk}"] = PoundsField(
                label=f"Credit on {line.description} ({format_gbp(line.amount)})", required=False)
            self.fields[f"line_{line.pk}"].widget.attrs["class"] = "govuk-input govuk-input--width-10"

    def credits(self) -> list[tuple[int, Any]]:
        return [(int(name.removeprefix("line_")), value) for name, value in self.cleaned_data.items()
                if name.startswith("line_") and value]
