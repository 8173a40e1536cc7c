"""The page that changes an arrangement's terms: the coordinator and the provider coordinating it on referral get in
(a provider only to its own), other roles are refused, another authority gets a 404; bad input gives a GOV.UK error
summary with nothing saved; the arrangement page links to it."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contact.models import ContactEvent, EndReason
from contact.services import arrangements as arrangement_services
from organisations.models import Role
from tests.factories import ProviderFactory, ProviderUserFactory, UserFactory
from tests.factories_commissioning import SentReferralFactory
from tests.factories_contact import active_arrangement, at, letterbox_world
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db

GOOD = {"due_months": ["6", "12"], "direction": "both_ways", "overdue_after_weeks": "4", "cards_allowed": "on"}


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    world = letterbox_world()
    world.arrangement = active_arrangement(world, today=timezone.localdate())
    world.other = letterbox_world("medway")
    return world


def url(world) -> str:  # type: ignore[no-untyped-def]
    return reverse("contact:arrangement_terms", args=[world.arrangement.pk])


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(Client(), user)


def test_the_coordinator_changes_the_terms_from_the_arrangement_page(world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.coordinator)
    detail = client.get(reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
    assert f'href="{url(world)}"' in detail
    page = client.get(url(world)).content.decode()
    assert re.search(r'value="3"[^>]*checked', page) and re.search(r'value="9"[^>]*checked', page)
    assert not re.search(r'value="6"[^>]*checked', page)
    response = client.post(url(world), GOOD)
    assert response.status_code == 302
    world.arrangement.refresh_from_db()
    assert world.arrangement.due_months == [6, 12]
    detail = client.get(reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
    assert "Terms changed: twice a year, in June and December" in detail


def test_the_history_words_are_shown_to_readers_who_do_not_see_the_relatives(world) -> None:  # type: ignore[no-untyped-def]
    client_for(world.coordinator).post(url(world), GOOD)
    body = client_for(world.team_manager).get(
        reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
    assert "Terms changed: twice a year, in June and December" in body
    assert f'href="{url(world)}"' not in body


@pytest.mark.parametrize(("data", "message"), [
    ({**GOOD, "due_months": ["1", "2", "3"]}, "choose one or two months"),
    ({**GOOD, "due_months": []}, "Choose the month or months the exchange is due"),
    ({**GOOD, "due_months": ["3", "9"]}, "These are the terms already agreed"),
])
def test_bad_input_gives_an_error_summary_and_saves_nothing(world, data, message) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.coordinator).post(url(world), data)
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body and message in body
    world.arrangement.refresh_from_db()
    assert world.arrangement.due_months == [3, 9]
    assert not ContactEvent.objects.filter(action="terms").exists()


def test_an_ended_arrangement_is_refused_and_not_linked(world) -> None:  # type: ignore[no-untyped-def]
    arrangement_services.arrangement_end(arrangement=world.arrangement, reason=EndReason.COURT,
                                         by=world.coordinator, now=at(timezone.localdate()))
    client = client_for(world.coordinator)
    detail = client.get(reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
    assert f'href="{url(world)}"' not in detail
    body = client.post(url(world), GOOD).content.decode()
    assert "govuk-error-summary" in body and "has ended" in body


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR, Role.FINANCE_OFFICER,
                                  Role.ADMINISTRATOR])
def test_other_roles_are_refused(world, role) -> None:  # type: ignore[no-untyped-def]
    client = client_for(UserFactory(role=role, authority=world.authority))
    assert denied(client.get(url(world)))
    assert denied(client.post(url(world), GOOD))
    world.arrangement.refresh_from_db()
    assert world.arrangement.due_months == [3, 9]


def test_another_authoritys_coordinator_gets_404(world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.other.coordinator)
    assert client.get(url(world)).status_code == 404
    assert client.post(url(world), GOOD).status_code == 404


def test_the_provider_coordinating_it_changes_its_own_and_no_other(world) -> None:  # type: ignore[no-untyped-def]
    referral = SentReferralFactory(planned_service__plan__request__child=world.child,
                                   provider=ProviderFactory(name="Barnardo's CAFIS"))
    arrangement_services.arrangement_coordinate_by_referral(arrangement=world.arrangement, referral=referral,
                                                            by=world.coordinator, now=at(timezone.localdate()))
    staff = client_for(ProviderUserFactory(provider=referral.sent_to))
    page = staff.get(url(world)).content.decode()
    assert "A O H (born 2016)" in page and "Ada " not in page
    assert staff.post(url(world), GOOD).status_code == 302
    other = active_arrangement(world.other, today=timezone.localdate())
    assert staff.get(reverse("contact:arrangement_terms", args=[other.pk])).status_code == 404
    stranger = client_for(ProviderUserFactory())
    assert stranger.get(url(world)).status_code == 404
    assert stranger.post(url(world), {**GOOD, "due_months": ["1"]}).status_code == 404
    world.arrangement.refresh_from_db()
    assert world.arrangement.due_months == [6, 12]
