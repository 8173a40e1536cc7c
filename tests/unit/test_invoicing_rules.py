"""invoicing.rules: session prices, due dates, what may be invoiced or credited, the payment file and a run's
totals. Pure: no database, no clock."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from invoicing import rules
from invoicing.rules import Basis, Price, RuleError


def gbp(text: str | Decimal) -> Money:
    return Money(Decimal(text), "GBP")


pennies = st.integers(min_value=1, max_value=10_000_000).map(lambda p: gbp(Decimal(p) / 100))


class TestSessionPrice:
    def test_a_per_session_rate_is_the_price(self):
        assert rules.session_price(Price(Basis.PER_SESSION, gbp("95.00"), ""), duration_minutes=None) == gbp("95.00")

    def test_an_hourly_rate_is_paid_for_the_sessions_length_rounded_half_up(self):
        price = Price(Basis.PER_HOUR, gbp("80.01"), "")
        assert rules.session_price(price, duration_minutes=45) == gbp("60.01")  # 60.0075
        assert rules.session_price(price, duration_minutes=90) == gbp("120.02")  # 120.015

    def test_an_hourly_rate_needs_the_sessions_length(self):
        with pytest.raises(RuleError, match="length is not recorded"):
            rules.session_price(Price(Basis.PER_HOUR, gbp("80.00"), ""), duration_minutes=None)

    def test_refuses_an_unknown_basis_and_a_negative_rate(self):
        with pytest.raises(RuleError):
            rules.session_price(Price("per_moon", gbp("1.00"), ""), duration_minutes=60)
        with pytest.raises(RuleError):
            rules.session_price(Price(Basis.PER_SESSION, gbp("-1.00"), ""), duration_minutes=60)

    @given(rate=pennies, minutes=st.integers(min_value=1, max_value=600))
    def test_an_hourly_price_is_whole_pence_within_half_a_penny(self, rate, minutes):
        price = rules.session_price(Price(Basis.PER_HOUR, rate, ""), duration_minutes=minutes)
        exact = rate.amount * minutes / 60
        assert price.amount == price.amount.quantize(Decimal("0.01"))
        assert abs(price.amount - exact) <= Decimal("0.005")


class TestDueDates:
    def test_thirty_days_after_the_invoice_date(self):
        assert rules.due_date(date(2026, 2, 10)) == date(2026, 3, 12)

    @given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)))
    def test_an_invoice_is_due_on_its_due_date_and_not_the_day_before(self, day):
        due = rules.due_date(day)
        assert rules.is_due(due, by=due)
        assert not rules.is_due(due, by=due - timedelta(days=1))


class TestSessions:
    def candidate(self, **changes):
        fields = {"label": "S", "session_date": date(2026, 3, 4), "referral_provider_id": 1,
                  "referral_authority_id": 10, "already_invoiced": False}
        return rules.SessionCandidate(**{**fields, **changes})

    def test_a_delivered_uninvoiced_session_of_the_provider_passes(self):
        assert rules.session_problems(self.candidate(), provider_id=1, paying_authority_id=10,
                                      invoice_date=date(2026, 3, 4)) == []

    @pytest.mark.parametrize("changes, words", [
        ({"referral_provider_id": 2}, "not referred to your organisation"),
        ({"referral_authority_id": 11}, "another authority"),
        ({"already_invoiced": True}, "already invoiced"),
        ({"session_date": date(2026, 3, 5)}, "after the invoice date"),
    ])
    def test_names_each_reason(self, changes, words):
        problems = rules.session_problems(self.candidate(**changes), provider_id=1, paying_authority_id=10,
                                          invoice_date=date(2026, 3, 4))
        assert any(words in p for p in problems)


class TestCaps:
    def test_sessions_and_money_caps(self):
        problems = rules.cap_problems(label="ASF-1", sessions_before=5, sessions_now=2, sessions_allowed=6,
                                      amount_before=gbp("500"), amount_now=gbp("200"), amount_allowed=gbp("650"))
        assert problems == ["ASF-1: 7 sessions would be invoiced, more than the 6 agreed",
                            "ASF-1: £700.00 would be invoiced, more than the £650.00 approved"]

    def test_exactly_at_the_cap_passes(self):
        assert rules.cap_problems(label="x", sessions_before=5, sessions_now=1, sessions_allowed=6,
                                  amount_before=gbp("500"), amount_now=gbp("150"), amount_allowed=gbp("650")) == []

    def test_no_cap_means_none(self):
        assert rules.cap_problems(label="x", sessions_before=500, sessions_now=1, sessions_allowed=None,
                                  amount_before=gbp("5"), amount_now=gbp("1"), amount_allowed=None) == []


class TestAmounts:
    @pytest.mark.parametrize("value, words", [(gbp("-1.00"), "more than £0"), (gbp("0"), "more than £0"),
                                              (gbp("1.005"), "whole number of pence"),
                                              (Money(Decimal("1"), "EUR"), "pounds sterling"),
                                              (Decimal("1"), "amount in pounds")])
    def test_refuses_bad_amounts(self, value, words):
        with pytest.raises(RuleError, match=words):
            rules.check_amount(value, what="amount")

    def test_accepts_pence(self):
        assert rules.check_amount(gbp("12.30"), what="amount") == gbp("12.30")


class TestCredits:
    @given(line=pennies, credits=st.lists(pennies, max_size=8))
    def test_a_credit_note_never_takes_a_line_below_zero(self, line, credits):
        credited = gbp("0")
        for credit in credits:
            if rules.credit_problem(label="L", line_amount=line, credited=credited, credit=credit) is None:
                credited += credit
        assert gbp("0") <= line - credited <= line
        assert rules.credit_left(line_amount=line, credited=credited) == line - credited

    def test_names_what_is_left(self):
        problem = rules.credit_problem(label="L", line_amount=gbp("100"), credited=gbp("60"), credit=gbp("40.01"))
        assert problem == "L: a credit of £40.01 is more than the £40.00 left on the line"


class TestFiles:
    def test_a_pdf_by_content_not_name(self):
        assert rules.pdf_problem(b"%PDF-1.7 ...") is None
        assert "not a PDF" in rules.pdf_problem(b"PK\x03\x04 a zip called invoice.pdf")
        assert "empty" in rules.pdf_problem(b"")
        assert "10 MB" in rules.pdf_problem(b"%PDF-" + b"0" * rules.MAX_PDF_BYTES)

    @pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
    def test_formula_cells_are_neutralised_in_every_text_column(self, text):
        file = rules.bacs_csv([rules.BacsRow(payee=text, sort_code=text, account_number=text, amount=gbp("1"),
                                             reference=text)])
        assert list(csv.reader(io.StringIO(file)))[1] == ["'" + text] * 3 + ["1.00", "'" + text]

    def test_the_bacs_file(self):
        text = rules.bacs_csv([rules.BacsRow(payee="=cmd", sort_code="309950", account_number="12345678",
                                             amount=gbp("1250.5"), reference="PR-KENT-0001-001")])
        rows = list(csv.reader(io.StringIO(text)))
        assert rows == [list(rules.BACS_HEADER), ["'=cmd", "309950", "12345678", "1250.50", "PR-KENT-0001-001"]]

    @pytest.mark.parametrize("text, ok", [("30-99-50", "309950"), ("309950", "309950"), ("3099", None),
                                          ("30995a", None)])
    def test_sort_codes(self, text, ok):
        if ok:
            assert rules.valid_sort_code(text) == ok
        else:
            with pytest.raises(RuleError):
                rules.valid_sort_code(text)

    def test_account_numbers(self):
        assert rules.valid_account_number("1234 5678") == "12345678"
        with pytest.raises(RuleError):
            rules.valid_account_number("1234567")


class TestRunTotals:
    @given(items=st.lists(st.tuples(st.integers(min_value=1, max_value=5), pennies, st.booleans()), max_size=60))
    def test_run_totals_equal_the_sum_of_lines_to_the_penny(self, items):
        signed = [(provider, -amount if credit else amount) for provider, amount, credit in items]
        totals = rules.provider_totals(signed)
        assert sum((t.amount for t in totals.values()), Decimal("0")) == sum((a.amount for _, a in signed),
                                                                             Decimal("0"))
        payable = rules.payable(totals)
        assert all(t.amount > 0 for t in payable.values())
        assert set(payable) <= set(totals)
