"""Support pages through the test client: GOV.UK validation (field errors, nothing saved), the three-year rule on
every request, the caseload's search, filters and paging, the due-soon list, and the whole journey by page."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from support.models import Child, Household, LegalOrder, Review, ServiceType, SupportPlan, SupportRequest
from support.models.assessments import ApprovalStatus
from support.models.plans import PlanStatus
from support.models.requests import RequestStage
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import (
    ActivePlanFactory,
    ChildFactory,
    OpenNoticeFactory,
    SubmittedAssessmentFactory,
    SupportRequestFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def day_fields(name: str, value: date) -> dict[str, str]:
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent", name="Kent")


@pytest.fixture
def medway():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="medway", name="Medway")


@pytest.fixture
def worker(kent):  # type: ignore[no-untyped-def]
    return UserFactory(username="priya", authority=kent, role=Role.SOCIAL_WORKER, email="priya@example.org")


@pytest.fixture
def manager(kent):  # type: ignore[no-untyped-def]
    return UserFactory(username="tom", authority=kent, role=Role.TEAM_MANAGER)


def assert_field_error(response, field_id: str, message: str) -> None:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and "There is a problem" in body
    assert f'href="#{field_id}"' in body
    assert f'id="{field_id.removesuffix("_0")}-error"' in body or f'id="{field_id}-error"' in body
    assert message in body


class TestValidation:
    def test_a_date_of_birth_in_the_future_is_a_field_error_and_nothing_is_saved(self, client, worker, kent):  # type: ignore[no-untyped-def]
        household = ChildFactory(household__responsible_authority=kent).household
        before = Child.objects.count()
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = signed_in(client, worker).post(
            reverse("support:child_create", args=[household.pk]),
            {"first_name": "Ann", "last_name": "Lee", **day_fields("date_of_birth", tomorrow)})
        assert_field_error(response, "id_date_of_birth_0", "Date of birth must be in the past")
        assert Child.objects.count() == before

    def test_an_impossible_date_is_a_field_error(self, client, worker, kent):  # type: ignore[no-untyped-def]
        household = ChildFactory(household__responsible_authority=kent).household
        response = signed_in(client, worker).post(
            reverse("support:child_create", args=[household.pk]),
            {"first_name": "Ann", "last_name": "Lee", "date_of_birth_day": "31", "date_of_birth_month": "2",
             "date_of_birth_year": "2015"})
        assert_field_error(response, "id_date_of_birth_0", "Date of birth must be a real date")

    def test_an_order_dated_before_birth_is_a_field_error_and_nothing_is_saved(self, client, worker, kent):  # type: ignore[no-untyped-def]
        child = ChildFactory(household__responsible_authority=kent, date_of_birth=date(2016, 5, 4))
        response = signed_in(client, worker).post(
            reverse("support:legal_order_add", args=[child.pk]),
            {"kind": "adoption", "placing_authority": kent.pk, **day_fields("order_date", date(2016, 5, 3))})
        assert_field_error(response, "id_order_date_0", "must be on or after the child&#x27;s date of birth")
        assert not LegalOrder.objects.exists()

    def test_a_review_before_the_plan_is_a_field_error_and_nothing_is_saved(self, client, worker, kent):  # type: ignore[no-untyped-def]
        plan = ActivePlanFactory(request__responsible_authority=kent, start_date=date(2026, 11, 1))
        response = signed_in(client, worker).post(
            reverse("support:review_schedule", args=[plan.pk]),
            {"reason": "change_of_circumstances", **day_fields("due_date", date(2026, 10, 31))})
        assert_field_error(response, "id_due_date_0", "The review date must be on or after the plan starts")
        assert not Review.objects.exists()

    def test_a_first_review_before_the_plan_starts_is_refused_on_the_plan_form(self, client, worker, kent):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent, urgent=True)
        response = signed_in(client, worker).post(
            reverse("support:plan_create", args=[request.pk]) + "?interim=1",
            {**day_fields("start_date", date(2026, 11, 10)), **day_fields("first_review_date", date(2026, 11, 9))})
        assert_field_error(response, "id_first_review_date_0", "The review date must be on or after the plan starts")
        assert not SupportPlan.objects.exists()

    def test_an_end_before_the_start_is_a_field_error_and_nothing_is_saved(self, client, worker, kent):  # type: ignore[no-untyped-def]
        plan = ActivePlanFactory(request__responsible_authority=kent, start_date=date(2026, 11, 1))
        response = signed_in(client, worker).post(
            reverse("support:plan_end", args=[plan.pk]),
            {"reason": "Goals met", **day_fields("end_date", date(2026, 10, 1))})
        assert_field_error(response, "id_end_date_0", "The end date must be on or after the plan started")
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ACTIVE and plan.end_date is None

    def test_an_ehc_plan_ending_before_it_starts_is_a_field_error(self, client, worker, kent):  # type: ignore[no-untyped-def]
        child = ChildFactory(household__responsible_authority=kent)
        response = signed_in(client, worker).post(
            reverse("support:child_update", args=[child.pk]),
            {"first_name": child.first_name, "last_name": child.last_name,
             **day_fields("date_of_birth", child.date_of_birth), **day_fields("ehc_plan_start_date", date(2024, 9, 1)),
             **day_fields("ehc_plan_end_date", date(2024, 8, 1))})
        assert_field_error(response, "id_ehc_plan_end_date_0", "EHC plan end date must be on or after the start date")
        child.refresh_from_db()
        assert child.ehc_plan_start_date is None

    def test_a_manager_cannot_approve_their_own_assessment_on_the_page(self, client, manager, kent):  # type: ignore[no-untyped-def]
        assessment = SubmittedAssessmentFactory(author=manager, request__responsible_authority=kent)
        response = signed_in(client, manager).post(reverse("support:assessment_approve", args=[assessment.pk]),
                                                   {"action": "approve"})
        assert response.status_code == 400
        assert "another team manager must approve it" in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.status == ApprovalStatus.SUBMITTED


class TestThreeYearRuleOnPages:
    def test_every_request_page_shows_the_responsible_authority_and_why(self, client, worker, kent):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent,
                                        responsibility_reason="Kent placed the child (the three-year rule).")
        body = signed_in(client, worker).get(reverse("support:request_detail", args=[request.pk])).content.decode()
        assert 'data-testid="responsibility"' in body
        assert "Kent placed the child (the three-year rule)." in body

    def test_the_request_form_shows_todays_answer_before_saving(self, client, worker, kent, medway):  # type: ignore[no-untyped-def]
        child = ChildFactory(household__responsible_authority=kent)
        child.household.residences.update(authority=medway)
        LegalOrder.objects.create(child=child, kind="adoption", order_date=timezone.localdate() - timedelta(days=30),
                                  placing_authority=kent)
        body = signed_in(client, worker).get(
            reverse("support:request_create_for_child", args=[child.pk])).content.decode()
        assert "is responsible until the third anniversary" in body


class TestCaseload:
    def test_search_filters_and_paging(self, client, worker, kent):  # type: ignore[no-untyped-def]
        for n in range(30):
            SupportRequestFactory(responsible_authority=kent, child__household__family_name=f"Family{n:02d}",
                                  child__household__responsible_authority=kent, allocated_worker=worker)
        SupportRequestFactory(responsible_authority=kent, child__household__family_name="Zebedee",
                              child__household__responsible_authority=kent, stage=RequestStage.CLOSED)
        page = signed_in(client, worker).get(reverse("support:team_caseload"))
        assert page.context["page_obj"].paginator.count == 30
        assert len(page.context["page_obj"].object_list) == 25
        second = client.get(reverse("support:team_caseload") + "?page=2")
        assert len(second.context["page_obj"].object_list) == 5
        found = client.get(reverse("support:team_caseload") + "?q=family07")
        assert [r.child.household.family_name for r in found.context["page_obj"]] == ["Family07"]
        closed = client.get(reverse("support:team_caseload") + "?stage=closed")
        assert [r.child.household.family_name for r in closed.context["page_obj"]] == ["Zebedee"]
        mine = client.get(reverse("support:caseload"))
        assert mine.context["page_obj"].paginator.count == 30

    def test_my_caseload_lists_the_steps_waiting_for_me(self, client, worker, kent):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent,
                                   assessment__request__allocated_worker=worker,
                                   status="person_satisfied", response_date=date(2026, 11, 1))
        OpenNoticeFactory(assessment__request__responsible_authority=kent, status="person_satisfied",
                          response_date=date(2026, 11, 1))  # someone else's
        steps = signed_in(client, worker).get(reverse("support:caseload")).context["next_steps"]
        assert [(s["label"], s["url"]) for s in steps] == [
            ("Record the decision", reverse("support:decision_record", args=[notice.pk]))]

    def test_the_caseload_query_count_does_not_grow_with_rows(self, client, worker, kent):  # type: ignore[no-untyped-def]
        SupportRequestFactory(responsible_authority=kent, allocated_worker=worker)
        signed_in(client, worker)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("support:team_caseload"))
        for _ in range(10):
            SupportRequestFactory(responsible_authority=kent, allocated_worker=worker)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("support:team_caseload"))
        assert len(many.captured_queries) == len(few.captured_queries)


class TestDueSoon:
    def test_a_window_ending_soon_is_listed_with_working_days(self, client, worker, kent):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent,
                                   assessment__request__allocated_worker=worker,
                                   issued_date=today - timedelta(days=27), window_end_date=today + timedelta(days=1))
        page = signed_in(client, worker).get(reverse("support:due_soon") + "?mine=1")
        items = page.context["items"]
        assert [(i.kind, i.request.pk) for i in items] == [("Representations window ends", notice.request_id)]
        assert "Representations window ends" in page.content.decode()


    def test_the_due_soon_query_count_does_not_grow_with_rows(self, client, worker, kent):  # type: ignore[no-untyped-def]
        today = timezone.localdate()

        def notice():  # type: ignore[no-untyped-def]
            OpenNoticeFactory(assessment__request__responsible_authority=kent,
                              assessment__request__allocated_worker=worker,
                              issued_date=today - timedelta(days=27), window_end_date=today + timedelta(days=1))

        notice()
        signed_in(client, worker)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("support:due_soon"))
        for _ in range(5):
            notice()
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("support:due_soon"))
        assert len(response.context["items"]) == 6
        assert len(many.captured_queries) == len(few.captured_queries)


    def test_the_approvals_queue_query_count_does_not_grow_with_rows(self, client, manager, kent):  # type: ignore[no-untyped-def]
        SubmittedAssessmentFactory(request__responsible_authority=kent)
        signed_in(client, manager)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("support:approvals"))
        for _ in range(4):
            SubmittedAssessmentFactory(request__responsible_authority=kent)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("support:approvals"))
        assert len(response.context["rows"]) == 5
        assert len(many.captured_queries) == len(few.captured_queries)


class TestJourneyByPage:
    def test_a_request_goes_from_family_to_plan_through_the_pages(self, client, worker, manager, kent, medway):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        c = signed_in(client, worker)
        response = c.post(reverse("support:household_create"), {
            "family_name": "Okafor-Lane", "carer_one_name": "Chidi Okafor-Lane", "arrangement": "adoption",
            "address_line_1": "1 High St", "town": "Chatham", "postcode": "ME4 4TB",
            "residence_authority": medway.pk, **day_fields("residence_from_date", date(2022, 6, 1))})
        assert response.status_code == 302
        household = Household.objects.get()
        # Until a child and order are recorded the family stays with Kent, which recorded it.
        assert household.responsible_authority == kent
        assert response["Location"] == reverse("support:household_detail", args=[household.pk])
        c.post(reverse("support:child_create", args=[household.pk]),
               {"first_name": "Daniel", "last_name": "Okafor-Lane", **day_fields("date_of_birth", date(2017, 9, 3))})
        child = Child.objects.get()
        response = c.post(reverse("support:legal_order_add", args=[child.pk]),
                          {"kind": "adoption", "placing_authority": kent.pk,
                           **day_fields("order_date", date(2024, 3, 12))})
        assert response.status_code == 302
        c.post(reverse("support:request_create_for_child", args=[child.pk]),
               {"requester": "adoptive_parent", "summary": "Help", **day_fields("received_date", today)})
        request = SupportRequest.objects.get()
        assert request.responsible_authority == kent
        c.post(reverse("support:assessment_start", args=[request.pk]), day_fields("started_date", today))
        assessment = request.assessments.get()
        c.post(reverse("support:assessment_edit", args=[assessment.pk]),
               {"needs_of_person": "Trauma", "summary_of_needs": "Therapy", "submit_for_approval": "1"})
        assessment.refresh_from_db()
        assert assessment.status == ApprovalStatus.SUBMITTED
        signed_in(client, manager).post(reverse("support:assessment_approve", args=[assessment.pk]),
                                        {"action": "approve"})
        c = signed_in(client, worker)
        c.post(reverse("support:notice_issue", args=[request.pk]),
               {"proposes_support": "yes", "statement_of_needs": "Therapy", "window_days": "28",
                **day_fields("issued_date", today)})
        notice = request.notices.get()
        c.post(reverse("support:notice_response", args=[notice.pk]),
               {"response": "person_satisfied", **day_fields("response_date", today)})
        c.post(reverse("support:decision_record", args=[notice.pk]),
               {"outcome": "provide", "reasons": "Meets need", **day_fields("decided_date", today)})
        decision = request.decisions.get()
        signed_in(client, manager).post(reverse("support:decision_approve", args=[decision.pk]), {"action": "approve"})
        c = signed_in(client, worker)
        c.post(reverse("support:plan_create", args=[request.pk]),
               {**day_fields("start_date", today), "emotional_behavioural": "Regulation"})
        plan = request.plans.get()
        c.post(reverse("support:planned_service_add", args=[plan.pk]),
               {"service_type": ServiceType.objects.get(code="ddp").pk, "frequency": "Weekly",
                "estimated_cost": "2400.50"})
        c.post(reverse("support:plan_activate", args=[plan.pk]))
        request.refresh_from_db()
        plan.refresh_from_db()
        assert request.stage == RequestStage.PLAN_IN_PLACE
        assert plan.status == PlanStatus.ACTIVE
        assert str(plan.services.get().estimated_cost.amount) == "2400.50"
        record = c.get(reverse("support:household_detail", args=[household.pk])).content.decode()
        for step in ("Request recorded (SR-", "Assessment approved", "Person said they are satisfied with the notice",
                     "Decision approved", "Support plan put in place"):
            assert step in record
