"""Back office: the letterbox address of each authority is edited here (with history); arrangements and items are
read-only, because every change goes through contact.services (the state machines, the checks, the letters)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin

from .models import Arrangement, Exchange, LetterboxAddress


@admin.register(LetterboxAddress)
class LetterboxAddressAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "name", "postcode")


@admin.register(Arrangement)
class ArrangementAdmin(ReadOnlyAdmin):
    list_display = ("reference", "authority", "status", "agreed_date", "provider")
    list_filter = ("status", "authority")


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "authority", "status", "due_date", "overdue_date")
    list_filter = ("status", "authority")
    exclude = ("scan", "redacted_scan")
