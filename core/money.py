"""Money helpers. Money is `moneyed.Money` in GBP end to end; no float ever touches it."""

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from moneyed import Money

GBP = "GBP"
PENNY = Decimal("0.01")


class NotGBP(ValueError):
    pass


def gbp(amount: Decimal | int | str) -> Money:
    """A GBP amount from a Decimal, int or decimal string (never a float), rounded half up to the penny."""
    if isinstance(amount, float):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    return Money(Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP), GBP)


def zero() -> Money:
    return Money(Decimal("0.00"), GBP)


def require_gbp(value: object, *, what: str = "amount") -> Money:
    if not isinstance(value, Money):
        raise NotGBP(f"The {what} must be a GBP Money amount, not {type(value).__name__}.")
    if str(value.currency) != GBP:
        raise NotGBP(f"The {what} must be in GBP, not {value.currency}.")
    return value


def total(values: Iterable[Money]) -> Money:
    return sum(values, zero())


def half_down(value: Money) -> Money:
    """Half of an amount, rounded down to the penny (the fund's share of match funding)."""
    return Money((value.amount / 2).quantize(PENNY, rounding=ROUND_DOWN), GBP)


def format_gbp(value: Money | Decimal | None) -> str:
    """£1,234.50; negative amounts as -£12.00. Formatted here because py-moneyed rounds half-even for display."""
    if value is None:
        return ""
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
