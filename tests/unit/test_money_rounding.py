"""Money arriving as a fraction of a penny: claims rounds half up (as people do); an imported contract value that
is not a whole number of pence is refused, not rounded quietly."""

from decimal import Decimal

import pytest
from moneyed import Money

from claims.services._common import _gbp
from contracts.resources import MoneyWidget


@pytest.mark.parametrize(
    ("amount", "pounds"),
    [("50.025", "50.03"), ("50.024", "50.02"), ("0.005", "0.01"), ("100.05", "100.05"), ("-50.025", "-50.03")],
)
def test_claims_rounds_half_a_penny_up(amount: str, pounds: str) -> None:
    assert _gbp(Decimal(amount)) == Money(pounds, "GBP")


def test_half_of_an_odd_penny_amount_rounds_up() -> None:
    assert _gbp(Decimal("100.05") / 2) == Money("50.03", "GBP")


@pytest.mark.parametrize("value", ["1234.565", "0.001", "12.3456"])
def test_an_imported_money_value_in_fractions_of_a_penny_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="whole number of pence"):
        MoneyWidget().clean(value)


@pytest.mark.parametrize(("value", "pounds"), [("1234.56", "1234.56"), ("1,000", "1000.00"), ("7.5", "7.50")])
def test_an_imported_money_value_in_pence_is_kept(value: str, pounds: str) -> None:
    assert MoneyWidget().clean(value) == Money(pounds, "GBP")
