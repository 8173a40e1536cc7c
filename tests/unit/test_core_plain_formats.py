"""Money and dates as people read them: one formatter for money (core.money.format_gbp, the `gbp` filter) and one
date format (config/formats/en_GB: `{{ day|date }}`, core.dates)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import engines
from moneyed import Money

from core.dates import long_date, long_datetime
from core.money import NotGBP, format_gbp


def render(text: str, **context: object) -> str:
    return engines["django"].from_string(text).render(context)


class TestMoney:
    @pytest.mark.parametrize(("value", "shown"), [
        (Money("3600", "GBP"), "£3,600.00"),
        (Money("1234567.89", "GBP"), "£1,234,567.89"),
        (Money("0.5", "GBP"), "£0.50"),
        (Decimal("999.99"), "£999.99"),
        (Decimal("-20"), "-£20.00"),
        (Money("-1250.5", "GBP"), "-£1,250.50"),
        (Decimal("0"), "£0.00"),
        (0, "£0.00"),
        (None, ""),
    ])
    def test_reads_with_thousands_and_pence(self, value: object, shown: str) -> None:
        assert format_gbp(value) == shown  # type: ignore[arg-type]
        assert render("{{ x|gbp }}", x=value) == shown

    @pytest.mark.parametrize(("value", "shown"), [(Decimal("12.345"), "£12.345"), (Decimal("1000.005"), "£1,000.005")])
    def test_does_not_round_an_amount_held_to_more_than_pence_but_shows_it_as_held(self, value: Decimal,
                                                                                   shown: str) -> None:
        assert format_gbp(value) == shown
        assert format_gbp(Money(value, "GBP")) == shown

    def test_refuses_a_float(self) -> None:
        with pytest.raises(TypeError, match="never float"):
            format_gbp(3600.0)  # type: ignore[arg-type]

    def test_refuses_another_currency(self) -> None:
        with pytest.raises(NotGBP):
            format_gbp(Money("10", "EUR"))


class TestDates:
    def test_a_date_reads_day_month_year_in_full(self) -> None:
        assert long_date(date(2026, 3, 4)) == "4 March 2026"
        assert render("{{ d|date }}", d=date(2026, 3, 4)) == "4 March 2026"
        assert render("{{ d }}", d=date(2026, 3, 4)) == "4 March 2026"

    def test_a_moment_reads_in_london_time(self) -> None:
        moment = datetime(2026, 7, 4, 9, 5, tzinfo=UTC)  # 10:05 British Summer Time
        assert long_datetime(moment) == "4 July 2026, 10:05"
        assert render('{{ m|date:"DATETIME_FORMAT" }}', m=moment) == "4 July 2026, 10:05"
