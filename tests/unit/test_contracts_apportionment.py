"""contracts.apportionment: exact splits, clear refusals, and the properties that make a split fair."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from contracts.apportionment import (
    apportion,
    apportion_with_fixed_share,
    exact_shares,
    percent_text,
    true_up,
)


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


class TestApportion:
    def test_splits_the_cafis_contract_by_adoptions_2012_15(self):
        split = apportion(gbp("752550.00"), {"Kent": 430, "Medway": 115, "Bexley": 70})
        # exact: 526,173.1707.., 140,720.7317.., 85,656.0975..: the one penny left goes to Bexley (.75 of a penny)
        assert split == {"Bexley": gbp("85656.10"), "Kent": gbp("526173.17"), "Medway": gbp("140720.73")}
        assert str(split["Bexley"].amount) == "85656.10"
        assert sum(split.values(), gbp("0")) == gbp("752550.00")

    def test_hands_the_odd_penny_to_the_largest_remainder(self):
        # 10.00 by 1:2 -> 3.333.. and 6.666..: remainders .33 and .67 of a penny; 6.67 takes the penny.
        assert apportion(gbp("10.00"), {"a": 1, "b": 2}) == {"a": gbp("3.33"), "b": gbp("6.67")}

    def test_ties_go_to_the_key_that_sorts_first(self):
        assert apportion(gbp("0.02"), {"c": 1, "a": 1, "b": 1}) == {
            "a": gbp("0.01"), "b": gbp("0.01"), "c": gbp("0.00")
        }
        assert apportion(gbp("100.00"), {"z": 1, "y": 1, "x": 1}) == {
            "x": gbp("33.34"), "y": gbp("33.33"), "z": gbp("33.33")
        }

    def test_a_zero_weight_gets_nothing(self):
        assert apportion(gbp("0.05"), {"a": 0, "b": 3, "c": 3}) == {
            "a": gbp("0.00"), "b": gbp("0.03"), "c": gbp("0.02")
        }

    def test_a_single_key_takes_everything(self):
        assert apportion(gbp("123.45"), {"only": Decimal("0.5")}) == {"only": gbp("123.45")}

    def test_decimal_weights_are_exact(self):
        assert apportion(gbp("1.00"), {"a": Decimal("0.1"), "b": Decimal("0.2")}) == {
            "a": gbp("0.33"), "b": gbp("0.67")
        }

    def test_a_zero_total_gives_zero_parts(self):
        assert apportion(gbp("0.00"), {"a": 1, "b": 2}) == {"a": gbp("0.00"), "b": gbp("0.00")}

    def test_a_negative_total_splits_as_its_size(self):
        assert apportion(gbp("-10.00"), {"a": 1, "b": 2}) == {"a": gbp("-3.33"), "b": gbp("-6.67")}

    def test_keys_that_do_not_compare_still_split_deterministically(self):
        first = apportion(gbp("0.01"), {1: 1, "1": 1})
        second = apportion(gbp("0.01"), {"1": 1, 1: 1})
        assert first == second
        assert sum(first.values(), gbp("0")) == gbp("0.01")

    @pytest.mark.parametrize(
        ("total", "weights", "message"),
        [
            (gbp("1.00"), {}, "no weights"),
            (gbp("1.00"), {"a": -1, "b": 2}, "negative"),
            (gbp("1.00"), {"a": 0, "b": Decimal("0")}, "Every weight is zero"),
            (Money(Decimal("1.00"), "EUR"), {"a": 1}, "must be in GBP, not EUR"),
            (Decimal("1.00"), {"a": 1}, "must be a GBP Money amount, not Decimal"),
            (100, {"a": 1}, "not int"),
            (gbp("1.005"), {"a": 1}, "whole number of pennies"),
            (gbp("1.00"), {"a": 1.5}, "not float"),
            (gbp("1.00"), {"a": True}, "not bool"),
            (gbp("1.00"), {"a": "3"}, "not str"),
            (gbp("1.00"), {"a": Decimal("NaN")}, "finite"),
        ],
    )
    def test_refuses_bad_input_with_a_clear_message(self, total, weights, message):
        with pytest.raises(ValueError, match=message):
            apportion(total, weights)


class TestFixedShare:
    def test_twenty_percent_equally_eighty_by_usage(self):
        parts = apportion_with_fixed_share(
            gbp("1000.00"), {"kent": 430, "medway": 115, "bexley": 70}, fixed_percent=Decimal(20)
        )
        fixed = {k: v[0] for k, v in parts.items()}
        usage = {k: v[1] for k, v in parts.items()}
        assert sum(fixed.values(), gbp("0")) == gbp("200.00")
        assert sum(usage.values(), gbp("0")) == gbp("800.00")
        assert fixed == {"bexley": gbp("66.67"), "kent": gbp("66.67"), "medway": gbp("66.66")}
        assert usage == apportion(gbp("800.00"), {"kent": 430, "medway": 115, "bexley": 70})

    def test_a_hundred_percent_fixed_ignores_zero_weights(self):
        parts = apportion_with_fixed_share(gbp("3.00"), {"a": 0, "b": 0}, fixed_percent=Decimal(100))
        assert parts == {"a": (gbp("1.50"), gbp("0.00")), "b": (gbp("1.50"), gbp("0.00"))}

    @pytest.mark.parametrize("percent", [Decimal(-1), Decimal("100.01"), 0.2])
    def test_refuses_a_percentage_out_of_range(self, percent):
        with pytest.raises(ValueError, match="fixed share"):
            apportion_with_fixed_share(gbp("1.00"), {"a": 1}, fixed_percent=percent)


class TestTrueUp:
    def test_adjusts_only_beyond_the_tolerance(self):
        estimate = {"kent": gbp("1000.00"), "medway": gbp("1000.00"), "bexley": gbp("1000.00")}
        actual = {"kent": gbp("1030.00"), "medway": gbp("1030.01"), "bexley": gbp("950.00")}
        assert true_up(estimate=estimate, actual=actual, tolerance_percent=Decimal(3)) == {
            "bexley": gbp("-50.00"), "kent": gbp("0.00"), "medway": gbp("30.01")
        }

    def test_a_key_missing_from_the_estimate_is_adjusted_in_full(self):
        assert true_up(estimate={}, actual={"a": gbp("5.00")}, tolerance_percent=Decimal(3)) == {"a": gbp("5.00")}

    def test_refuses_a_negative_tolerance(self):
        with pytest.raises(ValueError, match="tolerance"):
            true_up(estimate={}, actual={}, tolerance_percent=Decimal(-1))


class TestExplanationHelpers:
    def test_percent_text_rounds_half_up(self):
        assert percent_text(Fraction(115, 615)) == "18.70%"
        assert percent_text(Fraction(1, 8), places=1) == "12.5%"
        assert percent_text(Fraction(1, 800), places=2) == "0.13%"

    def test_exact_shares_add_up_to_one(self):
        shares = exact_shares({"a": 1, "b": 2, "c": Decimal("0.5")})
        assert sum(shares.values()) == 1
        assert shares["b"] == Fraction(4, 7)


# ---- properties ---------------------------------------------------------------------------------------------

totals = st.integers(min_value=0, max_value=10**12).map(lambda p: Money(Decimal(p) / 100, "GBP"))
weight_values = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
)
weight_maps = st.dictionaries(st.text(min_size=1, max_size=6), weight_values, min_size=1, max_size=12).filter(
    lambda w: any(v > 0 for v in w.values())
)


class TestProperties:
    @given(totals, weight_maps)
    def test_the_parts_add_up_exactly(self, total, weights):
        split = apportion(total, weights)
        assert set(split) == set(weights)
        assert sum(split.values(), Money(0, "GBP")) == total
        assert all(str(v.currency) == "GBP" for v in split.values())

    @given(totals, weight_maps)
    def test_each_part_is_within_a_penny_of_its_exact_share(self, total, weights):
        split = apportion(total, weights)
        pennies = int(total.amount * 100)
        for key, fraction in exact_shares(weights).items():
            exact = pennies * fraction
            assert abs(Fraction(int(split[key].amount * 100)) - exact) < 1

    @given(totals, weight_maps)
    def test_a_larger_weight_never_gets_less(self, total, weights):
        split = apportion(total, weights)
        for a in weights:
            for b in weights:
                if weights[a] > weights[b]:
                    assert split[a] >= split[b]

    @given(totals, weight_maps, st.randoms(use_true_random=False))
    def test_the_order_of_the_keys_does_not_matter(self, total, weights, rnd):
        items = list(weights.items())
        rnd.shuffle(items)
        assert apportion(total, dict(items)) == apportion(total, weights)

    @given(totals, weight_maps)
    def test_zero_weights_get_nothing(self, total, weights):
        split = apportion(total, weights)
        for key, weight in weights.items():
            if weight == 0:
                assert split[key].amount == 0

    @given(totals, weight_maps, st.decimals(min_value=0, max_value=100, places=2))
    def test_a_fixed_share_split_still_adds_up(self, total, weights, percent):
        parts = apportion_with_fixed_share(total, weights, fixed_percent=percent)
        assert sum((f + u for f, u in parts.values()), Money(0, "GBP")) == total


