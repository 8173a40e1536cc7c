"""Demo data for the ledger: the chart of accounts for every authority, and an opening bank balance funded from
each authority's own budget so the pages have something to show. Idempotent (chart by natural key, posting by
idempotency key)."""

from datetime import date
from typing import Any

from core.money import gbp
from organisations.models import Authority

from .models import Account, AccountCode, Transaction
from .services import account_for, chart_ensure, post

OPENING = gbp("250000")


def seed(ctx: Any) -> None:
    for authority in Authority.objects.order_by("name"):
        before = Account.objects.filter(authority=authority).count()
        chart_ensure(authority=authority)
        for _ in range(Account.objects.filter(authority=authority).count() - before):
            ctx.count("ledger accounts", True)
        key = f"demo:ledger:opening:{authority.short_code}"
        existed = Transaction.objects.filter(idempotency_key=key).exists()
        start = date(ctx.today.year if ctx.today.month >= 4 else ctx.today.year - 1, 4, 1)
        post(
            lines=[
                (account_for(authority=authority, code=AccountCode.BANK), OPENING),
                (account_for(authority=authority, code=AccountCode.TOP_UP_BUDGET), -OPENING),
            ],
            memo="Opening balance: authority adoption support budget",
            idempotency_key=key,
            transaction_date=start,
        )
        ctx.count("ledger transactions", not existed)
