"""Every commissioning URL pattern: the right role and scope get in; another authority, another provider and the
wrong roles do not. Provider pages show the minimum the service needs and nothing else of the family's record."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from moneyed import Money

from commissioning import urls as commissioning_urls
from commissioning.models import Referral, ReferralStatus, SessionDelivered, SpotPurchase
from contracts.models import UsageRecord
from organisations.models import Role
from tests.factories import (
    AuthorityFactory,
    PartnershipFactory,
    PartnershipUserFactory,
    ProviderUserFactory,
    UserFactory,
)
from tests.factories_commissioning import (
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
from tests.factories_support import ChildFactory, HouseholdFactory, PersonRequestFactory, PlannedServiceFactory
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db

SECRETS = ("1 Secret Lane", "SECRET PLAN TEXT", "SECRET REQUEST SUMMARY", "Siblingname", "2400", "OTHER-CONTRACT")


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway = AuthorityFactory(short_code="kent", name="Kent"), AuthorityFactory(short_code="medway",
                                                                                    name="Medway")
    coram, cafis = checked_provider(name="Coram"), checked_provider(name="Barnardo's CAFIS")
    contract = live_contract(provider=coram, lead=kent, parties=[medway], reference="KCC-PAS-01")
    live_contract(provider=cafis, lead=kent, reference="OTHER-CONTRACT", services=("ddp", "birth-parent-support"),
                  capacity=5)
    household = HouseholdFactory(responsible_authority=kent, address_line_1="1 Secret Lane", family_name="Okafor")
    child = ChildFactory(household=household, first_name="Amara")
    ChildFactory(household=household, first_name="Siblingname")

    def planned():  # type: ignore[no-untyped-def]
        return PlannedServiceFactory(
            plan__request__child=child, plan__request__summary="SECRET REQUEST SUMMARY",
            plan__emotional_behavioural="SECRET PLAN TEXT", estimated_cost=Money(Decimal("2400.00"), "GBP"),
        )

    def make(factory, **kw):  # type: ignore[no-untyped-def]
        referral = factory(planned_service=planned(), contract=contract, **kw)
        referral.routing_considered = [{"reference": "OTHER-CONTRACT", "provider_name": "Barnardo's CAFIS",
                                        "rank": 2, "route": "block contract", "eligible": True, "why": "eligible"}]
        referral.save(update_fields=["routing_considered"])
        return referral

    draft = make(DraftReferralFactory)
    unrouted = DraftReferralFactory(planned_service=planned(), contract=None)
    partnership = PartnershipFactory(members=[kent, medway])
    w = {
        "kent": kent, "medway": medway, "coram": coram, "cafis": cafis, "contract": contract,
        "draft": draft, "unrouted": unrouted,
        "sent": make(SentReferralFactory), "sent2": make(SentReferralFactory),
        "accepted": make(AcceptedReferralFactory), "active": make(ActiveReferralFactory),
        "declined": make(DeclinedReferralFactory),
        "planned": planned(),
        "person_request": PersonRequestFactory(person__authority=kent),
        "spot": RequestedSpotPurchaseFactory(referral=DraftReferralFactory(planned_service=planned(), contract=None)),
        "kent_sw": UserFactory(authority=kent, role=Role.SOCIAL_WORKER),
        "kent_tm": UserFactory(authority=kent, role=Role.TEAM_MANAGER),
        "kent_finance": UserFactory(authority=kent, role=Role.FINANCE_OFFICER),
        "medway_sw": UserFactory(authority=medway, role=Role.SOCIAL_WORKER),
        "medway_tm": UserFactory(authority=medway, role=Role.TEAM_MANAGER),
        "medway_lead": UserFactory(authority=medway, role=Role.LEAD_COMMISSIONER),
        "raa_lead": PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER),
        "coram_staff": ProviderUserFactory(provider=coram),
        "cafis_staff": ProviderUserFactory(provider=cafis),
    }
    return w


# name: (method, object key or None, allowed user, another-scope user, wrong-role users, POST data)
AUTHORITY_WRONG = ("kent_finance", "coram_staff")
PROVIDER_WRONG = ("kent_sw", "raa_lead")
CASES = {
    "to_send": ("get", None, "kent_sw", "medway_sw", AUTHORITY_WRONG, None),
    "waiting": ("get", None, "kent_sw", "medway_sw", AUTHORITY_WRONG, None),
    "overdue": ("get", None, "kent_sw", "medway_sw", AUTHORITY_WRONG, None),
    "waiting_times": ("get", None, "raa_lead", "medway_lead", ("kent_finance", "coram_staff", "kent_sw"), None),
    "create_from_plan": ("post", "planned", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"),
                         {"notes_for_provider": "After school"}),
    "create_from_request": ("post", "person_request", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"),
                            {"service_type": "birth-parent-support"}),
    "detail": ("get", "sent", "kent_sw", "medway_sw", AUTHORITY_WRONG, None),
    "route": ("post", "draft", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"), {}),
    "send": ("post", "draft", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"), {}),
    "reroute": ("post", "declined", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"), {}),
    "notes": ("post", "draft", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"),
              {"notes_for_provider": "Mornings only"}),
    "cancel": ("post", "sent2", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"), {"reason": "Moved"}),
    "spot_request": ("post", "unrouted", "kent_sw", "medway_sw", (*AUTHORITY_WRONG, "raa_lead"),
                     {"provider": "cafis", "justification": "Nearest", "estimated_cost": "900"}),
    "spot_queue": ("get", None, "kent_tm", "medway_tm", (*AUTHORITY_WRONG, "kent_sw"), None),
    "spot_decide": ("post", "spot", "kent_tm", "medway_tm", (*AUTHORITY_WRONG, "kent_sw"),
                    {"decision": "approve", "note": ""}),
    "inbox": ("get", None, "coram_staff", "cafis_staff", PROVIDER_WRONG, None),
    "provider_detail": ("get", "sent", "coram_staff", "cafis_staff", PROVIDER_WRONG, None),
    "accept": ("post", "sent", "coram_staff", "cafis_staff", PROVIDER_WRONG, {}),
    "decline": ("post", "sent2", "coram_staff", "cafis_staff", PROVIDER_WRONG, {"reason": "No clinician free"}),
    "record_session": ("post", "accepted", "coram_staff", "cafis_staff", PROVIDER_WRONG,
                       {"session_date_day": str(TODAY.day), "session_date_month": str(TODAY.month),
                        "session_date_year": str(TODAY.year), "duration_minutes": "60"}),
    "complete": ("post", "active", "coram_staff", "cafis_staff", PROVIDER_WRONG, {}),
}


def url_for(world, name, key):  # type: ignore[no-untyped-def]
    if key is None:
        return reverse(f"commissioning:{name}")
    obj = world[key]
    arg = {"create_from_plan": "planned_service_pk", "create_from_request": "request_pk"}.get(name, "pk")
    return reverse(f"commissioning:{name}", kwargs={arg: obj.pk})


def data_for(world, data):  # type: ignore[no-untyped-def]
    out = dict(data or {})
    if out.get("service_type") == "birth-parent-support":
        from support.models import ServiceType

        out["service_type"] = ServiceType.objects.get(code="birth-parent-support").pk
    if out.get("provider") == "cafis":
        out["provider"] = world["cafis"].pk
    return out


def call(world, user_key, name):  # type: ignore[no-untyped-def]
    method, key, _, _, _, data = CASES[name]
    client = signed_in(Client(), world[user_key])
    url = url_for(world, name, key)
    return client.post(url, data_for(world, data)) if method == "post" else client.get(url)


def test_every_url_pattern_has_an_access_case():  # type: ignore[no-untyped-def]
    names = {pattern.name for pattern in commissioning_urls.urlpatterns}
    assert names == set(CASES), f"missing access cases: {names - set(CASES)}; stale: {set(CASES) - names}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_wrong_roles_are_refused(world, name):  # type: ignore[no-untyped-def]
    for user_key in CASES[name][4]:
        response = call(world, user_key, name)
        assert denied(response), f"{name} let {user_key} in ({response.status_code})"


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_authority_or_provider_is_refused_or_sees_nothing(world, name):  # type: ignore[no-untyped-def]
    _method, key, _, other, _, _ = CASES[name]
    before = (Referral.objects.filter(status=ReferralStatus.DRAFT).count(), SessionDelivered.objects.count(),
              SpotPurchase.objects.filter(status="requested").count(), UsageRecord.objects.count())
    response = call(world, other, name)
    if key is None:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in ("Amara", "Okafor", *SECRETS):
            assert secret not in body, f"{name} showed {secret!r} to {other}"
        for referral in Referral.objects.all():
            assert f">{referral.reference}<" not in body
    else:
        assert response.status_code == 404, f"{name} gave {response.status_code} to {other}"
    after = (Referral.objects.filter(status=ReferralStatus.DRAFT).count(), SessionDelivered.objects.count(),
             SpotPurchase.objects.filter(status="requested").count(), UsageRecord.objects.count())
    assert before == after


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_role_in_scope_gets_in(world, name):  # type: ignore[no-untyped-def]
    method, _key, allowed, _, _, _ = CASES[name]
    response = call(world, allowed, name)
    if method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert "/referrals/" in response["Location"]


def test_a_provider_sees_only_what_the_service_needs(world):  # type: ignore[no-untyped-def]
    referral = world["sent"]
    client = signed_in(Client(), world["coram_staff"])
    for url in (reverse("commissioning:provider_detail", kwargs={"pk": referral.pk}),
                reverse("commissioning:inbox"),
                reverse("commissioning:decline", kwargs={"pk": referral.pk})):
        body = client.get(url).content.decode()
        assert referral.reference in body
        for secret in SECRETS:
            assert secret not in body, f"{url} showed {secret!r} to the provider"
    body = client.get(reverse("commissioning:provider_detail", kwargs={"pk": referral.pk})).content.decode()
    assert "Amara Okafor" in body and "Dyadic Developmental Psychotherapy" in body
    assert "Prefers appointments after school" in body


def test_a_provider_never_sees_a_draft_routed_to_it(world):  # type: ignore[no-untyped-def]
    client = signed_in(Client(), world["coram_staff"])
    response = client.get(reverse("commissioning:provider_detail", kwargs={"pk": world["draft"].pk}))
    assert response.status_code == 404
    assert world["draft"].reference not in client.get(reverse("commissioning:inbox")).content.decode()


def test_the_detail_page_shows_the_routing_reason_and_history(world):  # type: ignore[no-untyped-def]
    client = signed_in(Client(), world["kent_sw"])
    client.post(reverse("commissioning:route", kwargs={"pk": world["draft"].pk}))
    body = client.get(reverse("commissioning:detail", kwargs={"pk": world["draft"].pk})).content.decode()
    assert "Coram under KCC-PAS-01 (block contract) covers Dyadic Developmental Psychotherapy for Kent" in body
    assert "OTHER-CONTRACT" in body  # the alternative, ranked
    client.post(reverse("commissioning:send", kwargs={"pk": world["draft"].pk}))
    body = client.get(reverse("commissioning:detail", kwargs={"pk": world["draft"].pk})).content.decode()
    assert "Referral sent to the provider by" in body


def test_viewing_a_referral_is_logged_against_the_family(world):  # type: ignore[no-untyped-def]
    from core.models import AccessLog

    referral = world["sent"]
    household = referral.support_request.child.household
    for user_key, name in (("kent_sw", "detail"), ("coram_staff", "provider_detail")):
        signed_in(Client(), world[user_key]).get(reverse(f"commissioning:{name}", kwargs={"pk": referral.pk}))
        assert AccessLog.objects.filter(user=world[user_key], object_id=str(referral.pk),
                                        family_key=f"support.household:{household.pk}").count() == 1


class TestBadInput:
    def test_sending_with_no_route_shows_the_error_and_changes_nothing(self, world):  # type: ignore[no-untyped-def]
        client = signed_in(Client(), world["kent_sw"])
        referral = world["unrouted"]
        response = client.post(reverse("commissioning:send", kwargs={"pk": referral.pk}), follow=True)
        assert "no contract covers it and it has no approved spot purchase" in response.content.decode()
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.DRAFT and referral.sent_to is None

    def test_accepting_a_declined_referral_shows_the_error_and_changes_nothing(self, world):  # type: ignore[no-untyped-def]
        client = signed_in(Client(), world["coram_staff"])
        referral = world["declined"]
        response = client.post(reverse("commissioning:accept", kwargs={"pk": referral.pk}), follow=True)
        assert "was declined on" in response.content.decode()
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.DECLINED and referral.accepted_date is None
        assert not UsageRecord.objects.exists()

    def test_a_decline_without_a_reason_gets_an_error_summary(self, world):  # type: ignore[no-untyped-def]
        client = signed_in(Client(), world["coram_staff"])
        response = client.post(reverse("commissioning:decline", kwargs={"pk": world["sent"].pk}), {"reason": " "})
        body = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in body and "Give the reason" in body
        assert Referral.objects.get(pk=world["sent"].pk).status == ReferralStatus.SENT

    def test_a_session_in_the_future_gets_an_error_summary(self, world):  # type: ignore[no-untyped-def]
        client = signed_in(Client(), world["coram_staff"])
        future = TODAY + timedelta(days=400)
        response = client.post(
            reverse("commissioning:record_session", kwargs={"pk": world["accepted"].pk}),
            {"session_date_day": future.day, "session_date_month": future.month, "session_date_year": future.year},
        )
        assert "govuk-error-summary" in response.content.decode()
        assert not SessionDelivered.objects.exists()

    def test_a_spot_purchase_without_justification_gets_an_error_summary(self, world):  # type: ignore[no-untyped-def]
        client = signed_in(Client(), world["kent_sw"])
        response = client.post(
            reverse("commissioning:spot_request", kwargs={"pk": world["unrouted"].pk}),
            {"provider": world["cafis"].pk, "justification": "", "estimated_cost": "abc"},
        )
        body = response.content.decode()
        assert "Give the justification" in body and "must be an amount in pounds" in body
        assert not SpotPurchase.objects.filter(referral=world["unrouted"]).exists()

    def test_a_manager_cannot_approve_their_own_spot_purchase(self, world):  # type: ignore[no-untyped-def]
        spot = world["spot"]
        spot_requester = UserFactory(authority=world["kent"], role=Role.TEAM_MANAGER)
        SpotPurchase.objects.filter(pk=spot.pk).update(requested_by=spot_requester)
        client = signed_in(Client(), spot_requester)
        response = client.post(reverse("commissioning:spot_decide", kwargs={"pk": spot.pk}),
                               {"decision": "approve"})
        assert "another manager must decide it" in response.content.decode()
        assert SpotPurchase.objects.get(pk=spot.pk).status == "requested"


def _queries(client, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name,user_key,factory", [
    ("to_send", "kent_sw", DraftReferralFactory),
    ("waiting", "kent_sw", SentReferralFactory),
    ("overdue", "kent_sw", SentReferralFactory),
    ("inbox", "coram_staff", SentReferralFactory),
    ("waiting_times", "raa_lead", AcceptedReferralFactory),
])
def test_list_pages_do_not_query_per_row(world, name, user_key, factory):  # type: ignore[no-untyped-def]
    client = signed_in(Client(), world[user_key])
    url = reverse(f"commissioning:{name}")
    overdue = {"response_due_date": TODAY - timedelta(days=30), "sent_date": TODAY - timedelta(days=40)}
    extra = overdue if factory is not DraftReferralFactory else {}
    factory(contract=world["contract"], planned_service=PlannedServiceFactory(
        plan__request__child__household__responsible_authority=world["kent"]), **extra)
    first = _queries(client, url)
    for _ in range(4):
        factory(contract=world["contract"], planned_service=PlannedServiceFactory(
            plan__request__child__household__responsible_authority=world["kent"]), **extra)
    assert _queries(client, url) == first
