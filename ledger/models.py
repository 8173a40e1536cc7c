"""A small double-entry ledger: accounts per authority, transactions, and append-only signed entries.

An entry's amount is signed: a debit is positive, a credit negative; the entries of a transaction sum to zero
(for each authority whose accounts it touches). `ledger.services.post` is the only writer. On PostgreSQL a deferred
constraint trigger refuses an unbalanced transaction at commit and other triggers refuse UPDATE and DELETE of
entries and transactions (migration 0002): a correction is a reversing transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from core.money import format_gbp
from organisations.scoping import ScopedQuerySet

GBP = "GBP"


class AccountKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"
    EQUITY = "equity", "Equity"


class AccountCode(models.TextChoices):
    BANK = "bank", "Bank"
    ASF_RECEIVABLE = "asf_receivable", "ASF receivable"
    ASF_GRANT_IN_ADVANCE = "asf_grant_in_advance", "ASF grant received in advance"
    ASF_INCOME = "asf_income", "ASF income"
    SUPPORT_EXPENDITURE = "support_expenditure", "Adoption support expenditure"
    PROVIDER_CREDITORS = "provider_creditors", "Provider creditors"
    TOP_UP_BUDGET = "top_up_budget", "Authority top-up budget"
    RECHARGE_RECEIVABLE = "recharge_receivable", "Recharge receivable"
    CONTRACT_COST_RECOVERED = "contract_cost_recovered", "Contract cost recovered"


#: The chart of accounts every authority has: code -> kind. Names come from AccountCode's labels.
CHART: dict[str, str] = {
    AccountCode.BANK: AccountKind.ASSET,
    AccountCode.ASF_RECEIVABLE: AccountKind.ASSET,
    AccountCode.ASF_GRANT_IN_ADVANCE: AccountKind.LIABILITY,
    AccountCode.ASF_INCOME: AccountKind.INCOME,
    AccountCode.SUPPORT_EXPENDITURE: AccountKind.EXPENSE,
    AccountCode.PROVIDER_CREDITORS: AccountKind.LIABILITY,
    AccountCode.TOP_UP_BUDGET: AccountKind.EQUITY,
    AccountCode.RECHARGE_RECEIVABLE: AccountKind.ASSET,
    AccountCode.CONTRACT_COST_RECOVERED: AccountKind.INCOME,
}

#: Kinds whose balance is normally a debit (positive); the others are normally credits (negative).
DEBIT_NORMAL_KINDS = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class AccountQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class Account(models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(max_length=40, choices=AccountCode.choices)
    counterparty = models.ForeignKey(
        "organisations.Authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a sub-account: the other authority (for example a recharge receivable from Medway)",
    )
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.CharField(max_length=3, default=GBP, editable=False)
    history = HistoricalRecords()

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["authority__name", "code", "counterparty__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "code"],
                condition=Q(counterparty__isnull=True),
                name="ledger_account_one_per_code",
            ),
            models.UniqueConstraint(
                fields=["authority", "code", "counterparty"],
                condition=Q(counterparty__isnull=False),
                name="ledger_account_one_per_code_and_counterparty",
            ),
            models.CheckConstraint(condition=Q(currency=GBP), name="ledger_account_gbp_only"),
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_valid"),
            models.CheckConstraint(condition=Q(code__in=AccountCode.values), name="ledger_account_code_valid"),
            models.CheckConstraint(
                condition=~Q(counterparty=models.F("authority")), name="ledger_account_counterparty_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.name}"

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL_KINDS


class Transaction(models.Model):
    transaction_date = models.DateField(db_index=True)
    memo = models.CharField(max_length=255)
    idempotency_key = models.CharField(max_length=200, unique=True)
    source_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
        help_text="The transaction this one reverses (each transaction can be reversed once)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # No django-simple-history here nor on Entry: the ledger is append-only (PostgreSQL refuses UPDATE and DELETE,
    # migration 0002), and each transaction records who posted it and when, so history rows would only repeat it
    # (and cost about a third of every posting: docs/performance.md).

    class Meta:
        ordering = ["transaction_date", "id"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="ledger_tx_source")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id="") | Q(source_type__isnull=False) & ~Q(source_id=""),
                name="ledger_transaction_source_complete",
            ),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="ledger_transaction_key_not_blank"),
        ]

    def __str__(self) -> str:
        return f"Transaction {self.pk} ({self.transaction_date}): {self.memo}"

    @property
    def source_label(self) -> str:
        """`app_label.model:pk`, the form `ledger:entries?source=` takes; empty when nothing caused it."""
        if not self.source_type_id:
            return ""
        return f"{self.source_type.app_label}.{self.source_type.model}:{self.source_id}"  # type: ignore[union-attr]


class EntryQuerySet(ScopedQuerySet):
    authority_paths = ("account__authority",)


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = MoneyField(
        max_digits=14, decimal_places=2, default_currency=GBP, help_text="Debit positive, credit negative"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["transaction_id", "id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_entry_account_tx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            models.CheckConstraint(condition=Q(amount_currency=GBP), name="ledger_entry_gbp_only"),
        ]

    def __str__(self) -> str:
        side = "Dr" if self.amount.amount > 0 else "Cr"
        return f"{side} {self.account.name} {format_gbp(abs(self.amount))}"


# The journal export's models live in their own module (ledger/journals/models.py); importing them here registers
# them with the app. Callers import them from ledger.journals.models.
from .journals.models import AccountMapping, FinancialPeriod, JournalBatch, JournalLine, JournalSettings  # noqa: E402, F401
