"""The journal export's pure rules: the financial period of a date, and where a posting in a closed period goes."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.journals.rules import (
    PeriodsAllClosed,
    booking_period,
    booking_period_of,
    next_period,
    period_label,
    period_of,
    period_start,
    resolve_mapping,
    roll_table,
    unmapped,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
periods = st.tuples(st.integers(2000, 2098), st.integers(1, 12))


class TestPeriodOf:
    @pytest.mark.parametrize(("day", "expected"), [
        (date(2026, 4, 1), (2026, 1)), (date(2026, 4, 30), (2026, 1)), (date(2026, 5, 1), (2026, 2)),
        (date(2026, 12, 31), (2026, 9)), (date(2027, 1, 1), (2026, 10)), (date(2027, 3, 31), (2026, 12)),
        (date(2027, 4, 1), (2027, 1)),
    ])
    def test_april_is_period_one_and_march_period_twelve(self, day, expected):  # type: ignore[no-untyped-def]
        assert period_of(day) == expected

    @given(days)
    def test_the_period_starts_on_or_before_the_day_and_the_next_one_after_it(self, day):  # type: ignore[no-untyped-def]
        period = period_of(day)
        assert 1 <= period[1] <= 12
        assert period_start(period) <= day < period_start(next_period(period))

    @given(days)
    def test_the_day_falls_in_the_financial_year_it_names(self, day):  # type: ignore[no-untyped-def]
        year, _ = period_of(day)
        assert date(year, 4, 1) <= day <= date(year + 1, 3, 31)

    @given(days)
    def test_consecutive_days_never_go_back_a_period(self, day):  # type: ignore[no-untyped-def]
        assert period_of(day + timedelta(days=1)) >= period_of(day)

    def test_label(self):  # type: ignore[no-untyped-def]
        assert period_label((2026, 1)) == "2026-27 P01"
        assert period_label((2099, 12)) == "2099-00 P12"


class TestBookingPeriod:
    @given(days, st.sets(periods, max_size=40))
    def test_the_booked_period_is_open_and_never_before_the_dates_own(self, day, closed):  # type: ignore[no-untyped-def]
        choice = booking_period_of(day, closed)
        assert choice.period not in closed
        assert choice.period >= period_of(day)
        assert 1 <= choice.number <= 12

    @given(days, st.sets(periods, max_size=40))
    def test_an_open_period_keeps_its_postings_without_a_note(self, day, closed):  # type: ignore[no-untyped-def]
        closed.discard(period_of(day))
        choice = booking_period_of(day, closed)
        assert choice.period == period_of(day)
        assert choice.note == ""

    @given(days, st.sets(periods, max_size=40))
    def test_a_closed_period_rolls_to_the_first_open_one_after_it_with_a_note(self, day, closed):  # type: ignore[no-untyped-def]
        closed.add(period_of(day))
        choice = booking_period_of(day, closed)
        between = period_of(day)
        while between != choice.period:  # every period skipped over is closed
            assert between in closed
            between = next_period(between)
        assert choice.note == f"{period_label(period_of(day))} is closed: booked in {period_label(choice.period)}"

    def test_march_closed_rolls_into_april_of_the_next_year(self):  # type: ignore[no-untyped-def]
        choice = booking_period_of(date(2027, 3, 15), {(2026, 12)})
        assert choice.period == (2027, 1)
        assert choice.note == "2026-27 P12 is closed: booked in 2027-28 P01"

    def test_ten_years_of_closed_periods_is_refused(self):  # type: ignore[no-untyped-def]
        closed = {(year, number) for year in range(2026, 2037) for number in range(1, 13)}
        with pytest.raises(PeriodsAllClosed):
            booking_period((2026, 1), closed)

    def test_the_roll_table_names_only_the_closed_periods(self):  # type: ignore[no-untyped-def]
        table = roll_table({(2026, 2), (2026, 3)})
        assert [(p, c.period) for p, c in table] == [((2026, 2), (2026, 4)), ((2026, 3), (2026, 4))]


class TestMappingResolution:
    mappings = {("bank", ""): "bank", ("support_expenditure", ""): "spend",
                ("support_expenditure", "contracts.apportionmentrun"): "contract spend"}

    def test_a_mapping_for_the_kind_of_record_wins(self):  # type: ignore[no-untyped-def]
        assert resolve_mapping("support_expenditure", "contracts.apportionmentrun", self.mappings) == "contract spend"
        assert resolve_mapping("support_expenditure", "claims.asfapplication", self.mappings) == "spend"
        assert resolve_mapping("support_expenditure", "", self.mappings) == "spend"

    def test_unmapped_lists_each_missing_key_once_sorted(self):  # type: ignore[no-untyped-def]
        keys = [("asf_income", ""), ("bank", "x.y"), ("asf_income", ""), ("provider_creditors", "claims.invoice")]
        assert unmapped(keys, self.mappings) == [("asf_income", ""), ("provider_creditors", "claims.invoice")]
