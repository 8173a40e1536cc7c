"""The journal export's data: how each ledger account maps to the council's general ledger, the council's financial
periods, and the batches of postings sent to it.

A posting (`ledger.Entry`) joins a batch through one `JournalLine`; the line's one-to-one link to the entry is the
database's guarantee that no posting is ever in two batches. A line keeps the period and the codes it was exported
with, so a batch's file can be written again, byte for byte, after a mapping or a period changes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

from ..models import GBP, AccountCode


class AccountMappingQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class AccountMapping(models.Model):
    """One ledger account code (and, where it matters, the kind of record behind the posting) of one authority,
    mapped to the council's cost centre, subjective code and optional project code."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    account_code = models.CharField(max_length=40, choices=AccountCode.choices)
    source_kind = models.CharField(
        max_length=100, blank=True,
        help_text="Only for postings caused by this kind of record, as app.model (for example "
                  "contracts.apportionmentrun for contract recharges, claims.asfapplication for the fund). "
                  "Leave blank for every posting to the account; a mapping with a kind wins over one without.",
    )
    cost_centre = models.CharField(max_length=40)
    subjective = models.CharField("subjective code", max_length=40)
    project_code = models.CharField(max_length=40, blank=True)
    history = HistoricalRecords()

    objects = AccountMappingQuerySet.as_manager()

    class Meta:
        ordering = ["authority__name", "account_code", "source_kind"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "account_code", "source_kind"],
                                    name="ledger_mapping_one_per_account_and_kind"),
            models.CheckConstraint(condition=~Q(cost_centre="") & ~Q(subjective=""),
                                   name="ledger_mapping_codes_not_blank"),
        ]

    def __str__(self) -> str:
        kind = f" ({self.source_kind})" if self.source_kind else ""
        return f"{self.authority}: {self.get_account_code_display()}{kind} -> {self.cost_centre}/{self.subjective}"


DIGITS_ONLY = RegexValidator(r"^[0-9]*$", "Oracle's ledger ID is a number: enter its digits only, or leave it blank.")
SET_UP_CODE = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                             "Enter a code of letters and digits (and - or _), without spaces.")


class JournalSettingsQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class JournalSettings(models.Model):
    """Each council's own set-up values that its finance system's journal import needs, written by the layouts into
    every file (and frozen on each batch when it is made). An authority with no row gets the defaults."""

    authority = models.OneToOneField("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    oracle_ledger_id = models.CharField(
        "Oracle ledger ID", max_length=20, blank=True, validators=[DIGITS_ONLY],
        help_text="LEDGER_ID in Oracle Fusion's journal import: the number of the council's ledger (digits only). "
                  "Leave blank for the import to default it.")
    unit4_client = models.CharField(
        "Unit4 client", max_length=25, blank=True, validators=[SET_UP_CODE],
        help_text="The client (company) in Unit4 ERP's GL07 batch input. Leave blank to write the authority's "
                  "short code in capitals (KENT).")
    unit4_voucher_type = models.CharField(
        "Unit4 voucher type", max_length=25, default="GL", validators=[SET_UP_CODE],
        help_text="The voucher type Unit4 ERP's GL07 batch input books these journals under")
    history = HistoricalRecords()

    objects = JournalSettingsQuerySet.as_manager()

    class Meta:
        ordering = ["authority__name"]
        verbose_name = "journal settings"
        verbose_name_plural = "journal settings"
        constraints = [
            models.CheckConstraint(condition=Q(oracle_ledger_id__regex=r"^[0-9]*$"),
                                   name="ledger_settings_oracle_ledger_id_digits"),
            models.CheckConstraint(condition=~Q(unit4_voucher_type=""), name="ledger_settings_voucher_type_set"),
        ]

    def __str__(self) -> str:
        return f"Journal settings of {self.authority}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class FinancialPeriodQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class FinancialPeriod(models.Model):
    """A period of the council's financial year (April to March): period 1 is April, period 12 March. A period
    with no row is open."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(help_text="The year the financial year starts in: 2026 for 2026-27")
    number = models.PositiveSmallIntegerField(help_text="1 (April) to 12 (March)")
    status = FSMField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    objects = FinancialPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["authority__name", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "year", "number"], name="ledger_period_one_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=12), name="ledger_period_number_1_to_12"),
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.year}-{(self.year + 1) % 100:02d} period {self.number}"

    @transition(field=status, source=PeriodStatus.OPEN, target=PeriodStatus.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=PeriodStatus.CLOSED, target=PeriodStatus.OPEN)
    def reopen(self) -> None:
        pass


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft: file not written yet"
    EXPORTED = "exported", "Exported"
    CONFIRMED = "confirmed", "Confirmed by finance"


class JournalBatchQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class JournalBatch(models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="Numbered 1, 2, 3... for each authority")
    cut_off_date = models.DateField(help_text="Postings dated on or before this day")
    layout = models.CharField(max_length=30)
    oracle_ledger_id = models.CharField(max_length=20, blank=True,
                                        help_text="The authority's Oracle ledger ID when the batch was made")
    unit4_client = models.CharField(max_length=25, blank=True,
                                    help_text="The Unit4 client when the batch was made (blank: the authority's code)")
    unit4_voucher_type = models.CharField(max_length=25, default="GL",
                                          help_text="The Unit4 voucher type when the batch was made")
    status = FSMField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.DRAFT, protected=False)
    line_count = models.PositiveIntegerField(default=0)
    total_debit = MoneyField(max_digits=14, decimal_places=2, default_currency=GBP, default=0)
    total_credit = MoneyField(max_digits=14, decimal_places=2, default_currency=GBP, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    exported_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="journals/%Y/", blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finance_reference = models.CharField(max_length=60, blank=True,
                                         help_text="The journal's number in the council's general ledger")
    history = HistoricalRecords()

    objects = JournalBatchQuerySet.as_manager()

    class Meta:
        ordering = ["authority__name", "-number"]
        verbose_name_plural = "journal batches"
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"], name="ledger_batch_number_per_authority"),
            models.CheckConstraint(condition=Q(total_debit=models.F("total_credit")),
                                   name="ledger_batch_debits_equal_credits"),
            models.CheckConstraint(condition=Q(total_debit_currency=GBP) & Q(total_credit_currency=GBP),
                                   name="ledger_batch_gbp_only"),
        ]

    def __str__(self) -> str:
        return f"Journal {self.reference}"

    @property
    def reference(self) -> str:
        """The batch's name in every file: J, the authority's code, the number (`J-KENT-000012`)."""
        return f"J-{self.authority.short_code.upper()}-{self.number:06d}"

    @transition(field=status, source=BatchStatus.DRAFT, target=BatchStatus.EXPORTED)
    def mark_exported(self) -> None:
        pass

    @transition(field=status, source=BatchStatus.EXPORTED, target=BatchStatus.CONFIRMED)
    def confirm(self) -> None:
        pass


class JournalLine(models.Model):
    """One posting in one batch, with the period and codes it went out with. Written only by
    `ledger.journals.services.batch_create`, in one INSERT ... SELECT; never changed."""

    batch = models.ForeignKey(JournalBatch, on_delete=models.PROTECT, related_name="lines")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="journal_line",
                                 help_text="Unique: a posting is never in two batches")
    period_year = models.PositiveSmallIntegerField()
    period_number = models.PositiveSmallIntegerField()
    period_note = models.CharField(max_length=200, blank=True)
    cost_centre = models.CharField(max_length=40)
    subjective = models.CharField(max_length=40)
    project_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_number__gte=1, period_number__lte=12),
                                   name="ledger_journal_line_period_1_to_12"),
        ]

    def __str__(self) -> str:
        return f"Line {self.pk} of batch {self.batch_id}"
