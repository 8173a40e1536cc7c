"""Back office for invoicing: read-only. Every write goes through the pages, which call the services (and post to
the ledger); referral terms are set through invoicing.services.terms."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Invoice, PaymentRun, ProviderBankDetails, ReferralTerms


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("invoice_number", "kind", "provider", "paying_authority", "invoice_date", "total", "status")
    list_filter = ("status", "kind", "paying_authority")


@admin.register(ProviderBankDetails)
class BankDetailsAdmin(ReadOnlyAdmin):
    list_display = ("provider", "account_name", "status", "entered_by", "decided_by")


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ("reference", "authority", "payment_date", "total", "made_by")


@admin.register(ReferralTerms)
class ReferralTermsAdmin(ReadOnlyAdmin):
    list_display = ("referral", "agreed_sessions", "spot_price", "travel_allowance", "report_price")
