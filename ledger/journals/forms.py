"""Forms of the journal pages."""

from datetime import date
from typing import Any

from django import forms

from core.forms import GovukDateField, GovukForm

from .layouts import layout_choices


class BatchCreateForm(GovukForm):
    authority = forms.TypedChoiceField(label="Authority", coerce=int)
    cut_off_date = GovukDateField(label="Cut-off date",
                                  help_text="Postings dated on or before this day, for example 30 6 2026")
    layout = forms.ChoiceField(label="File layout", choices=layout_choices,
                               help_text="The layout your finance system's journal import reads")

    def __init__(self, *args: Any, authorities: list[tuple[int, str]], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = authorities  # type: ignore[attr-defined]
        self.today = today

    def clean_cut_off_date(self) -> date:
        value = self.cleaned_data["cut_off_date"]
        if isinstance(value, date) and value > self.today:
            raise forms.ValidationError("The cut-off date must be today or in the past")
        return value


class BatchConfirmForm(GovukForm):
    finance_reference = forms.CharField(label="Journal number in the finance system", max_length=60,
                                        required=False)

