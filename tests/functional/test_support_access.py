"""Every support URL refuses other authorities' users (404: the record's existence is private) and users whose
role does not fit (403). The test fails if a pattern in support/urls.py has no case here."""

from datetime import date

import pytest
from django.urls import reverse

from organisations.models import Role
from support.models.notices import NoticeStatus
from support.urls import urlpatterns
from tests.factories import AuthorityFactory, ProviderUserFactory, UserFactory
from tests.factories_support import (
    ActivePlanFactory,
    ApprovedDecisionFactory,
    ChildFactory,
    DueReviewFactory,
    HouseholdFactory,
    OpenNoticeFactory,
    PersonFactory,
    SubmittedAssessmentFactory,
    SupportRequestFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent_world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    child = ChildFactory(household__responsible_authority=kent, household__family_name="Kentish")
    request = SupportRequestFactory(child=child, responsible_authority=kent)
    assessment = SubmittedAssessmentFactory(request__child=child, request__responsible_authority=kent)
    notice = OpenNoticeFactory(assessment__request__child=child, assessment__request__responsible_authority=kent,
                               status=NoticeStatus.PERSON_SATISFIED, response_date=date(2026, 11, 1))
    decision = ApprovedDecisionFactory(notice__assessment__request__child=child,
                                       notice__assessment__request__responsible_authority=kent)
    plan = ActivePlanFactory(request__child=child, request__responsible_authority=kent)
    review = DueReviewFactory(plan=plan)
    person = PersonFactory(authority=kent)
    return {"kent": kent, "household": child.household, "child": child, "request": request,
            "assessment": assessment, "notice": notice, "decision": decision, "plan": plan, "review": review,
            "person": person}


# url name -> (kind of object in the URL or None for a list page, the method that exercises it)
CASES = {
    "caseload": (None, "get"),
    "team_caseload": (None, "get"),
    "due_soon": (None, "get"),
    "approvals": (None, "get"),
    "household_create": (None, "get"),
    "person_create": (None, "get"),
    "household_detail": ("household", "get"),
    "household_move": ("household", "post"),
    "child_create": ("household", "post"),
    "child_update": ("child", "post"),
    "legal_order_add": ("child", "post"),
    "request_create_for_child": ("child", "post"),
    "person_detail": ("person", "get"),
    "request_create_for_person": ("person", "post"),
    "request_detail": ("request", "get"),
    "request_allocate": ("request", "post"),
    "request_withdraw": ("request", "post"),
    "request_close": ("request", "post"),
    "assessment_start": ("request", "post"),
    "notice_issue": ("request", "post"),
    "plan_create": ("request", "post"),
    "assessment_edit": ("assessment", "post"),
    "assessment_approve": ("assessment", "post"),
    "notice_response": ("notice", "post"),
    "notice_end_window": ("notice", "post"),
    "decision_record": ("notice", "post"),
    "decision_approve": ("decision", "post"),
    "decision_resubmit": ("decision", "post"),
    "plan_detail": ("plan", "get"),
    "plan_edit": ("plan", "post"),
    "planned_service_add": ("plan", "post"),
    "outcome_measure_add": ("plan", "post"),
    "plan_activate": ("plan", "post"),
    "plan_revise": ("plan", "post"),
    "plan_end": ("plan", "post"),
    "review_schedule": ("plan", "post"),
    "review_complete": ("review", "post"),
}
# Roles that may open each page (the rest must get 403).
READ_PAGES = {"team_caseload", "due_soon", "household_detail", "person_detail", "request_detail", "plan_detail"}
MANAGER_PAGES = {"approvals", "assessment_approve", "decision_approve"}


def allowed_roles(name: str) -> set[str]:
    if name in MANAGER_PAGES:
        return {Role.TEAM_MANAGER}
    if name in READ_PAGES:
        return {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR}
    return {Role.SOCIAL_WORKER, Role.TEAM_MANAGER}


def url_for(name, world):  # type: ignore[no-untyped-def]
    kind, _ = CASES[name]
    return reverse(f"support:{name}", args=[world[kind].pk] if kind else [])


def hit(client, name, world):  # type: ignore[no-untyped-def]
    method = CASES[name][1]
    return getattr(client, method)(url_for(name, world))


def test_every_url_pattern_has_an_access_case():  # type: ignore[no-untyped-def]
    names = {p.name for p in urlpatterns}
    assert names == set(CASES), f"missing: {names - set(CASES)}; stale: {set(CASES) - names}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_authority_cannot_see_or_change_kents_records(client, kent_world, name):  # type: ignore[no-untyped-def]
    medway = AuthorityFactory(short_code="medway")
    for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR):
        medway_user = UserFactory(authority=medway, role=role)
        response = hit(signed_in(client, medway_user), name, kent_world)
        if CASES[name][0] is None:
            # A list or a blank form: allowed by role or not, it never shows Kent's family.
            assert response.status_code == (200 if role in allowed_roles(name) else 403), role
            assert b"Kentish" not in response.content
        else:
            expected = 404 if role in allowed_roles(name) else 403
            assert response.status_code == expected, (role, response.status_code)


OUTSIDERS = (Role.FINANCE_OFFICER, Role.LEAD_COMMISSIONER, Role.ADMINISTRATOR, Role.PROVIDER_STAFF, Role.AUDITOR,
             Role.SOCIAL_WORKER)


@pytest.mark.parametrize("name", sorted(CASES))
def test_roles_outside_the_page_are_refused(client, kent_world, name):  # type: ignore[no-untyped-def]
    refused = [role for role in OUTSIDERS if role not in allowed_roles(name)]
    assert refused
    for role in refused:
        if role == Role.PROVIDER_STAFF:
            user = ProviderUserFactory()
        else:
            user = UserFactory(authority=kent_world["kent"], role=role)
        response = hit(signed_in(client, user), name, kent_world)
        assert response.status_code == 403, (role, response.status_code)


POST_ONLY = {"notice_end_window", "plan_activate"}


@pytest.mark.parametrize("name", sorted(set(CASES) - POST_ONLY))
def test_kents_own_staff_can_open_each_page(client, kent_world, name):  # type: ignore[no-untyped-def]
    role = Role.TEAM_MANAGER if name in MANAGER_PAGES else Role.SOCIAL_WORKER
    user = UserFactory(authority=kent_world["kent"], role=role)
    response = signed_in(client, user).get(url_for(name, kent_world))
    assert response.status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, kent_world):  # type: ignore[no-untyped-def]
    response = client.get(url_for("household_detail", kent_world))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_the_family_page_shows_only_the_requests_and_birth_relatives_the_users_authority_holds(client):  # type: ignore[no-untyped-def]
    """A Medway family whose child also has a request held by Kent (three-year rule) and a birth parent Kent
    recorded: Medway's worker sees the family and Medway's own request, not Kent's request or Kent's person."""
    kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
    household = HouseholdFactory(responsible_authority=medway, family_name="Adebayo")
    child = ChildFactory(household=household, first_name="Tolu")
    own = SupportRequestFactory(child=child)
    kents = SupportRequestFactory(child=child, responsible_authority=kent)
    PersonFactory(authority=kent, related_child=child, first_name="Kentrecorded", last_name="Parent")
    PersonFactory(authority=medway, related_child=child, first_name="Medwayrecorded", last_name="Parent")
    worker = UserFactory(authority=medway, role=Role.SOCIAL_WORKER)
    body = signed_in(client, worker).get(reverse("support:household_detail", args=[household.pk])).content.decode()
    assert "Tolu" in body and "Medwayrecorded" in body
    assert reverse("support:request_detail", args=[own.pk]) in body
    assert reverse("support:request_detail", args=[kents.pk]) not in body
    assert "Kentrecorded" not in body
