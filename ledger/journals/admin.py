"""Back office for the journal export: account mappings and financial periods, each change through a service (with
history and who made it); batches read-only (they change only through the finance pages)."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import AccountMapping, FinancialPeriod, JournalBatch, JournalSettings


@admin.register(AccountMapping)
class AccountMappingAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "account_code", "source_kind", "cost_centre", "subjective", "project_code")
    list_filter = ("authority", "account_code")
    search_fields = ("cost_centre", "subjective", "project_code")
    list_select_related = ("authority",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = services.mapping_save(
                authority=obj.authority, account_code=obj.account_code, source_kind=obj.source_kind,
                cost_centre=obj.cost_centre, subjective=obj.subjective, project_code=obj.project_code,
                by=request.user, mapping=obj if change else None,
            )
        except services.NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalSettings)
class JournalSettingsAdmin(SimpleHistoryAdmin):
    """Each authority's set-up values for its finance system's journal import (Oracle's LEDGER_ID, Unit4's client
    and voucher type): one row per authority, each change through the service, with history."""

    list_display = ("authority", "oracle_ledger_id", "unit4_client", "unit4_voucher_type")
    list_select_related = ("authority",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("authority",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = services.settings_save(authority=obj.authority, oracle_ledger_id=obj.oracle_ledger_id,
                                           unit4_client=obj.unit4_client, unit4_voucher_type=obj.unit4_voucher_type,
                                           by=request.user)
        except services.NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.JournalError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FinancialPeriod)
class FinancialPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "year", "number", "status", "changed_by", "changed_at")
    list_filter = ("authority", "year", "status")
    readonly_fields = ("status", "changed_by", "changed_at")
    fields = ("authority", "year", "number", "status", "changed_by", "changed_at")
    actions = ["close_periods", "reopen_periods"]
    list_select_related = ("authority", "changed_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.readonly_fields, "authority", "year", "number") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Adding a period here closes it (a period with no row is open already)."""
        if change:
            return
        try:
            saved = services.period_set(authority=obj.authority, year=obj.year, number=obj.number, closed=True,
                                        by=request.user, now=timezone.now())
        except services.JournalError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk

    def _set(self, request: HttpRequest, queryset: QuerySet, closed: bool) -> None:
        for period in queryset.select_related("authority"):
            try:
                services.period_set(authority=period.authority, year=period.year, number=period.number,
                                    closed=closed, by=request.user, now=timezone.now())
            except services.JournalError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, "Periods closed" if closed else "Periods reopened")

    @admin.action(description="Close the selected periods")
    def close_periods(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set(request, queryset, closed=True)

    @admin.action(description="Reopen the selected periods")
    def reopen_periods(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set(request, queryset, closed=False)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalBatch)
class JournalBatchAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "number", "cut_off_date", "layout", "status", "line_count", "created_by")
    list_filter = ("authority", "status", "layout")
    list_select_related = ("authority", "created_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
