"""Providers' invoices against application lines, with their maker-checker state machine and status-change
rows."""

from __future__ import annotations

from typing import Any

import django_fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core import wording
from organisations.scoping import ScopedQuerySet

from ._fields import _gbp_and_not_negative, money
from .applications import ApplicationLine, ASFApplication


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", "Received, to approve"
    APPROVED = "approved", "Approved, to pay"
    PAID = "paid", "Paid"


#: Not yet paid: the finance queue's invoices.
UNPAID_INVOICE_STATES = (InvoiceStatus.RECEIVED, InvoiceStatus.APPROVED)


class InvoiceQuerySet(ScopedQuerySet):
    authority_paths = ("application__responsible_authority",)


def _not_the_recorder(invoice: Any) -> bool:
    by = getattr(invoice, "_acting_user", None)
    return by is not None and by.pk != invoice.recorded_by_id


class ProviderInvoice(django_fsm.FSMModelMixin, models.Model):
    """A provider's invoice against an application line. The fund's share is what the approval left for it;
    anything above the approved amount is the authority's top-up and needs a recorded reason.

    Maker and checker: received (recorded, posted as an accrual) -> approved by someone other than whoever recorded
    it -> paid (only an approved invoice)."""

    application = models.ForeignKey(ASFApplication, on_delete=models.PROTECT, related_name="invoices")
    line = models.ForeignKey(ApplicationLine, on_delete=models.PROTECT, related_name="invoices")
    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="asf_invoices")
    invoice_number = models.CharField(max_length=60)
    invoice_date = models.DateField()
    amount = money()
    fund_share = money()
    authority_share = money()
    top_up_reason = models.TextField(blank=True)
    status = django_fsm.FSMField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED)
    paid_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["invoice_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "invoice_number"], name="asf_invoice_number_per_provider"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="asf_invoice_status_valid"),
            models.CheckConstraint(condition=~Q(approved_by=F("recorded_by")),
                                   name="asf_invoice_not_approved_by_recorder"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(approved_by__isnull=False,
                                                                         approved_at__isnull=False),
                                   name="asf_invoice_approved_has_approver"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="asf_invoice_amount_positive"),
            *_gbp_and_not_negative("asf_invoice", "amount", "fund_share", "authority_share"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} invoice {self.invoice_number}"

    @property
    def source_label(self) -> str:
        return f"claims.providerinvoice:{self.pk}"

    @django_fsm.transition(field=status, source=InvoiceStatus.RECEIVED, target=InvoiceStatus.APPROVED,
                           conditions=[_not_the_recorder])
    def approve(self) -> None:
        pass

    @django_fsm.transition(field=status, source=InvoiceStatus.APPROVED, target=InvoiceStatus.PAID)
    def pay(self) -> None:
        pass


class InvoiceStatusChangeQuerySet(ScopedQuerySet):
    authority_paths = ("invoice__application__responsible_authority",)


class InvoiceStatusChange(models.Model):
    """Who moved an invoice, when, from and to (recorded, approved, paid)."""

    invoice = models.ForeignKey(ProviderInvoice, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=InvoiceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=InvoiceStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = InvoiceStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=InvoiceStatus.values),
                                   name="asf_invoice_status_change_to_valid"),
        ]

    def __str__(self) -> str:
        change = wording.event("claims.providerinvoice", from_state=self.from_status, to_state=self.to_status)
        return f"{self.invoice}: {change}"
