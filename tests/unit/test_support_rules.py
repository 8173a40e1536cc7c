"""The three-year rule and the support deadlines: pure functions, every boundary, and properties."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.workdays import add_working_days, england_bank_holidays
from support.rules import (
    OrderFact,
    add_months,
    add_years,
    annual_review_due,
    asf_application_deadline,
    first_review_due,
    governing_order,
    is_due_soon,
    representation_window_end,
    residence_on,
    responsibility_for_child,
    responsible_authority,
    third_anniversary,
    working_days_left,
)


@dataclass(frozen=True)
class LA:
    name: str


KENT, MEDWAY, BEXLEY = LA("Kent"), LA("Medway"), LA("Bexley")
HOLIDAYS = england_bank_holidays(2024, 2025, 2026, 2027, 2028)


def rule(on_date, *, placing=KENT, history=((MEDWAY, date(2023, 1, 1)),), order=date(2024, 3, 12)):  # type: ignore[no-untyped-def]
    return responsible_authority(placing_authority=placing, residence_history=list(history),
                                 order_date=order, on_date=on_date)


class TestResponsibleAuthority:
    def test_the_okafor_lane_family_stays_with_kent_until_the_anniversary(self):  # type: ignore[no-untyped-def]
        authority, reason = rule(date(2026, 11, 24))
        assert authority is KENT
        assert "12 March 2027" in reason and "three-year rule" in reason

    def test_the_day_before_the_anniversary_is_the_placing_authority(self):  # type: ignore[no-untyped-def]
        assert rule(date(2027, 3, 11))[0] is KENT

    def test_on_the_anniversary_the_authority_of_residence_is_responsible(self):  # type: ignore[no-untyped-def]
        authority, reason = rule(date(2027, 3, 12))
        assert authority is MEDWAY
        assert "Medway" in reason and "12 March 2027" in reason

    def test_on_the_order_date_itself_the_placing_authority_is_responsible(self):  # type: ignore[no-untyped-def]
        assert rule(date(2024, 3, 12))[0] is KENT

    def test_before_the_order_the_placing_authority_is_responsible(self):  # type: ignore[no-untyped-def]
        assert rule(date(2024, 1, 1))[0] is KENT

    def test_a_leap_day_order_has_its_anniversary_on_1_march_in_a_common_year(self):  # type: ignore[no-untyped-def]
        order = date(2024, 2, 29)
        assert third_anniversary(order) == date(2027, 3, 1)
        assert rule(date(2027, 2, 28), order=order)[0] is KENT
        assert rule(date(2027, 3, 1), order=order)[0] is MEDWAY

    def test_a_leap_day_order_keeps_29_february_when_the_anniversary_is_a_leap_year(self):  # type: ignore[no-untyped-def]
        order = date(2016, 2, 29)
        assert third_anniversary(order) == date(2019, 3, 1)
        assert third_anniversary(date(2017, 2, 28)) == date(2020, 2, 28)

    def test_a_move_before_the_anniversary_counts_from_the_anniversary(self):  # type: ignore[no-untyped-def]
        history = [(MEDWAY, date(2023, 1, 1)), (BEXLEY, date(2026, 6, 1))]
        assert rule(date(2026, 7, 1), history=history)[0] is KENT
        assert rule(date(2027, 3, 12), history=history)[0] is BEXLEY

    def test_a_move_after_the_anniversary_moves_responsibility_on_the_move_date(self):  # type: ignore[no-untyped-def]
        history = [(MEDWAY, date(2023, 1, 1)), (BEXLEY, date(2028, 5, 10))]
        assert rule(date(2028, 5, 9), history=history)[0] is MEDWAY
        assert rule(date(2028, 5, 10), history=history)[0] is BEXLEY

    def test_a_family_living_in_the_placing_authority_stays_there(self):  # type: ignore[no-untyped-def]
        assert rule(date(2030, 1, 1), history=[(KENT, date(2020, 1, 1))])[0] is KENT

    def test_with_no_residence_record_the_placing_authority_stays_responsible(self):  # type: ignore[no-untyped-def]
        authority, reason = rule(date(2028, 1, 1), history=[])
        assert authority is KENT
        assert "no address is recorded" in reason

    def test_a_residence_that_starts_after_the_date_asked_about_does_not_count(self):  # type: ignore[no-untyped-def]
        authority, _ = rule(date(2028, 1, 1), history=[(MEDWAY, date(2028, 1, 2))])
        assert authority is KENT

    def test_without_a_placing_authority_the_authority_of_residence_is_responsible(self):  # type: ignore[no-untyped-def]
        authority, reason = rule(date(2024, 6, 1), placing=None)
        assert authority is MEDWAY
        assert "No authority in England placed the child" in reason

    def test_without_a_placing_authority_or_an_address_there_is_no_answer(self):  # type: ignore[no-untyped-def]
        authority, reason = rule(date(2024, 6, 1), placing=None, history=[])
        assert authority is None
        assert "record where the family lives" in reason

    def test_residence_rows_may_arrive_in_any_order(self):  # type: ignore[no-untyped-def]
        history = [(BEXLEY, date(2028, 5, 10)), (MEDWAY, date(2023, 1, 1))]
        assert rule(date(2028, 1, 1), history=history)[0] is MEDWAY


class TestGoverningOrder:
    def test_the_latest_qualifying_order_governs(self):  # type: ignore[no-untyped-def]
        orders = [OrderFact("placement", date(2022, 1, 1), KENT), OrderFact("adoption", date(2023, 1, 1), KENT),
                  OrderFact("special_guardianship", date(2020, 1, 1), BEXLEY)]
        assert governing_order(orders) == orders[1]

    def test_a_placement_order_alone_keeps_the_placing_authority(self):  # type: ignore[no-untyped-def]
        authority, reason = responsibility_for_child(
            orders=[OrderFact("placement", date(2018, 1, 1), BEXLEY)],
            residence_history=[(MEDWAY, date(2017, 1, 1))], on_date=date(2026, 1, 1))
        assert authority is BEXLEY and "placed for adoption" in reason

    def test_no_order_falls_back_to_residence(self):  # type: ignore[no-untyped-def]
        assert responsibility_for_child(orders=[], residence_history=[(MEDWAY, date(2017, 1, 1))],
                                        on_date=date(2026, 1, 1))[0] is MEDWAY
        assert responsibility_for_child(orders=[], residence_history=[], on_date=date(2026, 1, 1))[0] is None

    def test_a_child_with_an_adoption_order_follows_the_three_year_rule(self):  # type: ignore[no-untyped-def]
        orders = [OrderFact("adoption", date(2024, 3, 12), KENT)]
        history = [(MEDWAY, date(2023, 1, 1))]
        def on(day):  # type: ignore[no-untyped-def]
            return responsibility_for_child(orders=orders, residence_history=history, on_date=day)[0]

        assert on(date(2027, 3, 11)) is KENT
        assert on(date(2027, 3, 12)) is MEDWAY

    def test_a_placement_order_without_a_placing_authority_has_no_answer(self):  # type: ignore[no-untyped-def]
        assert responsibility_for_child(orders=[OrderFact("placement", date(2018, 1, 1), None)],
                                        residence_history=[], on_date=date(2026, 1, 1))[0] is None


class TestDates:
    @pytest.mark.parametrize(("start", "months", "expected"), [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ])
    def test_add_months_clamps_to_the_end_of_a_short_month(self, start, months, expected):  # type: ignore[no-untyped-def]
        assert add_months(start, months) == expected

    def test_add_years_moves_a_leap_day_either_way(self):  # type: ignore[no-untyped-def]
        assert add_years(date(2024, 2, 29), 1) == date(2025, 3, 1)
        assert add_years(date(2024, 2, 29), 1, leap_day="28 February") == date(2025, 2, 28)
        assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)

    def test_the_asf_window_is_three_months_after_the_assessment(self):  # type: ignore[no-untyped-def]
        assert asf_application_deadline(date(2026, 11, 30), 3) == date(2027, 2, 28)
        assert asf_application_deadline(date(2026, 11, 30), 4) == date(2027, 3, 30)

    def test_the_representation_window_is_counted_in_calendar_days(self):  # type: ignore[no-untyped-def]
        assert representation_window_end(date(2026, 12, 1), 28) == date(2026, 12, 29)
        with pytest.raises(ValueError, match="at least one day"):
            representation_window_end(date(2026, 12, 1), 0)

    def test_reviews_are_never_more_than_a_year_apart(self):  # type: ignore[no-untyped-def]
        assert annual_review_due(date(2024, 2, 29)) == date(2025, 2, 28)
        assert first_review_due(date(2026, 1, 1), date(2026, 7, 1)) == date(2026, 7, 1)
        assert first_review_due(date(2026, 1, 1), date(2027, 7, 1)) == date(2027, 1, 1)
        assert first_review_due(date(2026, 1, 1), None) == date(2027, 1, 1)


class TestWorkingDays:
    def test_christmas_and_new_year_bank_holidays_are_not_counted(self):  # type: ignore[no-untyped-def]
        # Wed 23 Dec 2026 -> Mon 4 Jan 2027: 24, 29, 30, 31 Dec and 4 Jan count; 25, 28 Dec and 1 Jan are
        # bank holidays (Boxing Day falls on a Saturday and is substituted on Monday 28 December).
        assert working_days_left(date(2026, 12, 23), date(2027, 1, 4), holidays=HOLIDAYS) == 5

    def test_a_deadline_today_has_no_working_days_left_and_overdue_is_negative(self):  # type: ignore[no-untyped-def]
        assert working_days_left(date(2026, 11, 24), date(2026, 11, 24), holidays=HOLIDAYS) == 0
        assert working_days_left(date(2026, 11, 24), date(2026, 11, 20), holidays=HOLIDAYS) == -2

    def test_due_soon_counts_the_horizon_in_working_days_across_easter(self):  # type: ignore[no-untyped-def]
        # Thursday 25 March 2027; Good Friday 26 March and Easter Monday 29 March are bank holidays.
        today = date(2027, 3, 25)
        assert is_due_soon(today, date(2027, 3, 31), horizon_working_days=2, holidays=HOLIDAYS)
        assert not is_due_soon(today, date(2027, 4, 1), horizon_working_days=2, holidays=HOLIDAYS)
        assert not is_due_soon(today, date(2027, 3, 31), horizon_working_days=2, holidays=frozenset())

    def test_an_overdue_deadline_is_due_soon(self):  # type: ignore[no-untyped-def]
        assert is_due_soon(date(2026, 11, 24), date(2026, 11, 1), horizon_working_days=0, holidays=HOLIDAYS)


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
authorities = st.sampled_from([KENT, MEDWAY, BEXLEY])
histories = st.lists(st.tuples(authorities, dates), max_size=5, unique_by=lambda row: row[1])


class TestProperties:
    @given(placing=authorities, history=histories, order=dates, on=dates)
    def test_before_the_anniversary_always_the_placing_authority(self, placing, history, order, on):  # type: ignore[no-untyped-def]
        assume(on < third_anniversary(order))
        assert rule(on, placing=placing, history=history, order=order)[0] is placing

    @given(placing=authorities, history=histories, order=dates, on=dates)
    def test_from_the_anniversary_the_residence_on_that_day(self, placing, history, order, on):  # type: ignore[no-untyped-def]
        assume(on >= third_anniversary(order))
        here = residence_on(history, on)
        expected = here[0] if here else placing
        assert rule(on, placing=placing, history=history, order=order)[0] is expected

    @given(placing=st.one_of(st.none(), authorities), history=histories, order=dates, on=dates)
    def test_the_answer_does_not_depend_on_the_order_of_the_history(self, placing, history, order, on):  # type: ignore[no-untyped-def]
        forward = rule(on, placing=placing, history=history, order=order)
        backward = rule(on, placing=placing, history=list(reversed(history)), order=order)
        assert forward == backward
        assert forward[1]

    @given(order=dates)
    def test_the_anniversary_is_three_years_on_and_never_before(self, order):  # type: ignore[no-untyped-def]
        anniversary = third_anniversary(order)
        assert anniversary.year == order.year + 3
        assert anniversary - order in (timedelta(days=1095), timedelta(days=1096))
        assert (anniversary.month, anniversary.day) == (
            (order.month, order.day) if (order.month, order.day) != (2, 29) else (3, 1)
        )

    @given(start=dates, months=st.integers(min_value=-24, max_value=24))
    def test_add_months_lands_in_the_right_month_never_past_the_day(self, start, months):  # type: ignore[no-untyped-def]
        moved = add_months(start, months)
        assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
        assert moved.day <= start.day

    @given(today=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
           days=st.integers(min_value=0, max_value=60))
    def test_working_days_left_inverts_adding_working_days(self, today, days):  # type: ignore[no-untyped-def]
        deadline = add_working_days(today, days, holidays=HOLIDAYS)
        assert working_days_left(today, deadline, holidays=HOLIDAYS) == days
        assert is_due_soon(today, deadline, horizon_working_days=days, holidays=HOLIDAYS)
