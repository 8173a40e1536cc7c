"""contact.rules for changing an arrangement's terms: the history's words and the rescheduling plan, with a property
that after the plan the later months expect exactly what the new terms want and no item with content is touched."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from contact import rules
from contact.rules import Terms

BEFORE = Terms(due_months=(3, 9), direction="both_ways")


class TestWords:
    def test_months_in_the_words_the_history_shows(self) -> None:
        after = Terms(due_months=(6, 12), direction="both_ways")
        assert rules.describe_terms_change(BEFORE, after) == "twice a year, in June and December"
        assert rules.describe_terms_change(BEFORE, Terms(due_months=(9,), direction="both_ways")) == \
            "once a year, in September"

    def test_every_change_in_a_fixed_order(self) -> None:
        after = Terms(due_months=(3, 9), direction="from_family", overdue_after_weeks=1, photos_allowed=True,
                      gifts_allowed=False, cards_allowed=False, conditions="No photos of the house",
                      second_check_required=True)
        assert rules.terms_changes(BEFORE, after) == [
            "who writes: the family writes", "overdue 1 week after the due month", "photos may now be included",
            "cards may no longer be included", "special conditions changed", "a second worker now checks every item"]

    def test_conditions_are_named_not_quoted_and_removal_said(self) -> None:
        with_conditions = Terms(due_months=(3, 9), direction="both_ways", conditions="Meet at the office")
        assert "Meet" not in rules.describe_terms_change(BEFORE, with_conditions)
        assert rules.describe_terms_change(with_conditions, BEFORE) == "special conditions removed"
        assert rules.describe_terms_change(
            Terms(due_months=(3, 9), direction="both_ways", second_check_required=True), BEFORE) == \
            "a second check is no longer needed"

    def test_nothing_changed_is_empty_even_with_months_in_another_order_or_spaces(self) -> None:
        same = Terms(due_months=(9, 3), direction="both_ways", conditions="  ")
        assert rules.describe_terms_change(BEFORE, same) == ""

    def test_sides(self) -> None:
        assert rules.sides_for("both_ways") == ("family", "relatives")
        assert rules.sides_for("from_relatives") == ("relatives",)
        assert rules.sides_for("from_family") == ("family",)


MAR, JUN, SEP = date(2027, 3, 1), date(2027, 6, 1), date(2027, 9, 1)


class TestReschedule:
    def test_expected_not_wanted_is_excused_wanted_without_item_is_created(self) -> None:
        plan = rules.reschedule(items={(MAR, "family"): rules.EXPECTED, (SEP, "family"): rules.EXPECTED},
                                wanted={(JUN, "family"), (SEP, "family")})
        assert plan.excuse == {(MAR, "family")}
        assert plan.create == {(JUN, "family")}
        assert plan.reinstate == frozenset()

    def test_an_excused_item_wanted_again_is_reinstated(self) -> None:
        plan = rules.reschedule(items={(MAR, "relatives"): rules.EXCUSED}, wanted={(MAR, "relatives")})
        assert plan.reinstate == {(MAR, "relatives")} and not plan.create and not plan.excuse

    def test_items_with_content_or_decided_are_never_touched(self) -> None:
        for state in (rules.RECEIVED, rules.HELD, rules.REDACTED, rules.FORWARDED, rules.RETURNED, rules.MISSED):
            plan = rules.reschedule(items={(MAR, "family"): state}, wanted=set())
            assert plan == rules.Reschedule(frozenset(), frozenset(), frozenset()), state
            plan = rules.reschedule(items={(MAR, "family"): state}, wanted={(MAR, "family")})
            assert not plan.create, state  # the slot is taken: no second item in the month

    def test_an_excused_item_not_wanted_stays_excused(self) -> None:
        plan = rules.reschedule(items={(MAR, "family"): rules.EXCUSED}, wanted=set())
        assert plan == rules.Reschedule(frozenset(), frozenset(), frozenset())


SLOTS = [(date(2027, m, 1), side) for m in range(1, 13) for side in ("family", "relatives")]


@settings(max_examples=300, deadline=None)
@given(items=st.dictionaries(st.sampled_from(SLOTS), st.sampled_from(
           [rules.EXPECTED, rules.EXCUSED, rules.RECEIVED, rules.HELD, rules.FORWARDED, rules.RETURNED,
            rules.MISSED, rules.REDACTED])),
       wanted=st.sets(st.sampled_from(SLOTS)))
def test_after_the_plan_exactly_the_wanted_free_slots_are_expected(items, wanted) -> None:  # type: ignore[no-untyped-def]
    plan = rules.reschedule(items=items, wanted=wanted)
    after = dict(items)
    for slot in plan.excuse:
        after[slot] = rules.EXCUSED
    for slot in plan.reinstate:
        after[slot] = rules.EXPECTED
    for slot in plan.create:
        assert slot not in items
        after[slot] = rules.EXPECTED
    expected = {slot for slot, state in after.items() if state == rules.EXPECTED}
    free = {slot for slot in wanted if items.get(slot, rules.EXPECTED) in (rules.EXPECTED, rules.EXCUSED)}
    assert expected == free
    for slot, state in items.items():
        if state not in (rules.EXPECTED, rules.EXCUSED):
            assert after[slot] == state
    assert not (plan.excuse & plan.reinstate) and not (plan.create & set(items))
