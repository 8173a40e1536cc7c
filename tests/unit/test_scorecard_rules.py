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
    def test_small_numbers_are_suppressed_and_no_total_gives_one_away(self) -> None:
        table = _table()
        # Medway's 3 beside the partnership's 12 would be 12 - 9: Kent's 9 goes too, so on Kent's own sheet its
        # total is hidden as well, and with it hidden Kent's 2 is not 9 - 7 any more.
        assert authority_cells(table, 0, 1) == [7, "[c]", 0, "[c]"]
        assert authority_cells(table, 0, 2) == ["[c]", 0, 0, "[c]"]
        assert summary_cells(table, 0) == ["[c]", "[c]", 12]

    def test_a_sum_over_fewer_than_five_applications_is_suppressed(self) -> None:
        table = _table()
        assert authority_cells(table, 1, 2)[0] == "[c]"
        # Medway's one application beside the partnership's £11,500 would give away its £2,500: Kent's sum goes,
        # and on Kent's sheet the only figure under its hidden total goes with it.
        assert summary_cells(table, 1) == ["[c]", "[c]", Decimal("11500.00")]
        assert authority_cells(table, 1, 1) == ["[c]", Decimal("0.00"), Decimal("0.00"), "[c]"]

    def test_xlsx_has_a_summary_a_sheet_per_authority_and_definitions(self) -> None:
        import io

        from openpyxl import load_workbook

        done: list[int] = []
        book = load_workbook(io.BytesIO(build_xlsx(_table(), progress=done.append)))
        assert book.sheetnames == ["Partnership summary", "Kent", "Medway", "Definitions"]
        assert done == [1, 2]
        medway = list(book["Medway"].iter_rows(values_only=True))
        assert medway[1] == ("Families", "[c]", 0, 0, "[c]")
        kent = list(book["Kent"].iter_rows(values_only=True))
        assert kent[1] == ("Families", 7, "[c]", 0, "[c]")
        assert list(book["Definitions"].iter_rows(values_only=True))[1][:2] == ("Families", "Families who asked")

    def test_csv_rows_carry_the_suppression(self) -> None:
        text = build_csv(_table()).decode()
        assert "Q1 2025-26,1,Medway,Adoption,Families,[c]" in text
        assert "Q1 2025-26,1,Partnership,Total,Sums,11500.00" in text


class TestSecondarySuppression:
    @pytest.mark.parametrize(("cells", "total", "hidden", "total_hidden"), [
        ([7, 2, 0], 9, [True, True, False], False),       # the next smallest above zero goes with the 2
        ([12, 2, 6], 20, [False, True, True], False),
        ([2, 3, 9], 14, [True, True, False], False),      # two hidden already: nothing more
        ([6, 6, 1], 13, [True, False, True], False),      # equals: the first goes
        ([3, 0, 0], 3, [True, False, False], True),       # the total is 3: hidden by itself
        ([0, 0, 0], 0, [False, False, False], False),     # zero is shown
        ([8, 9, 10], 27, [False, False, False], False),
        ([1, 1, 5], 7, [True, True, True], False),        # two hidden ones: the total less 5 gives both away
        ([1, 1, 0], 2, [True, True, False], True),        # the total is 2: hidden by itself
    ])
    def test_a_row(self, cells: list[int], total: int, hidden: list[bool], total_hidden: bool) -> None:
        assert rules.protect_row(cells, total) == (hidden, total_hidden)

    def test_a_hidden_total_takes_the_smallest_cell_with_it(self) -> None:
        assert rules.protect_row([8, 0, 6], 14, total_hidden=True) == ([False, False, True], True)

    def test_one_hidden_cell_and_nothing_else_above_zero_hides_the_total(self) -> None:
        assert rules.protect_row([9, 0], 9, hide={0}) == ([True, False], True)

    def test_the_table_and_its_summary_agree(self) -> None:
        protected = rules.protect_table([[7, 2, 0], [3, 0, 0], [0, 0, 0]])
        assert protected.row_totals == [True, True, False] and not protected.grand_total
        assert protected.rows == [[False, True, False], [True, False, False], [False, False, False]]

    def test_a_row_alone_with_one_small_number_under_a_shown_total(self) -> None:
        protected = rules.protect_table([[7, 2, 0], [20, 0, 6]])
        assert protected.rows[0] == [True, True, False] and not protected.row_totals[0]


def _determined(cells: list[int], hidden: list[bool], total: int) -> list[int]:
    """The hidden cells a reader can work out from the row's shown cells and its (shown) total, knowing only that
    a hidden cell is at least 1 (zero is always shown): those with exactly one possible value."""
    rest = total - sum(c for c, h in zip(cells, hidden, strict=True) if not h)
    k = sum(hidden)
    found = []
    for i, h in enumerate(hidden):
        if not h:
            continue
        possible = [v for v in range(1, rest + 1)
                    if (k == 1 and v == rest) or (k > 1 and rest - v >= k - 1)]
        if len(possible) == 1:
            found.append(i)
    return found


_COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 40))


@settings(max_examples=400)
@given(st.lists(st.lists(_COUNTS, min_size=3, max_size=3), min_size=1, max_size=6))
def test_no_hidden_cell_can_be_worked_out_from_its_row_and_total(rows) -> None:  # type: ignore[no-untyped-def]
    protected = rules.protect_table(rows)
    totals = [sum(r) for r in rows]
    checks = [(row, mask, sum(row), hidden_total)
              for row, mask, hidden_total in zip(rows, protected.rows, protected.row_totals, strict=True)]
    checks.append((totals, protected.row_totals, sum(totals), protected.grand_total))
    for cells, mask, total, total_hidden in checks:
        for c, h in zip(cells, mask, strict=True):
            assert h or not rules.is_suppressed(c)  # every small number hidden
            assert not (h and c == 0)  # zero is never hidden
        if total_hidden:
            assert sum(cells) == 0 or any(mask)  # a hidden total is not the sum of shown cells
        else:
            assert not rules.is_suppressed(total)
            assert _determined(list(cells), list(mask), total) == []


class TestLetterboxFigures:
    def test_each_measure_by_authority_and_the_sum(self) -> None:
        from contact.selectors import PeriodCounts

        counts = {
            (1, "adoption"): PeriodCounts(active_arrangements=2, due=4, on_time=1, late=1, missed=2, held=1,
                                          forwarded=1),
            (1, "other"): PeriodCounts(active_arrangements=1, due=1, on_time=1, late=0, missed=0, held=0,
                                       forwarded=1),
            (2, None): PeriodCounts(active_arrangements=1, due=2, on_time=0, late=0, missed=2, held=0, forwarded=0),
            (9, None): PeriodCounts(active_arrangements=5, due=5, on_time=5, late=0, missed=0, held=0, forwarded=5),
        }
        found = rules.letterbox_figures(counts, [1, 2, 3])
        assert found["letterbox_active"] == {1: 3, 2: 1, 3: 0, None: 4}
        assert found["letterbox_due"] == {1: 5, 2: 2, 3: 0, None: 7}
        assert found["letterbox_missed"] == {1: 2, 2: 2, 3: 0, None: 4}
        assert found["letterbox_forwarded"] == {1: 2, 2: 0, 3: 0, None: 2}
        assert set(found) == {m.key for m in rules.LETTERBOX_MEASURES}

    def test_nothing_gives_zeros(self) -> None:
        assert rules.letterbox_figures({}, [1])["letterbox_held"] == {1: 0, None: 0}


class TestTargetInForce:
    HISTORY = [(date(2000, 4, 1), 20), (date(2025, 7, 1), 10), (date(2026, 4, 1), 8)]

    @pytest.mark.parametrize(("on", "expected"), [
        (date(2025, 4, 1), 20), (date(2025, 6, 30), 20), (date(2025, 7, 1), 10), (date(2026, 3, 31), 10),
        (date(2026, 4, 1), 8), (date(2030, 1, 1), 8),
    ])
    def test_the_latest_on_or_before_the_day(self, on: date, expected: int) -> None:
        assert rules.target_in_force(self.HISTORY, on) == expected
        assert rules.target_in_force(list(reversed(self.HISTORY)), on) == expected

    def test_none_before_the_first_or_without_any(self) -> None:
        assert rules.target_in_force([(date(2025, 7, 1), 10)], date(2025, 4, 1)) is None
        assert rules.target_in_force([], date(2025, 4, 1)) is None

    @given(st.lists(st.tuples(st.dates(), st.integers(1, 200)), unique_by=lambda t: t[0]), st.dates())
    def test_a_later_target_never_changes_an_earlier_day(self, history, on) -> None:  # type: ignore[no-untyped-def]
        before = rules.target_in_force(history, on)
        later = [(on + timedelta(days=1), 999)] if on < date.max else []
        assert rules.target_in_force(history + later, on) == before
