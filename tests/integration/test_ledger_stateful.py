"""A hypothesis state machine over the ledger alone: random posts, reposts with the same key (identical or not),
unbalanced attempts, reversals and repeated reversals. After every step the ledger balances, nothing was lost or
doubled, and every account's balance equals both the model's and the sum of its entries."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test
from moneyed import Money

from ledger.models import CHART, Entry, Transaction
from ledger.selectors import balance, unbalanced_transactions
from ledger.services import AlreadyReversed, IdempotencyConflict, Unbalanced, chart_ensure, post, reverse
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db

_run = count(1)
START = date(2025, 4, 1)
PENCE = st.integers(min_value=-500_000, max_value=500_000).filter(lambda n: n != 0)


def gbp_pence(pence: int) -> Money:
    return Money(Decimal(pence) / 100, "GBP")


class LedgerMachine(RuleBasedStateMachine):
    posted = Bundle("posted")

    def __init__(self) -> None:
        super().__init__()
        self.run = next(_run)
        self.authority = AuthorityFactory()
        self.accounts = chart_ensure(authority=self.authority)
        self.expected: Counter[int] = Counter()  # account id -> pence
        self.transactions = 0
        self.reversed: set[int] = set()
        self.keys = count(1)

    def key(self) -> str:
        return f"run{self.run}:{next(self.keys)}"

    def lines(self, picks: list[int], amounts: list[int]) -> list[tuple]:
        amounts = list(amounts)
        last = -sum(amounts)
        if last == 0:
            amounts[0] += 1
            last = -1
        return [(self.accounts[i], gbp_pence(a)) for i, a in zip(picks, [*amounts, last], strict=True)]

    def apply(self, lines: list[tuple], sign: int = 1) -> None:
        for account, amount in lines:
            self.expected[account.pk] += sign * int(amount.amount * 100)

    @rule(
        target=posted,
        picks=st.lists(st.integers(0, len(CHART) - 1), min_size=2, max_size=5),
        data=st.data(),
        days=st.integers(0, 400),
    )
    def post_balanced(self, picks, data, days):  # type: ignore[no-untyped-def]
        amounts = data.draw(st.lists(PENCE, min_size=len(picks) - 1, max_size=len(picks) - 1))
        lines = self.lines(picks, amounts)
        key = self.key()
        tx = post(lines=lines, memo="random", idempotency_key=key, transaction_date=START + timedelta(days=days))
        self.apply(lines)
        self.transactions += 1
        return (tx.pk, key, lines)

    @rule(item=posted)
    def repost_the_same(self, item):  # type: ignore[no-untyped-def]
        pk, key, lines = item
        again = post(lines=list(reversed(lines)), memo="retry", idempotency_key=key, transaction_date=START)
        assert again.pk == pk

    @rule(item=posted, extra=PENCE)
    def repost_the_key_with_other_lines(self, item, extra):  # type: ignore[no-untyped-def]
        _, key, lines = item
        (first, a), (second, b) = lines[0], lines[1]
        changed = [(first, a + gbp_pence(extra)), (second, b - gbp_pence(extra)), *lines[2:]]
        def signature(pairs):  # type: ignore[no-untyped-def]
            return sorted((account.pk, amount.amount) for account, amount in pairs)

        if any(amount.amount == 0 for _, amount in changed) or signature(changed) == signature(lines):
            return
        with pytest.raises(IdempotencyConflict):
            post(lines=changed, memo="conflict", idempotency_key=key, transaction_date=START)

    @rule(picks=st.lists(st.integers(0, len(CHART) - 1), min_size=2, max_size=4), data=st.data())
    def post_unbalanced(self, picks, data):  # type: ignore[no-untyped-def]
        amounts = data.draw(st.lists(PENCE, min_size=len(picks), max_size=len(picks)))
        if sum(amounts) == 0:
            amounts[0] += 1 if amounts[0] != -1 else 2
        with pytest.raises(Unbalanced):
            post(lines=[(self.accounts[i], gbp_pence(a)) for i, a in zip(picks, amounts, strict=True)],
                 memo="unbalanced", idempotency_key=self.key(), transaction_date=START)

    @rule(item=consumes(posted))
    def reverse_once(self, item):  # type: ignore[no-untyped-def]
        pk, _, lines = item
        original = Transaction.objects.get(pk=pk)
        key = f"{self.key()}:rev"
        reversal = reverse(original=original, memo="reversal", idempotency_key=key, transaction_date=START)
        self.apply(lines, sign=-1)
        self.transactions += 1
        self.reversed.add(pk)
        assert reverse(original=original, memo="retry", idempotency_key=key, transaction_date=START) == reversal
        with pytest.raises(AlreadyReversed):
            reverse(original=original, memo="again", idempotency_key=self.key(), transaction_date=START)

    @invariant()
    def nothing_lost_or_doubled(self) -> None:
        mine = Transaction.objects.filter(idempotency_key__startswith=f"run{self.run}:")
        assert mine.count() == self.transactions

    @invariant()
    def every_balance_is_the_sum_of_its_entries(self) -> None:
        for account in self.accounts:
            from_entries = sum((e.amount.amount for e in Entry.objects.filter(account=account)), Decimal(0))
            got = balance(account=account).amount
            assert got == from_entries == Decimal(self.expected[account.pk]) / 100, account.code

    @invariant()
    def the_ledger_balances(self) -> None:
        assert unbalanced_transactions() == []
        assert sum(balance(account=a).amount for a in self.accounts) == 0


def test_the_ledger_always_balances():  # type: ignore[no-untyped-def]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
