"""commissioning.services on PostgreSQL: creating, routing, sending, answering and delivering referrals."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from moneyed import Money

from commissioning import selectors
from commissioning.models import (
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RouteType,
    SessionDelivered,
    SpotPurchase,
    SpotPurchaseStatus,
)
from commissioning.services import delivery, drafting, responses, spot_purchases
from commissioning.services.errors import (
    InvalidTransition,
    NoRoute,
    NotYourReferral,
    ReferralError,
    SpotPurchaseError,
)
from contracts.models import ProcurementRoute, UsageMeasure, UsageRecord
from organisations.models import Role
from tests.factories import AuthorityFactory, ProviderUserFactory, UserFactory
from tests.factories_commissioning import (
    NOW,
    TODAY,
    AcceptedReferralFactory,
    ActiveReferralFactory,
    DeclinedReferralFactory,
    DraftReferralFactory,
    RequestedSpotPurchaseFactory,
    SentReferralFactory,
    checked_provider,
    live_contract,
)
from tests.factories_support import PersonRequestFactory, PlannedServiceFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    coram = checked_provider(name="Coram")
    cafis = checked_provider(name="Barnardo's CAFIS")
    coram_contract = live_contract(provider=coram, lead=kent, parties=[medway], reference="KCC-PAS-01")
    cafis_contract = live_contract(
        provider=cafis, lead=kent, parties=[medway, bexley], reference="APSE-CAFIS",
        services=("birth-parent-support", "birth-relative-intermediary"),
    )
    return {
        "kent": kent, "medway": medway, "bexley": bexley, "coram": coram, "cafis": cafis,
        "coram_contract": coram_contract, "cafis_contract": cafis_contract,
        "worker": UserFactory(authority=kent, role=Role.SOCIAL_WORKER),
        "manager": UserFactory(authority=kent, role=Role.TEAM_MANAGER),
        "manager2": UserFactory(authority=kent, role=Role.TEAM_MANAGER),
        "coram_staff": ProviderUserFactory(provider=coram),
        "cafis_staff": ProviderUserFactory(provider=cafis),
    }


def planned(world, authority="kent"):  # type: ignore[no-untyped-def]
    return PlannedServiceFactory(plan__request__child__household__responsible_authority=world[authority])


def usage(referral_or_key: str) -> list[UsageRecord]:
    return list(UsageRecord.objects.filter(source_key__startswith=referral_or_key))


class TestCreate:
    def test_a_planned_service_is_routed_to_the_commissioned_provider(self, world):  # type: ignore[no-untyped-def]
        referral = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        assert referral.status == ReferralStatus.DRAFT
        assert referral.route_type == RouteType.CONTRACT
        assert referral.contract == world["coram_contract"]
        assert referral.provider == world["coram"]
        assert referral.authority == world["kent"]
        assert referral.routing_reason.startswith("Coram under KCC-PAS-01 (block contract) covers Dyadic")
        assert referral.routing_considered[0]["reference"] == "KCC-PAS-01"
        assert referral.routing_considered[0]["rank"] == 1
        change = ReferralStatusChange.objects.get(referral=referral)
        assert (change.from_status, change.to_status, change.changed_by) == ("", "draft", world["worker"])

    def test_a_request_about_a_birth_parent_goes_to_cafis_without_a_plan(self, world):  # type: ignore[no-untyped-def]
        request = PersonRequestFactory(person__authority=world["bexley"])
        referral = drafting.referral_create_from_request(
            support_request=request, service_type=world["cafis_contract"].elements.get().service_types.get(
                code="birth-parent-support"), by=world["worker"], now=NOW,
        )
        assert referral.planned_service is None
        assert referral.provider == world["cafis"]
        assert referral.authority == world["bexley"]

    def test_a_request_about_a_child_must_go_through_its_plan(self, world):  # type: ignore[no-untyped-def]
        request = SupportRequestFactory(child__household__responsible_authority=world["kent"])
        with pytest.raises(ReferralError, match="from its support plan"):
            drafting.referral_create_from_request(
                support_request=request, service_type=planned(world).service_type, by=world["worker"], now=NOW
            )
        assert not Referral.objects.exists()

    def test_a_signposted_service_is_not_referred(self, world):  # type: ignore[no-untyped-def]
        service = PlannedServiceFactory(
            signposted=True, plan__request__child__household__responsible_authority=world["kent"]
        )
        with pytest.raises(ReferralError, match="signposted"):
            drafting.referral_create_from_plan(planned_service=service, by=world["worker"], now=NOW)

    def test_a_planned_service_gets_one_live_referral(self, world):  # type: ignore[no-untyped-def]
        service = planned(world)
        first = drafting.referral_create_from_plan(planned_service=service, by=world["worker"], now=NOW)
        with pytest.raises(ReferralError, match=first.reference):
            drafting.referral_create_from_plan(planned_service=service, by=world["worker"], now=NOW)
        assert Referral.objects.count() == 1

    def test_an_authority_outside_every_contract_needs_a_spot_purchase(self, world):  # type: ignore[no-untyped-def]
        referral = drafting.referral_create_from_plan(
            planned_service=planned(world, "bexley"), by=world["worker"], now=NOW
        )
        assert referral.route_type == RouteType.NONE
        assert referral.provider is None
        assert "a spot purchase is needed" in referral.routing_reason
        assert any(row["why"] == "the authority is not a party" for row in referral.routing_considered)


class TestSend:
    def test_sending_sets_the_provider_and_a_response_date_ten_working_days_on(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        sent = drafting.referral_send(referral=referral, by=world["worker"], now=NOW)
        assert sent.status == ReferralStatus.SENT
        assert sent.sent_to == world["coram"]
        assert sent.sent_date == TODAY
        assert sent.response_due_date == date(2026, 12, 8)  # Tue 24 Nov + 10 working days
        assert sent.status_changes.last().to_status == "sent"

    def test_no_route_and_no_justification_is_refused_and_nothing_changes(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=None, authority=world["kent"])
        with pytest.raises(NoRoute, match="no contract covers it and it has no approved spot purchase"):
            drafting.referral_send(referral=referral, by=world["worker"], now=NOW)
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.DRAFT
        assert referral.sent_to is None and referral.sent_date is None
        assert not referral.status_changes.exists()

    def test_a_spot_purchase_waiting_for_approval_is_not_a_route(self, world):  # type: ignore[no-untyped-def]
        spot = RequestedSpotPurchaseFactory(referral__contract=None, referral__authority=world["kent"])
        with pytest.raises(NoRoute, match="waiting for a manager"):
            drafting.referral_send(referral=spot.referral, by=world["worker"], now=NOW)

    def test_a_contract_that_ended_since_routing_must_be_rerouted(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(NoRoute, match="re-route it first"):
            drafting.referral_send(referral=referral, by=world["worker"], now=at(date(2027, 4, 1)))
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT

    def test_sending_twice_is_refused(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(InvalidTransition, match="only a draft can be sent"):
            drafting.referral_send(referral=referral, by=world["worker"], now=NOW)


class TestAccept:
    def test_acceptance_records_one_referral_of_usage(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        responses.referral_accept(referral=referral, by=world["coram_staff"], now=NOW)
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.ACCEPTED
        assert referral.accepted_date == TODAY
        [record] = usage(f"commissioning.referral:{referral.pk}:")
        assert record.source_key == f"commissioning.referral:{referral.pk}:accepted"
        assert (record.measure, record.quantity, record.contract, record.authority, record.usage_date) == (
            UsageMeasure.REFERRALS, Decimal("1.00"), world["coram_contract"], world["kent"], TODAY,
        )

    def test_accepting_twice_is_refused_and_records_usage_once(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        responses.referral_accept(referral=referral, by=world["coram_staff"], now=NOW)
        with pytest.raises(InvalidTransition):
            responses.referral_accept(referral=referral, by=world["coram_staff"], now=NOW)
        assert len(usage(f"commissioning.referral:{referral.pk}:")) == 1

    def test_accepting_a_declined_referral_is_refused_and_nothing_changes(self, world):  # type: ignore[no-untyped-def]
        referral = DeclinedReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(InvalidTransition, match="was declined on 22 November 2026 and cannot be accepted"):
            responses.referral_accept(referral=referral, by=world["coram_staff"], now=NOW)
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.DECLINED
        assert referral.accepted_date is None
        assert not usage(f"commissioning.referral:{referral.pk}:")
        assert not referral.status_changes.exists()

    def test_another_providers_staff_cannot_accept(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(NotYourReferral):
            responses.referral_accept(referral=referral, by=world["cafis_staff"], now=NOW)
        with pytest.raises(NotYourReferral):
            responses.referral_accept(referral=referral, by=world["worker"], now=NOW)
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


class TestDecline:
    def test_a_decline_needs_a_reason(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(ReferralError, match="reason"):
            responses.referral_decline(referral=referral, by=world["coram_staff"], now=NOW, reason="  ")
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT

    def test_a_decline_offers_the_next_alternative_and_reroutes_past_the_decliner(self, world):  # type: ignore[no-untyped-def]
        other = checked_provider(name="Family Futures")
        call_off = live_contract(provider=other, lead=world["kent"], reference="FW-THERAPY-07",
                                 route=ProcurementRoute.FRAMEWORK_CALL_OFF)
        referral = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        assert referral.contract == world["coram_contract"]
        assert [row["reference"] for row in referral.routing_considered][:2] == ["KCC-PAS-01", "FW-THERAPY-07"]
        drafting.referral_send(referral=referral, by=world["worker"], now=NOW)
        result = responses.referral_decline(referral=referral, by=world["coram_staff"], now=NOW,
                                           reason="No clinician free until March")
        assert result.referral.status == ReferralStatus.DECLINED
        assert result.referral.decline_reason == "No clinician free until March"
        assert result.next_option is not None and result.next_option.option.contract_id == call_off.pk
        again = drafting.referral_reroute(referral=result.referral, by=world["worker"], now=NOW)
        assert again.status == ReferralStatus.DRAFT
        assert again.previous == result.referral
        assert again.contract == call_off
        assert again.planned_service == referral.planned_service
        with pytest.raises(ReferralError, match="already been re-routed"):
            drafting.referral_reroute(referral=result.referral, by=world["worker"], now=NOW)

    def test_with_no_alternative_the_next_step_is_a_spot_purchase(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        result = responses.referral_decline(referral=referral, by=world["coram_staff"], now=NOW, reason="Full")
        assert result.next_option is None
        again = drafting.referral_reroute(referral=result.referral, by=world["worker"], now=NOW)
        assert again.route_type == RouteType.NONE

    def test_a_draft_cannot_be_declined_by_anyone(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(NotYourReferral):
            responses.referral_decline(referral=referral, by=world["coram_staff"], now=NOW, reason="No")


class TestSessions:
    def test_the_first_session_starts_the_referral_and_records_usage_once(self, world):  # type: ignore[no-untyped-def]
        referral = AcceptedReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        session = delivery.referral_record_session(
            referral=referral, session_date=TODAY - timedelta(days=1), duration_minutes=90,
            by=world["coram_staff"], now=NOW,
        )
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.ACTIVE
        assert referral.first_session_date == TODAY - timedelta(days=1)
        records = {r.measure: r.quantity for r in usage(f"commissioning.session:{session.pk}")}
        assert records == {UsageMeasure.SESSIONS: Decimal("1.00"), UsageMeasure.HOURS: Decimal("1.50")}
        assert referral.status_changes.last().to_status == "active"

    def test_a_second_session_the_same_day_is_refused(self, world):  # type: ignore[no-untyped-def]
        referral = ActiveReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        delivery.referral_record_session(referral=referral, session_date=TODAY, by=world["coram_staff"], now=NOW)
        with pytest.raises(ReferralError, match="already recorded"):
            delivery.referral_record_session(referral=referral, session_date=TODAY, by=world["coram_staff"], now=NOW)
        assert SessionDelivered.objects.filter(referral=referral).count() == 1
        assert UsageRecord.objects.filter(measure=UsageMeasure.SESSIONS).count() == 1

    def test_a_session_in_the_future_is_refused(self, world):  # type: ignore[no-untyped-def]
        referral = ActiveReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(ReferralError, match="future"):
            delivery.referral_record_session(referral=referral, session_date=TODAY + timedelta(days=1),
                                             by=world["coram_staff"], now=NOW)

    def test_sessions_are_refused_on_a_referral_not_accepted(self, world):  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(InvalidTransition, match="accepted or active"):
            delivery.referral_record_session(referral=referral, session_date=TODAY, by=world["coram_staff"], now=NOW)
        assert not SessionDelivered.objects.exists()

    def test_complete_and_cancel(self, world):  # type: ignore[no-untyped-def]
        active = ActiveReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        done = delivery.referral_complete(referral=active, by=world["coram_staff"], now=NOW)
        assert (done.status, done.completed_date) == (ReferralStatus.COMPLETED, TODAY)
        with pytest.raises(InvalidTransition):
            delivery.referral_cancel(referral=done, by=world["worker"], now=NOW, reason="Oops")
        draft = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(ReferralError, match="reason"):
            delivery.referral_cancel(referral=draft, by=world["worker"], now=NOW, reason="")
        cancelled = delivery.referral_cancel(referral=draft, by=world["worker"], now=NOW, reason="Family moved")
        assert cancelled.status == ReferralStatus.CANCELLED


class TestCapacity:
    def test_a_full_block_contract_routes_to_the_next_one(self, world):  # type: ignore[no-untyped-def]
        full = live_contract(provider=checked_provider(name="Small Clinic"), lead=world["kent"], reference="AAA-1",
                             capacity=1)
        first = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        assert first.contract == world["coram_contract"]  # unlimited comes before limited
        world["coram_contract"].capacity_per_year = 1
        world["coram_contract"].save()
        drafting.referral_send(referral=first, by=world["worker"], now=NOW)  # a sent referral holds a place
        second = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        assert second.contract == full
        drafting.referral_send(referral=second, by=world["worker"], now=NOW)
        third = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        assert third.route_type == RouteType.NONE
        assert "capacity reached" in str(third.routing_considered)

    def test_capacity_counts_recorded_usage_in_the_contract_year(self, world):  # type: ignore[no-untyped-def]
        contract = world["coram_contract"]
        contract.capacity_per_year = 2
        contract.save()
        for n, day in enumerate([date(2026, 3, 31), date(2026, 4, 1), date(2026, 11, 1)]):
            UsageRecord.objects.create(contract=contract, authority=world["kent"], usage_date=day,
                                       measure=UsageMeasure.REFERRALS, quantity=1, source_key=f"t:{n}")
        options = [o for o in selectors.contract_options(on_date=TODAY) if o.contract_id == contract.pk]
        assert selectors.capacity_used(options=options, on_date=TODAY) == {contract.pk: 2}


class TestSpotPurchase:
    def referral(self, world):  # type: ignore[no-untyped-def]
        return drafting.referral_create_from_plan(planned_service=planned(world, "bexley"), by=world["worker"],
                                                  now=NOW)

    def test_needs_a_justification(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(SpotPurchaseError, match="justification"):
            spot_purchases.spot_purchase_request(referral=self.referral(world), provider=checked_provider(),
                                           justification=" ", estimated_cost=Money("900", "GBP"),
                                           by=world["worker"], now=NOW)
        assert not SpotPurchase.objects.exists()

    def test_needs_an_approved_provider_in_date(self, world):  # type: ignore[no-untyped-def]
        referral = self.referral(world)
        for provider, message in [(checked_provider(approved=False), "approved-provider list"),
                                  (checked_provider(valid_until=date(2026, 11, 23)), "lapsed on 24 November 2026")]:
            with pytest.raises(SpotPurchaseError, match=message):
                spot_purchases.spot_purchase_request(referral=referral, provider=provider, justification="Nearest",
                                               estimated_cost=Money("900", "GBP"), by=world["worker"], now=NOW)

    def test_not_for_a_referral_a_contract_covers(self, world):  # type: ignore[no-untyped-def]
        covered = drafting.referral_create_from_plan(planned_service=planned(world), by=world["worker"], now=NOW)
        with pytest.raises(SpotPurchaseError, match="not needed"):
            spot_purchases.spot_purchase_request(referral=covered, provider=checked_provider(), justification="x",
                                           estimated_cost=Money("900", "GBP"), by=world["worker"], now=NOW)

    def test_a_manager_who_did_not_ask_approves_and_the_referral_can_be_sent(self, world):  # type: ignore[no-untyped-def]
        referral = self.referral(world)
        provider = checked_provider(name="Bexley Therapy Ltd")
        spot = spot_purchases.spot_purchase_request(
            referral=referral, provider=provider, justification="No contract covers Bexley for DDP",
            estimated_cost=Money(Decimal("1800.005"), "GBP"), by=world["manager"], now=NOW,
        )
        assert spot.estimated_cost == Money(Decimal("1800.01"), "GBP")
        with pytest.raises(SpotPurchaseError, match="another manager"):
            spot_purchases.spot_purchase_approve(spot_purchase=spot, by=world["manager"], now=NOW)
        with pytest.raises(SpotPurchaseError, match="team manager"):
            spot_purchases.spot_purchase_approve(spot_purchase=spot, by=world["worker"], now=NOW)
        spot_purchases.spot_purchase_approve(spot_purchase=spot, by=world["manager2"], now=NOW)
        referral.refresh_from_db()
        assert (referral.route_type, referral.provider, referral.contract) == (RouteType.SPOT, provider, None)
        assert "No contract covers Bexley for DDP" in referral.routing_reason
        sent = drafting.referral_send(referral=referral, by=world["worker"], now=NOW)
        assert sent.sent_to == provider
        staff = ProviderUserFactory(provider=provider)
        responses.referral_accept(referral=sent, by=staff, now=NOW)
        assert not UsageRecord.objects.exists()  # no contract, no contract usage

    def test_the_database_refuses_a_decision_by_the_requester(self, world):  # type: ignore[no-untyped-def]
        spot = RequestedSpotPurchaseFactory(referral__authority=world["kent"])
        with pytest.raises(IntegrityError), transaction.atomic():
            SpotPurchase.objects.filter(pk=spot.pk).update(
                status=SpotPurchaseStatus.APPROVED, decided_by=spot.requested_by, decided_at=NOW
            )

    def test_a_refused_spot_purchase_can_be_asked_again(self, world):  # type: ignore[no-untyped-def]
        referral = self.referral(world)
        spot = spot_purchases.spot_purchase_request(referral=referral, provider=checked_provider(), justification="x",
                                              estimated_cost=Money("900", "GBP"), by=world["worker"], now=NOW)
        with pytest.raises(SpotPurchaseError, match="reason"):
            spot_purchases.spot_purchase_refuse(spot_purchase=spot, by=world["manager"], now=NOW, note="")
        spot_purchases.spot_purchase_refuse(spot_purchase=spot, by=world["manager"], now=NOW, note="Too dear")
        spot_purchases.spot_purchase_request(referral=referral, provider=checked_provider(), justification="y",
                                       estimated_cost=Money("700", "GBP"), by=world["worker"], now=NOW)
        assert referral.spot_purchases.count() == 2


class TestConstraints:
    def test_the_database_refuses_an_unknown_status(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(status="lost")

    def test_the_database_refuses_a_sent_referral_without_a_provider(self, world):  # type: ignore[no-untyped-def]
        referral = DraftReferralFactory(contract=world["coram_contract"], authority=world["kent"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.SENT)


class TestWaitingTimes:
    def test_days_to_accept_and_to_first_session_per_provider_and_contract(self, world):  # type: ignore[no-untyped-def]
        contract = world["coram_contract"]
        sent = date(2026, 10, 1)
        AcceptedReferralFactory(contract=contract, authority=world["kent"], sent_date=sent,
                                accepted_date=sent + timedelta(days=4))
        ActiveReferralFactory(contract=contract, authority=world["kent"], sent_date=sent,
                              accepted_date=sent + timedelta(days=10), first_session_date=sent + timedelta(days=30))
        SentReferralFactory(contract=contract, authority=world["kent"], sent_date=sent)
        SentReferralFactory(contract=contract, authority=world["medway"], sent_date=sent)  # another authority
        lead = UserFactory(authority=world["kent"], role=Role.LEAD_COMMISSIONER)
        [row] = selectors.waiting_times(user=lead, sent_from=date(2026, 9, 1), sent_to=date(2026, 11, 30))
        assert (row.provider, row.contract, row.referrals, row.accepted, row.waiting_now) == (
            "Coram", "KCC-PAS-01", 3, 2, 1)
        assert (row.median_days_to_accept, row.mean_days_to_accept) == (7.0, 7.0)
        assert (row.started, row.median_days_to_first_session) == (1, 20.0)
