"""The data manager's upload form: the authority whose case system the extract came from, and the files."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukForm
from organisations.models import Authority

from .reader import MAX_UPLOAD_BYTES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class SsdUploadForm(GovukForm):
    authority = forms.ModelChoiceField(label="Whose case system the extract comes from",
                                       queryset=Authority.objects.none(), empty_label=None)
    extract = MultipleFileField(
        label="The extract",
        help_text="One zip, or the CSV files one per table (ssd_person.csv, ssd_permanence.csv, ssd_sdq_scores.csv, "
                  "ssd_address.csv), in UTF-8",
        error_messages={"required": "Select the extract: a zip, or the CSV files"})

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities  # type: ignore[attr-defined]
        self.fields["extract"].widget.attrs.update({"accept": ".zip,.csv"})

    def clean_extract(self) -> list[Any]:
        files = self.cleaned_data["extract"]
        if sum(getattr(f, "size", 0) or 0 for f in files) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The extract must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        for upload in files:
            if not upload.name.lower().endswith((".zip", ".csv")):
                raise forms.ValidationError(f"{upload.name} must be a zip (.zip) or a CSV file (.csv)")
        return files
