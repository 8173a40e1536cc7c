"""Demo data for the ledger: the chart of accounts for every authority, an opening bank balance funded from each
authority's own budget so the pages have something to show, and a complete mapping of every account to the
council's codes and its journal settings, so a finance officer can make and download a journal at once.
Idempotent (chart, mappings and settings by natural key, posting by idempotency key)."""

from datetime import date
from typing import Any

from core.money import gbp
from organisations.models import Authority

from .journals.models import AccountMapping, JournalSettings
from .journals.services import mapping_save, settings_save
from .models import CHART, Account, AccountCode, Transaction
from .services import account_for, chart_ensure, post

OPENING = gbp("250000")

#: Made-up subjective (account) codes in the style of a council's chart (B balance sheet, I income, E expenditure).
DEMO_SUBJECTIVES: dict[str, str] = {
    AccountCode.BANK: "B1000",
    AccountCode.ASF_RECEIVABLE: "B2110",
    AccountCode.ASF_GRANT_IN_ADVANCE: "B4110",
    AccountCode.ASF_INCOME: "I9110",
    AccountCode.SUPPORT_EXPENDITURE: "E5310",
    AccountCode.PROVIDER_CREDITORS: "B4210",
    AccountCode.TOP_UP_BUDGET: "B0010",
    AccountCode.RECHARGE_RECEIVABLE: "B2150",
    AccountCode.CONTRACT_COST_RECOVERED: "I9150",
}


def demo_cost_centre(authority: Authority) -> str:
    """The authority's post-adoption support cost centre in the demo: KENT-PAS."""
    return f"{authority.short_code.upper()[:8]}-PAS"


def _seed_journal_settings(ctx: Any, authority: Authority, n: int) -> None:
    """Made-up set-up values: an Oracle ledger number, a two-letter Unit4 client, Unit4's usual GL voucher type."""
    if JournalSettings.objects.filter(authority=authority).exists():
        return
    settings_save(authority=authority, oracle_ledger_id=f"30000004697{5971 + n}",
                  unit4_client=authority.short_code.upper()[:2], unit4_voucher_type="GL", by=None)
    ctx.count("journal settings", True)


def _seed_mappings(ctx: Any, authority: Authority) -> None:
    have = set(AccountMapping.objects.filter(authority=authority, source_kind="").values_list("account_code",
                                                                                              flat=True))
    for code in CHART:
        if code in have:
            continue
        mapping_save(authority=authority, account_code=code, cost_centre=demo_cost_centre(authority),
                     subjective=DEMO_SUBJECTIVES[code], by=None)
        ctx.count("journal account mappings", True)
    # Contract recharges carry the shared contract's project code: a mapping for the kind of record wins.
    if not AccountMapping.objects.filter(authority=authority, account_code=AccountCode.RECHARGE_RECEIVABLE,
                                         source_kind="contracts.apportionmentrun").exists():
        mapping_save(authority=authority, account_code=AccountCode.RECHARGE_RECEIVABLE,
                     source_kind="contracts.apportionmentrun", cost_centre=demo_cost_centre(authority),
                     subjective=DEMO_SUBJECTIVES[AccountCode.RECHARGE_RECEIVABLE], project_code="P-RAA-SHARED",
                     by=None)
        ctx.count("journal account mappings", True)


def seed(ctx: Any) -> None:
    for n, authority in enumerate(Authority.objects.order_by("name")):
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
        _seed_mappings(ctx, authority)
        _seed_journal_settings(ctx, authority, n)
