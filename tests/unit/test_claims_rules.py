"""claims.rules: the fund's dated rule sets and the split of a request between the fund and the authority.
Pure: no database, no clock."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from claims import rules
from claims.rules import (
    DEFAULT_RULE_SETS,
    FundSplit,
    NoRulesInForce,
    RuleError,
    RuleSet,
    Scheme,
    age_eligible,
    age_in_years,
    application_deadline,
    financial_year,
    financial_year_bounds,
    headroom,
    rules_on,
    split_request,
    within_window,
)


def gbp(text: str | int) -> Money:
    return Money(Decimal(text), "GBP")


ZERO = gbp("0.00")
LAUNCH = rules_on(date(2015, 5, 1))
WIDER = rules_on(date(2016, 4, 1))
SINGLE = rules_on(date(2016, 10, 6))
SEPARATE = rules_on(date(2017, 4, 1))
COMBINED = rules_on(date(2025, 4, 1))


def split(rule_set: RuleSet, *, therapy: str = "0", assessment: str = "0", ytd_t: str = "0", ytd_a: str = "0"):
    return split_request(rule_set, year_to_date_therapy=gbp(ytd_t), year_to_date_assessment=gbp(ytd_a),
                         therapy=gbp(therapy), assessment=gbp(assessment))


def expect(result: FundSplit, fund: str, authority: str) -> None:
    assert (result.fund, result.authority) == (gbp(fund), gbp(authority))


class TestRulesOn:
    @pytest.mark.parametrize(
        ("day", "scheme", "age"),
        [
            (date(2015, 5, 1), Scheme.NO_LIMIT, 18),
            (date(2016, 3, 31), Scheme.NO_LIMIT, 18),
            (date(2016, 4, 1), Scheme.NO_LIMIT, 21),
            (date(2016, 10, 5), Scheme.NO_LIMIT, 21),
            (date(2016, 10, 6), Scheme.SINGLE_LIMIT_MATCH, 21),
            (date(2017, 3, 31), Scheme.SINGLE_LIMIT_MATCH, 21),
            (date(2017, 4, 1), Scheme.SEPARATE_LIMITS_MATCH, 21),
            (date(2025, 3, 31), Scheme.SEPARATE_LIMITS_MATCH, 21),
            (date(2025, 4, 1), Scheme.COMBINED_LIMIT, 21),
            (date(2030, 1, 1), Scheme.COMBINED_LIMIT, 21),
        ],
    )
    def test_picks_the_rule_set_in_force_on_each_side_of_every_boundary(self, day, scheme, age):
        found = rules_on(day)
        assert (found.scheme, found.age_limit, found.age_limit_with_ehc_plan) == (scheme, age, 25)

    def test_refuses_a_date_before_the_fund_existed(self):
        with pytest.raises(NoRulesInForce, match="30 April 2015"):
            rules_on(date(2015, 4, 30))

    def test_uses_the_rule_sets_passed_in(self):
        mine = (RuleSet(date(2020, 1, 1), "Mine", Scheme.COMBINED_LIMIT, combined_limit=Decimal("100.00"),
                        assessment_limit=Decimal("50.00")),)
        assert rules_on(date(2024, 1, 1), mine).name == "Mine"
        with pytest.raises(NoRulesInForce):
            rules_on(date(2019, 12, 31), mine)

    def test_the_seeded_limits_are_the_published_ones(self):
        assert SINGLE.therapy_limit == Decimal("5000.00") and SINGLE.match_funded_cap == Decimal("30000.00")
        assert SEPARATE.assessment_limit == Decimal("2500.00")
        assert COMBINED.combined_limit == Decimal("3000.00") and not COMBINED.match_funding
        assert SINGLE.match_funding and SEPARATE.match_funding and not LAUNCH.match_funding
        assert all(r.application_window_months == 3 for r in DEFAULT_RULE_SETS)


class TestFinancialYear:
    @pytest.mark.parametrize(
        ("day", "name"),
        [(date(2024, 3, 31), "2023-24"), (date(2024, 4, 1), "2024-25"), (date(2025, 3, 31), "2024-25"),
         (date(2025, 4, 1), "2025-26"), (date(1999, 4, 1), "1999-00"), (date(2016, 12, 31), "2016-17")],
    )
    def test_names_the_year_from_1_april_to_31_march(self, day, name):
        assert financial_year(day) == name

    def test_bounds_are_an_inclusive_start_and_exclusive_end(self):
        assert financial_year_bounds("2024-25") == (date(2024, 4, 1), date(2025, 4, 1))
        assert financial_year_bounds("1999-00") == (date(1999, 4, 1), date(2000, 4, 1))

    @pytest.mark.parametrize("bad", ["2024-26", "2024", "24-25", "abcd-ef", "2024-2025"])
    def test_bounds_refuse_a_malformed_name(self, bad):
        with pytest.raises(RuleError):
            financial_year_bounds(bad)

    @settings(deadline=None)
    @given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
    def test_every_date_lies_inside_its_named_year(self, day):
        start, end = financial_year_bounds(financial_year(day))
        assert start <= day < end


class TestNoLimit:
    @pytest.mark.parametrize("rule_set", [LAUNCH, WIDER])
    def test_the_fund_pays_everything(self, rule_set):
        expect(split(rule_set, therapy="50000.00", assessment="9000.00", ytd_t="100000"), "59000.00", "0.00")

    def test_has_no_yearly_maximum(self):
        assert LAUNCH.max_fund_per_year is None
        assert headroom(LAUNCH, year_to_date_therapy=gbp("1000000"), year_to_date_assessment=ZERO) is None


class TestSingleLimitWithMatchFunding:
    """6 October 2016 to 31 March 2017: X = T + A; fund = min(X, 5000) + min(half of the excess, 25000)."""

    @pytest.mark.parametrize(
        ("therapy", "fund", "authority"),
        [
            ("0.00", "0.00", "0.00"),
            ("4999.99", "4999.99", "0.00"),
            ("5000.00", "5000.00", "0.00"),
            ("5000.01", "5000.00", "0.01"),  # half a penny goes to the authority: rounded down for the fund
            ("5000.02", "5000.01", "0.01"),
            ("5000.03", "5000.01", "0.02"),
            ("54999.98", "29999.99", "24999.99"),
            ("55000.00", "30000.00", "25000.00"),
            ("55000.02", "30000.00", "25000.02"),
            ("100000.00", "30000.00", "70000.00"),
        ],
    )
    def test_the_boundaries_of_the_limit_and_the_cap(self, therapy, fund, authority):
        expect(split(SINGLE, therapy=therapy), fund, authority)

    def test_the_worked_example_from_the_announcement(self):
        # £50,000 package = £5,000 FAL + £22,500 fund + £22,500 authority
        expect(split(SINGLE, therapy="50000.00"), "27500.00", "22500.00")

    def test_assessment_counts_inside_the_one_limit(self):
        expect(split(SINGLE, therapy="3000.00", assessment="2000.00"), "5000.00", "0.00")
        expect(split(SINGLE, therapy="3000.00", assessment="3000.00"), "5500.00", "500.00")
        expect(split(SINGLE, assessment="7000.00"), "6000.00", "1000.00")

    def test_what_the_year_already_holds_comes_first(self):
        expect(split(SINGLE, therapy="1000.00", ytd_t="4000.00"), "1000.00", "0.00")
        expect(split(SINGLE, therapy="1000.00", ytd_t="4500.00"), "750.00", "250.00")
        expect(split(SINGLE, therapy="1000.00", ytd_a="5000.00"), "500.00", "500.00")
        expect(split(SINGLE, therapy="1000.00", ytd_t="55000.00"), "0.00", "1000.00")

    def test_odd_pennies_never_drift(self):
        # cumulative 5000.01 -> fund 5000.00; cumulative 5000.02 -> fund 5000.01: this penny is the fund's
        expect(split(SINGLE, therapy="0.01", ytd_t="5000.01"), "0.01", "0.00")

    def test_the_yearly_maximum_is_the_cap(self):
        assert SINGLE.max_fund_per_year == gbp("30000.00")
        assert headroom(SINGLE, year_to_date_therapy=gbp("50000"), year_to_date_assessment=ZERO) == gbp("2500.00")


class TestSeparateLimitsWithMatchFunding:
    """2017-18 to 2024-25: therapy 5000 then half up to 30000 in all; assessment up to 2500, never matched."""

    def test_the_worked_example_from_the_sources(self):
        expect(split(SEPARATE, therapy="50000.00"), "27500.00", "22500.00")

    @pytest.mark.parametrize(
        ("therapy", "fund", "authority"),
        [
            ("4999.99", "4999.99", "0.00"),
            ("5000.00", "5000.00", "0.00"),
            ("5000.01", "5000.00", "0.01"),
            ("5000.02", "5000.01", "0.01"),
            ("54999.98", "29999.99", "24999.99"),
            ("55000.00", "30000.00", "25000.00"),
            ("55000.01", "30000.00", "25000.01"),
        ],
    )
    def test_the_therapy_boundaries(self, therapy, fund, authority):
        expect(split(SEPARATE, therapy=therapy), fund, authority)

    @pytest.mark.parametrize(
        ("assessment", "fund", "authority"),
        [("2499.99", "2499.99", "0.00"), ("2500.00", "2500.00", "0.00"), ("2500.01", "2500.00", "0.01"),
         ("9000.00", "2500.00", "6500.00")],
    )
    def test_the_assessment_boundaries(self, assessment, fund, authority):
        expect(split(SEPARATE, assessment=assessment), fund, authority)

    def test_the_two_limits_do_not_share(self):
        expect(split(SEPARATE, therapy="5000.00", assessment="2500.00"), "7500.00", "0.00")
        expect(split(SEPARATE, therapy="55000.00", assessment="2500.00"), "32500.00", "25000.00")

    def test_year_to_date_therapy_does_not_use_up_the_assessment_limit(self):
        expect(split(SEPARATE, assessment="2500.00", ytd_t="60000.00"), "2500.00", "0.00")
        expect(split(SEPARATE, assessment="100.00", ytd_a="2450.00"), "50.00", "50.00")
        expect(split(SEPARATE, therapy="2000.00", ytd_t="4000.00"), "1500.00", "500.00")

    def test_the_yearly_maximum_is_the_cap_plus_the_assessment_limit(self):
        assert SEPARATE.max_fund_per_year == gbp("32500.00")


class TestCombinedLimit:
    """From 1 April 2025: fund = min(3000, T + min(A, 2500)); no match funding, the authority tops up."""

    @pytest.mark.parametrize(
        ("therapy", "assessment", "fund", "authority"),
        [
            ("2999.99", "0", "2999.99", "0.00"),
            ("3000.00", "0", "3000.00", "0.00"),
            ("3000.01", "0", "3000.00", "0.01"),
            ("0", "2499.99", "2499.99", "0.00"),
            ("0", "2500.00", "2500.00", "0.00"),
            ("0", "2500.01", "2500.00", "0.01"),
            ("500.00", "2500.00", "3000.00", "0.00"),
            ("500.01", "2500.00", "3000.00", "0.01"),
            ("400.00", "2600.00", "2900.00", "100.00"),
            ("50000.00", "0", "3000.00", "47000.00"),
        ],
    )
    def test_the_boundaries(self, therapy, assessment, fund, authority):
        expect(split(COMBINED, therapy=therapy, assessment=assessment), fund, authority)

    def test_no_match_funding_above_the_limit(self):
        expect(split(COMBINED, therapy="1500.00", ytd_t="2000.00"), "1000.00", "500.00")
        expect(split(COMBINED, therapy="1.00", ytd_t="3000.00"), "0.00", "1.00")

    def test_assessment_sits_inside_the_combined_limit(self):
        expect(split(COMBINED, therapy="1000.00", ytd_a="2500.00"), "500.00", "500.00")
        expect(split(COMBINED, assessment="1000.00", ytd_t="2500.00"), "500.00", "500.00")

    def test_headroom(self):
        assert headroom(COMBINED, year_to_date_therapy=gbp("1000"), year_to_date_assessment=gbp("1500")) == gbp(
            "500.00")
        assert headroom(COMBINED, year_to_date_therapy=gbp("9000"), year_to_date_assessment=ZERO) == gbp("0.00")


class TestBadInput:
    @pytest.mark.parametrize(
        "field", ["year_to_date_therapy", "year_to_date_assessment", "therapy", "assessment"])
    def test_refuses_a_negative_amount(self, field):
        kwargs = dict(year_to_date_therapy=ZERO, year_to_date_assessment=ZERO, therapy=ZERO, assessment=ZERO)
        kwargs[field] = gbp("-0.01")
        with pytest.raises(RuleError, match="cannot be negative"):
            split_request(SEPARATE, **kwargs)

    def test_refuses_another_currency(self):
        with pytest.raises(RuleError, match="GBP, not EUR"):
            split_request(SEPARATE, year_to_date_therapy=ZERO, year_to_date_assessment=ZERO,
                          therapy=Money("10", "EUR"), assessment=ZERO)

    def test_refuses_a_plain_number_or_a_float(self):
        with pytest.raises(RuleError, match="GBP Money"):
            split_request(SEPARATE, year_to_date_therapy=ZERO, year_to_date_assessment=ZERO,
                          therapy=10.5, assessment=ZERO)  # type: ignore[arg-type]

    def test_refuses_a_fraction_of_a_penny(self):
        with pytest.raises(RuleError, match="whole number of pence"):
            split(SEPARATE, therapy="10.005")

    def test_a_rule_set_needs_its_limits(self):
        with pytest.raises(RuleError, match="combined limit"):
            RuleSet(date(2030, 4, 1), "Broken", Scheme.COMBINED_LIMIT, assessment_limit=Decimal("1"))
        with pytest.raises(RuleError, match="Unknown scheme"):
            RuleSet(date(2030, 4, 1), "Broken", "whatever")
        with pytest.raises(RuleError, match="cap cannot be below"):
            RuleSet(date(2030, 4, 1), "Broken", Scheme.SINGLE_LIMIT_MATCH, therapy_limit=Decimal("10"),
                    match_funded_cap=Decimal("5"))
        with pytest.raises(RuleError, match="negative"):
            RuleSet(date(2030, 4, 1), "Broken", Scheme.COMBINED_LIMIT, combined_limit=Decimal("-1"),
                    assessment_limit=Decimal("1"))
        with pytest.raises(RuleError, match="window"):
            RuleSet(date(2030, 4, 1), "Broken", Scheme.NO_LIMIT, application_window_months=0)


class TestApplicationWindow:
    @pytest.mark.parametrize(
        ("assessed", "deadline"),
        [(date(2025, 1, 15), date(2025, 4, 15)), (date(2024, 11, 30), date(2025, 2, 28)),
         (date(2023, 11, 30), date(2024, 2, 29)), (date(2024, 10, 31), date(2025, 1, 31))],
    )
    def test_the_deadline_is_three_calendar_months_on(self, assessed, deadline):
        assert application_deadline(COMBINED, assessment_date=assessed) == deadline

    def test_the_deadline_day_itself_is_inside_the_window(self):
        assessed = date(2025, 1, 15)
        assert within_window(COMBINED, assessment_date=assessed, submitted_date=date(2025, 4, 15))
        assert not within_window(COMBINED, assessment_date=assessed, submitted_date=date(2025, 4, 16))
        assert not within_window(COMBINED, assessment_date=assessed, submitted_date=date(2025, 1, 14))

    def test_a_rule_set_may_give_four_months(self):
        four = RuleSet(date(2025, 4, 1), "Four", Scheme.NO_LIMIT, application_window_months=4)
        assert application_deadline(four, assessment_date=date(2025, 1, 15)) == date(2025, 5, 15)


class TestAge:
    def test_age_in_years_turns_on_the_birthday(self):
        born = date(2004, 6, 10)
        assert age_in_years(date_of_birth=born, on_date=date(2025, 6, 9)) == 20
        assert age_in_years(date_of_birth=born, on_date=date(2025, 6, 10)) == 21

    def test_up_to_and_including_the_age_limit(self):
        born = date(2004, 6, 10)
        assert age_eligible(COMBINED, date_of_birth=born, on_date=date(2026, 6, 9), has_ehc_plan=False)
        assert not age_eligible(COMBINED, date_of_birth=born, on_date=date(2026, 6, 10), has_ehc_plan=False)

    def test_an_ehc_plan_raises_the_limit_to_25(self):
        born = date(2000, 6, 10)
        assert age_eligible(COMBINED, date_of_birth=born, on_date=date(2026, 6, 9), has_ehc_plan=True)
        assert not age_eligible(COMBINED, date_of_birth=born, on_date=date(2026, 6, 10), has_ehc_plan=True)

    def test_the_2015_limit_was_18(self):
        born = date(1997, 1, 1)
        assert age_eligible(LAUNCH, date_of_birth=born, on_date=date(2015, 12, 31), has_ehc_plan=False)
        assert not age_eligible(LAUNCH, date_of_birth=born, on_date=date(2016, 1, 1), has_ehc_plan=False)
        assert age_eligible(WIDER, date_of_birth=born, on_date=date(2016, 4, 1), has_ehc_plan=False)


# ---- properties --------------------------------------------------------------------------------------------------

pennies = st.integers(min_value=0, max_value=8_000_000).map(lambda p: Money(Decimal(p) / 100, "GBP"))
rule_sets = st.sampled_from(DEFAULT_RULE_SETS)


def _split(rule_set, ytd_t, ytd_a, t, a):
    return split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                         therapy=t, assessment=a)


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(rule_sets, pennies, pennies, pennies, pennies)
    def test_fund_plus_authority_is_the_request_and_neither_is_negative(self, rule_set, ytd_t, ytd_a, t, a):
        result = _split(rule_set, ytd_t, ytd_a, t, a)
        assert result.fund + result.authority == t + a
        assert result.fund.amount >= 0 and result.authority.amount >= 0
        assert result.fund.amount == result.fund.amount.quantize(Decimal("0.01"))

    @settings(max_examples=300, deadline=None)
    @given(rule_sets, pennies, pennies, pennies, pennies, pennies, pennies)
    def test_splitting_a_request_in_two_gives_the_same_total(self, rule_set, ytd_t, ytd_a, t1, a1, t2, a2):
        whole = _split(rule_set, ytd_t, ytd_a, t1 + t2, a1 + a2)
        first = _split(rule_set, ytd_t, ytd_a, t1, a1)
        second = _split(rule_set, ytd_t + t1, ytd_a + a1, t2, a2)
        assert first.fund + second.fund == whole.fund
        assert first.authority + second.authority == whole.authority

    @settings(max_examples=200, deadline=None)
    @given(rule_sets, st.lists(st.tuples(pennies, pennies), min_size=1, max_size=8))
    def test_the_cumulative_fund_never_passes_the_yearly_maximum(self, rule_set, requests):
        ytd_t = ytd_a = Money(0, "GBP")
        fund = Money(0, "GBP")
        for t, a in requests:
            fund += _split(rule_set, ytd_t, ytd_a, t, a).fund
            ytd_t, ytd_a = ytd_t + t, ytd_a + a
        cap = rule_set.max_fund_per_year
        if cap is not None:
            assert fund <= cap
            left = headroom(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a)
            assert left is not None and fund + left == cap
        else:
            assert fund == ytd_t + ytd_a

    @settings(max_examples=200, deadline=None)
    @given(rule_sets, pennies, pennies, pennies, pennies)
    def test_the_order_of_two_applications_does_not_change_the_year_total(self, rule_set, t1, a1, t2, a2):
        zero = Money(0, "GBP")
        one_then_two = _split(rule_set, zero, zero, t1, a1).fund + _split(rule_set, t1, a1, t2, a2).fund
        two_then_one = _split(rule_set, zero, zero, t2, a2).fund + _split(rule_set, t2, a2, t1, a1).fund
        assert one_then_two == two_then_one

    @settings(max_examples=300, deadline=None)
    @given(rule_sets, pennies, pennies, pennies, pennies, pennies)
    def test_with_what_the_fund_pays_so_far_the_share_stays_within_the_request(self, rule_set, ytd_t, ytd_a, t, a,
                                                                                paid):
        result = split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a, therapy=t,
                               assessment=a, fund_so_far=paid)
        assert result.fund + result.authority == t + a
        assert Money(0, "GBP") <= result.fund <= t + a

    @settings(max_examples=300, deadline=None)
    @given(rule_sets, pennies, pennies, pennies, pennies)
    def test_when_the_fund_paid_its_full_share_so_far_nothing_changes(self, rule_set, ytd_t, ytd_a, t, a):
        paid = _split(rule_set, Money(0, "GBP"), Money(0, "GBP"), ytd_t, ytd_a).fund
        assert split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a, therapy=t,
                             assessment=a, fund_so_far=paid) == _split(rule_set, ytd_t, ytd_a, t, a)
        assert headroom(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                        fund_so_far=paid) == headroom(rule_set, year_to_date_therapy=ytd_t,
                                                      year_to_date_assessment=ytd_a)

    @settings(max_examples=300, deadline=None)
    @given(rule_sets, st.lists(st.tuples(pennies, pennies, st.integers(0, 100)), min_size=1, max_size=6))
    def test_what_the_fund_pays_in_the_year_never_passes_what_the_rules_give_for_it(self, rule_set, requests):
        """Each approval may be cut (the fund pays a part of its share): the fund's year total stays within what
        the rules give for the whole year's costs, and each share uses what earlier cuts left."""
        zero = Money(0, "GBP")
        ytd_t = ytd_a = paid = zero
        for t, a, percent in requests:
            share = split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                                  therapy=t, assessment=a, fund_so_far=paid).fund
            paid += Money((share.amount * percent / 100).quantize(Decimal("0.01")), "GBP")
            ytd_t, ytd_a = ytd_t + t, ytd_a + a
        assert paid <= _split(rule_set, zero, zero, ytd_t, ytd_a).fund


def test_the_module_touches_neither_the_database_nor_the_clock():
    with open(rules.__file__) as handle:
        source = handle.read()
    assert "django" not in source and "today()" not in source and "now()" not in source
