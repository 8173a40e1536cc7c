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


def format_gbp(value: Money | Decimal | int | None) -> str:
    """Money as people read it: £3,600.00, negative amounts as -£20.00 (a hyphen-minus, as spreadsheets and
    emails take it), None as "". The one formatter of money for people: the `gbp` template filter is this.

    It never rounds: an amount with more than two decimal places (none is stored: every MoneyField holds pence)
    is shown as held, £12.345, so a rounding slip shows rather than hides. A float, or another currency, is an
    error."""
    if value is None:
        return ""
    if isinstance(value, Money):
        require_gbp(value)
        amount = value.amount
    elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        amount = Decimal(value)
    else:
        raise TypeError(f"money is a Money or a Decimal, never {type(value).__name__}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        amount = amount.quantize(PENNY)  # adds zeros only: exact
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,}"
