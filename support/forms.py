"""Forms for each step. They parse and check the shape of the input; the rules (dates in order, who may approve)
live in support.services, whose ValidationErrors the views put back on these fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.forms import GovukDateField, GovukForm
from organisations.models import Authority, Provider, Role, User

from .models import ServiceType
from .models.assessments import REG14_SECTIONS
from .models.decisions import DecisionOutcome
from .models.families import Arrangement, PersonKind
from .models.notices import NoticeStatus
from .models.orders import OrderKind
from .models.plans import PLAN_SECTIONS
from .models.requests import Requester, RequestStage
from .models.reviews import ReviewOutcome, ReviewReason


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class CaseloadFilterForm(GovukForm):
    q = forms.CharField(label="Search by name or reference", required=False)
    stage = forms.ChoiceField(label="Stage", required=False,
                              choices=[("", "All open"), ("all", "All, including closed"), *RequestStage.choices])
    worker = forms.ModelChoiceField(label="Allocated worker", required=False, queryset=User.objects.none(),
                                    empty_label="Anyone")
    urgent = forms.BooleanField(label="Urgent only", required=False)

    def __init__(self, *args: Any, workers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if workers is not None:
            self.fields["worker"].queryset = workers  # type: ignore[attr-defined]


class HouseholdForm(GovukForm):
    family_name = forms.CharField(label="Family name", max_length=120)
    carer_one_name = forms.CharField(label="First carer's full name", max_length=160)
    carer_two_name = forms.CharField(label="Second carer's full name (optional)", max_length=160, required=False)
    arrangement = forms.ChoiceField(label="Arrangement", choices=Arrangement.choices, widget=forms.RadioSelect)
    address_line_1 = forms.CharField(label="Address line 1", max_length=160)
    address_line_2 = forms.CharField(label="Address line 2 (optional)", max_length=160, required=False)
    town = forms.CharField(label="Town or city", max_length=80)
    postcode = forms.CharField(label="Postcode", max_length=10)
    residence_authority = forms.ModelChoiceField(label="Local authority they live in", queryset=Authority.objects.all())
    residence_from_date = GovukDateField(label="Date they moved to this address")


class MoveForm(GovukForm):
    authority = forms.ModelChoiceField(label="Local authority they now live in", queryset=Authority.objects.all())
    from_date = GovukDateField(label="Date they moved")
    address_line_1 = forms.CharField(label="Address line 1", max_length=160)
    address_line_2 = forms.CharField(label="Address line 2 (optional)", max_length=160, required=False)
    town = forms.CharField(label="Town or city", max_length=80)
    postcode = forms.CharField(label="Postcode", max_length=10)


class ChildForm(GovukForm):
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    date_of_birth = GovukDateField(label="Date of birth")
    previously_looked_after = forms.BooleanField(label="Looked after by a local authority before the order",
                                                 required=False, initial=True)
    ehc_plan_start_date = GovukDateField(label="EHC plan start date (optional)", required=False)
    ehc_plan_end_date = GovukDateField(label="EHC plan end date (optional)", required=False)
    case_system_id = forms.CharField(
        label="Case-system id (optional)", max_length=20, required=False,
        help_text="The child's person id in the authority's case system, so its extract can be matched")


class LegalOrderForm(GovukForm):
    kind = forms.ChoiceField(label="Kind of order", choices=OrderKind.choices, widget=forms.RadioSelect)
    order_date = GovukDateField(label="Date of the order")
    placing_authority = forms.ModelChoiceField(
        label="Placing authority", queryset=Authority.objects.all(), required=False,
        help_text="Leave blank for a recognised inter-country adoption with no placing authority in England")
    court = forms.CharField(label="Court (optional)", max_length=120, required=False)


class PersonForm(GovukForm):
    kind = forms.ChoiceField(label="Who they are", choices=PersonKind.choices, widget=forms.RadioSelect)
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False)
    authority = forms.ModelChoiceField(label="Authority recording them", queryset=Authority.objects.none())
    notes = _text("Notes (optional)", required=False)

    def __init__(self, *args: Any, authorities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"].queryset = authorities  # type: ignore[attr-defined]


class RequestForm(GovukForm):
    received_date = GovukDateField(label="Date the request was received")
    requester = forms.ChoiceField(label="Who asked", choices=Requester.choices, widget=forms.RadioSelect)
    summary = _text("What they are asking for")
    urgent = forms.BooleanField(label="Urgent: support may be needed before the notice of proposal (reg 21)",
                                required=False)


class AllocateForm(GovukForm):
    worker = forms.ModelChoiceField(label="Social worker", queryset=User.objects.none())

    def __init__(self, *args: Any, workers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers if workers is not None else User.objects.none()  # type: ignore[attr-defined]


class ReasonForm(GovukForm):
    reason = _text("Reason")


class StartAssessmentForm(GovukForm):
    started_date = GovukDateField(label="Date the assessment started")


class AssessmentForm(GovukForm):
    """The regulation 14 considerations, one section each, then the summary and recommendations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in REG14_SECTIONS:
            self.fields[name] = _text(label, required=False, rows=5)
        self.fields["summary_of_needs"] = _text("Summary of assessed needs", required=False)
        self.fields["recommended_services"] = _text("Recommended services", required=False)


class NoticeForm(GovukForm):
    issued_date = GovukDateField(label="Date the notice was sent")
    proposes_support = forms.TypedChoiceField(
        label="The proposal", coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", "Propose to provide support"), ("no", "Propose not to provide support")])
    statement_of_needs = _text("Statement of assessed needs")
    proposed_services = _text("Proposed services (optional)", required=False)
    window_days = forms.IntegerField(label="Days for representations", min_value=1, max_value=365,
                                     widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                   "class": "govuk-input--width-3"}))


class NoticeResponseForm(GovukForm):
    response = forms.ChoiceField(
        label="How the family responded", widget=forms.RadioSelect,
        choices=[(NoticeStatus.PERSON_SATISFIED, "They said they are satisfied with the proposal"),
                 (NoticeStatus.REPRESENTATIONS_RECEIVED, "They made representations")])
    response_date = GovukDateField(label="Date of the response")
    representations = _text("Summary of the representations (if they made any)", required=False)


class DecisionForm(GovukForm):
    outcome = forms.ChoiceField(label="Decision", choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    reasons = _text("Reasons for the decision")
    decided_date = GovukDateField(label="Date of the decision")


class ResubmitDecisionForm(GovukForm):
    outcome = forms.ChoiceField(label="Decision", choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    reasons = _text("Reasons for the decision")


class ApprovalForm(GovukForm):
    action = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                               choices=[("approve", "Approve"), ("return", "Return for changes")])
    reason = _text("What needs to change (if you return it)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter what needs to change")
        return data


class PlanForm(GovukForm):
    start_date = GovukDateField(label="Date the plan starts")

    def __init__(self, *args: Any, with_review: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_review:
            self.fields["first_review_date"] = GovukDateField(
                label="First review date (optional)", required=False,
                help_text="At most a year after the plan starts; left blank, it is a year on")
        for name, label in PLAN_SECTIONS:
            self.fields[name] = _text(label, required=False, rows=4)


class RevisePlanForm(GovukForm):
    start_date = GovukDateField(label="Date the revised plan starts")


class PlannedServiceForm(GovukForm):
    service_type = forms.ModelChoiceField(label="Service", queryset=ServiceType.objects.filter(active=True))
    frequency = forms.CharField(label="How often", max_length=120, help_text="For example, weekly for 12 weeks")
    estimated_cost = forms.DecimalField(
        label="Estimated cost in pounds", min_value=Decimal("0"), max_digits=14, decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}))
    provider = forms.ModelChoiceField(label="Provider (optional)", queryset=Provider.objects.all(), required=False)
    signposted = forms.BooleanField(label="Signposted rather than provided", required=False)
    provider_note = forms.CharField(label="Who provides or signposts (optional)", max_length=200, required=False)


class OutcomeMeasureForm(GovukForm):
    name = forms.CharField(label="Measure", max_length=120, initial="SDQ total difficulties")
    baseline_score = forms.DecimalField(label="Baseline score", max_digits=8, decimal_places=2)
    baseline_date = GovukDateField(label="Date of the baseline score")
    target_score = forms.DecimalField(label="Target score", max_digits=8, decimal_places=2)
    higher_is_better = forms.BooleanField(label="A higher score is better", required=False)


class ReviewScheduleForm(GovukForm):
    due_date = GovukDateField(label="Review date")
    reason = forms.ChoiceField(label="Why", choices=ReviewReason.choices, widget=forms.RadioSelect,
                               initial=ReviewReason.CHANGE_OF_CIRCUMSTANCES)


class ReviewForm(GovukForm):
    completed_date = GovukDateField(label="Date of the review")
    outcome = forms.ChoiceField(label="Outcome", choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    notes = _text("Notes", required=False)
    next_review_date = GovukDateField(label="Next review date (optional)", required=False,
                                      help_text="At most a year on; left blank, it is a year on")

    def __init__(self, *args: Any, measures: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure_fields = []
        for measure in measures:
            name = f"score_{measure.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{measure.name} now (baseline {measure.baseline_score}, target {measure.target_score})",
                max_digits=8, decimal_places=2, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}))
            self.measure_fields.append((measure.pk, name))

    def scores(self) -> dict[int, Decimal]:
        return {pk: self.cleaned_data[name] for pk, name in self.measure_fields
                if self.cleaned_data.get(name) is not None}


class EndPlanForm(GovukForm):
    end_date = GovukDateField(label="Date the plan ends")
    reason = _text("Why the plan is ending")


def social_workers_of(authority_ids: list[int]) -> Any:
    return User.objects.filter(role=Role.SOCIAL_WORKER, authority_id__in=authority_ids, is_active=True)
