"""Back office for claims. The fund's rule sets are edited here (with history); saving one re-checks every open
application through claims.services. Applications, invoices and remittances are read-only here: their writes
go through the pages, which call the services (and post to the ledger)."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin

from .models.applications import ApplicationLine, ASFApplication, StatusChange
from .models.fund_rules import ChildYearLimit, FundRuleSet
from .models.invoices import ProviderInvoice
from .models.rechecks import SplitRecheck
from .models.remittances import Remittance
from .services.errors import ClaimsError
from .services.rule_changes import fund_rule_set_save


@admin.register(FundRuleSet)
class FundRuleSetAdmin(SimpleHistoryAdmin):
    list_display = ("effective_from_date", "name", "scheme", "therapy_limit", "assessment_limit", "combined_limit",
                    "match_funded_cap", "age_limit", "application_window_months")
    ordering = ("effective_from_date",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            changed = fund_rule_set_save(rule_set=obj, by=request.user, now=timezone.now())
        except ClaimsError as error:
            messages.error(request, str(error))
            raise
        messages.info(request, f"{len(changed)} open application(s) now split differently: see Claims, rule "
                               "changes.")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(admin.TabularInline):
    model = ApplicationLine
    extra = 0
    can_delete = False
    readonly_fields = ("service_type", "provider", "is_assessment", "sessions", "unit_cost", "travel", "total")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "by", "at", "note")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ASFApplication)
class ASFApplicationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "responsible_authority", "financial_year", "status", "fund_reference",
                    "estimated_fund", "approved_fund")
    list_filter = ("responsible_authority", "status", "financial_year")
    search_fields = ("reference", "fund_reference")
    inlines = [LineInline, StatusChangeInline]


@admin.register(ChildYearLimit)
class ChildYearLimitAdmin(ReadOnlyAdmin):
    list_display = ("child", "financial_year", "therapy_approved", "assessment_approved", "fund_committed",
                    "authority_committed")
    list_filter = ("financial_year",)


@admin.register(ProviderInvoice)
class ProviderInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("invoice_number", "provider", "application", "amount", "fund_share", "authority_share", "status")
    list_filter = ("status",)


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = ("payment_date", "authority", "file_name", "total")


@admin.register(SplitRecheck)
class SplitRecheckAdmin(ReadOnlyAdmin):
    list_display = ("application", "checked_at", "old_fund", "new_fund", "reason")
