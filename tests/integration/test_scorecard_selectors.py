"""The scorecard's queries on PostgreSQL, on small hand-made cases with known answers: bank holidays, a case that
crosses a quarter, a withdrawn request; scoping of the cases behind a figure; the board return; outcomes; and a
query count that does not grow with the data or the number of authorities."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models.applications import Status
from contracts.selectors import provider_outcomes
from organisations.models import Role
from scorecard import rules, selectors
from scorecard.models import ReturnDefinitionSet, ReturnField, ReturnQuery, TimelinessTarget
from scorecard.services.returns import board_return_build, board_return_job_create, return_table
from support.models import OutcomeReading, OutcomeScore, ServiceType
from support.models.orders import OrderKind
from support.models.plans import PlanStatus
from support.models.readings import ReadingMeasure, ReadingSource
from support.models.requests import RequestStage
from tests.factories import AuthorityFactory, PartnershipFactory, ProviderFactory, UserFactory
from tests.factories_claims import build, world
from tests.factories_commissioning import live_contract
from tests.factories_support import (
    ActivePlanFactory,
    ApprovedAssessmentFactory,
    ChildFactory,
    DraftAssessmentFactory,
    DueReviewFactory,
    LegalOrderFactory,
    OutcomeMeasureFactory,
    PlannedServiceFactory,
    SupportRequestFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    return {"kent": kent, "medway": medway, "bexley": bexley, "partnership": partnership}


def request_at(authority, received: date, **kwargs):  # type: ignore[no-untyped-def]
    child = ChildFactory(household__responsible_authority=authority)
    return SupportRequestFactory(child=child, received_date=received, **kwargs)


@pytest.fixture
def cases(places):  # type: ignore[no-untyped-def]
    kent, medway = places["kent"], places["medway"]
    # A: Thursday before Easter 2025; the assessment starts the Tuesday after (Good Friday, Easter Monday): 1 day.
    a = request_at(kent, date(2025, 4, 17), stage=RequestStage.ASSESSING)
    ApprovedAssessmentFactory(request=a, started_date=date(2025, 4, 22), completed_date=date(2025, 6, 20),
                              approved_date=date(2025, 6, 30))
    # B: received in Q1, assessment started in Q2 (5 working days).
    b = request_at(kent, date(2025, 6, 27), stage=RequestStage.ASSESSING)
    DraftAssessmentFactory(request=b, started_date=date(2025, 7, 4))
    # C: withdrawn in Q1 before any assessment.
    c = request_at(kent, date(2025, 5, 1), stage=RequestStage.WITHDRAWN, closed_date=date(2025, 5, 20))
    # D: waiting at the end of Q1 and of Q2.
    d = request_at(kent, date(2025, 6, 2))
    # E: Medway's.
    e = request_at(medway, date(2025, 4, 10))
    TimelinessTarget.objects.create(authority=kent, measure="to_assessment_started", working_days=3)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


class TestScorecard:
    def test_counts_by_quarter_and_authority(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        kent, medway, bexley = places["kent"], places["medway"], places["bexley"]
        card = selectors.scorecard(authorities=[kent, medway, bexley], year=2025)
        received = card.counts["requests_received"]
        assert received["q1"] == {kent.pk: 4, medway.pk: 1, bexley.pk: 0, None: 5}
        assert received["q2"][None] == 0
        assert received["year"][kent.pk] == 4
        assert card.counts["requests_withdrawn"]["q1"][kent.pk] == 1
        assert card.counts["assessments_started"]["q1"][kent.pk] == 1
        assert card.counts["assessments_started"]["q2"][kent.pk] == 1
        assert card.counts["assessments_approved"]["q1"][kent.pk] == 1
        assert card.counts["assessments_completed"]["q1"][kent.pk] == 1

    def test_working_days_skip_bank_holidays_and_count_where_the_step_ends(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        card = selectors.scorecard(authorities=[kent], year=2025)
        started = card.timeliness["to_assessment_started"]
        assert started["q1"][kent.pk].count == 1 and started["q1"][kent.pk].median == Decimal("1.0")
        assert started["q2"][kent.pk].median == Decimal("5.0")
        assert started["year"][kent.pk].within_target == Decimal("50.0")  # 1 within 3 days, 5 not
        assert started["year"][kent.pk].target == 3
        approved = card.timeliness["to_assessment_approved"]["q1"][kent.pk]
        # 17 April to 30 June 2025: 52 weekdays after the 17th, less Good Friday, Easter Monday, 5 and 26 May.
        assert approved.median == Decimal("48.0")

    def test_open_work_leaves_out_withdrawn_and_started_requests(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        card = selectors.scorecard(authorities=[kent], year=2025)
        assert card.waiting["q1"][kent.pk]["count"] == 2  # B (started 4 July) and D; not A, not C
        assert card.waiting["q2"][kent.pk]["count"] == 1  # D only

    def test_reviews_overdue_at_the_end(self, places) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        plan = ActivePlanFactory(request=request_at(kent, date(2024, 12, 1), stage=RequestStage.PLAN_IN_PLACE),
                                 start_date=date(2025, 1, 1))
        DueReviewFactory(plan=plan, due_date=date(2025, 6, 1))
        DueReviewFactory(plan=plan, due_date=date(2025, 5, 1), completed_date=date(2025, 7, 15),
                         status="completed")
        card = selectors.scorecard(authorities=[kent], year=2025)
        assert card.overdue["q1"][kent.pk] == 2
        assert card.overdue["q2"][kent.pk] == 1
        assert card.counts["reviews_due"]["q1"][kent.pk] == 2
        assert card.counts["reviews_done"]["q2"][kent.pk] == 1

    def test_fund_applications_counted_by_their_dates(self, places) -> None:  # type: ignore[no-untyped-def]
        w = world(short_code="kent", assessed=date(2025, 5, 1))
        app = build(w, Status.APPROVED)
        card = selectors.scorecard(authorities=[places["kent"]], year=2025)
        q = rules.quarter(2025, 2) if app.decision_date in rules.quarter(2025, 2) else rules.quarter(2025, 1)
        assert card.counts["asf_submitted"][q.key][places["kent"].pk] == 1
        assert card.counts["asf_approved"][q.key][places["kent"].pk] == 1
        assert card.timeliness["to_asf_approved"]["year"][places["kent"].pk].count == 1

    def test_queries_do_not_grow_with_the_data_or_the_authorities(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as one:
            selectors.scorecard(authorities=[places["kent"]], year=2025)
        for n in range(5):
            request_at(places["bexley"], date(2025, 8, 1 + n))
        with CaptureQueriesContext(connection) as three:
            selectors.scorecard(authorities=[places["kent"], places["medway"], places["bexley"]], year=2025)
        assert len(one) == len(three) <= 30


class TestCasesBehindAFigure:
    def test_lists_the_users_own_cases(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        manager = UserFactory(authority=places["kent"], role=Role.TEAM_MANAGER)
        rows = selectors.case_list(user=manager, authority=places["kent"], measure="requests_received",
                                   period=rules.quarter(2025, 1), today=date(2025, 12, 1))
        assert [r["id"] for r in rows] == [cases["a"].pk, cases["c"].pk, cases["d"].pk, cases["b"].pk]
        started = selectors.case_list(user=manager, authority=places["kent"], measure="to_assessment_started",
                                      period=rules.quarter(2025, 2), today=date(2025, 12, 1))
        assert [(r["id"], r["working_days"]) for r in started] == [(cases["b"].pk, 5)]
        waiting = selectors.case_list(user=manager, authority=places["kent"], measure="waiting",
                                      period=rules.quarter(2025, 1), today=date(2025, 12, 1))
        assert {r["id"] for r in waiting} == {cases["b"].pk, cases["d"].pk}

    def test_never_lists_another_authoritys_cases(self, places, cases) -> None:  # type: ignore[no-untyped-def]
        medway_manager = UserFactory(authority=places["medway"], role=Role.TEAM_MANAGER)
        for measure in ("requests_received", "to_assessment_started", "waiting"):
            assert selectors.case_list(user=medway_manager, authority=places["kent"], measure=measure,
                                       period=rules.financial_year(2025), today=date(2025, 12, 1)) == []


@pytest.fixture
def definitions():  # type: ignore[no-untyped-def]
    definition_set = ReturnDefinitionSet.objects.create(title="Quarterly return", version=1,
                                                        valid_from_date=date(2020, 4, 1))
    for position, query in enumerate(ReturnQuery.values, start=1):
        ReturnField.objects.create(definition_set=definition_set, position=position, name=query,
                                   definition=f"The {query}", query=query)
    return definition_set


class TestBoardReturn:
    def test_families_by_authority_and_kind(self, places, cases, definitions) -> None:  # type: ignore[no-untyped-def]
        LegalOrderFactory(child=cases["a"].child, kind=OrderKind.ADOPTION)
        LegalOrderFactory(child=cases["e"].child, kind=OrderKind.SPECIAL_GUARDIANSHIP)
        authorities = [places["bexley"], places["kent"], places["medway"]]
        table = return_table(authorities=authorities, year=2025, quarter=1)
        families = table.values[[f.query for f in table.fields].index("families_requesting")]
        kent, medway = places["kent"].pk, places["medway"].pk
        assert families[(kent, "adoption")]["value"] == 1
        assert families[(kent, "other")]["value"] == 3
        assert families[(medway, "special_guardianship")]["value"] == 1
        completed = table.values[[f.query for f in table.fields].index("assessments_completed")]
        assert sum(v["value"] for v in completed.values()) == 1

    def test_a_later_version_of_the_definitions_takes_over_from_its_date(self, definitions) -> None:  # type: ignore[no-untyped-def]
        later = ReturnDefinitionSet.objects.create(title="2026 return", version=2, valid_from_date=date(2026, 4, 1))
        assert selectors.definition_set_for(rules.quarter(2025, 4)) == definitions
        assert selectors.definition_set_for(rules.quarter(2026, 1)) == later

    def test_the_job_builds_the_file_with_progress(self, places, cases, definitions) -> None:  # type: ignore[no-untyped-def]
        lead = UserFactory(authority=places["kent"], role=Role.LEAD_COMMISSIONER)
        job = board_return_job_create(partnership=places["partnership"], year=2025, quarter=1, file_format="csv",
                                      by=lead)
        board_return_build(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == "succeeded" and job.progress_done == job.progress_total == len(ReturnQuery.values) + 3
        text = job.result_file.open("rb").read().decode()
        assert "Kent,Total,families_requesting,[c]" in text  # 4 families: suppressed
        assert "Partnership,Total,families_requesting,5" in text


class TestOutcomes:
    def test_first_against_last_by_service_and_provider(self, places) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        provider = ProviderFactory(name="Coram")
        ddp = ServiceType.objects.get(code="ddp")
        for baseline, last in ((24, 16), (20, 20), (10, 14)):
            plan = ActivePlanFactory(request=request_at(kent, date(2024, 1, 1), stage=RequestStage.CLOSED),
                                     start_date=date(2024, 6, 1), end_date=date(2025, 5, 1),
                                     status=PlanStatus.ENDED)
            PlannedServiceFactory(plan=plan, service_type=ddp, provider=provider)
            measure = OutcomeMeasureFactory(plan=plan, baseline_score=Decimal(baseline),
                                            baseline_date=date(2024, 6, 1))
            review = DueReviewFactory(plan=plan, due_date=date(2025, 4, 1), status="completed",
                                      completed_date=date(2025, 4, 1))
            OutcomeScore.objects.create(measure=measure, review=review, score_date=date(2025, 4, 1),
                                        score=Decimal(last))
        found = selectors.outcomes(authority_ids=[kent.pk], period=rules.quarter(2025, 1))
        assert found.by_service[(ddp.name, "SDQ total difficulties")] == {"improved": 1, "same": 1, "worse": 1}
        assert found.by_provider[("Coram", "SDQ total difficulties")] == {"improved": 1, "same": 1, "worse": 1}
        assert found.families == 3
        assert selectors.outcomes(authority_ids=[places["medway"].pk], period=rules.quarter(2025, 1)).families == 0

    def test_sdq_readings_from_the_case_system_count_first_against_last(self, places) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        request = request_at(kent, date(2024, 1, 1), stage=RequestStage.CLOSED)
        plan = ActivePlanFactory(request=request, start_date=date(2024, 6, 1), end_date=date(2025, 5, 1),
                                 status=PlanStatus.ENDED)
        PlannedServiceFactory(plan=plan, service_type=ServiceType.objects.get(code="ddp"), provider=None)
        for day, score in ((date(2024, 4, 1), 25), (date(2024, 12, 1), 20), (date(2025, 4, 20), 18),
                           (date(2025, 6, 1), 30)):  # the last one is after the plan ended: not counted
            OutcomeReading.objects.create(child=request.child, reading_date=day, score=score,
                                          source=ReadingSource.CASE_SYSTEM, source_key=f"sdq-{day}")
        found = selectors.outcomes(authority_ids=[kent.pk], period=rules.quarter(2025, 1))
        sdq = str(ReadingMeasure.SDQ.label)
        assert found.by_provider[("No provider named", sdq)] == {"improved": 1, "same": 0, "worse": 0}

    def test_contract_monitoring_shows_its_providers_outcomes_to_its_parties(self, places) -> None:  # type: ignore[no-untyped-def]
        kent, medway = places["kent"], places["medway"]
        contract = live_contract(lead=kent, parties=[kent], start=date(2024, 4, 1), end=date(2027, 3, 31))
        other = ProviderFactory(name="Someone else")
        for provider, last in ((contract.provider, 16), (contract.provider, 30), (other, 10)):
            plan = ActivePlanFactory(request=request_at(kent, date(2024, 1, 1), stage=RequestStage.CLOSED),
                                     start_date=date(2024, 6, 1), end_date=date(2025, 5, 1),
                                     status=PlanStatus.ENDED)
            PlannedServiceFactory(plan=plan, provider=provider)
            measure = OutcomeMeasureFactory(plan=plan, baseline_score=Decimal(24), baseline_date=date(2024, 6, 1))
            OutcomeScore.objects.create(measure=measure, score_date=date(2025, 4, 1), score=Decimal(last))
        kent_commissioner = UserFactory(authority=kent, role=Role.LEAD_COMMISSIONER)
        found = provider_outcomes(user=kent_commissioner, contract=contract, today=date(2026, 1, 1))
        assert found == [{"measure": "SDQ total difficulties", "improved": 1, "same": 0, "worse": 1, "families": 2}]
        medway_commissioner = UserFactory(authority=medway, role=Role.LEAD_COMMISSIONER)
        assert provider_outcomes(user=medway_commissioner, contract=contract, today=date(2026, 1, 1)) == []


class TestDatedTargets:
    def test_each_quarter_is_scored_against_the_target_in_force_on_its_first_day(self, places) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        # Two requests, each assessed 4 working days after receipt: one in Q1, one in Q2.
        for received, started in ((date(2025, 5, 6), date(2025, 5, 12)), (date(2025, 8, 5), date(2025, 8, 11))):
            DraftAssessmentFactory(request=request_at(kent, received, stage=RequestStage.ASSESSING),
                                   started_date=started)
        TimelinessTarget.objects.create(authority=kent, measure="to_assessment_started", working_days=5)
        before = selectors.scorecard(authorities=[kent], year=2025)
        assert before.timeliness["to_assessment_started"]["q1"][kent.pk].within_target == Decimal("100.0")
        assert before.timeliness["to_assessment_started"]["q2"][kent.pk].within_target == Decimal("100.0")
        # A tighter target from 1 July 2025 scores Q2 onwards only; Q1 keeps the target it was scored against.
        TimelinessTarget.objects.create(authority=kent, measure="to_assessment_started", working_days=3,
                                        effective_from=date(2025, 7, 1))
        after = selectors.scorecard(authorities=[kent], year=2025)
        q1, q2 = (after.timeliness["to_assessment_started"][q][kent.pk] for q in ("q1", "q2"))
        assert (q1.target, q1.within_target) == (5, Decimal("100.0"))
        assert (q2.target, q2.within_target) == (3, Decimal("0.0"))
        assert after.timeliness["to_assessment_started"]["year"][kent.pk].target == 5  # the year's first day

    def test_a_target_starting_mid_period_does_not_apply_to_it(self, places) -> None:  # type: ignore[no-untyped-def]
        kent = places["kent"]
        TimelinessTarget.objects.create(authority=kent, measure="to_decision", working_days=30,
                                        effective_from=date(2025, 5, 1))
        card = selectors.scorecard(authorities=[kent], year=2025)
        assert card.timeliness["to_decision"]["q1"][kent.pk].target is None
        assert card.timeliness["to_decision"]["q2"][kent.pk].target == 30

    def test_two_targets_for_one_day_are_refused(self, places) -> None:  # type: ignore[no-untyped-def]
        from django.db import IntegrityError, transaction
        kent = places["kent"]
        TimelinessTarget.objects.create(authority=kent, measure="to_plan", working_days=30,
                                        effective_from=date(2025, 5, 1))
        with pytest.raises(IntegrityError), transaction.atomic():
            TimelinessTarget.objects.create(authority=kent, measure="to_plan", working_days=20,
                                            effective_from=date(2025, 5, 1))
