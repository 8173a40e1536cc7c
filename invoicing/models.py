"""Providers' invoices for what they delivered, their lines, the query conversation, credit notes; the providers'
bank details (two people: one enters, another approves); payment runs with their items and remittance advices;
the invoicing terms agreed on a referral (sessions, spot price, extras)."""

from __future__ import annotations

from typing import Any

import django_fsm
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from organisations.scoping import ScopedQuerySet

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default_currency": "GBP"}


def _invoice_storage() -> Any:
    return storages["invoices"]


def _gbp_only(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    return [models.CheckConstraint(condition=Q(**{f"{name}_currency": "GBP"}), name=f"{prefix}_{name}_gbp")
            for name in fields]


class BankDetailsStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second person to approve"
    APPROVED = "approved", "Approved, in use"
    REJECTED = "rejected", "Rejected"
    REPLACED = "replaced", "Replaced by newer details"


class ProviderBankDetails(django_fsm.FSMModelMixin, models.Model):
    """A provider's bank account, as entered by one person and approved by another. A change is a new row: the
    approved one is replaced when the new one is approved, so every version stays, with history."""

    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="+")
    account_name = models.CharField(max_length=140)
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    status = django_fsm.FSMField(max_length=20, choices=BankDetailsStatus.choices, default=BankDetailsStatus.PENDING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "provider bank details"
        ordering = ["provider", "-entered_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BankDetailsStatus.values), name="bank_details_status_valid"),
            models.UniqueConstraint(fields=["provider"], condition=Q(status="approved"),
                                    name="one_approved_bank_account_per_provider"),
            models.UniqueConstraint(fields=["provider"], condition=Q(status="pending"),
                                    name="one_pending_bank_account_per_provider"),
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("entered_by")),
                                   name="bank_details_not_decided_by_enterer"),
            models.CheckConstraint(condition=Q(sort_code__regex=r"^[0-9]{6}$"), name="bank_sort_code_six_digits"),
            models.CheckConstraint(condition=Q(account_number__regex=r"^[0-9]{8}$"),
                                   name="bank_account_number_eight_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: account ending {self.account_number[-4:]}"

    @property
    def sort_code_display(self) -> str:
        return f"{self.sort_code[:2]}-{self.sort_code[2:4]}-{self.sort_code[4:]}"

    @django_fsm.transition(field=status, source=BankDetailsStatus.PENDING, target=BankDetailsStatus.APPROVED)
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=BankDetailsStatus.PENDING, target=BankDetailsStatus.REJECTED)
    def reject(self) -> None:
        pass

    @django_fsm.transition(field=status, source=BankDetailsStatus.APPROVED, target=BankDetailsStatus.REPLACED)
    def replace(self) -> None:
        pass


class ReferralTermsQuerySet(ScopedQuerySet):
    authority_paths = ("referral__authority",)
    provider_paths = ("referral__sent_to",)


class ReferralTerms(models.Model):
    """What may be invoiced on a referral beyond its contract's rate: the sessions agreed, the agreed spot-purchase
    price per session, and the extras (travel up to an allowance, a report at a price)."""

    referral = models.OneToOneField("commissioning.Referral", on_delete=models.PROTECT, related_name="+")
    agreed_sessions = models.PositiveIntegerField(null=True, blank=True)
    spot_price = MoneyField(null=True, blank=True, **MONEY)
    travel_allowance = MoneyField(null=True, blank=True, **MONEY)
    report_price = MoneyField(null=True, blank=True, **MONEY)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = ReferralTermsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "referral invoicing terms"
        constraints = [
            models.CheckConstraint(condition=Q(spot_price__isnull=True) | Q(spot_price__gt=0),
                                   name="terms_spot_price_positive"),
            models.CheckConstraint(condition=Q(travel_allowance__isnull=True) | Q(travel_allowance__gte=0),
                                   name="terms_travel_not_negative"),
            models.CheckConstraint(condition=Q(report_price__isnull=True) | Q(report_price__gt=0),
                                   name="terms_report_price_positive"),
        ]

    def __str__(self) -> str:
        return f"Invoicing terms for referral {self.referral_id}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, to check"
    QUERIED = "queried", "Queried, waiting for the provider"
    APPROVED = "approved", "Approved, to pay"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"


OPEN_STATES = (InvoiceStatus.SUBMITTED, InvoiceStatus.QUERIED)


class InvoiceQuerySet(ScopedQuerySet):
    """The paying authority's finance see it; the provider's staff see their own organisation's."""

    authority_paths = ("paying_authority",)
    provider_paths = ("provider",)


def _not_a_contributor(invoice: Any) -> bool:
    by = getattr(invoice, "_acting_user", None)
    return by is not None and not invoice.contributors.filter(pk=by.pk).exists()


class Invoice(django_fsm.FSMModelMixin, models.Model):
    """A provider's invoice (or credit note) to one paying authority. Submitted -> queried <-> submitted ->
    approved (by someone who neither raised nor changed it; posts the accrual) -> paid in a payment run (by
    someone other than the approver); or rejected, which frees its sessions."""

    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="+")
    paying_authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
                                help_text="The invoice a credit note reverses lines of")
    invoice_number = models.CharField(max_length=60)
    invoice_date = models.DateField()
    due_date = models.DateField()
    total = MoneyField(**MONEY)
    stated_total = MoneyField(**MONEY, help_text="The total on the provider's own PDF")
    status = django_fsm.FSMField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.SUBMITTED)
    pdf = models.FileField(storage=_invoice_storage, upload_to="invoices/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    contributors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+",
                                          help_text="Everyone who raised or changed it: none of them may approve it")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_date = models.DateField(null=True, blank=True)
    remittance_reference = models.CharField(max_length=40, blank=True)
    history = HistoricalRecords(m2m_fields=[contributors])

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-invoice_date", "-id"]
        indexes = [models.Index(fields=["paying_authority", "status", "due_date"], name="invoice_queue")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "invoice_number"], name="invoice_number_per_provider"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_valid"),
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_positive"),
            models.CheckConstraint(condition=Q(stated_total__gt=0), name="invoice_stated_total_positive"),
            models.CheckConstraint(condition=~Q(approved_by=F("raised_by")), name="invoice_not_approved_by_raiser"),
            models.CheckConstraint(condition=~Q(status__in=["approved", "paid"]) | Q(approved_by__isnull=False),
                                   name="invoice_approved_has_approver"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(paid_date__isnull=False),
                                   name="invoice_paid_has_date"),
            models.CheckConstraint(condition=Q(kind="invoice", credits__isnull=True)
                                   | Q(kind="credit_note", credits__isnull=False),
                                   name="credit_note_names_its_invoice"),
            *_gbp_only("invoice", "total", "stated_total"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.invoice_number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def source_label(self) -> str:
        return f"invoicing.invoice:{self.pk}"

    @django_fsm.transition(field=status, source=InvoiceStatus.SUBMITTED, target=InvoiceStatus.QUERIED)
    def query(self) -> None:
        pass

    @django_fsm.transition(field=status, source=InvoiceStatus.QUERIED, target=InvoiceStatus.SUBMITTED)
    def answer(self) -> None:
        pass

    @django_fsm.transition(field=status, source=InvoiceStatus.SUBMITTED, target=InvoiceStatus.APPROVED,
                           conditions=[_not_a_contributor])
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=[InvoiceStatus.SUBMITTED, InvoiceStatus.QUERIED],
                           target=InvoiceStatus.REJECTED)
    def reject(self) -> None:
        pass

    @django_fsm.transition(field=status, source=InvoiceStatus.APPROVED, target=InvoiceStatus.PAID)
    def pay(self) -> None:
        pass


class LineKind(models.TextChoices):
    SESSION = "session", "Session"
    TRAVEL = "travel", "Travel"
    REPORT = "report", "Report"


class Funding(models.TextChoices):
    ASF = "asf", "Adoption Support Fund application"
    CONTRACT = "contract", "Contract"
    SPOT = "spot", "Spot purchase"


class InvoiceLineQuerySet(ScopedQuerySet):
    authority_paths = ("invoice__paying_authority",)
    provider_paths = ("invoice__provider",)


class InvoiceLine(models.Model):
    """One line: a session delivered (priced at the rate that covers it), or an agreed extra; on a credit note, a
    reversal of part or all of an earlier line. `live` is off once its invoice is rejected, which frees the
    session to be invoiced again."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    referral = models.ForeignKey("commissioning.Referral", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("commissioning.SessionDelivered", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    kind = models.CharField(max_length=20, choices=LineKind.choices)
    funding = models.CharField(max_length=20, choices=Funding.choices)
    description = models.CharField(max_length=300)
    rate_source = models.CharField(max_length=300, blank=True)
    expected_amount = MoneyField(**MONEY, help_text="What the rate or the agreed extra allows")
    amount = MoneyField(**MONEY)
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    application_line = models.ForeignKey("claims.ApplicationLine", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    claims_invoice = models.ForeignKey("claims.ProviderInvoice", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", help_text="The draw on the ASF application, once approved")
    credits_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="credit_lines")
    live = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session"],
                                    condition=Q(session__isnull=False, credits_line__isnull=True, live=True),
                                    name="a_session_is_invoiced_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_line_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="invoice_line_kind_valid"),
            models.CheckConstraint(condition=Q(funding__in=Funding.values), name="invoice_line_funding_valid"),
            models.CheckConstraint(condition=~Q(kind="session") | Q(session__isnull=False)
                                   | Q(credits_line__isnull=False), name="session_line_names_its_session"),
            *_gbp_only("invoice_line", "amount", "expected_amount"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def differs(self) -> bool:
        return self.amount != self.expected_amount


class InvoiceEventQuerySet(ScopedQuerySet):
    authority_paths = ("invoice__paying_authority",)
    provider_paths = ("invoice__provider",)


class InvoiceEvent(models.Model):
    """Who moved an invoice, when, from and to, with the message (a query, an answer, a reason)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=InvoiceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=InvoiceStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField()
    message = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = InvoiceEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=InvoiceStatus.values), name="invoice_event_to_valid"),
        ]

    def __str__(self) -> str:
        from core import wording

        change = wording.event("invoicing.invoice", from_state=self.from_status, to_state=self.to_status)
        return f"{self.invoice}: {change}"


class PaymentRunQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)


class PaymentRun(models.Model):
    """One authority's payment run: the approved invoices due by a date, paid on the payment date, grouped per
    provider. Its payment file is kept as made, so it downloads the same bytes every time."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=40, unique=True)
    due_by_date = models.DateField()
    payment_date = models.DateField()
    total = MoneyField(**MONEY)
    bacs_csv = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = PaymentRunQuerySet.as_manager()

    class Meta:
        ordering = ["-payment_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="payment_run_total_positive"),
            *_gbp_only("payment_run", "total"),
        ]

    def __str__(self) -> str:
        return f"Payment run {self.reference}"

    @property
    def source_label(self) -> str:
        return f"invoicing.paymentrun:{self.pk}"


class RemittanceAdviceQuerySet(ScopedQuerySet):
    authority_paths = ("run__authority",)
    provider_paths = ("provider",)


class RemittanceAdvice(models.Model):
    """What one provider was paid in a run, with the bank details it was paid to (as they were then)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="advices")
    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=40, unique=True)
    total = MoneyField(**MONEY)
    bank_details = models.ForeignKey(ProviderBankDetails, on_delete=models.PROTECT, related_name="+")
    letter = models.OneToOneField("notifications.Letter", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="The remittance advice letter sent to the provider")

    objects = RemittanceAdviceQuerySet.as_manager()

    class Meta:
        ordering = ["run", "provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "provider"], name="one_advice_per_provider_per_run"),
            models.CheckConstraint(condition=Q(total__gt=0), name="advice_total_positive"),
            *_gbp_only("advice", "total"),
        ]

    def __str__(self) -> str:
        return f"Remittance advice {self.reference}"


class PaymentRunItemQuerySet(ScopedQuerySet):
    authority_paths = ("run__authority",)
    provider_paths = ("invoice__provider",)


class PaymentRunItem(models.Model):
    """An invoice (or credit note) in a run. An invoice is in one run at most: the database refuses a second."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="items")
    advice = models.ForeignKey(RemittanceAdvice, on_delete=models.PROTECT, related_name="items")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="run_item")
    amount = MoneyField(**MONEY, help_text="Paid (an invoice) or set off (a credit note, negative)")

    objects = PaymentRunItemQuerySet.as_manager()

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="run_item_not_zero"),
            *_gbp_only("run_item", "amount"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} in {self.run}"
