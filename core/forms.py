"""GOV.UK Design System forms: the classes each widget needs, error states, and the three-box date input.
Forms inherit `GovukForm` / `GovukModelForm` and render with `{% include "includes/_form_fields.html" %}`."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.FileInput: "govuk-file-upload",
    forms.ClearableFileInput: "govuk-file-upload",
}
ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukDateInput(forms.MultiWidget):
    template_name = "includes/_date_input_widget.html"

    def __init__(self, attrs: dict | None = None) -> None:
        css = "govuk-input govuk-date-input__input govuk-input--width-"
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(attrs={"inputmode": "numeric", "class": css + "2"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric", "class": css + "2"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric", "class": css + "4"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with the Design System's error messages."""

    widget = GovukDateInput

    def __init__(self, **kwargs: Any) -> None:
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list) -> date | None:
        if not data_list or not any(data_list):
            return None
        label = (self.label or "The date").capitalize()
        day, month, year = (str(part or "").strip() for part in data_list)
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date")
        try:
            return date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"{label} must be a real date") from exc


class GovukFormMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, GovukDateInput):
                continue
            css = next((c for t, c in WIDGET_CLASSES.items() if type(widget) is t), None)
            if css is None and isinstance(widget, forms.widgets.Input):
                css = "govuk-input"
            if css:
                existing = widget.attrs.get("class", "")
                widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:  # type: ignore[attr-defined]
                continue
            widget = self.fields[name].widget  # type: ignore[attr-defined]
            if isinstance(widget, GovukDateInput):
                for sub in widget.widgets:
                    sub.attrs["class"] = sub.attrs.get("class", "") + " govuk-input--error"
                continue
            classes = widget.attrs.get("class", "")
            for base, error in ERROR_CLASSES.items():
                if base in classes.split() and error not in classes:
                    widget.attrs["class"] = f"{classes} {error}"


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
