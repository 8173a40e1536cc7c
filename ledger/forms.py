"""Forms for the ledger pages (all GET: nothing on these pages writes)."""

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core.forms import GovukDateField, GovukForm

SOURCE_PATTERN = re.compile(r"^(?P<app_label>[a-z][a-z0-9_]*)\.(?P<model>[a-z][a-z0-9_]*):(?P<pk>[A-Za-z0-9_-]{1,64})$")


class TrialBalanceForm(GovukForm):
    authority = forms.TypedChoiceField(label="Authority", coerce=int)
    start = GovukDateField(label="From", help_text="The first day of the period, for example 1 4 2026")
    end = GovukDateField(label="Up to", help_text="The day after the period ends, for example 1 4 2027")

    def __init__(self, *args: Any, authorities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = authorities  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and end <= start:
            self.add_error("end", "The end of the period must be after its start")
        return data


class SourceForm(GovukForm):
    source = forms.CharField(
        label="Record", max_length=140,
        help_text="The record behind a figure, as app.model:id, for example claims.asfapplication:12",
    )

    def clean_source(self) -> tuple[ContentType, str]:
        text = self.cleaned_data["source"].strip()
        match = SOURCE_PATTERN.match(text)
        if not match:
            raise ValidationError("Enter the record as app.model:id, for example claims.asfapplication:12")
        try:
            content_type = ContentType.objects.get_by_natural_key(match["app_label"], match["model"])
        except ContentType.DoesNotExist as exc:
            name = f"{match['app_label']}.{match['model']}"
            raise ValidationError(f"There is no kind of record called {name}") from exc
        return content_type, match["pk"]
