"""Support scoping (docs/decisions/0003-support-scoping.md): a family is visible to the authority responsible
for it now and to any authority that holds a support request for it; nobody else."""

import pytest
from django.db import IntegrityError

from organisations.models import Role
from support.models import (
    Assessment,
    Child,
    Household,
    LegalOrder,
    OutcomeMeasure,
    Person,
    PlannedService,
    Review,
    SupportPlan,
    SupportRequest,
)
from tests.factories import (
    AuthorityFactory,
    PartnershipFactory,
    PartnershipUserFactory,
    ProviderUserFactory,
    UserFactory,
)
from tests.factories_support import (
    ApprovedAssessmentFactory,
    ChildFactory,
    DueReviewFactory,
    HouseholdFactory,
    LegalOrderFactory,
    OutcomeMeasureFactory,
    PersonFactory,
    PersonRequestFactory,
    PlannedServiceFactory,
    SupportRequestFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    return {"kent": kent, "medway": medway, "bexley": bexley,
            "partnership": PartnershipFactory(members=[kent, medway])}


class TestHouseholdScope:
    def test_the_responsible_authority_sees_the_family_and_others_do_not(self, world):  # type: ignore[no-untyped-def]
        family = HouseholdFactory(responsible_authority=world["kent"])
        assert list(Household.objects.for_user(UserFactory(authority=world["kent"]))) == [family]
        assert not Household.objects.for_user(UserFactory(authority=world["medway"])).exists()

    def test_an_authority_holding_a_request_sees_the_family(self, world):  # type: ignore[no-untyped-def]
        child = ChildFactory(household__responsible_authority=world["medway"])
        SupportRequestFactory(child=child, responsible_authority=world["kent"])
        kent_user = UserFactory(authority=world["kent"])
        assert list(Household.objects.for_user(kent_user)) == [child.household]
        assert list(Child.objects.for_user(kent_user)) == [child]
        assert not Household.objects.for_user(UserFactory(authority=world["bexley"])).exists()

    def test_a_partnership_user_sees_member_families_only(self, world):  # type: ignore[no-untyped-def]
        inside = HouseholdFactory(responsible_authority=world["medway"])
        HouseholdFactory(responsible_authority=world["bexley"])
        user = PartnershipUserFactory(partnership=world["partnership"], role=Role.AUDITOR)
        assert list(Household.objects.for_user(user)) == [inside]

    def test_provider_staff_see_no_family(self, world):  # type: ignore[no-untyped-def]
        HouseholdFactory(responsible_authority=world["kent"])
        assert not Household.objects.for_user(ProviderUserFactory()).exists()


class TestProcessScope:
    def test_every_process_model_is_scoped_to_the_requests_authority(self, world):  # type: ignore[no-untyped-def]
        assessment = ApprovedAssessmentFactory(request__responsible_authority=world["kent"],
                                               request__child__household__responsible_authority=world["kent"])
        service = PlannedServiceFactory(plan__request=assessment.request)
        OutcomeMeasureFactory(plan=service.plan)
        DueReviewFactory(plan=service.plan)
        LegalOrderFactory(child=assessment.request.child)
        kent, medway = UserFactory(authority=world["kent"]), UserFactory(authority=world["medway"])
        for model in (SupportRequest, Assessment, SupportPlan, PlannedService, OutcomeMeasure, Review, LegalOrder):
            assert model.objects.for_user(kent).count() == 1, model
            assert model.objects.for_user(medway).count() == 0, model

    def test_a_person_is_visible_to_their_authority(self, world):  # type: ignore[no-untyped-def]
        person = PersonFactory(authority=world["kent"])
        PersonRequestFactory(person=person)
        assert list(Person.objects.for_user(UserFactory(authority=world["kent"]))) == [person]
        assert not Person.objects.for_user(UserFactory(authority=world["bexley"])).exists()


class TestConstraints:
    def test_a_request_is_about_exactly_one_of_a_child_or_a_person(self, world):  # type: ignore[no-untyped-def]
        child, person = ChildFactory(), PersonFactory()
        with pytest.raises(IntegrityError):
            SupportRequestFactory(child=child, person=person, responsible_authority=world["kent"])

    def test_an_unknown_stage_is_refused_by_the_database(self, world):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory()
        with pytest.raises(IntegrityError):
            SupportRequest.objects.filter(pk=request.pk).update(stage="approved_by_magic")
