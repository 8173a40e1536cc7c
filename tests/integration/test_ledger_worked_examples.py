"""Worked bookkeeping examples (ARCHITECTURE.md "Money and the ledger"), posted by hand for one authority and
checked account by account. Debits are positive, credits negative."""

from datetime import date

import pytest

from core.money import gbp
from ledger.models import AccountCode as C
from ledger.selectors import balance, entries_for_source, trial_balance
from ledger.services import account_for, chart_ensure, reverse
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db


def balances_of(authority, up_to=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        account.code: str(balance(account=account, up_to=up_to).amount)
        for account in chart_ensure(authority=authority)
    }


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent", name="Kent")


class TestTheAsfMoneyStory:
    """An application approved for £4,000; the fund pays at month end; the provider invoices £3,500 and is paid;
    £500 unspent goes back at spend confirmation; the authority tops up £1,000 from its own budget."""

    def test_every_account_after_each_step(self, kent):  # type: ignore[no-untyped-def]
        application = UserFactory(authority=kent)  # stands in for the record that causes the postings
        post = lambda *pairs, key, on: posted(kent, *pairs, key=key, on=on, source=application)  # noqa: E731

        post((C.BANK, "10000"), (C.TOP_UP_BUDGET, "-10000"), key="budget", on=date(2024, 4, 1))
        post((C.ASF_RECEIVABLE, "4000"), (C.ASF_GRANT_IN_ADVANCE, "-4000"), key="approval", on=date(2024, 5, 10))
        assert balances_of(kent)[C.ASF_RECEIVABLE] == "4000.00"
        assert balances_of(kent)[C.ASF_GRANT_IN_ADVANCE] == "-4000.00"

        post((C.BANK, "4000"), (C.ASF_RECEIVABLE, "-4000"), key="remittance", on=date(2024, 5, 31))
        assert balances_of(kent)[C.ASF_RECEIVABLE] == "0.00"
        assert balances_of(kent)[C.BANK] == "14000.00"

        post((C.SUPPORT_EXPENDITURE, "3500"), (C.PROVIDER_CREDITORS, "-3500"),
             (C.ASF_GRANT_IN_ADVANCE, "3500"), (C.ASF_INCOME, "-3500"), key="invoice", on=date(2024, 7, 1))
        post((C.PROVIDER_CREDITORS, "3500"), (C.BANK, "-3500"), key="payment", on=date(2024, 7, 20))
        post((C.ASF_GRANT_IN_ADVANCE, "500"), (C.BANK, "-500"), key="unspent", on=date(2024, 9, 30))
        post((C.SUPPORT_EXPENDITURE, "1000"), (C.PROVIDER_CREDITORS, "-1000"), key="top-up", on=date(2024, 8, 1))
        post((C.PROVIDER_CREDITORS, "1000"), (C.BANK, "-1000"), key="top-up-paid", on=date(2024, 8, 20))

        assert balances_of(kent) == {
            C.BANK: "9000.00",
            C.ASF_RECEIVABLE: "0.00",
            C.ASF_GRANT_IN_ADVANCE: "0.00",
            C.ASF_INCOME: "-3500.00",
            C.SUPPORT_EXPENDITURE: "4500.00",
            C.PROVIDER_CREDITORS: "0.00",
            C.TOP_UP_BUDGET: "-10000.00",
            C.RECHARGE_RECEIVABLE: "0.00",
            C.CONTRACT_COST_RECOVERED: "0.00",
        }
        # Before the invoice: the fund's money sits as a liability, nothing is spent yet.
        assert balances_of(kent, up_to=date(2024, 6, 30))[C.ASF_GRANT_IN_ADVANCE] == "-4000.00"
        assert balances_of(kent, up_to=date(2024, 6, 30))[C.SUPPORT_EXPENDITURE] == "0.00"
        assert entries_for_source(source=application).count() == 18

    def test_the_trial_balance_of_the_year(self, kent):  # type: ignore[no-untyped-def]
        posted(kent, (C.BANK, "10000"), (C.TOP_UP_BUDGET, "-10000"), on=date(2024, 3, 31))
        posted(kent, (C.ASF_RECEIVABLE, "4000"), (C.ASF_GRANT_IN_ADVANCE, "-4000"), on=date(2024, 5, 10))
        posted(kent, (C.BANK, "4000"), (C.ASF_RECEIVABLE, "-4000"), on=date(2024, 5, 31))
        posted(kent, (C.BANK, "99"), (C.ASF_INCOME, "-99"), on=date(2025, 4, 1))  # next year: left out
        rows = {row["code"]: row for row in trial_balance(authority=kent, start=date(2024, 4, 1),
                                                          end=date(2025, 4, 1))}
        assert rows[C.BANK]["opening"] == gbp("10000")
        assert rows[C.BANK]["debits"] == gbp("4000")
        assert rows[C.BANK]["closing"] == gbp("14000")
        assert rows[C.ASF_RECEIVABLE]["debits"] == gbp("4000")
        assert rows[C.ASF_RECEIVABLE]["credits"] == gbp("4000")
        assert rows[C.ASF_RECEIVABLE]["closing"] == gbp("0")
        assert rows[C.ASF_INCOME]["closing"] == gbp("0")
        assert rows[C.TOP_UP_BUDGET]["closing_credit"] == gbp("10000")
        debits = sum((r["closing_debit"] for r in rows.values()), gbp("0"))
        credits = sum((r["closing_credit"] for r in rows.values()), gbp("0"))
        assert debits == credits == gbp("14000")


class TestARecharge:
    def test_the_lead_authority_recharges_a_partner(self, kent):  # type: ignore[no-untyped-def]
        medway = AuthorityFactory(short_code="medway", name="Medway")
        posted(kent, (C.SUPPORT_EXPENDITURE, "9000"), (C.PROVIDER_CREDITORS, "-9000"))
        receivable = account_for(authority=kent, code=C.RECHARGE_RECEIVABLE, counterparty=medway)
        from ledger.services import post as post_lines

        post_lines(lines=[(receivable, gbp("2000")),
                          (account_for(authority=kent, code=C.CONTRACT_COST_RECOVERED), gbp("-2000"))],
                   memo="Recharge to Medway", idempotency_key="recharge", transaction_date=date(2024, 10, 1))
        assert balance(account=receivable) == gbp("2000")
        assert balance(account=account_for(authority=kent, code=C.RECHARGE_RECEIVABLE)) == gbp("0")
        assert balance(account=account_for(authority=kent, code=C.CONTRACT_COST_RECOVERED)) == gbp("-2000")


class TestAReversal:
    def test_an_invoice_posted_in_error_is_reversed_and_reposted(self, kent):  # type: ignore[no-untyped-def]
        wrong = posted(kent, (C.SUPPORT_EXPENDITURE, "350"), (C.PROVIDER_CREDITORS, "-350"), key="invoice-1",
                       on=date(2024, 7, 1))
        reverse(original=wrong, memo="Invoice keyed as £350, not £305", idempotency_key="invoice-1:reversed",
                transaction_date=date(2024, 7, 2))
        assert balances_of(kent)[C.SUPPORT_EXPENDITURE] == "0.00"
        posted(kent, (C.SUPPORT_EXPENDITURE, "305"), (C.PROVIDER_CREDITORS, "-305"), key="invoice-1:again",
               on=date(2024, 7, 2))
        assert balances_of(kent)[C.SUPPORT_EXPENDITURE] == "305.00"
        assert balances_of(kent)[C.PROVIDER_CREDITORS] == "-305.00"
        # The history stays: the error, its reversal and the correction are all still there.
        assert balances_of(kent, up_to=date(2024, 7, 1))[C.SUPPORT_EXPENDITURE] == "350.00"
