"""The home page per role: each count is right for the signed-in user, links to the list behind it, and counts
nothing from another authority; the charts come with their data tables; the panels cost a fixed number of queries
whatever the data."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from moneyed import Money

from claims.models.applications import Status
from contracts.services.runs import run_approve, run_calculate, run_create
from core.home import panels_for
from organisations.models import Role
from support.models.assessments import ApprovalStatus
from support.models.requests import RequestStage
from tests.factories import (
    AuthorityFactory,
    PartnershipFactory,
    PartnershipUserFactory,
    ProviderFactory,
    ProviderUserFactory,
    UserFactory,
)
from tests.factories_claims import build, world
from tests.factories_commissioning import RequestedSpotPurchaseFactory, SentReferralFactory, live_contract
from tests.factories_contracts import NOW, ActiveContractFactory, KpiFactory, KpiReturnFactory, UsageRecordFactory
from tests.factories_support import (
    ApprovedAssessmentFactory,
    ChildFactory,
    DraftAssessmentFactory,
    OpenNoticeFactory,
    SubmittedAssessmentFactory,
    SupportRequestFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def panel(user, key: str, *, today: date) -> dict:  # type: ignore[no-untyped-def]
    found = [p for p in panels_for(user, today=today) if p.get("key") == key]
    assert len(found) == 1, f"no {key} panel for {user.role}"
    return found[0]


def counts(user, key: str, *, today: date) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {c["key"]: c["count"] for c in panel(user, key, today=today)["counts"] if "key" in c}


def panel_queries(user, *, today: date) -> int:  # type: ignore[no-untyped-def]
    """Queries to build the user's panels, for the user as a request loads them (once warmed up: the first call
    also reads what is cached for the process)."""
    panels_for(type(user).objects.get(pk=user.pk), today=today)
    with CaptureQueriesContext(connection) as captured:
        panels_for(type(user).objects.get(pk=user.pk), today=today)
    return len(captured.captured_queries) - 1


# ---------------------------------------------------------------------------------------------------- support


def notice_case(authority, worker, *, window_end: date, today: date):  # type: ignore[no-untyped-def]
    """A request allocated to `worker` with a notice of proposal whose representations window ends on `window_end`."""
    child = ChildFactory(household__responsible_authority=authority)
    request = SupportRequestFactory(child=child, stage=RequestStage.NOTICE_ISSUED, allocated_worker=worker,
                                    received_date=today - timedelta(days=60))
    assessment = ApprovedAssessmentFactory(request=request, started_date=today - timedelta(days=60))
    return OpenNoticeFactory(assessment=assessment, request=request, issued_date=window_end - timedelta(days=28),
                             window_end_date=window_end)


@pytest.fixture
def casework():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    kent, medway = AuthorityFactory(name="Kent"), AuthorityFactory(name="Medway")
    worker = UserFactory(authority=kent, role=Role.SOCIAL_WORKER)
    colleague = UserFactory(authority=kent, role=Role.SOCIAL_WORKER)
    manager = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
    medway_worker = UserFactory(authority=medway, role=Role.SOCIAL_WORKER)
    medway_manager = UserFactory(authority=medway, role=Role.TEAM_MANAGER)
    notice_case(kent, worker, window_end=today + timedelta(days=5), today=today)  # due soon, mine
    notice_case(kent, worker, window_end=today - timedelta(days=12), today=today)  # overdue, mine
    notice_case(kent, colleague, window_end=today - timedelta(days=12), today=today)  # overdue, the team's
    notice_case(medway, medway_worker, window_end=today - timedelta(days=12), today=today)  # another authority
    notice_case(medway, medway_worker, window_end=today + timedelta(days=3), today=today)
    # a step waiting for the worker: an assessment the manager returned
    returned = SupportRequestFactory(child=ChildFactory(household__responsible_authority=kent),
                                     stage=RequestStage.ASSESSING, allocated_worker=worker, received_date=today)
    DraftAssessmentFactory(request=returned, author=worker, status=ApprovalStatus.RETURNED)
    medway_returned = SupportRequestFactory(child=ChildFactory(household__responsible_authority=medway),
                                            stage=RequestStage.ASSESSING, allocated_worker=medway_worker)
    DraftAssessmentFactory(request=medway_returned, author=medway_worker, status=ApprovalStatus.RETURNED)
    # waiting for a manager's approval: one by the worker, one by the manager (never their own), one in Medway
    SubmittedAssessmentFactory(request__child__household__responsible_authority=kent, author=worker)
    SubmittedAssessmentFactory(request__child__household__responsible_authority=kent, author=manager)
    SubmittedAssessmentFactory(request__child__household__responsible_authority=medway, author=medway_worker)
    return {"today": today, "worker": worker, "manager": manager, "medway_manager": medway_manager,
            "medway_worker": medway_worker}


class TestSocialWorkerHome:
    def test_counts_cases_due_soon_overdue_and_steps_waiting_for_them(self, casework):  # type: ignore[no-untyped-def]
        got = counts(casework["worker"], "support", today=casework["today"])
        assert got["due_soon"] == 1
        assert got["overdue"] == 1
        assert got["awaiting_me"] == 1
        assert got["open_mine"] == 3

    def test_each_count_links_to_the_list_behind_it(self, casework, client):  # type: ignore[no-untyped-def]
        items = panel(casework["worker"], "support", today=casework["today"])["counts"]
        links = {item["key"]: item["url"] for item in items}
        assert links["due_soon"] == reverse("support:due_soon") + "?mine=1"
        assert links["awaiting_me"] == reverse("support:caseload")
        signed_in(client, casework["worker"])
        for url in links.values():
            assert client.get(url).status_code == 200

    def test_another_authoritys_deadlines_never_count(self, casework):  # type: ignore[no-untyped-def]
        got = counts(casework["medway_worker"], "support", today=casework["today"])
        assert (got["due_soon"], got["overdue"], got["awaiting_me"]) == (1, 1, 1)


class TestTeamManagerHome:
    def test_counts_approvals_waiting_but_not_their_own_and_the_teams_overdue_deadlines(  # type: ignore[no-untyped-def]
            self, casework):
        got = counts(casework["manager"], "support", today=casework["today"])
        assert got["awaiting_me"] == 1
        assert got["overdue"] == 2

    def test_another_authoritys_manager_sees_only_their_own(self, casework):  # type: ignore[no-untyped-def]
        got = counts(casework["medway_manager"], "support", today=casework["today"])
        assert got["awaiting_me"] == 1
        assert got["overdue"] == 1

    def test_the_page_shows_the_counts_as_links(self, casework, client):  # type: ignore[no-untyped-def]
        body = signed_in(client, casework["manager"]).get(reverse("home")).content.decode()
        assert f'href="{reverse("support:approvals")}"' in body
        assert "1</strong> assessment or decision waiting for your approval" in body  # one: singular


# ---------------------------------------------------------------------------------------------------- claims

CLAIMS_TODAY = date(2025, 6, 2)  # in 2025-26, the financial year of the applications `build` makes


@pytest.fixture
def claims_world():  # type: ignore[no-untyped-def]
    kent, medway = world(short_code="kent"), world(short_code="medway")
    apps = {}
    for state in (Status.AWAITING_MANAGER, Status.READY, Status.SUBMITTED, Status.APPROVED):
        child, assessment = kent.new_child()
        apps[state] = build(kent, state, child=child, assessment_record=assessment, therapy="1200.00")
    for state in (Status.AWAITING_MANAGER, Status.SUBMITTED, Status.APPROVED):
        child, assessment = medway.new_child()
        build(medway, state, child=child, assessment_record=assessment, therapy="900.00")
    return kent, medway, apps


class TestClaimsPanels:
    def test_the_manager_sees_applications_awaiting_their_approval(self, claims_world):  # type: ignore[no-untyped-def]
        kent, _, _ = claims_world
        got = counts(kent.manager, "claims", today=CLAIMS_TODAY)
        assert got["awaiting_approval"] == 1
        assert got["ready"] == 1

    def test_the_finance_officer_sees_what_to_submit_chase_and_match(self, claims_world):  # type: ignore[no-untyped-def]
        kent, _, _ = claims_world
        got = counts(kent.finance, "claims", today=CLAIMS_TODAY)
        assert got == {"ready": 1, "awaiting_decision": 1, "overdue": 0, "awaiting_funds": 1, "invoices": 0}

    def test_the_fund_chart_has_its_table_and_only_the_users_authority(self, claims_world):  # type: ignore[no-untyped-def]
        kent, _, apps = claims_world
        fund = panel(kent.finance, "fund", today=CLAIMS_TODAY)
        assert fund["title"] == "The Adoption Support Fund, 2025-26"
        figure = fund["figures"][0]
        rows = figure["table"]["rows"]
        assert [row[0] for row in rows] == ["Kent Council"]
        asked = apps[Status.SUBMITTED].estimated_fund + apps[Status.APPROVED].estimated_fund
        approved = apps[Status.APPROVED].approved_fund
        assert rows[0][1] == f"£{asked.amount:,.2f}"
        assert rows[0][2] == f"£{approved.amount:,.2f}"
        assert [bar["label"] for bar in figure["chart"]["bars"]] == ["asked", "approved", "received", "paid out"]

    def test_a_manager_sees_the_fund_panel_and_a_social_worker_does_not(self, claims_world):  # type: ignore[no-untyped-def]
        kent, _, _ = claims_world
        assert panel(kent.manager, "fund", today=CLAIMS_TODAY)
        assert not [p for p in panels_for(kent.social_worker, today=CLAIMS_TODAY) if p.get("key") == "fund"]

    def test_the_panels_cost_the_same_queries_whatever_the_number_of_applications(  # type: ignore[no-untyped-def]
            self, claims_world):
        kent, _, _ = claims_world
        before = panel_queries(kent.finance, today=CLAIMS_TODAY)
        for state in (Status.SUBMITTED, Status.APPROVED, Status.READY):
            child, assessment = kent.new_child()
            build(kent, state, child=child, assessment_record=assessment)
        assert panel_queries(kent.finance, today=CLAIMS_TODAY) == before


# ---------------------------------------------------------------------------------------------------- contracts


@pytest.fixture
def contracts_world():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    PartnershipFactory(members=[kent, medway, bexley])
    ending = ActiveContractFactory(reference="KENT-ENDING", lead_authority=kent, parties=[medway],
                                   start_date=date(2020, 4, 1), end_date=today + timedelta(days=60),
                                   total_value=Money("10000.00", "GBP"), capacity_per_year=50)
    long = ActiveContractFactory(reference="KENT-LONG", lead_authority=kent, start_date=date(2020, 4, 1),
                                 end_date=today + timedelta(days=900), total_value=Money("5000.00", "GBP"))
    bexley_only = ActiveContractFactory(reference="BEX-ONLY", lead_authority=bexley, start_date=date(2020, 4, 1),
                                        end_date=today + timedelta(days=30))
    for contract in (ending, long, bexley_only):
        KpiFactory(contract=contract, name=f"Contact within 5 days {contract.reference}")
    from contracts.selectors import last_completed_quarter

    year, quarter = last_completed_quarter(today)
    KpiReturnFactory(kpi=long.kpis.get(), financial_year=year, quarter=quarter, value=Decimal(95))
    UsageRecordFactory(contract=ending, authority=kent, usage_date=today, measure="spend",
                       quantity=Decimal("2500.00"))
    for authority, count in ((kent, 30), (medway, 10)):
        UsageRecordFactory(contract=ending, authority=authority, usage_date=today, measure="referrals",
                           quantity=Decimal(count))
    lead = UserFactory(authority=kent, role=Role.LEAD_COMMISSIONER)
    finance = UserFactory(authority=kent, role=Role.FINANCE_OFFICER)
    bexley_finance = UserFactory(authority=bexley, role=Role.FINANCE_OFFICER)

    def run(title: str):  # type: ignore[no-untyped-def]
        created = run_create(
            contract=ending, title=title, total_cost=Money("1000.00", "GBP"), cost_start_date=today,
            cost_end_date=today, basis="referrals", usage_start_date=today - timedelta(days=1),
            usage_end_date=today, by=lead, now=NOW)
        return run_calculate(run=created, by=lead, now=NOW)

    approved = run_approve(run=run("Approved split"), by=finance, now=NOW)
    run("Waiting split")
    return {"today": today, "lead": lead, "finance": finance, "bexley_finance": bexley_finance,
            "approved": approved, "partnership_lead": PartnershipUserFactory(role=Role.LEAD_COMMISSIONER)}


class TestContractsPanels:
    def test_the_lead_commissioner_sees_endings_returns_due_and_runs_waiting(  # type: ignore[no-untyped-def]
            self, contracts_world):
        got = counts(contracts_world["lead"], "contracts", today=contracts_world["today"])
        assert got["ending_soon"] == 1
        assert got["returns_due"] == 1
        assert got["runs_calculated"] == 1

    def test_the_finance_officer_also_sees_approved_runs_to_recharge(self, contracts_world):  # type: ignore[no-untyped-def]
        got = counts(contracts_world["finance"], "contracts", today=contracts_world["today"])
        assert got["runs_calculated"] == 1 and got["runs_approved"] == 1

    def test_another_authority_sees_only_its_own_contracts(self, contracts_world):  # type: ignore[no-untyped-def]
        got = counts(contracts_world["bexley_finance"], "contracts", today=contracts_world["today"])
        assert got == {"ending_soon": 1, "returns_due": 1, "runs_calculated": 0, "runs_approved": 0}
        keys = [p.get("key") for p in panels_for(contracts_world["bexley_finance"], today=contracts_world["today"])]
        assert "apportionment" not in keys

    def test_spend_and_use_charts_come_with_their_tables(self, contracts_world):  # type: ignore[no-untyped-def]
        charts = panel(contracts_world["lead"], "contract_charts", today=contracts_world["today"])
        spend, use = charts["figures"]
        assert [row[0] for row in spend["table"]["rows"]] == ["KENT-ENDING", "KENT-LONG"]
        assert spend["table"]["rows"][0][1:4] == ["£10,000.00", "£2,500.00", "25%"]
        assert [bar["display"] for bar in spend["chart"]["bars"]] == ["25%", "0%"]
        assert use["table"]["rows"][0] == ["KENT-ENDING", "50", "40.00", "80%"]

    def test_the_latest_approved_split_by_authority(self, contracts_world):  # type: ignore[no-untyped-def]
        split = panel(contracts_world["finance"], "apportionment", today=contracts_world["today"])
        assert "Approved split" in split["intro"]
        rows = split["figures"][0]["table"]["rows"]
        assert rows == [["Kent", "30.00", "75%", "£750.00"], ["Medway", "10.00", "25%", "£250.00"]]
        assert [bar["display"] for bar in split["figures"][0]["chart"]["bars"]] == ["£750.00", "£250.00"]

    def test_the_page_draws_each_chart_beside_its_table_and_nothing_of_bexley(  # type: ignore[no-untyped-def]
            self, contracts_world, client):
        body = signed_in(client, contracts_world["lead"]).get(reverse("home")).content.decode()
        assert body.count("<svg") == body.count('<table class="govuk-table">') == 3
        assert "KENT-ENDING" in body and "BEX-ONLY" not in body

    def test_the_panels_cost_the_same_queries_whatever_the_number_of_contracts(  # type: ignore[no-untyped-def]
            self, contracts_world):
        user, today = contracts_world["lead"], contracts_world["today"]
        before = panel_queries(user, today=today)
        for n in range(3):
            contract = ActiveContractFactory(reference=f"KENT-MORE-{n}", lead_authority=user.authority,
                                             start_date=date(2020, 4, 1), end_date=today + timedelta(days=400))
            KpiReturnFactory(kpi=KpiFactory(contract=contract), financial_year=2021, quarter=1, value=Decimal(1))
        assert panel_queries(user, today=today) == before


# ---------------------------------------------------------------------------------------------------- providers


class TestProviderHome:
    def test_counts_referrals_waiting_for_their_response_and_none_of_another_provider(  # type: ignore[no-untyped-def]
            self):
        kent = AuthorityFactory()
        coram, other = ProviderFactory(name="Coram"), ProviderFactory(name="Other")
        for provider, sent in ((coram, 2), (other, 1)):
            contract = live_contract(provider=provider, lead=kent)
            for _ in range(sent):
                SentReferralFactory(contract=contract)
        staff = ProviderUserFactory(provider=coram)
        got = counts(staff, "provider", today=timezone.localdate())
        assert got["new"] == 2


class TestSpotPurchasesPanel:
    def test_the_manager_counts_spot_purchases_awaiting_approval_never_their_own_nor_another_authoritys(  # type: ignore[no-untyped-def]
            self):
        kent, medway = AuthorityFactory(), AuthorityFactory()
        manager = UserFactory(authority=kent, role=Role.TEAM_MANAGER)
        medway_manager = UserFactory(authority=medway, role=Role.TEAM_MANAGER)
        RequestedSpotPurchaseFactory(referral__authority=kent,
                                     referral__created_by=UserFactory(authority=kent, role=Role.SOCIAL_WORKER))
        RequestedSpotPurchaseFactory(referral__authority=kent, referral__created_by=manager)
        got = counts(manager, "referrals", today=timezone.localdate())
        assert got["spot_purchases"] == 1
        assert counts(medway_manager, "referrals", today=timezone.localdate())["spot_purchases"] == 0


class TestMonitoringQuarters:
    """Which quarter's monitoring return is due: the last one that ended before today (quarter 1 is April-June)."""

    @pytest.mark.parametrize(("today", "expected"), [
        (date(2026, 4, 1), (2025, 4)), (date(2026, 6, 30), (2025, 4)), (date(2026, 7, 1), (2026, 1)),
        (date(2026, 9, 30), (2026, 1)), (date(2026, 10, 1), (2026, 2)), (date(2026, 12, 31), (2026, 2)),
        (date(2027, 1, 1), (2026, 3)), (date(2027, 3, 31), (2026, 3)),
    ])
    def test_the_last_completed_quarter(self, today, expected):  # type: ignore[no-untyped-def]
        from contracts.selectors import last_completed_quarter

        assert last_completed_quarter(today) == expected

    @pytest.mark.parametrize(("quarter", "end"), [
        (1, date(2026, 6, 30)), (2, date(2026, 9, 30)), (3, date(2026, 12, 31)), (4, date(2027, 3, 31)),
    ])
    def test_each_quarter_ends_on_the_last_day_of_its_third_month(self, quarter, end):  # type: ignore[no-untyped-def]
        from contracts.selectors import quarter_end

        assert quarter_end(2026, quarter) == end
