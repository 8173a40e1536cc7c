"""factory_boy factories for support: one per state where a model has a state machine. Factories set states
directly (fixtures); the code under test changes them only through support.services."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from moneyed import Money

from organisations.models import Role
from support.models import (
    Assessment,
    Child,
    Decision,
    Household,
    LegalOrder,
    NoticeOfProposal,
    OutcomeMeasure,
    Person,
    PlannedService,
    ResidencePeriod,
    Review,
    ServiceType,
    SupportPlan,
    SupportRequest,
)
from support.models.assessments import ApprovalStatus
from support.models.decisions import DecisionOutcome
from support.models.families import PersonKind
from support.models.notices import NoticeStatus
from support.models.orders import OrderKind
from support.models.plans import PlanStatus
from support.models.requests import RequestStage
from tests.factories import AuthorityFactory, UserFactory


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    family_name = factory.Faker("last_name")
    carer_one_name = factory.Faker("name")
    address_line_1 = factory.Faker("street_address")
    town = "Maidstone"
    postcode = "ME14 1XX"
    responsible_authority = factory.SubFactory(AuthorityFactory)

    @factory.post_generation
    def residence(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """A first residence row in the responsible authority from 2015, unless `residence=False`."""
        if create and extracted is not False:
            ResidencePeriod.objects.create(
                household=self, authority=extracted or self.responsible_authority, from_date=date(2015, 1, 1)
            )


class ChildFactory(DjangoModelFactory):
    class Meta:
        model = Child

    household = factory.SubFactory(HouseholdFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.SelfAttribute("household.family_name")
    date_of_birth = date(2016, 5, 4)
    responsible_authority = factory.SelfAttribute("household.responsible_authority")
    responsibility_reason = "Set by a factory"


class LegalOrderFactory(DjangoModelFactory):
    class Meta:
        model = LegalOrder

    child = factory.SubFactory(ChildFactory)
    kind = OrderKind.ADOPTION
    order_date = date(2019, 6, 1)
    placing_authority = factory.SelfAttribute("child.responsible_authority")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    kind = PersonKind.BIRTH_PARENT
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    authority = factory.SubFactory(AuthorityFactory)


class SocialWorkerFactory(UserFactory):
    role = Role.SOCIAL_WORKER


class TeamManagerFactory(UserFactory):
    role = Role.TEAM_MANAGER


class SupportRequestFactory(DjangoModelFactory):
    """A request about a child, just received."""

    class Meta:
        model = SupportRequest

    child = factory.SubFactory(ChildFactory)
    responsible_authority = factory.SelfAttribute("child.responsible_authority")
    responsibility_reason = "Set by a factory"
    received_date = date(2026, 10, 1)
    summary = "Help with attachment difficulties at home and school"
    stage = RequestStage.RECEIVED


class PersonRequestFactory(SupportRequestFactory):
    child = None
    person = factory.SubFactory(PersonFactory)
    responsible_authority = factory.SelfAttribute("person.authority")


class AssessingRequestFactory(SupportRequestFactory):
    stage = RequestStage.ASSESSING


class DraftAssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    request = factory.SubFactory(AssessingRequestFactory)
    child = factory.SelfAttribute("request.child")
    responsible_authority = factory.SelfAttribute("request.responsible_authority")
    author = factory.SubFactory(SocialWorkerFactory, authority=factory.SelfAttribute("..responsible_authority"))
    started_date = factory.LazyAttribute(lambda o: o.request.received_date)
    needs_of_person = "Needs help to regulate emotions"
    child_developmental_needs = "Developmental trauma; delayed speech"
    summary_of_needs = "Therapeutic support for attachment difficulties"
    status = ApprovalStatus.DRAFT


class SubmittedAssessmentFactory(DraftAssessmentFactory):
    status = ApprovalStatus.SUBMITTED
    completed_date = factory.LazyAttribute(lambda o: o.started_date + timedelta(days=14))


class ApprovedAssessmentFactory(SubmittedAssessmentFactory):
    status = ApprovalStatus.APPROVED
    approved_date = factory.LazyAttribute(lambda o: o.completed_date + timedelta(days=2))
    approved_by = factory.SubFactory(TeamManagerFactory, authority=factory.SelfAttribute("..responsible_authority"))


class OpenNoticeFactory(DjangoModelFactory):
    class Meta:
        model = NoticeOfProposal

    assessment = factory.SubFactory(
        ApprovedAssessmentFactory, request__stage=RequestStage.NOTICE_ISSUED
    )
    request = factory.SelfAttribute("assessment.request")
    issued_date = factory.LazyAttribute(lambda o: o.assessment.approved_date + timedelta(days=1))
    window_days = 28
    window_end_date = factory.LazyAttribute(lambda o: o.issued_date + timedelta(days=o.window_days))
    statement_of_needs = "Therapeutic support for attachment difficulties"
    proposed_services = "Dyadic Developmental Psychotherapy"
    issued_by = factory.SelfAttribute("assessment.author")
    status = NoticeStatus.OPEN


class SatisfiedNoticeFactory(OpenNoticeFactory):
    status = NoticeStatus.PERSON_SATISFIED
    response_date = factory.LazyAttribute(lambda o: o.issued_date + timedelta(days=5))


class SubmittedDecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    notice = factory.SubFactory(SatisfiedNoticeFactory)
    request = factory.SelfAttribute("notice.request")
    outcome = DecisionOutcome.PROVIDE
    basis = factory.SelfAttribute("notice.status")
    reasons = "Assessed needs meet the threshold for therapeutic support"
    decided_date = factory.LazyAttribute(lambda o: o.notice.response_date)
    author = factory.SelfAttribute("notice.assessment.author")
    status = ApprovalStatus.SUBMITTED


class ApprovedDecisionFactory(SubmittedDecisionFactory):
    status = ApprovalStatus.APPROVED
    approved_date = factory.SelfAttribute("decided_date")
    approved_by = factory.SelfAttribute("notice.assessment.approved_by")
    notice = factory.SubFactory(SatisfiedNoticeFactory, assessment__request__stage=RequestStage.DECIDED)


class DraftPlanFactory(DjangoModelFactory):
    class Meta:
        model = SupportPlan

    request = factory.SubFactory(SupportRequestFactory, stage=RequestStage.DECIDED)
    assessment = None
    version = 1
    emotional_behavioural = "Reduce dysregulation at home"
    identity = "Life story work as the child asks"
    start_date = date(2026, 11, 1)
    author = factory.SubFactory(SocialWorkerFactory, authority=factory.SelfAttribute("..request.responsible_authority"))
    status = PlanStatus.DRAFT


class ActivePlanFactory(DraftPlanFactory):
    request = factory.SubFactory(SupportRequestFactory, stage=RequestStage.PLAN_IN_PLACE)
    status = PlanStatus.ACTIVE


class PlannedServiceFactory(DjangoModelFactory):
    class Meta:
        model = PlannedService

    plan = factory.SubFactory(ActivePlanFactory)
    service_type = factory.LazyFunction(lambda: ServiceType.objects.get(code="ddp"))
    frequency = "Weekly for 12 weeks"
    estimated_cost = Money(Decimal("2400.00"), "GBP")


class OutcomeMeasureFactory(DjangoModelFactory):
    class Meta:
        model = OutcomeMeasure

    plan = factory.SubFactory(ActivePlanFactory)
    name = "SDQ total difficulties"
    baseline_score = Decimal("24")
    baseline_date = factory.SelfAttribute("plan.start_date")
    target_score = Decimal("16")


class DueReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    plan = factory.SubFactory(ActivePlanFactory)
    due_date = factory.LazyAttribute(lambda o: o.plan.start_date + timedelta(days=182))
