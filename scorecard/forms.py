from datetime import date

from django import forms

from core.forms import GovukForm

from .rules import financial_year_of, year_label

QUARTERS = [("1", "Quarter 1 (April to June)"), ("2", "Quarter 2 (July to September)"),
            ("3", "Quarter 3 (October to December)"), ("4", "Quarter 4 (January to March)")]


def year_choices(today: date, back: int = 5) -> list[tuple[str, str]]:
    current = financial_year_of(today)
    return [(str(y), year_label(y)) for y in range(current, current - back - 1, -1)]


class BoardReturnForm(GovukForm):
    year = forms.TypedChoiceField(label="Financial year", coerce=int)
    quarter = forms.TypedChoiceField(label="Quarter", choices=QUARTERS, coerce=int)
    file_format = forms.ChoiceField(label="File", choices=[("xlsx", "Spreadsheet (xlsx)"), ("csv", "CSV")],
                                    widget=forms.RadioSelect, initial="xlsx")

    def __init__(self, *args, today: date, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(today)  # type: ignore[attr-defined]
