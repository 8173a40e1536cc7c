"""Back office for the register: import and export through django-import-export (every imported row saved by
the register services), lifecycle transitions as admin actions through the services, history on every model.
Usage records and apportionment runs are read-only here: they change only through their pages and register."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from import_export.admin import ExportMixin, ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ApportionmentLine,
    ApportionmentRun,
    Contract,
    ContractYearValue,
    ExtensionOption,
    ImportBatch,
    Kpi,
    KpiReturn,
    ServiceElement,
    UsageRecord,
)
from .services.errors import ContractError
from .resources import ContractResource, UsageExportResource
from .services import register


# The schedule's rows are added and corrected here but never deleted: a KPI's returns, an exercised extension and
# a year's value are the contract's record (a KPI deleted would take its returns with it).
class ServiceElementInline(admin.TabularInline):
    model = ServiceElement
    extra = 0
    can_delete = False
    filter_horizontal = ("service_types",)


class ExtensionOptionInline(admin.TabularInline):
    model = ExtensionOption
    extra = 0
    can_delete = False
    readonly_fields = ("exercised_date",)


class YearValueInline(admin.TabularInline):
    model = ContractYearValue
    extra = 0
    can_delete = False


class KpiInline(admin.StackedInline):
    model = Kpi
    extra = 0
    can_delete = False


@admin.register(Contract)
class ContractAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ContractResource]
    list_display = ("reference", "title", "provider", "lead_authority", "status", "start_date", "end_date",
                    "total_value")
    list_filter = ("status", "procurement_route", "pricing", "lead_authority")
    search_fields = ("reference", "title", "provider__name")
    readonly_fields = ("status", "original_end_date")
    # A plain multiple select for the parties: filter_horizontal's widget fails axe (a prohibited aria attribute).
    inlines = [ServiceElementInline, ExtensionOptionInline, YearValueInline, KpiInline]
    actions = ["activate", "expire"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """django-money's amount and currency boxes carry no label of their own: name each for screen readers."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        widgets = getattr(getattr(field, "widget", None), "widgets", None)
        if widgets and db_field.name in ("total_value", "unit_price"):
            name = str(db_field.verbose_name).capitalize()
            widgets[0].attrs["aria-label"] = f"{name}, amount"
            widgets[-1].attrs["aria-label"] = f"{name}, currency"
        return field

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict:
        return {**super().get_import_resource_kwargs(request, **kwargs), "by": request.user, "now": timezone.now(),
                "create": register.contract_create, "update": register.contract_update}

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in register.CONTRACT_FIELDS}
        if change:
            register.contract_update(contract=obj, by=request.user, **values)
        else:
            created = register.contract_create(by=request.user, now=timezone.now(), **values)
            obj.pk = created.pk
            obj.status = created.status

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a contract leaves the register by expiring or ending, not by deletion

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The schedule's inline rows, then the parties through the register service (the lead always one)."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        register.contract_update(contract=form.instance, by=request.user,
                                 parties=list(form.cleaned_data.get("parties") or []))

    @admin.action(description="Make the selected planned contracts active")
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, lambda c: register.contract_activate(contract=c, by=request.user,
                                                                             now=timezone.now()))

    @admin.action(description="Record that the selected contracts have expired")
    def expire(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, lambda c: register.contract_expire(
            contract=c, by=request.user, today=timezone.localdate(), now=timezone.now()))

    def _each(self, request: HttpRequest, queryset: Any, change: Any) -> None:
        for contract in queryset.order_by("pk"):
            try:
                change(contract)
            except ContractError as exc:
                self.message_user(request, f"{contract.reference}: {exc}", messages.ERROR)


class ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(ExportMixin, ReadOnly):
    resource_classes = [UsageExportResource]
    list_display = ("contract", "authority", "usage_date", "measure", "quantity", "source_key")
    list_filter = ("measure", "authority")
    search_fields = ("source_key", "contract__reference")
    list_select_related = ("contract", "authority")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("file_name", "row_count", "created_by", "created_at")


class LineInline(admin.TabularInline):
    model = ApportionmentLine
    extra = 0
    can_delete = False
    fields = ("authority_name", "weight", "fixed_amount", "usage_amount", "amount", "adjustment", "explanation")
    readonly_fields = fields


@admin.register(ApportionmentRun)
class ApportionmentRunAdmin(ReadOnly):
    list_display = ("title", "contract", "status", "total_cost", "basis", "created_at")
    list_filter = ("status",)
    inlines = [LineInline]


@admin.register(KpiReturn)
class KpiReturnAdmin(ReadOnly):
    list_display = ("kpi", "financial_year", "quarter", "value", "submitted_date")
