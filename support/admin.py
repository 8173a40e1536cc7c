"""Back office. The service catalogue is editable (with history); process records are read-only here because
every change to them goes through support.services (the state machines and their status-change rows)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin

from .models import (
    Assessment,
    Child,
    Decision,
    Household,
    NoticeOfProposal,
    OutcomeReading,
    Person,
    SentReminder,
    ServiceType,
    SsdImport,
    StatusChange,
    SupportPlan,
    SupportRequest,
)


@admin.register(ServiceType)
class ServiceTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "category", "asf_fundable", "specialist_assessment", "core_offer", "asf_excluded", "active")
    list_filter = ("category", "asf_fundable", "asf_excluded", "active")
    search_fields = ("name", "code")


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("family_name", "town", "responsible_authority")
    list_filter = ("responsible_authority",)
    search_fields = ("family_name", "postcode")


@admin.register(Child)
class ChildAdmin(ReadOnlyAdmin):
    list_display = ("first_name", "last_name", "date_of_birth", "responsible_authority", "case_system_id")
    list_filter = ("responsible_authority",)
    search_fields = ("first_name", "last_name", "case_system_id")


@admin.register(OutcomeReading)
class OutcomeReadingAdmin(ReadOnlyAdmin):
    list_display = ("child", "measure", "reading_date", "score", "reason", "source")
    list_filter = ("measure", "source")


@admin.register(SsdImport)
class SsdImportAdmin(admin.ModelAdmin):
    """The import's audit rows (no history: each is written once and never changed)."""

    has_add_permission = ReadOnlyAdmin.has_add_permission
    has_change_permission = ReadOnlyAdmin.has_change_permission
    has_delete_permission = ReadOnlyAdmin.has_delete_permission
    list_display = ("at", "authority", "by", "status", "source_name", "sha256", "error_count")
    list_filter = ("status", "authority")
    search_fields = ("sha256", "source_name")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("first_name", "last_name", "kind", "authority")


@admin.register(SupportRequest)
class SupportRequestAdmin(ReadOnlyAdmin):
    list_display = ("reference", "subject_name", "stage", "responsible_authority", "received_date", "urgent")
    list_filter = ("stage", "responsible_authority", "urgent")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("request", "status", "author", "approved_by", "approved_date")
    list_filter = ("status",)


@admin.register(NoticeOfProposal)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("request", "issued_date", "window_end_date", "status")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("request", "outcome", "status", "author", "approved_by")


@admin.register(SupportPlan)
class SupportPlanAdmin(ReadOnlyAdmin):
    list_display = ("request", "version", "status", "interim", "start_date", "end_date")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "request", "subject", "transition", "from_state", "to_state", "by")
    list_filter = ("subject",)


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "key", "recipient")
