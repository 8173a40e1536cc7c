"""Home-page panel for finance officers and auditors: the balances a finance officer watches, with links."""

from datetime import date
from typing import Any

from django.urls import reverse

from core import home
from core.money import format_gbp
from organisations.models import Role

from .models import Account, AccountCode
from .selectors import balances

WATCHED = (AccountCode.BANK, AccountCode.ASF_RECEIVABLE, AccountCode.ASF_GRANT_IN_ADVANCE,
           AccountCode.PROVIDER_CREDITORS)


@home.register(roles=(Role.FINANCE_OFFICER, Role.AUDITOR), order=70)
def ledger_panel(*, user: Any, today: date) -> dict | None:
    accounts = list(
        Account.objects.for_user(user).filter(code__in=WATCHED, counterparty__isnull=True).select_related("authority")
    )
    if not accounts:
        return None
    amounts = balances(accounts=accounts, up_to=today)
    return {
        "title": "Ledger balances today",
        "table": {
            "caption": "Debit positive, credit negative",
            "head": ["Authority", "Account", "Balance"],
            "rows": [[a.authority.name, a.name, format_gbp(amounts[a.pk])] for a in accounts],
        },
        "links": [
            {"label": "Trial balance", "url": reverse("ledger:trial_balance")},
            {"label": "All ledger accounts", "url": reverse("ledger:accounts")},
        ],
    }
