"""Letterbox fixtures. Arrangements and items are built through contact.services (the states are the services'
to set), on a family whose details a birth relative must never see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from contact.models import Arrangement, Direction, Exchange, ExchangeStatus, LetterboxAddress
from contact.services import arrangements as arrangement_services
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ChildFactory, HouseholdFactory, PersonFactory, SupportRequestFactory

TODAY = date(2026, 11, 16)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FAMILY_NAME, STREET, POSTCODE = "Okonkwo-Hale", "14 Quiet Orchard Way", "TN27 9QZ"
ALL_POINTS = ["address", "photo_metadata", "school", "social_media", "surname", "town"]


def at(day: date = TODAY, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@dataclass
class Letterbox:
    authority: Any
    coordinator: Any
    second_worker: Any
    childs_worker: Any
    other_worker: Any
    team_manager: Any
    household: Any
    child: Any
    relative: Any


def letterbox_world(code: str = "kent") -> Letterbox:
    authority = AuthorityFactory(short_code=code, name=code.title())
    LetterboxAddress.objects.create(authority=authority, name="Letterbox service", address="County Hall\nMaidstone",
                                    postcode="ME14 1XQ")
    household = HouseholdFactory(responsible_authority=authority, family_name=FAMILY_NAME, address_line_1=STREET,
                                 postcode=POSTCODE, carer_one_name=f"Jo {FAMILY_NAME}")
    child = ChildFactory(household=household, first_name="Ada", date_of_birth=date(2016, 5, 4))
    relative = PersonFactory(authority=authority, first_name="Maureen", last_name="Birthname", related_child=child)
    childs_worker = UserFactory(username=f"{code}.childs_worker", role=Role.SOCIAL_WORKER, authority=authority)
    SupportRequestFactory(child=child, allocated_worker=childs_worker)
    return Letterbox(
        authority=authority, household=household, child=child, relative=relative, childs_worker=childs_worker,
        coordinator=UserFactory(username=f"{code}.letterbox_coordinator", role=Role.LETTERBOX_COORDINATOR,
                                authority=authority),
        second_worker=UserFactory(username=f"{code}.letterbox_two", role=Role.LETTERBOX_COORDINATOR,
                                  authority=authority),
        other_worker=UserFactory(username=f"{code}.other_worker", role=Role.SOCIAL_WORKER, authority=authority),
        team_manager=UserFactory(username=f"{code}.team_manager", role=Role.TEAM_MANAGER, authority=authority),
    )


def active_arrangement(world: Letterbox, *, months: tuple[int, ...] = (3, 9), agreed: date = date(2025, 1, 10),
                       today: date = TODAY, **kwargs: Any) -> Arrangement:
    arrangement = arrangement_services.arrangement_propose(
        child=world.child, relatives=[world.relative], direction=kwargs.pop("direction", Direction.BOTH_WAYS),
        due_months=months, agreed_date=agreed, by=world.coordinator, now=at(agreed), **kwargs)
    arrangement = arrangement_services.arrangement_activate(arrangement=arrangement, by=world.coordinator,
                                                            now=at(agreed))
    arrangement_services.schedule(arrangement=arrangement, today=today)
    return arrangement


def item(arrangement: Arrangement, *, due: date, writer: str = "relatives") -> Exchange:
    return arrangement.exchanges.get(due_date=due, writer=writer)


def expected(arrangement: Arrangement) -> list[Exchange]:
    return list(arrangement.exchanges.filter(status=ExchangeStatus.EXPECTED).order_by("due_date", "writer"))
