"""The scorecard's pure rules on small hand-made cases with known answers, and their properties."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.workdays import england_bank_holidays, working_days_between
from scorecard import rules
from scorecard.spreadsheets import ReturnField, ReturnTable, authority_cells, build_csv, build_xlsx, summary_cells
from support.rules import first_and_last, outcome_change

HOLIDAYS = england_bank_holidays(2024, 2025, 2026)


def counter(first: date = date(2024, 1, 1), last: date = date(2026, 12, 31)) -> rules.WorkingDayCounter:
    return rules.WorkingDayCounter(first, last, holidays=HOLIDAYS)


class TestPeriods:
    def test_quarter_one_is_april_to_june(self) -> None:
        q1 = rules.quarter(2025, 1)
        assert (q1.start, q1.end) == (date(2025, 4, 1), date(2025, 7, 1))
        assert q1.label == "Q1 2025-26 (April to June)"

    def test_quarter_four_ends_on_the_first_of_april(self) -> None:
        q4 = rules.quarter(2025, 4)
        assert (q4.start, q4.end) == (date(2026, 1, 1), date(2026, 4, 1))

    def test_the_quarters_tile_the_year(self) -> None:
        qs = rules.quarters(2025)
        assert qs[0].start == rules.financial_year(2025).start and qs[-1].end == rules.financial_year(2025).end
        assert all(a.end == b.start for a, b in pairwise(qs))

    def test_refuses_a_fifth_quarter(self) -> None:
        with pytest.raises(ValueError, match="1, 2, 3 or 4"):
            rules.quarter(2025, 5)

    def test_a_period_holds_its_start_and_not_its_end(self) -> None:
        q1 = rules.quarter(2025, 1)
        assert date(2025, 4, 1) in q1 and date(2025, 6, 30) in q1 and date(2025, 7, 1) not in q1

    def test_financial_year_of_march_is_the_year_before(self) -> None:
        assert rules.financial_year_of(date(2026, 3, 31)) == 2025
        assert rules.financial_year_of(date(2026, 4, 1)) == 2026


class TestWorkingDays:
    def test_easter_does_not_count(self) -> None:
        # Thursday 17 April 2025; Good Friday 18 and Easter Monday 21 April are bank holidays.
        assert counter().between(date(2025, 4, 17), date(2025, 4, 22)) == 1

    def test_christmas_week(self) -> None:
        # Monday 22 December 2025 to Friday 2 January 2026: 25, 26 December and 1 January are holidays.
        assert counter().between(date(2025, 12, 22), date(2025, 12, 31)) == 5
        assert counter().between(date(2025, 12, 22), date(2026, 1, 2)) == 6

    def test_the_same_day_is_zero(self) -> None:
        assert counter().between(date(2025, 5, 6), date(2025, 5, 6)) == 0

    def test_refuses_a_date_outside_its_span(self) -> None:
        with pytest.raises(ValueError, match="outside"):
            counter().between(date(2020, 1, 1), date(2025, 1, 1))

    @settings(max_examples=200)
    @given(st.dates(date(2024, 1, 1), date(2026, 12, 31)), st.integers(0, 300))
    def test_agrees_with_core_workdays(self, start: date, span: int) -> None:
        end = min(start + timedelta(days=span), date(2026, 12, 31))
        assert counter().between(start, end) == working_days_between(start, end, holidays=HOLIDAYS)


class TestStatistics:
    def test_median_of_an_even_count_interpolates(self) -> None:
        assert rules.percentile([10, 20, 30, 40], "0.5") == Decimal("25")

    def test_ninetieth_percentile_as_percentile_cont(self) -> None:
        # percentile_cont(0.9) over 1..10: position 8.1 between 9 and 10.
        assert rules.percentile(list(range(1, 11)), "0.9") == Decimal("9.1")

    def test_no_values_no_percentile(self) -> None:
        assert rules.percentile([], "0.5") is None

    def test_share_within_target(self) -> None:
        assert rules.share_within([5, 10, 40, 41], 40) == Decimal("75.0")
        assert rules.share_within([1, 2, 3], 0) == Decimal("0.0")
        assert rules.share_within([1, 2, 3], None) is None

    def test_timeliness_summary(self) -> None:
        t = rules.timeliness([3, 1, 2], 2)
        assert (t.count, t.median, t.p90, t.within_target, t.target) == (3, Decimal("2.0"), Decimal("2.8"),
                                                                           Decimal("66.7"), 2)

    @given(st.lists(st.integers(0, 500), min_size=1, max_size=40))
    def test_median_lies_between_min_and_max(self, values: list[int]) -> None:
        median = rules.percentile(values, "0.5")
        p90 = rules.percentile(values, "0.9")
        assert median is not None and p90 is not None
        assert min(values) <= median <= p90 <= max(values)


class TestSuppression:
    @pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "[c]"), (4, "[c]"), (5, 5), (120, 120)])
    def test_fewer_than_five_but_not_none(self, count: int, shown: object) -> None:
        assert rules.suppress(count) == shown


class TestCounts:
    def test_a_case_on_the_last_day_of_a_quarter_stays_in_it(self) -> None:
        facts = [("kent", date(2025, 6, 30)), ("kent", date(2025, 7, 1)), ("medway", date(2025, 4, 1))]
        assert rules.count_in(facts, rules.quarter(2025, 1)) == {"kent": 1, "medway": 1}
        assert rules.count_in(facts, rules.quarter(2025, 2)) == {"kent": 1}

    def test_durations_count_where_the_step_ends(self) -> None:
        # Received in Q1, assessed in Q2: it counts in Q2, with its working days from receipt.
        facts = [("kent", date(2025, 6, 27), date(2025, 7, 4)), ("kent", date(2025, 4, 1), date(2025, 4, 2))]
        assert rules.durations_in(facts, rules.quarter(2025, 2), counter()) == {"kent": [5]}
        assert rules.durations_in(facts, rules.quarter(2025, 1), counter()) == {"kent": [1]}


class TestOpenWork:
    at = date(2025, 7, 1)

    def test_waiting_when_nothing_started(self) -> None:
        assert rules.waiting_at(received=date(2025, 6, 1), started=None, closed=None, at=self.at)

    def test_not_waiting_once_an_assessment_started(self) -> None:
        assert not rules.waiting_at(received=date(2025, 6, 1), started=date(2025, 6, 30), closed=None, at=self.at)

    def test_waiting_at_the_end_when_assessment_started_after_it(self) -> None:
        assert rules.waiting_at(received=date(2025, 6, 1), started=date(2025, 7, 1), closed=None, at=self.at)

    def test_a_withdrawn_request_is_not_waiting(self) -> None:
        assert not rules.waiting_at(received=date(2025, 6, 1), started=None, closed=date(2025, 6, 15), at=self.at)

    def test_a_request_received_after_the_end_is_not_waiting(self) -> None:
        assert not rules.waiting_at(received=date(2025, 7, 1), started=None, closed=None, at=self.at)

    def test_overdue_review(self) -> None:
        assert rules.overdue_at(due=date(2025, 6, 1), completed=None, at=self.at)
        assert rules.overdue_at(due=date(2025, 6, 1), completed=date(2025, 7, 2), at=self.at)
        assert not rules.overdue_at(due=date(2025, 6, 1), completed=date(2025, 6, 20), at=self.at)
        assert not rules.overdue_at(due=date(2025, 7, 1), completed=None, at=self.at)


class TestOutcomes:
    def test_lower_is_better_for_sdq(self) -> None:
        assert outcome_change(24, 16, higher_is_better=False) == rules.IMPROVED
        assert outcome_change(16, 24, higher_is_better=False) == rules.WORSE
        assert outcome_change(16, 16, higher_is_better=False) == rules.SAME

    def test_higher_is_better(self) -> None:
        assert outcome_change(Decimal("3"), Decimal("5"), higher_is_better=True) == rules.IMPROVED

    def test_first_and_last_by_date(self) -> None:
        readings = [(date(2025, 9, 1), 14), (date(2025, 1, 1), 22), (date(2025, 5, 1), 18)]
        assert first_and_last(readings) == (Decimal(22), Decimal(14))

    def test_one_reading_is_no_change(self) -> None:
        assert first_and_last([(date(2025, 1, 1), 22)]) is None

    def test_tally(self) -> None:
        assert rules.tally_changes(["improved", "worse", "improved"]) == {"improved": 2, "same": 0, "worse": 1}


AUTHORITIES = ("kent", "medway", "bexley")
facts_strategy = st.lists(st.tuples(st.sampled_from(AUTHORITIES), st.dates(date(2025, 1, 1), date(2026, 6, 30))),
                          max_size=60)


@given(facts_strategy, st.integers(1, 4))
def test_one_quarters_counts_across_the_three_authorities_add_up_to_the_partnerships(facts, number) -> None:  # type: ignore[no-untyped-def]
    period = rules.quarter(2025, number)
    by_authority = rules.count_in(facts, period)
    partnership = rules.count_in([("partnership", day) for _, day in facts], period)
    assert sum(by_authority[a] for a in AUTHORITIES) == partnership["partnership"]


@given(st.lists(st.tuples(st.sampled_from(AUTHORITIES), st.dates(date(2024, 1, 1), date(2025, 12, 31)),
                          st.integers(0, 120)), max_size=40), st.integers(1, 4))
def test_one_quarters_durations_across_the_three_authorities_make_up_the_partnerships(facts, number) -> None:  # type: ignore[no-untyped-def]
    period = rules.quarter(2025, number)
    pairs = [(a, start, min(start + timedelta(days=span), date(2026, 12, 31))) for a, start, span in facts]
    by_authority = rules.durations_in(pairs, period, counter())
    partnership = rules.durations_in([("p", s, e) for _, s, e in pairs], period, counter())
    assert sorted(d for days in by_authority.values() for d in days) == sorted(partnership.get("p", []))


def _table() -> ReturnTable:
    table = ReturnTable("Return", "Q1 2025-26", 1, [(1, "Kent"), (2, "Medway")],
                        [ReturnField("Families", "Families who asked", "families_requesting", False),
                         ReturnField("Sums", "Approved", "asf_approved_sum", True)])
    table.values = [
        {(1, "adoption"): {"value": 7, "count": 7}, (1, "special_guardianship"): {"value": 2, "count": 2},
         (2, "adoption"): {"value": 3, "count": 3}},
        {(1, "adoption"): {"value": Decimal("9000.00"), "count": 6},
         (2, "adoption"): {"value": Decimal("2500.00"), "count": 1}},
    ]
    return table


class TestReturnFile:
    def test_small_numbers_are_suppressed_and_totals_kept(self) -> None:
        table = _table()
        assert authority_cells(table, 0, 1) == [7, "[c]", 0, 9]
        assert authority_cells(table, 0, 2) == ["[c]", 0, 0, "[c]"]
        assert summary_cells(table, 0) == [9, "[c]", 12]

    def test_a_sum_over_fewer_than_five_applications_is_suppressed(self) -> None:
        table = _table()
        assert authority_cells(table, 1, 1)[0] == Decimal("9000.00")
        assert authority_cells(table, 1, 2)[0] == "[c]"
        assert summary_cells(table, 1) == [Decimal("9000.00"), "[c]", Decimal("11500.00")]

    def test_xlsx_has_a_summary_a_sheet_per_authority_and_definitions(self) -> None:
        import io

        from openpyxl import load_workbook

        done: list[int] = []
        book = load_workbook(io.BytesIO(build_xlsx(_table(), progress=done.append)))
        assert book.sheetnames == ["Partnership summary", "Kent", "Medway", "Definitions"]
        assert done == [1, 2]
        medway = list(book["Medway"].iter_rows(values_only=True))
        assert medway[1] == ("Families", "[c]", 0, 0, "[c]")
        assert list(book["Definitions"].iter_rows(values_only=True))[1][:2] == ("Families", "Families who asked")

    def test_csv_rows_carry_the_suppression(self) -> None:
        text = build_csv(_table()).decode()
        assert "Q1 2025-26,1,Medway,Adoption,Families,[c]" in text
        assert "Q1 2025-26,1,Partnership,Total,Sums,11500.00" in text
