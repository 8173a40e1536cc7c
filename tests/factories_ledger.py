"""Factories and helpers for ledger tests: accounts come from the chart, transactions only through post()."""

from datetime import date
from itertools import count

import factory
from factory.django import DjangoModelFactory

from core.money import gbp
from ledger.models import CHART, Account, AccountCode
from ledger.services import account_for, post
from tests.factories import AuthorityFactory

_keys = count(1)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("authority", "code", "counterparty")

    authority = factory.SubFactory(AuthorityFactory)
    code = AccountCode.BANK
    counterparty = None
    name = factory.LazyAttribute(lambda o: AccountCode(o.code).label)
    kind = factory.LazyAttribute(lambda o: CHART[o.code])


def posted(authority, *pairs, key=None, on=date(2026, 4, 1), memo="Test posting", by=None, source=None):  # type: ignore[no-untyped-def]
    """post() with (code, amount) pairs for one authority: posted(kent, ("bank", "10"), ("asf_income", "-10"))."""
    lines = [(account_for(authority=authority, code=code), gbp(amount)) for code, amount in pairs]
    return post(lines=lines, memo=memo, idempotency_key=key or f"test:{next(_keys)}", transaction_date=on,
                by=by, source=source)
