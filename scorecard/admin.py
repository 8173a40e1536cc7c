"""Back office: timeliness targets per authority and the board return's versioned definitions, each saved through
the services with who changed them, history on every row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import ReturnDefinitionSet, ReturnField, TimelinessTarget
from .services.targets import definition_set_save, return_field_save, target_save


@admin.register(TimelinessTarget)
class TimelinessTargetAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "measure", "working_days", "effective_from", "note")
    list_filter = ("authority", "measure")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        target_save(target=obj, by=request.user)


class ReturnFieldInline(admin.TabularInline):
    model = ReturnField
    extra = 1
    fields = ("position", "name", "definition", "query")


@admin.register(ReturnDefinitionSet)
class ReturnDefinitionSetAdmin(SimpleHistoryAdmin):
    list_display = ("title", "version", "valid_from_date")
    inlines = [ReturnFieldInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        definition_set_save(definition_set=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for deleted in formset.deleted_objects if hasattr(formset, "deleted_objects") else ():
            deleted.delete()
        for instance in formset.save(commit=False):
            return_field_save(return_field=instance, by=request.user)
        formset.save_m2m()


@admin.register(ReturnField)
class ReturnFieldAdmin(SimpleHistoryAdmin):
    list_display = ("name", "definition_set", "position", "query")
    list_filter = ("definition_set",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        return_field_save(return_field=obj, by=request.user)
