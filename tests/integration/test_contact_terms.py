"""Changing an arrangement's terms on PostgreSQL: the history in plain words, the items of later months rescheduled
(those with content, and this month's, left alone), a pause in force respected, and an ended arrangement refused
with nothing written."""

from datetime import date

import pytest

from contact.models import ContactEvent, Direction, EndReason, ExchangeStatus
from contact.rules import Terms
from contact.services import arrangements as arrangement_services
from contact.services import exchanges as exchange_services
from contact.services.errors import ContactError, InvalidTransition
from tests.factories_contact import TODAY, active_arrangement, at, item, letterbox_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return letterbox_world()


def change(world, arrangement, day=TODAY, **terms):  # type: ignore[no-untyped-def]
    values = {"due_months": (3, 9), "direction": Direction.BOTH_WAYS, **terms}
    return arrangement_services.arrangement_change_terms(arrangement=arrangement, terms=Terms(**values),
                                                         by=world.coordinator, now=at(day))


def slots(arrangement, status=ExchangeStatus.EXPECTED, since=date(2026, 12, 1)):  # type: ignore[no-untyped-def]
    return sorted(arrangement.exchanges.filter(status=status, due_date__gte=since).values_list("due_date", "writer"))


def both(*days):  # type: ignore[no-untyped-def]
    return sorted((day, side) for day in days for side in ("family", "relatives"))


class TestChangeTerms:
    def test_new_months_reschedule_the_later_items_and_the_history_says_so(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        change(world, arrangement, due_months=(6, 12))
        assert slots(arrangement) == both(date(2026, 12, 1), date(2027, 6, 1))
        assert slots(arrangement, ExchangeStatus.EXCUSED) == both(date(2027, 3, 1), date(2027, 9, 1))
        assert item(arrangement, due=date(2026, 9, 1)).status == ExchangeStatus.EXPECTED  # past: as it was
        arrangement.refresh_from_db()
        assert arrangement.due_months == [6, 12] and arrangement.terms_changed_date == TODAY
        event = ContactEvent.objects.get(arrangement=arrangement, action="terms")
        assert f"{event.words}: {event.note}" == "Terms changed: twice a year, in June and December"
        assert event.changed_by == world.coordinator
        assert arrangement.history.first().history_user == world.coordinator
        excused = ContactEvent.objects.filter(arrangement=arrangement, action="excuse")
        assert {e.note for e in excused} == {"Not due under the new terms"} and excused.count() == 4

    def test_items_already_received_and_this_months_are_left_alone(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world, today=date(2027, 3, 10))
        march = exchange_services.exchange_receive(
            exchange=item(arrangement, due=date(2027, 3, 1)), received_date=date(2027, 3, 8), kind="letter",
            by=world.coordinator, now=at(date(2027, 3, 10)))
        change(world, arrangement, day=date(2027, 3, 10), due_months=(6,))
        march.refresh_from_db()
        assert march.status == ExchangeStatus.RECEIVED
        family_march = item(arrangement, due=date(2027, 3, 1), writer="family")
        assert family_march.status == ExchangeStatus.EXPECTED  # this month: the writer may be writing it now
        assert item(arrangement, due=date(2027, 9, 1)).status == ExchangeStatus.EXCUSED
        assert item(arrangement, due=date(2027, 6, 1)).status == ExchangeStatus.EXPECTED

    def test_who_writes_and_the_overdue_weeks(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        past_overdue = item(arrangement, due=date(2026, 9, 1)).overdue_date
        change(world, arrangement, direction=Direction.FROM_FAMILY, overdue_after_weeks=2)
        assert slots(arrangement) == [(date(2027, 3, 1), "family"), (date(2027, 9, 1), "family")]
        assert item(arrangement, due=date(2027, 3, 1), writer="family").overdue_date == date(2027, 4, 15)
        assert item(arrangement, due=date(2026, 9, 1)).overdue_date == past_overdue
        note = ContactEvent.objects.get(arrangement=arrangement, action="terms").note
        assert note == "who writes: the family writes; overdue 2 weeks after the due month"

    def test_changing_back_brings_the_same_items_back_without_duplicates(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        before = arrangement.exchanges.count()
        change(world, arrangement, due_months=(6, 12))
        change(world, arrangement, due_months=(3, 9))
        assert slots(arrangement) == both(date(2027, 3, 1), date(2027, 9, 1))
        assert arrangement.exchanges.count() == before + 4  # the June and December items, now excused
        assert slots(arrangement, ExchangeStatus.EXCUSED) == both(date(2026, 12, 1), date(2027, 6, 1))

    def test_the_daily_schedule_never_fills_in_months_before_the_change(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        change(world, arrangement, due_months=(2, 8))
        assert arrangement_services.schedule(arrangement=arrangement, today=TODAY) == 0
        assert not arrangement.exchanges.filter(due_date__in=[date(2025, 8, 1), date(2026, 2, 1),
                                                              date(2026, 8, 1)]).exists()
        assert arrangement_services.schedule(arrangement=arrangement, today=date(2027, 3, 1)) == 2  # Feb 2028

    def test_a_pause_in_force_keeps_its_months_free_until_it_starts_again(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        arrangement_services.arrangement_pause(arrangement=arrangement, reason="Birth mother unwell",
                                               until=date(2027, 4, 10), by=world.coordinator, now=at())
        change(world, arrangement, due_months=(4, 9))
        assert not arrangement.exchanges.filter(due_date=date(2027, 4, 1)).exists()  # the pause covers April
        assert item(arrangement, due=date(2027, 9, 1)).status == ExchangeStatus.EXPECTED
        assert item(arrangement, due=date(2027, 3, 1)).status == ExchangeStatus.EXCUSED
        arrangement_services.arrangement_resume(arrangement=arrangement, by=world.coordinator,
                                                now=at(date(2027, 1, 5)))
        assert item(arrangement, due=date(2027, 3, 1)).status == ExchangeStatus.EXCUSED  # not due under the terms
        assert item(arrangement, due=date(2027, 4, 1)).status == ExchangeStatus.EXPECTED

    def test_a_proposed_arrangement_changes_without_items(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = arrangement_services.arrangement_propose(
            child=world.child, relatives=[world.relative], direction=Direction.BOTH_WAYS, due_months=[3],
            agreed_date=TODAY, by=world.coordinator, now=at())
        change(world, arrangement, due_months=(5,), photos_allowed=True, second_check_required=True)
        arrangement.refresh_from_db()
        assert arrangement.due_months == [5] and arrangement.photos_allowed and arrangement.second_check_required
        assert not arrangement.exchanges.exists()

    def test_refused_once_ended_and_nothing_is_written(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        arrangement_services.arrangement_end(arrangement=arrangement, reason=EndReason.COURT, by=world.coordinator,
                                             now=at())
        events = ContactEvent.objects.count()
        with pytest.raises(InvalidTransition, match="has ended"):
            change(world, arrangement, due_months=(6,))
        arrangement.refresh_from_db()
        assert arrangement.due_months == [3, 9] and ContactEvent.objects.count() == events

    @pytest.mark.parametrize(("terms", "message"), [
        ({}, "already agreed"),
        ({"due_months": (1, 2, 3)}, "once or twice a year"),
        ({"direction": "sideways"}, "who writes"),
        ({"overdue_after_weeks": -1}, "cannot be negative"),
    ])
    def test_bad_or_unchanged_terms_are_refused(self, world, terms, message) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        count = arrangement.exchanges.count()
        with pytest.raises(ContactError, match=message):
            change(world, arrangement, **terms)
        assert arrangement.exchanges.count() == count
        assert not ContactEvent.objects.filter(action="terms").exists()
