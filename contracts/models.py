"""The contract register, usage facts and apportionment runs.

Dates: a contract runs from `start_date` to `end_date` inclusive (as contracts are written: 1 April 2016 to
31 March 2018); apportionment periods are inclusive too, because finance officers enter them that way.
A financial year is named by the calendar year it starts in (2016 = 2016-17).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from core import wording
from core.dates import long_date
from core.money import format_gbp
from organisations.scoping import ScopedQuerySet

from .rules import financial_year_label

MONEY = {"max_digits": 14, "decimal_places": 2, "default_currency": "GBP"}


class ProcurementRoute(models.TextChoices):
    BLOCK = "block", "Block contract"
    SPOT = "spot", "Spot purchase"
    FRAMEWORK_CALL_OFF = "framework_call_off", "Framework call-off"
    DYNAMIC_PURCHASING = "dynamic_purchasing", "Dynamic purchasing system"
    SERVICE_AGREEMENT = "service_agreement", "Service agreement"


class Pricing(models.TextChoices):
    BLOCK_SUM = "block_sum", "Block sum"
    PER_REFERRAL = "per_referral", "Per referral"
    PER_SESSION = "per_session", "Per session"
    PER_HOUR = "per_hour", "Per hour"


class ContractStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    EXTENDED = "extended", "Extended"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class UsageMeasure(models.TextChoices):
    REFERRALS = "referrals", "Referrals"
    SESSIONS = "sessions", "Sessions"
    HOURS = "hours", "Hours"
    SPEND = "spend", "Spend (£)"
    CHILDREN = "children", "Children"


PRICING_MEASURE: dict[str, str] = {
    Pricing.PER_REFERRAL: UsageMeasure.REFERRALS,
    Pricing.PER_SESSION: UsageMeasure.SESSIONS,
    Pricing.PER_HOUR: UsageMeasure.HOURS,
}


class ContractQuerySet(ScopedQuerySet):
    """A contract is visible to the users of its lead authority and of every party authority."""

    authority_paths = ("lead_authority", "parties")

    def live_on(self, on_date: date) -> ContractQuerySet:
        return self.filter(
            status__in=[ContractStatus.ACTIVE, ContractStatus.EXTENDED], start_date__lte=on_date, end_date__gte=on_date
        )


class Contract(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="contracts")
    lead_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="led_contracts"
    )
    parties = models.ManyToManyField(
        "organisations.Authority", related_name="contracts",
        help_text="Every authority that shares the contract, the lead included",
    )
    procurement_route = models.CharField(max_length=30, choices=ProcurementRoute.choices)
    pricing = models.CharField(max_length=20, choices=Pricing.choices)
    unit_price = MoneyField(
        null=True, blank=True, help_text="Price per referral, session or hour where the pricing is per unit", **MONEY
    )
    status = FSMField(max_length=20, choices=ContractStatus.choices, default=ContractStatus.PLANNED)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the contract, extensions included")
    original_end_date = models.DateField(null=True, blank=True, help_text="The end date before any extension")
    total_value = MoneyField(**MONEY)
    capacity_per_year = models.PositiveIntegerField(null=True, blank=True)
    capacity_measure = models.CharField(
        max_length=20, choices=UsageMeasure.choices, default=UsageMeasure.REFERRALS,
        help_text="What the capacity counts",
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[parties])

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="contract_status_valid"),
            models.CheckConstraint(condition=Q(total_value__gte=0), name="contract_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    # The lifecycle. Services run these inside a transaction, save, and write a ContractStatusChange.
    @transition(field=status, source=ContractStatus.PLANNED, target=ContractStatus.ACTIVE)
    def activate(self) -> None:
        pass

    @transition(field=status, source=[ContractStatus.ACTIVE, ContractStatus.EXTENDED], target=ContractStatus.EXTENDED)
    def extend(self, *, new_end_date: date) -> None:
        if self.original_end_date is None:
            self.original_end_date = self.end_date
        self.end_date = new_end_date

    @transition(field=status, source=[ContractStatus.ACTIVE, ContractStatus.EXTENDED], target=ContractStatus.EXPIRED)
    def expire(self) -> None:
        pass

    @transition(
        field=status,
        source=[ContractStatus.PLANNED, ContractStatus.ACTIVE, ContractStatus.EXTENDED],
        target=ContractStatus.TERMINATED,
    )
    def terminate(self, *, on_date: date) -> None:
        if on_date < self.end_date:
            self.end_date = max(on_date, self.start_date)

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class ContractStatusChange(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ContractStatus.choices)
    to_status = models.CharField(max_length=20, choices=ContractStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        change = wording.event("contracts.contract", from_state=self.from_status, to_state=self.to_status)
        return f"{self.contract.reference}: {change}"


class ServiceElement(models.Model):
    """A service element or lot of a contract, with the catalogue service types it delivers."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="elements")
    name = models.CharField(max_length=200)
    lot = models.CharField(max_length=40, blank=True)
    service_types = models.ManyToManyField("support.ServiceType", related_name="contract_elements", blank=True)
    history = HistoricalRecords(m2m_fields=[service_types])

    class Meta:
        ordering = ["contract", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="element_name_unique_in_contract")]

    def __str__(self) -> str:
        return self.name


class ExtensionOption(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extension_options")
    length_months = models.PositiveSmallIntegerField()
    decision_by_date = models.DateField()
    exercised_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "decision_by_date"]
        constraints = [models.CheckConstraint(condition=Q(length_months__gt=0), name="extension_has_a_length")]

    def __str__(self) -> str:
        return f"{self.length_months} months (decide by {long_date(self.decision_by_date)})"


class ContractYearValue(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="year_values")
    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts: 2016 for 2016-17")
    value = MoneyField(**MONEY)
    history = HistoricalRecords()

    objects: models.Manager[ContractYearValue] = models.Manager()

    class Meta:
        ordering = ["contract", "financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "financial_year"], name="one_value_per_contract_year"),
            models.CheckConstraint(condition=Q(value__gte=0), name="year_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{financial_year_label(self.financial_year)}: {format_gbp(self.value)}"


class KpiUnit(models.TextChoices):
    PERCENT = "percent", "Per cent"
    COUNT = "count", "Number"
    DAYS = "days", "Days"


class Kpi(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=160)
    definition = models.TextField()
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=10, choices=KpiUnit.choices, default=KpiUnit.PERCENT)
    higher_is_better = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = "KPI"
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="kpi_name_unique_in_contract")]

    def __str__(self) -> str:
        return self.name

    def met_by(self, value: Decimal) -> bool:
        return value >= self.target if self.higher_is_better else value <= self.target


class KpiReturn(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="returns")
    financial_year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(help_text="1 = April to June")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    submitted_date = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "financial_year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "financial_year", "quarter"], name="one_return_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_one_to_four"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {financial_year_label(self.financial_year)} Q{self.quarter} = {self.value}"


class ImportBatch(models.Model):
    """One imported usage file. `digest` is the SHA-256 of its normalised rows, so the same data imported
    again finds this batch and its row keys, and writes nothing."""

    file_name = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, unique=True)
    row_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count} rows)"


class UsageRecordQuerySet(ScopedQuerySet):
    authority_paths = ("contract__lead_authority", "contract__parties")


class UsageRecord(models.Model):
    """One fact of use of a contract by an authority. Unique per source and measure: recording the same
    referral, session, application or imported row twice changes nothing."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="usage_records")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="usage_records")
    usage_date = models.DateField()
    measure = models.CharField(max_length=20, choices=UsageMeasure.choices)
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    source_key = models.CharField(
        max_length=200, help_text="<app_label>.<model>:<pk>[:<event>] or import:<batch>:<row>"
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="usage_records"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = UsageRecordQuerySet.as_manager()

    class Meta:
        ordering = ["usage_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_key", "measure"], name="usage_unique_per_source_and_measure"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="usage_quantity_not_negative"),
            models.CheckConstraint(condition=Q(measure__in=UsageMeasure.values), name="usage_measure_valid"),
        ]
        indexes = [
            models.Index(fields=["contract", "measure", "usage_date"], name="usage_contract_measure_date"),
            # An apportionment's weights (GROUP BY authority over contracts, a measure and a period, up to the run's
            # watermark id) read from this index alone (quantity and id are key columns, not an INCLUDE, which
            # SQLite would refuse).
            models.Index(fields=["contract", "measure", "authority", "usage_date", "quantity", "id"],
                         name="usage_contract_meas_auth_dt_id"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.authority_id} {self.usage_date} {self.measure} {self.quantity}"


class RunStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CALCULATED = "calculated", "Calculated"
    APPROVED = "approved", "Approved"
    RECHARGED = "recharged", "Recharged"


class ApportionmentRunQuerySet(ScopedQuerySet):
    authority_paths = ("contract__lead_authority", "contract__parties")


class ApportionmentRun(models.Model):
    """Sharing a cost between a contract's parties by their usage. Once approved, the run is frozen: its lines
    and usage lines keep every input, so it can be explained and its spreadsheet rebuilt byte for byte."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="apportionment_runs")
    title = models.CharField(max_length=200)
    total_cost = MoneyField(**MONEY)
    cost_start_date = models.DateField()
    cost_end_date = models.DateField()
    basis = models.CharField(max_length=20, choices=UsageMeasure.choices)
    basis_label = models.CharField(
        max_length=80, blank=True, help_text='How the basis reads in explanations, for example "adoptions 2012-15"'
    )
    basis_contracts = models.ManyToManyField(
        Contract, related_name="+", blank=True,
        help_text="Contracts whose usage is the basis (none: this contract's own usage)",
    )
    usage_start_date = models.DateField()
    usage_end_date = models.DateField()
    fixed_share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00"), help_text="Shared equally before the usage split"
    )
    estimate = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="true_ups",
        help_text="The earlier run this one trues up",
    )
    tolerance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="Adjust against the estimate only beyond this difference",
    )
    status = FSMField(max_length=20, choices=RunStatus.choices, default=RunStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    calculated_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    recharged_at = models.DateTimeField(null=True, blank=True)
    recharge_date = models.DateField(null=True, blank=True)
    weight_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    usage_watermark = models.BigIntegerField(
        null=True, blank=True,
        help_text="The highest usage record id when calculated: the run counts the records up to it (usage "
                  "records are append-only, so these never change)",
    )
    inputs = models.JSONField(
        default=dict, blank=True, help_text="Every input frozen at calculation (names, dates, basis, contracts)"
    )
    history = HistoricalRecords(m2m_fields=[basis_contracts])

    objects = ApportionmentRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="run_status_valid"),
            models.CheckConstraint(condition=Q(cost_end_date__gte=F("cost_start_date")), name="run_cost_period"),
            models.CheckConstraint(condition=Q(usage_end_date__gte=F("usage_start_date")), name="run_usage_period"),
            models.CheckConstraint(
                condition=Q(fixed_share_percent__gte=0, fixed_share_percent__lte=100), name="run_fixed_share_range"
            ),
            models.CheckConstraint(condition=Q(tolerance_percent__gte=0) | Q(tolerance_percent__isnull=True),
                                   name="run_tolerance_not_negative"),
            models.CheckConstraint(condition=Q(total_cost__gte=0), name="run_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference}: {self.title}"

    @property
    def frozen(self) -> bool:
        return self.status in (RunStatus.APPROVED, RunStatus.RECHARGED)

    @transition(field=status, source=[RunStatus.DRAFT, RunStatus.CALCULATED], target=RunStatus.CALCULATED)
    def calculate(self) -> None:
        pass

    @transition(field=status, source=RunStatus.CALCULATED, target=RunStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=RunStatus.APPROVED, target=RunStatus.RECHARGED)
    def recharge(self) -> None:
        pass


class ApportionmentRunStatusChange(models.Model):
    run = models.ForeignKey(ApportionmentRun, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=RunStatus.choices)
    to_status = models.CharField(max_length=20, choices=RunStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        change = wording.event("contracts.apportionmentrun", from_state=self.from_status, to_state=self.to_status)
        return f"Apportionment run {self.run_id}: {change}"


class ApportionmentLine(models.Model):
    """One authority's part of a run, with the inputs that explain it."""

    run = models.ForeignKey(ApportionmentRun, on_delete=models.CASCADE, related_name="lines")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    authority_name = models.CharField(max_length=120, help_text="Frozen at calculation")
    weight = models.DecimalField(max_digits=16, decimal_places=2)
    fixed_amount = MoneyField(**MONEY)
    usage_amount = MoneyField(**MONEY)
    amount = MoneyField(**MONEY, help_text="Fixed plus usage part: this authority's share of the cost")
    estimate_amount = MoneyField(null=True, blank=True, **MONEY)
    adjustment = MoneyField(null=True, blank=True, **MONEY, help_text="True-up against the estimate")
    explanation = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    objects: models.Manager[ApportionmentLine] = models.Manager()

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "authority"], name="one_line_per_authority_per_run"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="line_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.explanation


class ApportionmentUsageLine(models.Model):
    """A frozen copy of one usage record a run counted, kept for runs calculated before usage records became
    append-only (they have no `usage_watermark`; their sheet lists these). Runs calculated since read the usage
    records themselves, up to their watermark, and write none of these. No history: never changed."""

    run = models.ForeignKey(ApportionmentRun, on_delete=models.CASCADE, related_name="usage_lines")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    contract_reference = models.CharField(max_length=40)
    usage_date = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    source_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["run", "authority", "usage_date", "id"]
        indexes = [models.Index(fields=["run", "authority"], name="usage_line_run_authority")]

    def __str__(self) -> str:
        return f"{self.contract_reference} {self.usage_date} {self.quantity}"
