"""Forms for the letterbox pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from commissioning.models import Referral, ReferralStatus
from core.forms import GovukDateField, GovukForm
from support.models import Child, Person, SupportPlan

from . import rules
from .models import Direction, EndReason, ForwardChannel, ItemKind
from .services.errors import ScanRejected
from .services.scans import MAX_SCAN_BYTES, check_scan

MONTH_CHOICES = [(str(i), name) for i, name in enumerate(rules.MONTH_NAMES, start=1)]
CHECKLIST_CHOICES = list(rules.CHECKLIST)


def _scan_field(label: str, *, required: bool = False) -> forms.FileField:
    return forms.FileField(label=label, required=required,
                           help_text="A PDF, JPEG or PNG, 10 MB at most. It is stored privately.")


def read_scan(upload: Any) -> bytes | None:
    """The upload's bytes once it passes the scan checks (content, size), or a form error."""
    if upload is None:
        return None
    if getattr(upload, "size", 0) > MAX_SCAN_BYTES:
        raise forms.ValidationError("The selected file must be 10 MB or smaller.")
    content = upload.read()
    try:
        check_scan(content)
    except ScanRejected as exc:
        raise forms.ValidationError(str(exc)) from exc
    return content


class ArrangementForm(GovukForm):
    child = forms.ModelChoiceField(label="Child", queryset=Child.objects.none(), empty_label="Choose a child",
                                   error_messages={"required": "Choose the child"})
    relatives = forms.ModelMultipleChoiceField(
        label="Birth relatives or other people", queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one person"})
    direction = forms.ChoiceField(label="Who writes", choices=Direction.choices, widget=forms.RadioSelect,
                                  initial=Direction.BOTH_WAYS)
    due_months = forms.MultipleChoiceField(
        label="Months the exchange is due", choices=MONTH_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="One month (once a year) or two (twice a year)",
        error_messages={"required": "Choose the month or months the exchange is due"})
    overdue_after_weeks = forms.IntegerField(label="Weeks after the due month before a missing item is overdue",
                                             min_value=0, max_value=26, initial=4)
    photos_allowed = forms.BooleanField(label="Photos may be included", required=False)
    gifts_allowed = forms.BooleanField(label="Gifts may be included", required=False)
    cards_allowed = forms.BooleanField(label="Cards may be included", required=False, initial=True)
    second_check_required = forms.BooleanField(label="A second worker checks every item before it is forwarded",
                                               required=False)
    conditions = forms.CharField(label="Special conditions", required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    agreed_date = GovukDateField(label="Date agreed")
    plan = forms.ModelChoiceField(label="The support plan it came from (optional)", required=False,
                                  queryset=SupportPlan.objects.none(), empty_label="Not from a support plan")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = SupportPlan.objects.for_user(user).filter(  # type: ignore[attr-defined]
            request__child__isnull=False).select_related("request", "request__child", "request__person").order_by("-id")
        self.fields["child"].queryset = Child.objects.for_user(user).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name")
        self.fields["relatives"].queryset = Person.objects.for_user(user).filter(  # type: ignore[attr-defined]
            related_child__isnull=False).order_by("last_name", "first_name")

    def clean_due_months(self) -> list[int]:
        try:
            return list(rules.check_months(int(m) for m in self.cleaned_data["due_months"]))
        except rules.InvalidSchedule as exc:
            raise forms.ValidationError(str(exc)) from exc


class ReasonForm(GovukForm):
    reason = forms.CharField(label="Reason", max_length=600, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason"})


class PauseForm(ReasonForm):
    until = GovukDateField(label="Paused until (optional)", required=False)


class EndForm(GovukForm):
    reason = forms.ChoiceField(label="Why the arrangement ends", choices=EndReason.choices,
                               widget=forms.RadioSelect, error_messages={"required": "Choose why it ends"})


class ConfirmForm(GovukForm):
    pass


class CoordinateForm(GovukForm):
    referral = forms.ModelChoiceField(
        label="The referral to the provider who will coordinate it", queryset=Referral.objects.none(),
        empty_label="Choose a referral", error_messages={"required": "Choose the referral"},
        help_text="A referral sent to a contact service about this child or one of the birth relatives")

    def __init__(self, *args: Any, user: Any = None, arrangement: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if arrangement is not None:
            self.fields["referral"].queryset = (  # type: ignore[attr-defined]
                Referral.objects.for_user(user)
                .filter(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE])
                .filter(Q(support_request__child=arrangement.child_id)
                        | Q(support_request__person__in=arrangement.relatives.all()))
                .select_related("service_type", "sent_to").order_by("-id"))
            self.fields["referral"].label_from_instance = (  # type: ignore[attr-defined]
                lambda r: f"{r.reference}: {r.service_type.name}, sent to {r.sent_to}")


class ReceiveForm(GovukForm):
    received_date = GovukDateField(label="Date received")
    kind = forms.ChoiceField(label="What was received", choices=ItemKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose what was received"})
    written_by = forms.ModelChoiceField(label="Written by (for an item from the birth family)", required=False,
                                        queryset=Person.objects.none(), empty_label="Not recorded")
    scan = _scan_field("Scan of the item (optional)")

    def __init__(self, *args: Any, relatives: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if relatives is not None:
            self.fields["written_by"].queryset = relatives  # type: ignore[attr-defined]
        else:
            del self.fields["written_by"]

    def clean_scan(self) -> bytes | None:
        return read_scan(self.cleaned_data.get("scan"))


class CheckForm(GovukForm):
    points = forms.MultipleChoiceField(
        label="I have read the item and confirm it has", choices=CHECKLIST_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Confirm every point of the checklist, or hold or redact the item"})

    def clean_points(self) -> list[str]:
        points = self.cleaned_data["points"]
        if set(points) != rules.CHECKLIST_KEYS:
            raise forms.ValidationError("Confirm every point of the checklist, or hold or redact the item")
        return points


class RedactForm(GovukForm):
    note = forms.CharField(label="What was redacted", max_length=600, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say what was redacted"})
    redacted_scan = _scan_field("Redacted copy")

    def clean_redacted_scan(self) -> bytes | None:
        return read_scan(self.cleaned_data.get("redacted_scan"))


class ForwardForm(CheckForm):
    channel = forms.ChoiceField(label="How it is forwarded", choices=ForwardChannel.choices,
                                widget=forms.RadioSelect, error_messages={"required": "Choose how it is forwarded"})
    forwarded_date = GovukDateField(label="Date forwarded")


class PeriodForm(GovukForm):
    period_from = GovukDateField(label="Due from", required=False)
    period_to = GovukDateField(label="Due before", required=False)


class TermsForm(GovukForm):
    """The terms of an arrangement, changed by its coordinator; the service reschedules the later items."""

    due_months = forms.MultipleChoiceField(
        label="Months the exchange is due", choices=MONTH_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="One month (once a year) or two (twice a year)",
        error_messages={"required": "Choose the month or months the exchange is due"})
    direction = forms.ChoiceField(label="Who writes", choices=Direction.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Choose who writes"})
    overdue_after_weeks = forms.IntegerField(
        label="Weeks after the due month before a missing item is overdue", min_value=0, max_value=26,
        error_messages={"required": "Enter the weeks after the due month before a missing item is overdue"})
    photos_allowed = forms.BooleanField(label="Photos may be included", required=False)
    gifts_allowed = forms.BooleanField(label="Gifts may be included", required=False)
    cards_allowed = forms.BooleanField(label="Cards may be included", required=False)
    second_check_required = forms.BooleanField(label="A second worker checks every item before it is forwarded",
                                               required=False)
    conditions = forms.CharField(label="Special conditions", required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_for(cls, terms: rules.Terms) -> dict[str, Any]:
        return {"due_months": [str(m) for m in terms.due_months], "direction": terms.direction,
                "overdue_after_weeks": terms.overdue_after_weeks, "photos_allowed": terms.photos_allowed,
                "gifts_allowed": terms.gifts_allowed, "cards_allowed": terms.cards_allowed,
                "second_check_required": terms.second_check_required, "conditions": terms.conditions}

    def clean_due_months(self) -> list[int]:
        try:
            return list(rules.check_months(int(m) for m in self.cleaned_data["due_months"]))
        except rules.InvalidSchedule as exc:
            raise forms.ValidationError(str(exc)) from exc

    def terms(self) -> rules.Terms:
        data = self.cleaned_data
        return rules.Terms(
            due_months=tuple(data["due_months"]), direction=data["direction"],
            overdue_after_weeks=data["overdue_after_weeks"], photos_allowed=data["photos_allowed"],
            gifts_allowed=data["gifts_allowed"], cards_allowed=data["cards_allowed"], conditions=data["conditions"],
            second_check_required=data["second_check_required"])
