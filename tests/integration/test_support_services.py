"""The support process through its services: every step, the urgent path, refusals, and status-change rows."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from moneyed import Money

from organisations.models import Role
from support.models import (
    Child,
    Decision,
    Household,
    LegalOrder,
    OutcomeScore,
    Review,
    ServiceType,
    StatusChange,
    SupportPlan,
    SupportRequest,
)
from support.models.assessments import ApprovalStatus
from support.models.decisions import DecisionOutcome
from support.models.notices import NoticeStatus
from support.models.plans import PlanStatus
from support.models.requests import RequestStage
from support.models.reviews import ReviewOutcome, ReviewStatus
from support.services.assessments import (
    assessment_approve,
    assessment_return,
    assessment_start,
    assessment_submit,
    assessment_update,
)
from support.services.decisions import decision_approve, decision_record, decision_resubmit, decision_return
from support.services.errors import InvalidTransition, NotPermitted, SelfApproval
from support.services.families import child_create, household_create, household_move, legal_order_add
from support.services.notices import notice_end_window, notice_issue, notice_record_response, notices_end_windows
from support.services.plans import (
    outcome_measure_add,
    plan_activate,
    plan_create,
    plan_end,
    plan_revise,
    planned_service_add,
)
from support.services.requests import request_create, request_withdraw
from support.services.responsibility import responsibility_refresh
from support.services.reviews import review_complete, review_schedule
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import (
    ApprovedAssessmentFactory,
    ChildFactory,
    HouseholdFactory,
    LegalOrderFactory,
    OpenNoticeFactory,
    PersonFactory,
    SubmittedAssessmentFactory,
    SupportRequestFactory,
)

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


NOW = at(date(2026, 11, 24))


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent", name="Kent")


@pytest.fixture
def medway():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="medway", name="Medway")


@pytest.fixture
def priya(kent):  # type: ignore[no-untyped-def]
    return UserFactory(username="priya", authority=kent, role=Role.SOCIAL_WORKER)


@pytest.fixture
def tom(kent):  # type: ignore[no-untyped-def]
    return UserFactory(username="tom", authority=kent, role=Role.TEAM_MANAGER)


@pytest.fixture
def okafor_lane(kent, medway, priya):  # type: ignore[no-untyped-def]
    """JOURNEYS.md: lives in Medway, son adopted from Kent's care, adoption order 12 March 2024."""
    household = household_create(
        by=priya, now=NOW, family_name="Okafor-Lane", carer_one_name="Ada Okafor-Lane", arrangement="adoption",
        address_line_1="1 High Street", town="Chatham", postcode="me4 4aa", residence_authority=medway,
        residence_from_date=date(2022, 9, 1))
    child = child_create(household=household, by=priya, now=NOW, first_name="Sam", last_name="Okafor-Lane",
                         date_of_birth=date(2019, 4, 2))
    legal_order_add(child=child, by=priya, now=NOW, kind="adoption", order_date=date(2024, 3, 12),
                    placing_authority=kent)
    child.refresh_from_db()
    return child


class TestFamilies:
    def test_the_okafor_lane_family_is_kents_until_the_anniversary(self, okafor_lane, kent):  # type: ignore[no-untyped-def]
        assert okafor_lane.responsible_authority == kent
        assert "12 March 2027" in okafor_lane.responsibility_reason
        assert okafor_lane.household.responsible_authority == kent
        assert okafor_lane.household.postcode == "ME4 4AA"

    def test_the_daily_refresh_moves_the_family_on_the_anniversary(self, okafor_lane, medway):  # type: ignore[no-untyped-def]
        assert responsibility_refresh(today=date(2027, 3, 11)) == 0
        assert responsibility_refresh(today=date(2027, 3, 12)) == 1
        okafor_lane.refresh_from_db()
        assert okafor_lane.responsible_authority == medway
        assert Household.objects.get().responsible_authority == medway

    def test_a_move_adds_a_residence_row_and_keeps_the_history(self, okafor_lane, priya, kent):  # type: ignore[no-untyped-def]
        household_move(household=okafor_lane.household, by=priya, now=NOW, authority=kent,
                       from_date=date(2026, 1, 5), address_line_1="2 Low Road", town="Maidstone",
                       postcode="ME14 2BB")
        assert [r.authority.name for r in okafor_lane.household.residences.all()] == ["Medway", "Kent"]

    def test_a_move_dated_before_the_current_address_is_refused(self, okafor_lane, priya, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as error:
            household_move(household=okafor_lane.household, by=priya, now=NOW, authority=kent,
                           from_date=date(2020, 1, 5), address_line_1="x", town="y", postcode="z")
        assert "from_date" in error.value.message_dict
        assert okafor_lane.household.residences.count() == 1

    def test_a_date_of_birth_in_the_future_is_refused_and_nothing_saved(self, priya):  # type: ignore[no-untyped-def]
        household = HouseholdFactory()
        with pytest.raises(ValidationError) as error:
            child_create(household=household, by=priya, now=NOW, first_name="A", last_name="B",
                         date_of_birth=date(2026, 11, 25))
        assert error.value.message_dict == {"date_of_birth": ["Date of birth must be in the past"]}
        assert not Child.objects.exists()

    def test_an_ehc_plan_ending_before_it_starts_is_refused(self, priya):  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as error:
            child_create(household=HouseholdFactory(), by=priya, now=NOW, first_name="A", last_name="B",
                         date_of_birth=date(2015, 1, 1), ehc_plan_start_date=date(2024, 1, 1),
                         ehc_plan_end_date=date(2023, 1, 1))
        assert "ehc_plan_end_date" in error.value.message_dict
        assert not Child.objects.exists()

    def test_an_order_dated_before_birth_is_refused_and_nothing_saved(self, okafor_lane, priya, kent):  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as error:
            legal_order_add(child=okafor_lane, by=priya, now=NOW, kind="placement",
                            order_date=date(2019, 4, 1), placing_authority=kent)
        assert "order_date" in error.value.message_dict
        assert LegalOrder.objects.count() == 1

    def test_an_auditor_cannot_record_a_family(self, kent, medway):  # type: ignore[no-untyped-def]
        auditor = UserFactory(authority=kent, role=Role.AUDITOR)
        with pytest.raises(NotPermitted):
            household_create(by=auditor, now=NOW, family_name="X", carer_one_name="Y", arrangement="adoption",
                             address_line_1="1", town="T", postcode="P", residence_authority=medway,
                             residence_from_date=date(2020, 1, 1))


class TestRequest:
    def test_the_request_stays_with_kent_and_shows_why(self, okafor_lane, priya, kent):  # type: ignore[no-untyped-def]
        request = request_create(by=priya, now=NOW, child=okafor_lane, received_date=date(2026, 11, 23),
                                 requester="adoptive_parent", summary="Help with attachment")
        assert request.responsible_authority == kent
        assert "three-year rule" in request.responsibility_reason
        assert request.allocated_worker == priya
        change = StatusChange.objects.get()
        assert (change.subject, change.to_state, change.by) == ("supportrequest", "received", priya)

    def test_a_worker_cannot_record_a_request_another_authority_is_responsible_for(self, okafor_lane, medway):  # type: ignore[no-untyped-def]
        medway_worker = UserFactory(authority=medway, role=Role.SOCIAL_WORKER)
        with pytest.raises(ValidationError, match="Kent is responsible"):
            request_create(by=medway_worker, now=NOW, child=okafor_lane, received_date=date(2026, 11, 23),
                           requester="adoptive_parent", summary="Help")
        assert not SupportRequest.objects.exists()

    def test_a_request_about_a_birth_mother_belongs_to_her_authority(self, kent, priya, okafor_lane):  # type: ignore[no-untyped-def]
        mother = PersonFactory(authority=kent, related_child=okafor_lane)
        request = request_create(by=priya, now=NOW, person=mother, received_date=date(2026, 11, 20),
                                 requester="birth_parent", summary="Birth parent support")
        assert request.responsible_authority == kent
        assert "does not apply" in request.responsibility_reason

    def test_a_request_received_in_the_future_is_refused(self, okafor_lane, priya):  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as error:
            request_create(by=priya, now=NOW, child=okafor_lane, received_date=date(2026, 12, 1),
                           requester="adoptive_parent", summary="Help")
        assert "received_date" in error.value.message_dict

    def test_withdrawing_needs_a_reason_and_a_closed_request_cannot_be_withdrawn(self, priya, kent):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent)
        with pytest.raises(ValidationError):
            request_withdraw(request=request, reason=" ", by=priya, now=NOW)
        request_withdraw(request=request, reason="Family moved abroad", by=priya, now=NOW)
        with pytest.raises(InvalidTransition, match="Cannot withdraw: the support request is withdrawn"):
            request_withdraw(request=request, reason="Again", by=priya, now=NOW)


def full_process(child, priya, tom):  # type: ignore[no-untyped-def]
    """Request to active plan, the JOURNEYS.md way. Returns the active plan."""
    request = request_create(by=priya, now=at(date(2026, 6, 1)), child=child,
                             received_date=date(2026, 6, 1), requester="adoptive_parent", summary="Help")
    assessment = assessment_start(request=request, by=priya, now=at(date(2026, 6, 2)),
                                  started_date=date(2026, 6, 2))
    assessment_update(assessment=assessment, by=priya, now=at(date(2026, 6, 10)),
                      child_developmental_needs="Trauma", summary_of_needs="Therapy")
    assessment_submit(assessment=assessment, by=priya, now=at(date(2026, 6, 15)))
    assessment_approve(assessment=assessment, by=tom, now=at(date(2026, 6, 16)))
    notice = notice_issue(request=request, by=priya, now=at(date(2026, 6, 17)), issued_date=date(2026, 6, 17),
                          statement_of_needs="Needs therapy", proposed_services="DDP")
    notice_record_response(notice=notice, response=NoticeStatus.PERSON_SATISFIED,
                           response_date=date(2026, 6, 20), by=priya, now=at(date(2026, 6, 20)))
    decision = decision_record(notice=notice, outcome=DecisionOutcome.PROVIDE, reasons="Meets need",
                               decided_date=date(2026, 6, 21), by=priya, now=at(date(2026, 6, 21)))
    decision_approve(decision=decision, by=tom, now=at(date(2026, 6, 22)))
    plan = plan_create(request=request, by=priya, now=at(date(2026, 6, 23)), start_date=date(2026, 7, 1),
                       first_review_date=date(2027, 1, 1), emotional_behavioural="Regulation")
    planned_service_add(plan=plan, by=priya, now=at(date(2026, 6, 23)),
                        service_type=ServiceType.objects.get(code="ddp"), frequency="Weekly",
                        estimated_cost=Decimal("2400.005"))
    outcome_measure_add(plan=plan, by=priya, now=at(date(2026, 6, 23)), name="SDQ total difficulties",
                        baseline_score=Decimal("24"), baseline_date=date(2026, 6, 10),
                        target_score=Decimal("16"))
    return plan_activate(plan=plan, by=priya, now=at(date(2026, 6, 24)))


class TestProcess:
    def test_request_to_plan_writes_a_status_change_for_every_step(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        request = plan.request
        request.refresh_from_db()
        assert request.stage == RequestStage.PLAN_IN_PLACE
        assert plan.status == PlanStatus.ACTIVE
        assert plan.services.get().estimated_cost == Money("2400.01", "GBP")
        transitions = list(StatusChange.objects.filter(subject="supportrequest").values_list("to_state", flat=True))
        assert transitions == ["received", "assessing", "notice_issued", "decided", "plan_in_place"]
        assessment_steps = StatusChange.objects.filter(subject="assessment").values_list("to_state", "by__username")
        assert list(assessment_steps) == [("draft", "priya"), ("submitted", "priya"), ("approved", "tom")]
        assert Review.objects.get(plan=plan).due_date == date(2027, 1, 1)

    def test_an_author_cannot_approve_their_own_assessment(self, kent):  # type: ignore[no-untyped-def]
        manager = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
        assessment = SubmittedAssessmentFactory(author=manager, request__responsible_authority=kent)
        with pytest.raises(SelfApproval, match="another team manager must approve it"):
            assessment_approve(assessment=assessment, by=manager, now=NOW)
        assessment.refresh_from_db()
        assert assessment.status == ApprovalStatus.SUBMITTED
        assert not StatusChange.objects.exists()

    def test_a_manager_who_changed_or_submitted_an_assessment_cannot_approve_it(self, kent, priya, tom):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent, child__household__responsible_authority=kent)
        assessment = assessment_start(request=request, by=priya, now=NOW, started_date=date(2026, 11, 1))
        assessment_update(assessment=assessment, by=tom, now=NOW, summary_of_needs="Rewritten by Tom",
                          needs_of_person="Attachment")
        assessment_submit(assessment=assessment, by=priya, now=NOW)
        with pytest.raises(SelfApproval, match="You changed this"):
            assessment_approve(assessment=assessment, by=tom, now=NOW)
        other = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
        assert assessment_approve(assessment=assessment, by=other, now=NOW).status == ApprovalStatus.APPROVED

    def test_a_manager_who_resubmitted_a_decision_cannot_approve_it(self, kent, priya, tom):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent, status=NoticeStatus.WINDOW_ENDED)
        decision = decision_record(notice=notice, outcome="provide", reasons="Therapy",
                                   decided_date=notice.window_end_date + timedelta(days=1), by=priya,
                                   now=NOW)
        decision_return(decision=decision, reason="Say which therapy", by=tom, now=NOW)
        decision_resubmit(decision=decision, outcome="provide", reasons="DDP, by Tom", by=tom, now=NOW)
        with pytest.raises(SelfApproval, match="You changed this"):
            decision_approve(decision=decision, by=tom, now=NOW)

    def test_a_social_worker_cannot_approve_an_assessment(self, kent, priya):  # type: ignore[no-untyped-def]
        assessment = SubmittedAssessmentFactory(request__responsible_authority=kent)
        with pytest.raises(NotPermitted, match="Only a team manager"):
            assessment_approve(assessment=assessment, by=priya, now=NOW)

    def test_a_draft_assessment_cannot_be_approved(self, kent, tom):  # type: ignore[no-untyped-def]
        assessment = SubmittedAssessmentFactory(request__responsible_authority=kent, status=ApprovalStatus.DRAFT)
        with pytest.raises(InvalidTransition, match="Cannot approve: the assessment is draft"):
            assessment_approve(assessment=assessment, by=tom, now=NOW)

    def test_a_returned_assessment_goes_back_to_its_author_and_can_be_resubmitted(self, kent, tom):  # type: ignore[no-untyped-def]
        assessment = SubmittedAssessmentFactory(request__responsible_authority=kent)
        assessment_return(assessment=assessment, reason="Add the school's view", by=tom, now=NOW)
        assessment.refresh_from_db()
        assert assessment.status == ApprovalStatus.RETURNED
        assessment_submit(assessment=assessment, by=assessment.author, now=NOW)
        assessment.refresh_from_db()
        assert assessment.status == ApprovalStatus.SUBMITTED

    def test_submitting_an_empty_assessment_names_the_missing_sections(self, kent, priya):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent)
        assessment = assessment_start(request=request, by=priya, now=NOW, started_date=date(2026, 10, 2))
        with pytest.raises(ValidationError) as error:
            assessment_submit(assessment=assessment, by=priya, now=NOW)
        assert set(error.value.message_dict) == {"summary_of_needs", "needs_of_person"}

    def test_no_notice_before_the_assessment_is_approved(self, kent, priya):  # type: ignore[no-untyped-def]
        assessment = SubmittedAssessmentFactory(request__responsible_authority=kent)
        with pytest.raises(InvalidTransition, match="must approve the assessment first"):
            notice_issue(request=assessment.request, by=priya, now=NOW, issued_date=date(2026, 11, 1),
                         statement_of_needs="x")

    def test_the_notice_window_is_28_days_by_default_and_configurable(self, kent, priya, settings):  # type: ignore[no-untyped-def]
        assessment = ApprovedAssessmentFactory(request__responsible_authority=kent)
        notice = notice_issue(request=assessment.request, by=priya, now=NOW, issued_date=date(2026, 11, 1),
                              statement_of_needs="x")
        assert notice.window_end_date == date(2026, 11, 29)
        settings.REPRESENTATION_WINDOW_DAYS = 14
        other = ApprovedAssessmentFactory(request__responsible_authority=kent)
        assert notice_issue(request=other.request, by=priya, now=NOW, issued_date=date(2026, 11, 1),
                            statement_of_needs="x").window_end_date == date(2026, 11, 15)

    def test_no_decision_while_the_window_is_open(self, kent, priya):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent)
        with pytest.raises(InvalidTransition, match="No decision yet"):
            decision_record(notice=notice, outcome="provide", reasons="x", decided_date=notice.issued_date,
                            by=priya, now=NOW)

    def test_the_window_ends_only_after_its_last_day(self, kent):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent)
        with pytest.raises(InvalidTransition, match="open until"):
            notice_end_window(notice=notice, by=None, now=at(notice.window_end_date))
        assert notices_end_windows(now=at(notice.window_end_date + timedelta(days=1))) == 1
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.WINDOW_ENDED

    def test_a_decision_cannot_be_approved_by_its_author(self, okafor_lane, priya, tom, kent):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent,
                                   status=NoticeStatus.PERSON_SATISFIED, response_date=date(2026, 11, 1))
        decision = decision_record(notice=notice, outcome="provide", reasons="x",
                                   decided_date=date(2026, 11, 2), by=tom, now=NOW)
        with pytest.raises(SelfApproval):
            decision_approve(decision=decision, by=tom, now=NOW)

    def test_without_a_response_the_decision_comes_after_the_windows_last_day(self, kent, priya):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent, status=NoticeStatus.WINDOW_ENDED)
        with pytest.raises(ValidationError) as refused:
            decision_record(notice=notice, outcome="provide", reasons="Therapy",
                            decided_date=notice.window_end_date, by=priya, now=NOW)
        assert "on or after" in str(refused.value)
        assert not Decision.objects.exists()

    def test_deciding_not_to_provide_closes_the_request(self, kent, priya, tom):  # type: ignore[no-untyped-def]
        notice = OpenNoticeFactory(assessment__request__responsible_authority=kent, status=NoticeStatus.WINDOW_ENDED)
        decision = decision_record(notice=notice, outcome="not_provide", reasons="Needs met by school",
                                   decided_date=notice.window_end_date + timedelta(days=1), by=priya,
                                   now=NOW)
        decision_approve(decision=decision, by=tom, now=NOW)
        notice.request.refresh_from_db()
        assert notice.request.stage == RequestStage.CLOSED

    def test_no_plan_without_an_approved_decision(self, kent, priya):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent, stage=RequestStage.ASSESSING)
        with pytest.raises(InvalidTransition, match="approved decision"):
            plan_create(request=request, by=priya, now=NOW, start_date=date(2026, 11, 1))

    def test_a_review_before_the_plan_starts_is_refused_and_nothing_saved(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        with pytest.raises(ValidationError) as error:
            review_schedule(plan=plan, due_date=date(2026, 6, 30), reason="change_of_circumstances",
                            by=priya, now=NOW)
        assert "due_date" in error.value.message_dict
        assert plan.reviews.count() == 1

    def test_an_end_before_the_start_is_refused(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        with pytest.raises(ValidationError) as error:
            plan_end(plan=plan, end_date=date(2026, 6, 30), reason="Done", by=priya, now=NOW)
        assert "end_date" in error.value.message_dict
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ACTIVE

    def test_a_review_rescores_the_measures_and_schedules_the_next(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        review = plan.reviews.get()
        measure = plan.measures.get()
        review_complete(review=review, completed_date=date(2026, 11, 20), outcome=ReviewOutcome.CONTINUE,
                        by=priya, now=NOW, scores={measure.pk: Decimal("19")})
        assert OutcomeScore.objects.get().score == Decimal("19")
        assert list(plan.reviews.filter(status=ReviewStatus.DUE).values_list("due_date", flat=True)) == [
            date(2027, 11, 20)]

    def test_a_review_that_revises_the_plan_makes_a_new_version_with_the_latest_score(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        measure = plan.measures.get()
        review_complete(review=plan.reviews.get(), completed_date=date(2026, 11, 20),
                        outcome=ReviewOutcome.REVISE, by=priya, now=NOW, scores={measure.pk: Decimal("20")})
        new = SupportPlan.objects.get(version=2)
        assert new.status == PlanStatus.DRAFT and new.revision_of == plan
        assert new.measures.get().baseline_score == Decimal("20")
        assert new.services.count() == 1
        plan_activate(plan=new, by=priya, now=NOW)
        plan.refresh_from_db()
        assert plan.status == PlanStatus.SUPERSEDED

    def test_a_revised_plan_closes_the_old_plans_due_reviews_through_their_transition(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        review = plan.reviews.get()
        new = plan_revise(plan=plan, start_date=date(2026, 11, 20), by=priya, now=NOW)
        plan_activate(plan=new, by=priya, now=NOW)
        review.refresh_from_db()
        assert (review.status, review.completed_date) == (ReviewStatus.COMPLETED, date(2026, 11, 20))
        change = StatusChange.objects.get(subject="review", subject_id=review.pk, transition="complete")
        assert (change.from_state, change.to_state, change.by) == ("due", "completed", priya)
        assert review.history.first().history_user == priya

    def test_ending_the_plan_at_review_closes_the_request(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        plan = full_process(okafor_lane, priya, tom)
        review_complete(review=plan.reviews.get(), completed_date=date(2026, 11, 20),
                        outcome=ReviewOutcome.END, notes="Goals met", by=priya, now=NOW)
        plan.refresh_from_db()
        plan.request.refresh_from_db()
        assert (plan.status, plan.end_date) == (PlanStatus.ENDED, date(2026, 11, 20))
        assert plan.request.stage == RequestStage.CLOSED


class TestUrgentPath:
    def test_urgent_support_comes_before_the_notice_and_the_full_plan_replaces_it(self, okafor_lane, priya, tom):  # type: ignore[no-untyped-def]
        request = request_create(by=priya, now=NOW, child=okafor_lane, received_date=date(2026, 11, 2),
                                 requester="adoptive_parent", summary="Placement at risk", urgent=True)
        interim = plan_create(request=request, by=priya, now=NOW, start_date=date(2026, 11, 3),
                              interim=True, likely_needs="Crisis support")
        plan_activate(plan=interim, by=priya, now=NOW)
        request.refresh_from_db()
        assert request.stage == RequestStage.URGENT_SUPPORT
        assessment = assessment_start(request=request, by=priya, now=NOW, started_date=date(2026, 11, 3))
        assessment_update(assessment=assessment, by=priya, now=NOW, needs_of_person="x", summary_of_needs="y")
        assessment_submit(assessment=assessment, by=priya, now=at(date(2026, 11, 6)))
        assessment_approve(assessment=assessment, by=tom, now=at(date(2026, 11, 9)))
        notice = notice_issue(request=request, by=priya, now=NOW, issued_date=date(2026, 11, 10),
                              statement_of_needs="x")
        notice_record_response(notice=notice, response=NoticeStatus.REPRESENTATIONS_RECEIVED,
                               representations="Want more sessions", response_date=date(2026, 11, 12),
                               by=priya, now=NOW)
        decision = decision_record(notice=notice, outcome="provide", reasons="x",
                                   decided_date=date(2026, 11, 13), by=priya, now=NOW)
        decision_approve(decision=decision, by=tom, now=NOW)
        plan = plan_create(request=request, by=priya, now=NOW, start_date=date(2026, 11, 16))
        plan_activate(plan=plan, by=priya, now=NOW)
        interim.refresh_from_db()
        request.refresh_from_db()
        assert interim.status == PlanStatus.SUPERSEDED
        assert request.stage == RequestStage.PLAN_IN_PLACE

    def test_a_request_that_is_not_urgent_gets_no_interim_plan(self, kent, priya):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(responsible_authority=kent)
        with pytest.raises(InvalidTransition, match="Only an urgent request"):
            plan_create(request=request, by=priya, now=NOW, start_date=date(2026, 11, 3), interim=True)


class TestFactories:
    def test_factories_make_consistent_rows(self):  # type: ignore[no-untyped-def]
        child = ChildFactory()
        LegalOrderFactory(child=child)
        assert child.responsible_authority == child.household.responsible_authority
