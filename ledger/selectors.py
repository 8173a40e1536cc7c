"""Reads of the ledger: balances, a trial balance, the entries behind a figure, and the integrity check.

Periods have an inclusive start and an exclusive end; `up_to` is inclusive (the balance at the end of that day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, Sum
from moneyed import Money

from core.money import GBP

from .models import Account, Entry, Transaction

ZERO = Decimal("0.00")


def _money(value: Decimal | None) -> Money:
    return Money(value if value is not None else ZERO, GBP)


def balance(*, account: Account, up_to: date | None = None) -> Money:
    """The signed balance of `account` (debit positive), from its entries dated on or before `up_to`."""
    entries = Entry.objects.filter(account=account)
    if up_to is not None:
        entries = entries.filter(transaction__transaction_date__lte=up_to)
    return _money(entries.aggregate(total=Sum("amount"))["total"])


def balances(*, accounts: Iterable[Account] | models.QuerySet[Account], up_to: date | None = None) -> dict[int, Money]:
    """Signed balances of many accounts in one query: account id -> Money (zero for an account with no entries)."""
    ids = [a.pk for a in accounts]
    entries = Entry.objects.filter(account_id__in=ids)
    if up_to is not None:
        entries = entries.filter(transaction__transaction_date__lte=up_to)
    totals = dict(entries.values("account_id").annotate(total=Sum("amount")).values_list("account_id", "total"))
    return {pk: _money(totals.get(pk)) for pk in ids}


def accounts_with_balances(*, user: Any, authority_id: int | None = None, up_to: date | None = None) -> list[dict]:
    """The accounts `user` may see (optionally one authority's), each with its balance: the accounts page."""
    accounts = Account.objects.for_user(user).select_related("authority", "counterparty")
    if authority_id is not None:
        accounts = accounts.filter(authority_id=authority_id)
    accounts_list = list(accounts)
    amounts = balances(accounts=accounts_list, up_to=up_to)
    return [{"account": account, "balance": amounts[account.pk]} for account in accounts_list]


def trial_balance(*, authority: Any, start: date, end: date) -> list[dict]:
    """One row per account of `authority`: opening balance (before `start`), debits and credits in
    [start, end), closing balance (before `end`). Debit columns positive, credit columns positive too.

    Each row: account, code, name, kind, opening, debits, credits, movement, closing (all Money), and
    closing_debit / closing_credit (the closing balance on its side, the other side zero). The closing debits
    equal the closing credits when the ledger balances.
    """
    accounts = list(Account.objects.filter(authority=authority).select_related("counterparty"))
    rows = (
        Entry.objects.filter(account__authority=authority, transaction__transaction_date__lt=end)
        .values("account_id")
        .annotate(
            opening=Sum("amount", filter=Q(transaction__transaction_date__lt=start)),
            debits=Sum("amount", filter=Q(transaction__transaction_date__gte=start, amount__gt=0)),
            credits=Sum("amount", filter=Q(transaction__transaction_date__gte=start, amount__lt=0)),
        )
    )
    by_account = {row["account_id"]: row for row in rows}
    out = []
    for account in accounts:
        row = by_account.get(account.pk, {})
        opening = row.get("opening") or ZERO
        debits = row.get("debits") or ZERO
        credits = -(row.get("credits") or ZERO)
        closing = opening + debits - credits
        out.append(
            {
                "account": account,
                "code": account.code,
                "name": account.name,
                "kind": account.kind,
                "opening": _money(opening),
                "debits": _money(debits),
                "credits": _money(credits),
                "movement": _money(debits - credits),
                "closing": _money(closing),
                "closing_debit": _money(closing if closing > 0 else ZERO),
                "closing_credit": _money(-closing if closing < 0 else ZERO),
            }
        )
    return out


def entries_for_source(*, source: models.Model) -> models.QuerySet[Entry]:
    """The entries of every transaction `source` caused (e.g. an ASF application), oldest first."""
    content_type = ContentType.objects.get_for_model(source)
    return entries_for_source_label(content_type=content_type, source_id=str(source.pk))


def entries_for_source_label(*, content_type: ContentType, source_id: str) -> models.QuerySet[Entry]:
    return (
        Entry.objects.filter(transaction__source_type=content_type, transaction__source_id=source_id)
        .select_related("transaction", "account", "account__authority")
        .order_by("transaction__transaction_date", "transaction_id", "id")
    )


def account_entries(*, account: Account) -> models.QuerySet[Entry]:
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction", "account", "account__authority")
        .order_by("transaction__transaction_date", "transaction_id", "id")
    )


def transaction_entries(*, user: Any, transaction_id: int) -> models.QuerySet[Entry]:
    return (
        Entry.objects.for_user(user)
        .filter(transaction_id=transaction_id)
        .select_related("transaction", "account", "account__authority")
        .order_by("id")
    )


def unbalanced_transactions() -> list[dict]:
    """Every transaction that breaks the ledger's rules: entries not summing to zero (in total or for one
    authority), fewer than two entries, a zero or non-GBP entry. Empty when the ledger is sound."""
    problems: dict[int, list[str]] = {}

    def note(transaction_id: int, text: str) -> None:
        problems.setdefault(transaction_id, []).append(text)

    for row in (
        Transaction.objects.annotate(lines=Count("entries"), total=Sum("entries__amount"))
        .filter(Q(lines__lt=2) | ~Q(total=0))
        .values("id", "lines", "total")
    ):
        if row["lines"] < 2:
            note(row["id"], f"has {row['lines']} entries (at least two are needed)")
        if row["total"] is not None and row["total"] != 0:
            note(row["id"], f"entries sum to {row['total']}, not zero")
    for row in (
        Entry.objects.values("transaction_id", "account__authority_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    ):
        note(
            row["transaction_id"],
            f"entries for authority {row['account__authority_id']} sum to {row['total']}, not zero",
        )
    for row in Entry.objects.filter(Q(amount=0) | ~Q(amount_currency=GBP)).values(
        "id", "transaction_id", "amount", "amount_currency"
    ):
        note(row["transaction_id"], f"entry {row['id']} is {row['amount']} {row['amount_currency']}")
    keys = dict(Transaction.objects.filter(pk__in=problems).values_list("id", "idempotency_key"))
    return [
        {"transaction_id": pk, "idempotency_key": keys.get(pk, ""), "problems": texts}
        for pk, texts in sorted(problems.items())
    ]
