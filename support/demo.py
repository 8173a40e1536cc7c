"""Demo families for Kent, Medway and Bexley at every stage of the support process, recorded through the services
(so every step has its status-change rows), including the Okafor-Lane family from JOURNEYS.md and a birth mother
referred for CAFIS birth parent support. Idempotent: a family (or person) that exists is left alone."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.demo import DemoContext
from organisations.models import Authority, User

from .models import Child, Household, Person, ServiceType
from .models.notices import NoticeStatus
from .services.assessments import assessment_approve, assessment_start, assessment_submit, assessment_update
from .services.decisions import decision_approve, decision_record, decision_return
from .services.families import child_create, child_link_case_system, household_create, legal_order_add
from .services.notices import notice_end_window, notice_issue, notice_record_response
from .services.people import person_create
from .services.plans import outcome_measure_add, plan_activate, plan_create, planned_service_add
from .services.requests import request_create, request_withdraw
from .services.reviews import review_complete

# Stages a demo request is taken to, in process order.
STAGES = (
    "received", "withdrawn", "assessing", "urgent_support", "assessment_submitted", "assessment_approved",
    "notice_open", "window_passed", "notice_answered", "decision_submitted", "decision_returned", "decided",
    "not_provided", "plan_draft", "plan_in_place", "plan_ended",
)
# How many days before today each stage's request was received, so every step lands on or before today.
RECEIVED_DAYS_AGO = {
    "received": 3, "withdrawn": 20, "assessing": 12, "urgent_support": 9, "assessment_submitted": 26,
    "assessment_approved": 110, "notice_open": 47, "window_passed": 58, "notice_answered": 33,
    "decision_submitted": 40, "decision_returned": 42, "decided": 45, "not_provided": 70,
    "plan_draft": 50, "plan_in_place": 120, "plan_ended": 400,
}


@dataclass(frozen=True)
class Family:
    authority: str
    family_name: str
    carer: str
    child: str
    born: date
    order_kind: str
    order_date: date
    placing: str | None
    lives_in: str
    moved_in: date
    stage: str
    urgent: bool = False
    town: str = "Maidstone"
    postcode: str = "ME14 1AA"


FAMILIES = [
    # Kent (JOURNEYS.md: the Okafor-Lane family live in Medway; their son was adopted from Kent's care on
    # 12 March 2024, so Kent is responsible until 12 March 2027).
    Family("kent", "Okafor-Lane", "Chidi Okafor-Lane", "Daniel", date(2017, 9, 3), "adoption", date(2024, 3, 12),
           "kent", "medway", date(2022, 6, 1), "plan_in_place", town="Chatham", postcode="ME4 4TB"),
    Family("kent", "Hughes", "Rachel Hughes", "Ellie", date(2016, 2, 11), "adoption", date(2019, 5, 20), "kent",
           "kent", date(2018, 1, 10), "received"),
    Family("kent", "Patel", "Anita Patel", "Ravi", date(2015, 6, 30), "adoption", date(2020, 10, 2), "kent", "kent",
           date(2019, 3, 1), "assessing", town="Ashford", postcode="TN23 1AA"),
    Family("kent", "Wright", "Sarah Wright", "Jack", date(2014, 12, 1), "special_guardianship", date(2021, 4, 14),
           "kent", "kent", date(2015, 8, 1), "assessment_submitted", town="Canterbury", postcode="CT1 2AA"),
    Family("kent", "Clarke", "Helen Clarke", "Mia", date(2013, 3, 22), "adoption", date(2017, 7, 7), "kent", "kent",
           date(2016, 9, 1), "notice_open", town="Dover", postcode="CT16 1AA"),
    Family("kent", "Begum", "Nasreen Begum", "Zara", date(2012, 8, 15), "adoption", date(2016, 11, 3), "kent", "kent",
           date(2016, 1, 1), "decision_submitted", town="Folkestone", postcode="CT20 1AA"),
    Family("kent", "Foster", "Kate Foster", "Jacob", date(2013, 5, 14), "adoption", date(2017, 3, 30), "kent",
           "kent", date(2016, 2, 2), "decision_returned", town="Deal", postcode="CT14 6AA"),
    Family("kent", "Bennett", "Joe Bennett", "Amelia", date(2014, 9, 21), "adoption", date(2018, 1, 18), "kent",
           "kent", date(2017, 3, 3), "notice_answered", town="Herne Bay", postcode="CT6 5AA"),
    Family("kent", "Evans", "Gareth Evans", "Tom", date(2011, 4, 4), "adoption", date(2015, 2, 26), "kent", "kent",
           date(2014, 6, 1), "decided", town="Margate", postcode="CT9 1AA"),
    Family("kent", "Murphy", "Siobhan Murphy", "Liam", date(2013, 10, 9), "adoption", date(2018, 8, 8), "kent", "kent",
           date(2017, 2, 1), "urgent_support", urgent=True, town="Gravesend", postcode="DA11 0AA"),
    Family("kent", "Turner", "Paul Turner", "Grace", date(2010, 1, 19), "child_arrangements", date(2014, 3, 3),
           "kent", "kent", date(2013, 1, 1), "not_provided", town="Sevenoaks", postcode="TN13 1AA"),
    Family("kent", "Cooper", "Lisa Cooper", "Noah", date(2015, 7, 7), "adoption", date(2019, 9, 9), "kent", "kent",
           date(2018, 5, 5), "withdrawn", town="Tonbridge", postcode="TN9 1AA"),
    Family("kent", "Ahmed", "Yusuf Ahmed", "Sara", date(2009, 5, 5), "adoption", date(2013, 6, 6), "kent", "kent",
           date(2012, 1, 1), "plan_ended", town="Dartford", postcode="DA1 1AA"),
    Family("kent", "Shaw", "Megan Shaw", "Oscar", date(2016, 8, 2), "adoption", date(2021, 1, 12), "kent", "kent",
           date(2019, 4, 4), "plan_draft", town="Whitstable", postcode="CT5 1AA"),
    # Medway: one placed by Bexley more than three years ago (Medway now responsible: the family lives there).
    Family("medway", "Shah", "Priti Shah", "Arjun", date(2014, 4, 4), "adoption", date(2019, 2, 2), "bexley",
           "medway", date(2018, 6, 1), "received", town="Rochester", postcode="ME1 1AA"),
    Family("medway", "Lewis", "Dawn Lewis", "Kai", date(2015, 9, 9), "adoption", date(2020, 3, 3), "medway",
           "medway", date(2019, 9, 9), "assessing", town="Gillingham", postcode="ME7 1AA"),
    Family("medway", "Walker", "Joanne Walker", "Lily", date(2012, 12, 12), "special_guardianship",
           date(2018, 12, 1), "medway", "medway", date(2012, 12, 30), "notice_open", town="Strood",
           postcode="ME2 4AA"),
    Family("medway", "Price", "Owen Price", "Erin", date(2012, 10, 10), "adoption", date(2016, 8, 8), "medway",
           "medway", date(2016, 1, 1), "window_passed", town="Chatham", postcode="ME4 6AA"),
    Family("medway", "Green", "Martin Green", "Harvey", date(2011, 11, 11), "adoption", date(2016, 6, 16), "medway",
           "medway", date(2015, 5, 5), "plan_in_place", town="Chatham", postcode="ME5 7AA"),
    Family("medway", "Hall", "Kerry Hall", "Poppy", date(2014, 2, 2), "adoption", date(2019, 7, 1), "medway",
           "medway", date(2018, 8, 8), "assessment_approved", town="Rainham", postcode="ME8 7AA"),
    # Bexley
    Family("bexley", "Adeyemi", "Tunde Adeyemi", "Ayo", date(2016, 6, 6), "adoption", date(2020, 11, 20), "bexley",
           "bexley", date(2019, 10, 1), "received", town="Bexleyheath", postcode="DA6 7AA"),
    Family("bexley", "Baker", "Claire Baker", "Freddie", date(2013, 7, 17), "adoption", date(2017, 10, 10), "bexley",
           "bexley", date(2016, 3, 3), "assessment_submitted", town="Sidcup", postcode="DA14 6AA"),
    Family("bexley", "King", "Andrew King", "Isla", date(2012, 5, 25), "special_guardianship", date(2016, 2, 2),
           "bexley", "bexley", date(2012, 6, 1), "plan_in_place", town="Welling", postcode="DA16 1AA"),
    Family("bexley", "Scott", "Fiona Scott", "Leo", date(2014, 1, 30), "adoption", date(2018, 4, 4), "bexley",
           "bexley", date(2017, 7, 7), "urgent_support", urgent=True, town="Erith", postcode="DA8 1AA"),
    Family("bexley", "Young", "Emma Young", "Ruby", date(2011, 3, 3), "adoption", date(2015, 9, 9), "bexley",
           "bexley", date(2014, 4, 4), "not_provided", town="Crayford", postcode="DA1 4AA"),
]

# More Kent families waiting for assessment, so the team caseload has more than one page.
EXTRA_KENT = ["Abbott", "Barker", "Chapman", "Dixon", "Ellis", "Fletcher", "Gibson", "Harper", "Irwin", "Jarvis",
              "Kemp", "Lowe", "Mason", "Nash", "Osborne", "Palmer", "Quinn", "Reid"]
FIRST_NAMES = ["Alfie", "Bella", "Charlie", "Daisy", "Ethan", "Freya", "George", "Hannah", "Isaac", "Jessica"]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _walk(*, family: Family, child: Any, sw: User, tm: User, today: date) -> None:
    """Take a new request for `child` to the family's stage, one service call per step."""
    stage = family.stage
    d = today - timedelta(days=RECEIVED_DAYS_AGO[stage])
    request = request_create(by=sw, now=_at(d), child=child, received_date=d, requester="adoptive_parent",
                             urgent=family.urgent,
                             summary=f"{family.carer} asks for help with {child.first_name}'s behaviour at "
                                     "home and at school, and with understanding their early life.")
    if stage == "received":
        return
    if stage == "withdrawn":
        request_withdraw(request=request, reason="The family found support through school", by=sw,
                         now=_at(d + timedelta(days=5)))
        return
    if family.urgent:
        interim = plan_create(request=request, by=sw, now=_at(d + timedelta(days=1)),
                              start_date=d + timedelta(days=1), interim=True,
                              likely_needs="Crisis support while the assessment is done")
        planned_service_add(plan=interim, by=sw, now=_at(d + timedelta(days=1)),
                            service_type=ServiceType.objects.get(code="therapeutic-parenting"),
                            frequency="Twice weekly for 4 weeks", estimated_cost=Decimal("800.00"))
        plan_activate(plan=interim, by=sw, now=_at(d + timedelta(days=1)))
    assessment = assessment_start(request=request, by=sw, now=_at(d + timedelta(days=2)),
                                  started_date=d + timedelta(days=2))
    assessment_update(
        assessment=assessment, by=sw, now=_at(d + timedelta(days=8)),
        needs_of_person=f"{child.first_name} struggles to regulate emotions and to trust adults.",
        needs_of_family="The parents need strategies for therapeutic parenting and some respite.",
        child_developmental_needs="Developmental trauma from early neglect; speech slightly delayed.",
        parenting_capacity="Warm, committed parents; exhausted by repeated crises.",
        wider_family_environment="Grandparents nearby and supportive; school engaged.",
        placement_circumstances="Removed at 18 months after neglect; placed for adoption at 3.",
        previous_assessments="None since the adoption order.",
        summary_of_needs="Therapeutic support for attachment and trauma, with a specialist assessment first.",
        recommended_services="Specialist assessment; Dyadic Developmental Psychotherapy.",
    )
    if stage in ("assessing", "urgent_support"):
        return
    assessment_submit(assessment=assessment, by=sw, now=_at(d + timedelta(days=20)))
    if stage == "assessment_submitted":
        return
    assessment_approve(assessment=assessment, by=tm, now=_at(d + timedelta(days=22)))
    if stage == "assessment_approved":
        return
    notice = notice_issue(
        request=request, by=sw, now=_at(d + timedelta(days=23)), issued_date=d + timedelta(days=23),
        statement_of_needs=assessment.summary_of_needs or "Therapeutic support",
        proposed_services="Specialist assessment, then Dyadic Developmental Psychotherapy",
        proposes_support=stage != "not_provided")
    if stage in ("notice_open", "window_passed"):
        return
    if stage == "not_provided":
        decided = notice.window_end_date + timedelta(days=1)
        notice_end_window(notice=notice, by=None, now=_at(decided))
    else:
        decided = d + timedelta(days=30)
        notice_record_response(notice=notice, response=NoticeStatus.PERSON_SATISFIED, response_date=decided,
                               by=sw, now=_at(decided))
    if stage == "notice_answered":
        return
    decision = decision_record(
        notice=notice, by=sw, now=_at(decided), decided_date=decided,
        outcome="not_provide" if stage == "not_provided" else "provide",
        reasons=("Needs are met by the school's support and the core offer" if stage == "not_provided"
                 else "Assessed needs call for therapeutic support the family cannot get elsewhere"))
    if stage == "decision_submitted":
        return
    if stage == "decision_returned":
        decision_return(decision=decision, by=tm, now=_at(decided + timedelta(days=1)),
                        reason="Say which representations were considered")
        return
    decision_approve(decision=decision, by=tm, now=_at(decided + timedelta(days=1)))
    if stage in ("decided", "not_provided"):
        return
    start = decided + timedelta(days=5)
    review = (today + timedelta(days=6)) if stage == "plan_in_place" else start + timedelta(days=182)
    plan = plan_create(
        request=request, by=sw, now=_at(start), start_date=start, first_review_date=review,
        emotional_behavioural=f"Help {child.first_name} to manage big feelings at home and at school.",
        identity="Life story work when the therapist advises.",
        education="School to use the therapist's strategies; designated teacher involved.",
        contact="Letterbox contact with birth mother twice a year continues.",
        likely_needs="Further therapy likely at adolescence.")
    planned_service_add(plan=plan, by=sw, now=_at(start),
                        service_type=ServiceType.objects.get(code="specialist-assessment"),
                        frequency="Once", estimated_cost=Decimal("2500.00"))
    planned_service_add(plan=plan, by=sw, now=_at(start), service_type=ServiceType.objects.get(code="ddp"),
                        frequency="Fortnightly for 6 months", estimated_cost=Decimal("500.00"))
    planned_service_add(plan=plan, by=sw, now=_at(start),
                        service_type=ServiceType.objects.get(code="support-groups"),
                        frequency="Monthly", estimated_cost=Decimal("0.00"), signposted=True,
                        provider_note="Adoption UK local group")
    outcome_measure_add(plan=plan, by=sw, now=_at(start), name="SDQ total difficulties",
                        baseline_score=Decimal("24"), baseline_date=d + timedelta(days=8),
                        target_score=Decimal("16"))
    if stage == "plan_draft":
        return
    plan = plan_activate(plan=plan, by=sw, now=_at(start))
    if stage == "plan_ended":
        first = plan.reviews.get()
        measure = plan.measures.get()
        review_complete(review=first, completed_date=start + timedelta(days=182), outcome="continue",
                        by=sw, now=_at(start + timedelta(days=182)), scores={measure.pk: Decimal("19")})
        second = plan.reviews.filter(status="due").get()
        review_complete(review=second, completed_date=start + timedelta(days=330), outcome="end",
                        notes="Goals met: SDQ within the normal range", by=sw,
                        now=_at(start + timedelta(days=330)), scores={measure.pk: Decimal("14")})


def case_system_id(family: Family) -> str:
    """The demo child's person id in its placing authority's case system (stable: from the family's name)."""
    return str(1_000_000 + zlib.crc32(family.family_name.encode()) % 9_000_000)


def extra_kent_families() -> list[Family]:
    return [Family("kent", name, f"{FIRST_NAMES[index % 10]} {name}", FIRST_NAMES[(index + 3) % 10],
                   date(2012 + index % 6, 1 + index % 12, 1 + index), "adoption",
                   date(2019 + index % 4, 1 + (index * 5) % 12, 10), "kent", "kent", date(2018, 1, 1),
                   "received" if index % 2 else "assessing")
            for index, name in enumerate(EXTRA_KENT)]


def _link(family: Family, authorities: dict[str, Authority], users: dict[str, User]) -> None:
    """Give the demo child its case-system id (families seeded before ids existed get theirs too)."""
    child = Child.objects.filter(household__family_name=family.family_name, case_system_id="").first()
    if child is not None:
        child_link_case_system(child=child, by=users[f"{family.authority}.social_worker"],
                               case_system_id=case_system_id(family),
                               authority=authorities[family.placing or family.authority])


def _family(ctx: DemoContext, family: Family, authorities: dict[str, Authority], users: dict[str, User]) -> Any:
    if Household.objects.filter(family_name=family.family_name).exists():
        _link(family, authorities, users)
        return None
    sw, tm = users[f"{family.authority}.social_worker"], users[f"{family.authority}.team_manager"]
    now = _at(ctx.today)
    household = household_create(
        by=sw, now=now, family_name=family.family_name, carer_one_name=family.carer,
        arrangement={"special_guardianship": "special_guardianship",
                     "child_arrangements": "child_arrangements"}.get(family.order_kind, "adoption"),
        address_line_1=f"{len(family.family_name) * 3} Station Road", town=family.town, postcode=family.postcode,
        residence_authority=authorities[family.lives_in], residence_from_date=family.moved_in)
    child = child_create(household=household, by=sw, now=now, first_name=family.child,
                         last_name=family.family_name, date_of_birth=family.born,
                         ehc_plan_start_date=date(2022, 9, 1) if family.born.year <= 2012 else None)
    if family.order_kind in ("adoption", "special_guardianship"):
        legal_order_add(child=child, by=sw, now=now, kind="placement",
                        order_date=max(family.born + timedelta(days=400),
                                       family.order_date - timedelta(days=300)),
                        placing_authority=authorities[family.placing or family.authority])
    legal_order_add(child=child, by=sw, now=now, kind=family.order_kind, order_date=family.order_date,
                    placing_authority=authorities[family.placing] if family.placing else None)
    child.refresh_from_db()
    _walk(family=family, child=child, sw=sw, tm=tm, today=ctx.today)
    _link(family, authorities, users)
    ctx.count("support families", True)
    return child


def seed(ctx: DemoContext) -> None:
    authorities = {a.short_code: a for a in Authority.objects.filter(short_code__in=["kent", "medway", "bexley"])}
    users = {u.username: u for u in User.objects.filter(username__contains=".")}
    needed = [f"{a}.{r}" for a in ("kent", "medway", "bexley") for r in ("social_worker", "team_manager")]
    if len(authorities) < 3 or any(name not in users for name in needed):
        ctx.say("Support demo skipped: the Kent, Medway and Bexley users are missing.")
        return
    children = {}
    for family in FAMILIES:
        children[family.family_name] = _family(ctx, family, authorities, users)

    for extra in extra_kent_families():
        _family(ctx, extra, authorities, users)

    # The birth mother of the Okafor-Lane family's son, referred for independent birth parent support (CAFIS).
    kent, sw = authorities["kent"], users["kent.social_worker"]
    if not Person.objects.filter(first_name="Stacey", last_name="Marsh", authority=kent).exists():
        daniel = children.get("Okafor-Lane") or Household.objects.get(family_name="Okafor-Lane").children.first()
        mother = person_create(by=sw, now=_at(ctx.today), kind="birth_parent", first_name="Stacey",
                               last_name="Marsh", authority=kent, related_child=daniel,
                               notes="Asked for support after the adoption order; agreed to a referral.")
        received = ctx.today - timedelta(days=2)
        request_create(by=sw, now=_at(received), person=mother, received_date=received,
                       requester="birth_parent",
                       summary="Independent birth parent support and counselling (Barnardo's CAFIS)")
        ctx.count("support people", True)
    ctx.say(f"Support: {Household.objects.count()} families in the demo.")
