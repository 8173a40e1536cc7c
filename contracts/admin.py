"""Back office for the register: import and export through django-import-export (every imported row saved by
the register services), the schedule's rows saved by the schedule services, lifecycle transitions as admin actions
through the services, history on every model.
Usage records and apportionment runs are read-only here: they change only through their pages and services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
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
from .resources import ContractResource, UsageExportResource
from .services import register, schedule
from .services.errors import ContractError
from .services.schedule import ScheduleError


# The schedule's rows are written by the schedule services (`ContractAdmin.save_related`), deletions included: a
# service refuses what would lose the contract's record (a KPI with returns, an extension option taken up) and its
# message is shown on the row.
class ServiceElementInline(admin.TabularInline):
    model = ServiceElement
    extra = 0
    filter_horizontal = ("service_types",)


class ExtensionOptionInline(admin.TabularInline):
    model = ExtensionOption
    extra = 0
    readonly_fields = ("exercised_date",)


class YearValueInline(admin.TabularInline):
    model = ContractYearValue
    extra = 0


class KpiInline(admin.StackedInline):
    model = Kpi
    extra = 0


# Each kind of row: the service-name stem in contracts.services.schedule, the keyword its change and remove take,
# and the fields its add and change take from the row's form.
SCHEDULE_ROWS: dict[type, tuple[str, str, tuple[str, ...]]] = {
    ServiceElement: ("service_element", "element", ("name", "lot", "service_types")),
    ContractYearValue: ("year_value", "year_value", ("financial_year", "value")),
    Kpi: ("kpi", "kpi", ("name", "definition", "target", "unit", "higher_is_better")),
    ExtensionOption: ("extension_option", "option", ("length_months", "decision_by_date")),
}

# The register's details the admin's form edits (the parties are saved with the schedule, the state never).
REGISTER_FIELDS = (*register.CONTRACT_FIELDS, "unit_price", "capacity_measure", "description")


class ScheduleRefused(Exception):
    """A schedule service refused a row: its message is on that row's form; nothing of the submission is kept."""

    def __init__(self, form: Any, formsets: list[Any]) -> None:
        super().__init__("The schedule service refused a row.")
        self.form = form
        self.formsets = formsets


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
        values = {name: getattr(obj, name) for name in REGISTER_FIELDS}
        if change:
            register.contract_update(contract=obj, by=request.user, **values)
        else:
            created = register.contract_create(by=request.user, now=timezone.now(), **values)
            obj.pk = created.pk
            obj.status = created.status

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a contract leaves the register by expiring or ending, not by deletion

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The schedule's rows through the schedule services, then the parties through the register service (the
        lead always one). A refused row raises ScheduleRefused once every row is tried, so the page shows each
        refusal on its row and the whole submission is rolled back."""
        refused = False
        for formset in formsets:
            refused = not self._save_schedule(request, form.instance, formset) or refused
        if refused:
            raise ScheduleRefused(form, formsets)
        register.contract_update(contract=form.instance, by=request.user,
                                 parties=list(form.cleaned_data.get("parties") or []))

    def _save_schedule(self, request: HttpRequest, contract: Contract, formset: Any) -> bool:
        """Each row of one inline through its service; False when a service refused one (its message on the row)."""
        stem, keyword, fields = SCHEDULE_ROWS[formset.model]
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        ok = True
        for row_form in formset.forms:
            row = row_form.instance
            deleting = formset.can_delete and row_form.cleaned_data.get(DELETION_FIELD_NAME)
            if (row.pk is None and deleting) or (not deleting and not row_form.has_changed()):
                continue
            data = row_form.cleaned_data
            values = {name: data[name] if name in data else getattr(row, name) for name in fields}
            try:
                if deleting:
                    getattr(schedule, f"{stem}_remove")(**{keyword: row}, by=request.user)
                    formset.deleted_objects.append(row)
                elif row.pk is None:
                    saved = getattr(schedule, f"{stem}_add")(contract=contract, **values, by=request.user)
                    row.pk = saved.pk
                    formset.new_objects.append(saved)
                else:
                    saved = getattr(schedule, f"{stem}_change")(**{keyword: row}, **values, by=request.user)
                    formset.changed_objects.append((saved, row_form.changed_data))
            except ScheduleError as exc:
                row_form.add_error(exc.field if exc.field in row_form.fields else None, str(exc))
                ok = False
        return ok

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ScheduleRefused as refused:  # the transaction of the submission has been rolled back
            return self._refused_form(request, refused, object_id, form_url, extra_context)

    def _refused_form(self, request: HttpRequest, refused: ScheduleRefused, object_id: str | None, form_url: str,
                      extra_context: dict | None) -> HttpResponse:
        """The form again as submitted, with each service's refusal on its row (as Django renders an invalid one)."""
        add = object_id is None
        obj = None if object_id is None else self.get_object(request, unquote(object_id))
        form = refused.form
        if add:  # the contract created before the refusal was rolled back
            form.instance.pk, form.instance._state.adding = None, True
        admin_form = helpers.AdminForm(form, list(self.get_fieldsets(request, obj)),
                                       self.get_prepopulated_fields(request, obj),
                                       self.get_readonly_fields(request, obj), model_admin=self)
        inline_instances = [inline for _formset, inline in self.get_formsets_with_inlines(request, obj)]
        inline_formsets = self.get_inline_formsets(request, refused.formsets, inline_instances, obj)
        media = self.media + admin_form.media
        for inline_formset in inline_formsets:
            media += inline_formset.media
        context = {
            **self.admin_site.each_context(request),
            "title": (_("Add %s") if add else _("Change %s")) % self.opts.verbose_name,
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)),
            "media": media,
            "inline_admin_formsets": inline_formsets,
            "errors": helpers.AdminErrorList(form, refused.formsets),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=add, change=not add, obj=obj, form_url=form_url)

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
