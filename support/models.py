"""Support: the people, the service catalogue, and the statutory process of assessment, decision, plan, review.

Every write goes through `support.services`; every state change through a django-fsm-2 transition there, with a
`StatusChange` row. Scoping (docs/decisions/0003-support-scoping.md): a family is visible to the authority
responsible for it now and to any authority that holds a support request for it."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from core import wording
from core.dates import long_date
from organisations.scoping import ScopedQuerySet


class ServiceCategory(models.TextChoices):
    THERAPY = "therapy", "Therapeutic support"
    SPECIALIST_ASSESSMENT = "specialist_assessment", "Specialist assessment"
    CORE_OFFER = "core_offer", "Authority core offer"
    BIRTH_FAMILY = "birth_family", "Birth family and adult adoptee services"
    INTERCOUNTRY = "intercountry", "Inter-country adoption services"
    FINANCIAL = "financial", "Financial support"
    EXCLUDED = "excluded", "Not fundable by the ASF"


class ServiceType(models.Model):
    """The service catalogue: seeded by a data migration, editable by an administrator, with history.
    The flags say how the Adoption Support Fund treats each type (DOMAIN.md 1.4)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=160, unique=True)
    category = models.CharField(max_length=40, choices=ServiceCategory.choices)
    description = models.TextField(blank=True)
    asf_fundable = models.BooleanField("fundable by the ASF", default=False)
    specialist_assessment = models.BooleanField(default=False, help_text="Counts against the assessment limit")
    core_offer = models.BooleanField("part of the authority's core offer", default=False)
    asf_excluded = models.BooleanField("excluded by the fund", default=False)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(asf_fundable=True) & models.Q(asf_excluded=True)),
                name="service_type_not_both_fundable_and_excluded",
            ),
            models.CheckConstraint(
                condition=~(models.Q(specialist_assessment=True) & models.Q(asf_fundable=False)),
                name="specialist_assessment_is_fundable",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _states_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# --------------------------------------------------------------------------------------------------- people


class Arrangement(models.TextChoices):
    ADOPTION = "adoption", "Adoptive family"
    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardians"
    CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order carers"


class HouseholdQuerySet(ScopedQuerySet):
    authority_paths = (
        "responsible_authority",
        "children__responsible_authority",
        "children__requests__responsible_authority",
    )


class Household(models.Model):
    """Adoptive parents or special guardians at one address. `responsible_authority` is the authority
    responsible for the family now (the three-year rule over its children, refreshed daily by a service)."""

    family_name = models.CharField(max_length=120)
    carer_one_name = models.CharField("first carer", max_length=160)
    carer_two_name = models.CharField("second carer", max_length=160, blank=True)
    arrangement = models.CharField(max_length=30, choices=Arrangement.choices, default=Arrangement.ADOPTION)
    address_line_1 = models.CharField("address line 1", max_length=160)
    address_line_2 = models.CharField("address line 2", max_length=160, blank=True)
    town = models.CharField("town or city", max_length=80)
    postcode = models.CharField(max_length=10)
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="responsible_households"
    )
    responsibility_reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "id"]
        indexes = [models.Index(fields=["family_name"])]

    def __str__(self) -> str:
        return f"{self.family_name} family"

    def residence_on(self, on_date: date) -> Any:
        """The residence row in force on `on_date` (None before the first)."""
        return self.residences.filter(from_date__lte=on_date).order_by("-from_date").first()


class ResidencePeriodQuerySet(ScopedQuerySet):
    authority_paths = tuple(f"household__{p}" for p in HouseholdQuerySet.authority_paths)


class ResidencePeriod(models.Model):
    """Where the family lived from a date (a move is a new row; rows are never edited away)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residences")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    from_date = models.DateField()
    address = models.CharField(max_length=400, blank=True)
    history = HistoricalRecords()

    objects = ResidencePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["household", "from_date"]
        constraints = [
            models.UniqueConstraint(fields=["household", "from_date"], name="one_residence_per_household_date")
        ]

    def __str__(self) -> str:
        return f"{self.authority} from {long_date(self.from_date)}"


class ChildQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority", "household__responsible_authority", "requests__responsible_authority")


class Child(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    previously_looked_after = models.BooleanField(default=True)
    ehc_plan_start_date = models.DateField("EHC plan start date", null=True, blank=True)
    ehc_plan_end_date = models.DateField("EHC plan end date", null=True, blank=True)
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="responsible_children"
    )
    responsibility_reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "children"
        constraints = [
            models.CheckConstraint(
                condition=Q(ehc_plan_end_date__isnull=True)
                | Q(ehc_plan_start_date__isnull=True)
                | Q(ehc_plan_end_date__gte=F("ehc_plan_start_date")),
                name="child_ehc_plan_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def has_ehc_plan_on(self, on_date: date) -> bool:
        if self.ehc_plan_start_date is None or self.ehc_plan_start_date > on_date:
            return False
        return self.ehc_plan_end_date is None or self.ehc_plan_end_date >= on_date


class OrderKind(models.TextChoices):
    PLACEMENT = "placement", "Placement order"
    ADOPTION = "adoption", "Adoption order"
    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardianship order"
    CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order"
    INTERCOUNTRY = "intercountry", "Recognised inter-country adoption"


class LegalOrderQuerySet(ScopedQuerySet):
    authority_paths = tuple(f"child__{p}" for p in ChildQuerySet.authority_paths)


class LegalOrder(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=30, choices=OrderKind.choices)
    order_date = models.DateField()
    placing_authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Blank for an inter-country adoption with no placing authority in England",
    )
    court = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    objects = LegalOrderQuerySet.as_manager()

    class Meta:
        ordering = ["child", "order_date", "id"]
        constraints = [_states_constraint("kind", OrderKind, "legal_order_kind_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {long_date(self.order_date)}"


class PersonKind(models.TextChoices):
    BIRTH_PARENT = "birth_parent", "Birth parent"
    BIRTH_RELATIVE = "birth_relative", "Birth relative"
    ADULT_ADOPTEE = "adult_adoptee", "Adult adoptee"


class PersonQuerySet(ScopedQuerySet):
    authority_paths = ("authority", "requests__responsible_authority")


class Person(models.Model):
    """Someone other than an adopted child a request can be about (CAFIS services are for them)."""

    kind = models.CharField(max_length=30, choices=PersonKind.choices)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    related_child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="birth_family",
                                      help_text="The adopted child this person is a birth relative of, if known")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        constraints = [_states_constraint("kind", PersonKind, "person_kind_valid")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_kind_display().lower()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --------------------------------------------------------------------------------------------------- process


class RequestStage(models.TextChoices):
    RECEIVED = "received", "Received"
    ASSESSING = "assessing", "Assessing need"
    URGENT_SUPPORT = "urgent_support", "Urgent support in place"
    NOTICE_ISSUED = "notice_issued", "Notice of proposal issued"
    DECIDED = "decided", "Decided"
    PLAN_IN_PLACE = "plan_in_place", "Support plan in place"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STAGES = (
    RequestStage.RECEIVED, RequestStage.ASSESSING, RequestStage.URGENT_SUPPORT, RequestStage.NOTICE_ISSUED,
    RequestStage.DECIDED, RequestStage.PLAN_IN_PLACE,
)


class Requester(models.TextChoices):
    """Who asked (reg 13)."""

    ADOPTIVE_PARENT = "adoptive_parent", "Adoptive parent or special guardian"
    CHILD = "child", "The child"
    BIRTH_PARENT = "birth_parent", "Birth parent"
    BIRTH_RELATIVE = "birth_relative", "Birth relative"
    ADULT_ADOPTEE = "adult_adoptee", "Adult adoptee"
    OTHER_AUTHORITY = "other_authority", "Another local authority"
    OTHER = "other", "Someone else"


class SupportRequestQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority",)

    def open(self) -> SupportRequestQuerySet:
        return self.filter(stage__in=OPEN_STAGES)


def _is_urgent(request: Any) -> bool:
    return bool(request.urgent)


class SupportRequest(django_fsm.FSMModelMixin, models.Model):
    """A request for an assessment of adoption or special guardianship support needs, about a child or a person.
    Its `stage` is the process state machine; the responsible authority and its reason come from the three-year
    rule (`support.rules.responsible_authority`) on the date the request was received."""

    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="support_requests"
    )
    responsibility_reason = models.CharField(max_length=400)
    received_date = models.DateField()
    requester = models.CharField(max_length=30, choices=Requester.choices, default=Requester.ADOPTIVE_PARENT)
    summary = models.TextField("what the family is asking for")
    urgent = models.BooleanField(default=False, help_text="Support may be provided before the notice (reg 21)")
    stage = django_fsm.FSMField(max_length=30, choices=RequestStage.choices, default=RequestStage.RECEIVED)
    allocated_worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="allocated_support_requests")
    closed_date = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_date", "-id"]
        indexes = [models.Index(fields=["responsible_authority", "stage"]), models.Index(fields=["received_date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False) & Q(person__isnull=True))
                | (Q(child__isnull=True) & Q(person__isnull=False)),
                name="support_request_about_exactly_one_of_child_or_person",
            ),
            _states_constraint("stage", RequestStage, "support_request_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject_name}"

    @property
    def reference(self) -> str:
        return f"SR-{self.pk:06d}" if self.pk else "SR-new"

    @property
    def subject_name(self) -> str:
        subject = self.child or self.person
        return subject.full_name if subject else ""

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    # Transitions: called only by support.services, which saves and writes the StatusChange row.
    @django_fsm.transition(field=stage, source=RequestStage.RECEIVED, target=RequestStage.ASSESSING)
    def start_assessment(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.RECEIVED, RequestStage.ASSESSING],
                           target=RequestStage.URGENT_SUPPORT, conditions=[_is_urgent])
    def provide_urgent_support(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.ASSESSING, RequestStage.URGENT_SUPPORT],
                           target=RequestStage.NOTICE_ISSUED)
    def issue_notice(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=RequestStage.NOTICE_ISSUED, target=RequestStage.DECIDED)
    def decide(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=RequestStage.DECIDED, target=RequestStage.PLAN_IN_PLACE)
    def put_plan_in_place(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.DECIDED, RequestStage.PLAN_IN_PLACE,
                                                RequestStage.RECEIVED], target=RequestStage.CLOSED)
    def close(self) -> None:
        pass

    @django_fsm.transition(field=stage, source=[RequestStage.RECEIVED, RequestStage.ASSESSING,
                                                RequestStage.URGENT_SUPPORT, RequestStage.NOTICE_ISSUED],
                           target=RequestStage.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


class RequestChildQuerySet(ScopedQuerySet):
    authority_paths = ("request__responsible_authority",)


class AssessmentQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority",)


# The regulation 14 considerations, in the order the assessment form asks them.
REG14_SECTIONS = (
    ("needs_of_person", "The needs of the person being assessed and how they might be met"),
    ("needs_of_family", "The needs of the adoptive or special guardianship family and how they might be met"),
    ("child_developmental_needs", "The needs of the child, including developmental needs"),
    ("parenting_capacity", "The parenting capacity of the adoptive parents or special guardians"),
    ("wider_family_environment", "The wider family and environmental factors"),
    ("placement_circumstances", "The circumstances that led to the placement or order"),
    ("previous_assessments", "Any previous assessment of support needs"),
)


class Assessment(django_fsm.FSMModelMixin, models.Model):
    """The assessment of support needs (reg 14). The author submits; a team manager who is not the author
    approves. The approved date starts the ASF application window."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="assessments")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments")
    responsible_authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT,
                                              related_name="support_assessments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_assessments")
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Everyone who wrote, changed or submitted it: none of them may approve it",
    )
    started_date = models.DateField()
    needs_of_person = models.TextField(blank=True)
    needs_of_family = models.TextField(blank=True)
    child_developmental_needs = models.TextField(blank=True)
    parenting_capacity = models.TextField(blank=True)
    wider_family_environment = models.TextField(blank=True)
    placement_circumstances = models.TextField(blank=True)
    previous_assessments = models.TextField(blank=True)
    summary_of_needs = models.TextField(blank=True)
    recommended_services = models.TextField(blank=True)
    status = django_fsm.FSMField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT)
    completed_date = models.DateField(null=True, blank=True, help_text="The date it was submitted for approval")
    approved_date = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="approved_assessments")
    return_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_date", "-id"]
        constraints = [
            _states_constraint("status", ApprovalStatus, "assessment_status_valid"),
            models.CheckConstraint(condition=~Q(approved_by=F("author")), name="assessment_not_approved_by_author"),
            models.CheckConstraint(
                condition=Q(completed_date__isnull=True) | Q(completed_date__gte=F("started_date")),
                name="assessment_completed_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment for {self.request}"

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in REG14_SECTIONS]

    @django_fsm.transition(field=status, source=[ApprovalStatus.DRAFT, ApprovalStatus.RETURNED],
                           target=ApprovalStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.RETURNED)
    def send_back(self) -> None:
        pass


class NoticeStatus(models.TextChoices):
    OPEN = "open", "Waiting for representations"
    REPRESENTATIONS_RECEIVED = "representations_received", "Representations received"
    PERSON_SATISFIED = "person_satisfied", "Person said they are satisfied"
    WINDOW_ENDED = "window_ended", "Window for representations ended"


class NoticeOfProposal(django_fsm.FSMModelMixin, models.Model):
    """Reg 17: the statement of needs and proposed services, with the period for representations.
    No decision until representations arrive, the person says they are satisfied, or the period ends."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="notices")
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="notice")
    issued_date = models.DateField()
    window_days = models.PositiveSmallIntegerField(default=28)
    window_end_date = models.DateField()
    proposes_support = models.BooleanField(default=True)
    statement_of_needs = models.TextField()
    proposed_services = models.TextField(blank=True)
    status = django_fsm.FSMField(max_length=30, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    response_date = models.DateField(null=True, blank=True)
    representations = models.TextField(blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_date", "-id"]
        constraints = [
            _states_constraint("status", NoticeStatus, "notice_status_valid"),
            models.CheckConstraint(condition=Q(window_end_date__gte=F("issued_date")),
                                   name="notice_window_ends_after_issue"),
        ]

    def __str__(self) -> str:
        return f"Notice of proposal {long_date(self.issued_date)}"

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.REPRESENTATIONS_RECEIVED)
    def receive_representations(self) -> None:
        pass

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.PERSON_SATISFIED)
    def record_satisfied(self) -> None:
        pass

    @django_fsm.transition(field=status, source=NoticeStatus.OPEN, target=NoticeStatus.WINDOW_ENDED)
    def end_window(self) -> None:
        pass


class DecisionOutcome(models.TextChoices):
    PROVIDE = "provide", "Provide support"
    NOT_PROVIDE = "not_provide", "Do not provide support"


class Decision(django_fsm.FSMModelMixin, models.Model):
    """Reg 18: the decision, with its reasons and the basis on which it could be made. A team manager who is not
    its author approves it."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="decisions")
    notice = models.OneToOneField(NoticeOfProposal, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    basis = models.CharField(max_length=30, choices=NoticeStatus.choices,
                             help_text="Why a decision could be made: copied from the notice")
    reasons = models.TextField()
    decided_date = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_decisions")
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Everyone who recorded, changed or resubmitted it: none of them may approve it",
    )
    status = django_fsm.FSMField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.SUBMITTED)
    approved_date = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="approved_decisions")
    return_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_date", "-id"]
        constraints = [
            _states_constraint("status", ApprovalStatus, "decision_status_valid"),
            _states_constraint("outcome", DecisionOutcome, "decision_outcome_valid"),
            models.CheckConstraint(condition=Q(basis__in=[NoticeStatus.REPRESENTATIONS_RECEIVED,
                                                          NoticeStatus.PERSON_SATISFIED,
                                                          NoticeStatus.WINDOW_ENDED]),
                                   name="decision_basis_is_a_closed_notice"),
            models.CheckConstraint(condition=~Q(approved_by=F("author")), name="decision_not_approved_by_author"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({long_date(self.decided_date)})"

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.SUBMITTED, target=ApprovalStatus.RETURNED)
    def send_back(self) -> None:
        pass

    @django_fsm.transition(field=status, source=ApprovalStatus.RETURNED, target=ApprovalStatus.SUBMITTED)
    def resubmit(self) -> None:
        pass


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Revised (replaced by a newer version)"
    ENDED = "ended", "Ended"


# The national Adoption Support Plan template's sections (March 2025).
PLAN_SECTIONS = (
    ("emotional_behavioural", "Emotional and behavioural development"),
    ("identity", "Identity"),
    ("education", "Education"),
    ("contact", "Contact"),
    ("likely_needs", "Likely support needs"),
)


class SupportPlan(django_fsm.FSMModelMixin, models.Model):
    """Reg 16: the support plan (national template sections). A revision is a new version; the old one is
    superseded. An interim plan is one put in place on the urgent path before the notice."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="plans")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(default=1)
    revision_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="revised_by")
    interim = models.BooleanField(default=False, help_text="Put in place urgently, before the notice (reg 21)")
    emotional_behavioural = models.TextField("emotional and behavioural development", blank=True)
    identity = models.TextField(blank=True)
    education = models.TextField(blank=True)
    contact = models.TextField(blank=True)
    likely_needs = models.TextField("likely support needs", blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=400, blank=True)
    status = django_fsm.FSMField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = RequestChildQuerySet.as_manager()

    class Meta:
        ordering = ["request", "-version"]
        constraints = [
            _states_constraint("status", PlanStatus, "support_plan_status_valid"),
            models.UniqueConstraint(fields=["request", "version"], name="one_plan_per_request_version"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="support_plan_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Support plan v{self.version} for {self.request}"

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in PLAN_SECTIONS]

    @django_fsm.transition(field=status, source=PlanStatus.DRAFT, target=PlanStatus.ACTIVE)
    def activate(self) -> None:
        pass

    @django_fsm.transition(field=status, source=PlanStatus.ACTIVE, target=PlanStatus.SUPERSEDED)
    def supersede(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[PlanStatus.ACTIVE, PlanStatus.DRAFT], target=PlanStatus.ENDED)
    def end(self) -> None:
        pass


class PlannedServiceQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class Delivery(models.TextChoices):
    PROVIDED = "provided", "Provided or commissioned"
    SIGNPOSTED = "signposted", "Signposted"


class PlannedService(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="services")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="planned_services")
    frequency = models.CharField(max_length=120, help_text="For example, weekly for 12 weeks")
    estimated_cost = MoneyField(max_digits=14, decimal_places=2, default_currency="GBP")
    provider = models.ForeignKey("organisations.Provider", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="planned_services")
    signposted = models.BooleanField(default=False, help_text="Signposted to a service rather than provided")
    provider_note = models.CharField("who provides or signposts", max_length=200, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = PlannedServiceQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="planned_service_cost_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.service_type} ({self.frequency})"

    @property
    def request(self) -> SupportRequest:
        return self.plan.request

    @property
    def responsible_authority(self) -> Any:
        return self.plan.request.responsible_authority


class OutcomeMeasureQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class OutcomeMeasure(models.Model):
    """A measure with a baseline and a target (for example an SDQ total difficulties score), re-scored at reviews."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="measures")
    name = models.CharField(max_length=120)
    baseline_score = models.DecimalField(max_digits=8, decimal_places=2)
    baseline_date = models.DateField()
    target_score = models.DecimalField(max_digits=8, decimal_places=2)
    higher_is_better = models.BooleanField(default=False, help_text="SDQ difficulties: lower is better")
    history = HistoricalRecords()

    objects = OutcomeMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "name"]

    def __str__(self) -> str:
        return self.name


class ReviewReason(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled review"
    ANNUAL = "annual", "Yearly review"
    CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances", "Change of circumstances"


class ReviewStatus(models.TextChoices):
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue the plan"
    REVISE = "revise", "Revise the plan"
    END = "end", "End the plan"


class ReviewQuerySet(ScopedQuerySet):
    authority_paths = ("plan__request__responsible_authority",)


class Review(django_fsm.FSMModelMixin, models.Model):
    """Reg 19: reviews at least yearly and on a change of circumstances."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="reviews")
    due_date = models.DateField()
    reason = models.CharField(max_length=30, choices=ReviewReason.choices, default=ReviewReason.SCHEDULED)
    status = django_fsm.FSMField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    completed_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    history = HistoricalRecords()

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            _states_constraint("status", ReviewStatus, "review_status_valid"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome__in=ReviewOutcome.values),
                                   name="review_outcome_valid"),
            models.CheckConstraint(condition=Q(status=ReviewStatus.DUE) | Q(completed_date__isnull=False),
                                   name="completed_review_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} due {long_date(self.due_date)}"

    @django_fsm.transition(field=status, source=ReviewStatus.DUE, target=ReviewStatus.COMPLETED)
    def complete(self) -> None:
        pass


class OutcomeScoreQuerySet(ScopedQuerySet):
    authority_paths = ("measure__plan__request__responsible_authority",)


class OutcomeScore(models.Model):
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="scores")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="scores")
    score_date = models.DateField()
    score = models.DecimalField(max_digits=8, decimal_places=2)
    history = HistoricalRecords()

    objects = OutcomeScoreQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "score_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "review"], name="one_score_per_measure_review")
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.score} on {long_date(self.score_date)}"


class StatusChangeQuerySet(ScopedQuerySet):
    authority_paths = ("request__responsible_authority",)


class StatusChange(models.Model):
    """One row per transition of any support state machine: who, when, from, to. The family timeline reads these."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="status_changes")
    subject = models.CharField(max_length=40, help_text="The model whose state changed, e.g. assessment")
    subject_id = models.PositiveBigIntegerField()
    transition = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    note = models.CharField(max_length=400, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField()
    effective_date = models.DateField()
    history = HistoricalRecords()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"]), models.Index(fields=["subject", "subject_id"])]

    def __str__(self) -> str:
        return wording.event(f"support.{self.subject}", transition=self.transition, from_state=self.from_state,
                             to_state=self.to_state)


class SentReminder(models.Model):
    """A reminder sent once: the unique key names the item and the occasion (e.g. "review:12:2026-12-01")."""

    key = models.CharField(max_length=160, unique=True)
    request = models.ForeignKey(SupportRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
