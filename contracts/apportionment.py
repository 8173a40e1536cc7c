"""Penny-exact cost sharing. Pure: no ORM, no clock; everything arrives as arguments.

`apportion` splits a GBP total by weights with the largest-remainder method on pennies: every key gets the
floor of its exact share, then the pennies left over go one each to the largest fractional remainders, ties to
the key that sorts first. The parts always add up to the total, each part is within a penny of its exact share,
and a larger weight never gets less than a smaller one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from moneyed import Money

K = TypeVar("K", bound=Hashable)

GBP = "GBP"
HUNDRED = Decimal(100)


def _check_total(total: object) -> int:
    """The total as a whole number of pennies."""
    if not isinstance(total, Money):
        raise ValueError(f"The total to apportion must be a GBP Money amount, not {type(total).__name__}.")
    if str(total.currency) != GBP:
        raise ValueError(f"The total to apportion must be in GBP, not {total.currency}.")
    pennies = total.amount * HUNDRED
    if not pennies.is_finite() or pennies != pennies.to_integral_value():
        raise ValueError(f"The total to apportion must be a whole number of pennies, not {total.amount}.")
    return int(pennies)


def _check_weight(key: object, weight: object) -> Fraction:
    if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
        raise ValueError(
            f"The weight for {key!r} must be a whole number or a Decimal, not {type(weight).__name__}."
        )
    if isinstance(weight, Decimal) and not weight.is_finite():
        raise ValueError(f"The weight for {key!r} must be a finite number, not {weight}.")
    if weight < 0:
        raise ValueError(f"The weight for {key!r} is negative ({weight}): weights must be zero or more.")
    return Fraction(weight)


def sort_keys(keys: list[Any]) -> list[Any]:
    """The keys in a deterministic order that does not depend on the order they came in: their natural order
    where they compare, otherwise by type name and text."""
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=lambda k: (type(k).__name__, str(k), repr(k)))


def apportion(total: Money, weights: Mapping[K, int | Decimal]) -> dict[K, Money]:
    """Split `total` (GBP Money) between the keys of `weights` in proportion to their weights.

    Returns a dict with the same keys (in their sorted order) whose GBP values add up exactly to `total`.
    A zero weight gets £0.00. A negative total is split as its size and the parts negated.
    Raises ValueError for no weights, a negative or non-numeric weight, all weights zero, or a total that is
    not GBP Money in whole pennies.
    """
    pennies = _check_total(total)
    if not weights:
        raise ValueError("There are no weights to apportion by: give at least one.")
    exact_weights = {key: _check_weight(key, weight) for key, weight in weights.items()}
    weight_sum = sum(exact_weights.values(), Fraction(0))
    if weight_sum == 0:
        raise ValueError("Every weight is zero: there is no basis to apportion by.")

    sign = -1 if pennies < 0 else 1
    size = abs(pennies)
    ordered = sort_keys(list(exact_weights))
    floors: dict[Any, int] = {}
    remainders: dict[Any, Fraction] = {}
    for key in ordered:
        exact = size * exact_weights[key] / weight_sum
        floors[key] = exact.numerator // exact.denominator
        remainders[key] = exact - floors[key]
    left_over = size - sum(floors.values())
    # Largest remainder first; among equal remainders, the key that sorts first (stable sort keeps `ordered`).
    by_remainder = sorted(
        (key for key in ordered if remainders[key] > 0), key=lambda key: remainders[key], reverse=True
    )
    for key in by_remainder[:left_over]:
        floors[key] += 1
    return {key: _pennies_to_money(sign * floors[key]) for key in ordered}


def _pennies_to_money(pennies: int) -> Money:
    return Money(Decimal(pennies).scaleb(-2), GBP)


def exact_shares(weights: Mapping[K, int | Decimal]) -> dict[K, Fraction]:
    """Each key's exact fraction of the whole (as a Fraction): used to explain and to check a split."""
    exact_weights = {key: _check_weight(key, weight) for key, weight in weights.items()}
    weight_sum = sum(exact_weights.values(), Fraction(0))
    if weight_sum == 0:
        raise ValueError("Every weight is zero: there is no basis to apportion by.")
    return {key: exact_weights[key] / weight_sum for key in sort_keys(list(exact_weights))}


def apportion_with_fixed_share(
    total: Money, weights: Mapping[K, int | Decimal], *, fixed_percent: Decimal
) -> dict[K, tuple[Money, Money]]:
    """Split `fixed_percent` of `total` equally between the keys and the rest by `weights`.

    Returns, per key, (fixed part, usage part). The fixed pot is the total times the percentage rounded half up
    to the penny; both pots are split by `apportion`, so every part and the whole add up exactly.
    A zero-weight key still takes its equal part of the fixed pot.
    """
    pennies = _check_total(total)
    if isinstance(fixed_percent, bool) or not isinstance(fixed_percent, int | Decimal):
        raise ValueError("The fixed share must be a percentage as a whole number or a Decimal.")
    if not (0 <= fixed_percent <= 100):
        raise ValueError(f"The fixed share must be between 0% and 100%, not {fixed_percent}%.")
    if not weights:
        raise ValueError("There are no weights to apportion by: give at least one.")
    fixed_pennies = int((Decimal(pennies) * Decimal(fixed_percent) / HUNDRED).quantize(Decimal(1), "ROUND_HALF_UP"))
    fixed_total = _pennies_to_money(fixed_pennies)
    variable_total = _pennies_to_money(pennies - fixed_pennies)
    keys = sort_keys(list(weights))
    fixed_parts = apportion(fixed_total, dict.fromkeys(keys, 1))
    if variable_total.amount == 0:
        for key in keys:
            _check_weight(key, weights[key])
        variable_parts = {key: Money(Decimal("0.00"), GBP) for key in keys}
    else:
        variable_parts = apportion(variable_total, weights)
    return {key: (fixed_parts[key], variable_parts[key]) for key in keys}


def true_up(
    *, estimate: Mapping[K, Money], actual: Mapping[K, Money], tolerance_percent: Decimal
) -> dict[K, Money]:
    """The adjustment per key (actual minus estimate) where the actual differs from the estimate by more than
    `tolerance_percent` of the estimate; £0.00 where it is within tolerance (the South Hams and West Devon rule:
    adjust only beyond 3%). Keys missing from one side count as £0.00 there."""
    if isinstance(tolerance_percent, bool) or not isinstance(tolerance_percent, int | Decimal):
        raise ValueError("The tolerance must be a percentage as a whole number or a Decimal.")
    if tolerance_percent < 0:
        raise ValueError(f"The tolerance must be zero or more, not {tolerance_percent}%.")
    out: dict[K, Money] = {}
    for key in sort_keys(list(set(estimate) | set(actual))):
        before = estimate.get(key, Money(Decimal("0.00"), GBP))
        after = actual.get(key, Money(Decimal("0.00"), GBP))
        _check_total(before)
        _check_total(after)
        difference = after.amount - before.amount
        allowed = abs(before.amount) * Decimal(tolerance_percent) / HUNDRED
        out[key] = Money(difference if abs(difference) > allowed else Decimal("0.00"), GBP)
    return out


def percent_text(fraction: Fraction, places: int = 2) -> str:
    """A fraction as a percentage rounded half up: Fraction(115, 615) -> '18.70%'."""
    value = Decimal(fraction.numerator) * HUNDRED / Decimal(fraction.denominator)
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding='ROUND_HALF_UP')}%"


def number_text(value: Decimal) -> str:
    """115.00 -> '115', 2.50 -> '2.5', 1234 -> '1,234': weights as people write them."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    return f"{normal:,f}"
