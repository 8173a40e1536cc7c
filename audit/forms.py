from django import forms

from core.forms import GovukDateField, GovukForm


class AccessSearchForm(GovukForm):
    username = forms.CharField(label="User name or surname", required=False, max_length=150)
    record = forms.CharField(label="Record (for example a child's name)", required=False, max_length=200)
    date_from = GovukDateField(label="From", required=False)
    date_to = GovukDateField(label="To", required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data
