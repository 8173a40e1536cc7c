"""contact.rules: when letterbox items are due and overdue (calendar edge cases), and the item moves, with a
property that no sequence of moves and checks forwards an item whose copy was not fully checked."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contact import rules
from contact.rules import Item, MoveRefused, Pause

ALL = frozenset(rules.CHECKLIST_KEYS)
BORN = date(2015, 6, 15)


class TestCheckMonths:
    def test_sorts_one_or_two_months(self) -> None:
        assert rules.check_months([9, 3]) == (3, 9)
        assert rules.check_months([7]) == (7,)

    def test_refuses_none_three_or_out_of_range(self) -> None:
        for months in ([], [1, 2, 3], [0], [13]):
            with pytest.raises(rules.InvalidSchedule):
                rules.check_months(months)

    def test_a_month_named_twice_is_once_a_year(self) -> None:
        assert rules.check_months([5, 5]) == (5,)

    def test_words(self) -> None:
        assert rules.months_in_words([9, 3]) == "Twice a year, in March and September"
        assert rules.months_in_words([12]) == "Once a year, in December"


class TestDueMonths:
    def test_twice_yearly_in_named_months_from_the_month_after_agreement(self) -> None:
        due = rules.due_months(months=[3, 9], agreed_date=date(2025, 3, 20), date_of_birth=BORN,
                               until=date(2026, 9, 30))
        assert due == [date(2025, 9, 1), date(2026, 3, 1), date(2026, 9, 1)]

    def test_the_month_of_agreement_is_not_due(self) -> None:
        due = rules.due_months(months=[3], agreed_date=date(2025, 3, 1), date_of_birth=BORN, until=date(2025, 12, 1))
        assert due == []

    def test_december_wraps_into_the_next_year(self) -> None:
        due = rules.due_months(months=[1, 12], agreed_date=date(2025, 11, 30), date_of_birth=BORN,
                               until=date(2026, 1, 31))
        assert due == [date(2025, 12, 1), date(2026, 1, 1)]

    def test_a_pause_across_a_due_month_skips_it(self) -> None:
        pause = Pause(start=date(2026, 2, 20), until=date(2026, 3, 5))
        due = rules.due_months(months=[3, 9], agreed_date=date(2025, 1, 1), date_of_birth=BORN,
                               until=date(2026, 12, 1), pauses=[pause])
        assert date(2026, 3, 1) not in due and date(2026, 9, 1) in due and date(2025, 3, 1) in due

    def test_a_pause_ending_the_day_before_the_month_does_not_skip_it(self) -> None:
        pause = Pause(start=date(2026, 1, 1), until=date(2026, 2, 28))
        due = rules.due_months(months=[3], agreed_date=date(2025, 1, 1), date_of_birth=BORN, until=date(2026, 3, 1),
                               pauses=[pause])
        assert date(2026, 3, 1) in due

    def test_an_open_pause_skips_every_later_month(self) -> None:
        due = rules.due_months(months=[3, 9], agreed_date=date(2025, 1, 1), date_of_birth=BORN,
                               until=date(2027, 12, 1), pauses=[Pause(start=date(2026, 1, 10))])
        assert due == [date(2025, 3, 1), date(2025, 9, 1)]

    def test_nothing_is_due_from_the_month_the_child_turns_18(self) -> None:
        due = rules.due_months(months=[6, 7], agreed_date=date(2032, 1, 1), date_of_birth=BORN,
                               until=date(2034, 12, 1))
        # 18 on 15 June 2033: June 2033 starts before the birthday (still due); July 2033 does not.
        assert due == [date(2032, 6, 1), date(2032, 7, 1), date(2033, 6, 1)]

    def test_a_leap_day_birthday_turns_18_on_the_first_of_march(self) -> None:
        assert rules.eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)
        due = rules.due_months(months=[3], agreed_date=date(2024, 1, 1), date_of_birth=date(2008, 2, 29),
                               until=date(2027, 1, 1))
        assert due == [date(2024, 3, 1), date(2025, 3, 1)]

    def test_an_ended_arrangement_expects_nothing_after_it_ended(self) -> None:
        due = rules.due_months(months=[3, 9], agreed_date=date(2025, 1, 1), date_of_birth=BORN,
                               until=date(2027, 1, 1), ended_date=date(2025, 8, 31))
        assert due == [date(2025, 3, 1)]


class TestOverdue:
    def test_overdue_weeks_after_the_end_of_the_due_month(self) -> None:
        assert rules.overdue_date(due=date(2026, 2, 1), weeks=4) == date(2026, 3, 29)
        assert rules.overdue_date(due=date(2024, 2, 1), weeks=0) == date(2024, 3, 1)

    def test_is_overdue_from_that_day_unless_received(self) -> None:
        due = date(2026, 3, 1)
        assert not rules.is_overdue(due=due, weeks=2, today=date(2026, 4, 14), received=False)
        assert rules.is_overdue(due=due, weeks=2, today=date(2026, 4, 15), received=False)
        assert not rules.is_overdue(due=due, weeks=2, today=date(2026, 5, 1), received=True)

    def test_negative_weeks_are_refused(self) -> None:
        with pytest.raises(rules.InvalidSchedule):
            rules.overdue_date(due=date(2026, 3, 1), weeks=-1)

    def test_timeliness(self) -> None:
        due = date(2026, 3, 1)
        assert rules.timeliness(due=due, weeks=2, received_date=date(2026, 4, 14), today=date(2026, 5, 1)) == "on_time"
        assert rules.timeliness(due=due, weeks=2, received_date=date(2026, 4, 15), today=date(2026, 5, 1)) == "late"
        assert rules.timeliness(due=due, weeks=2, received_date=None, today=date(2026, 4, 15)) == "missed"
        assert rules.timeliness(due=due, weeks=2, received_date=None, today=date(2026, 3, 31)) == "waiting"

    def test_repeated_misses_count_back_from_the_latest(self) -> None:
        assert rules.repeated_misses(["on_time", "missed", "missed", "waiting"]) == 2
        assert rules.repeated_misses(["missed", "late"]) == 0
        assert rules.repeated_misses([]) == 0


class TestItemMoves:
    def received(self, **kwargs: object) -> Item:
        return rules.apply(Item(**kwargs), "receive")  # type: ignore[arg-type]

    def test_forwards_once_every_point_is_confirmed(self) -> None:
        item = rules.apply(self.received(), "check", by=1, points=ALL)
        assert rules.apply(item, "forward").state == rules.FORWARDED

    def test_refuses_to_forward_an_unchecked_item(self) -> None:
        with pytest.raises(MoveRefused, match="checklist"):
            rules.apply(self.received(), "forward")

    def test_refuses_a_check_missing_a_point(self) -> None:
        item = rules.apply(self.received(), "check", by=1, points=ALL - {"school"})
        with pytest.raises(MoveRefused):
            rules.apply(item, "forward")

    def test_a_redaction_makes_a_new_copy_that_must_be_checked_again(self) -> None:
        item = rules.apply(self.received(), "check", by=1, points=ALL)
        item = rules.apply(rules.apply(item, "hold"), "redact")
        with pytest.raises(MoveRefused):
            rules.apply(item, "forward")
        item = rules.apply(item, "check", by=1, points=ALL)
        assert rules.apply(item, "forward").state == rules.FORWARDED

    def test_a_second_check_must_be_by_another_worker(self) -> None:
        item = rules.apply(self.received(second_check_required=True), "check", by=1, points=ALL)
        item = rules.apply(item, "check", by=1, points=ALL)
        with pytest.raises(MoveRefused, match="second worker"):
            rules.apply(item, "forward")
        item = rules.apply(item, "check", by=2, points=ALL)
        assert rules.apply(item, "forward").state == rules.FORWARDED

    def test_a_held_item_cannot_be_forwarded_until_redacted(self) -> None:
        item = rules.apply(rules.apply(self.received(), "check", by=1, points=ALL), "hold")
        with pytest.raises(MoveRefused):
            rules.apply(item, "forward")

    def test_an_expected_item_cannot_be_checked_or_held(self) -> None:
        for action in ("check", "hold", "forward", "redact"):
            with pytest.raises(MoveRefused):
                rules.apply(Item(), action, by=1, points=ALL)

    def test_unknown_actions_and_points_are_refused(self) -> None:
        with pytest.raises(MoveRefused):
            rules.apply(Item(), "shred")
        with pytest.raises(MoveRefused):
            rules.apply(self.received(), "check", by=1, points={"surname", "horoscope"})

    def test_the_model_transitions_match_the_rules(self) -> None:
        from contact.models import Exchange

        field = Exchange._meta.get_field("status")
        graph = {(t.name, str(t.source), str(t.target)) for t in field.get_all_transitions(Exchange)}
        expected = {(name, source, target) for name, (sources, target) in rules.MOVES.items() for source in sources}
        assert graph == expected


ACTIONS = st.sampled_from([*rules.MOVES, "check"])
POINTS = st.one_of(st.just(ALL), st.frozensets(st.sampled_from(sorted(ALL))))


@settings(max_examples=400, deadline=None)
@given(second=st.booleans(),
       steps=st.lists(st.tuples(ACTIONS, st.integers(min_value=1, max_value=3), POINTS), max_size=14))
def test_no_sequence_forwards_an_unchecked_item(second: bool, steps: list) -> None:  # type: ignore[type-arg]
    item = Item(second_check_required=second)
    for action, by, points in steps:
        before = item
        try:
            item = rules.apply(item, action, by=by, points=points)
        except MoveRefused:
            assert item == before
            continue
        if item.state == rules.FORWARDED and before.state != rules.FORWARDED:
            checkers = {c.by for c in before.checks if c.version == before.version and c.points >= ALL}
            assert checkers, "forwarded with no complete check of the copy sent"
            assert not second or len(checkers) >= 2, "forwarded without a second worker's check"
