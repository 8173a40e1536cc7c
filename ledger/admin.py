"""Back office: the ledger is read-only here. Accounts come from the chart (chart_ensure), transactions only from
ledger.services.post, and nothing is ever changed or deleted."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin

from .models import Account, Entry, Transaction


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "authority", "code", "kind", "counterparty")
    list_filter = ("authority", "kind", "code")
    search_fields = ("name",)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount")
    readonly_fields = ("account", "amount")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction_date", "memo", "idempotency_key", "created_by", "created_at")
    list_filter = ("transaction_date",)
    search_fields = ("memo", "idempotency_key", "source_id")
    date_hierarchy = "transaction_date"
    inlines = [EntryInline]
    list_select_related = ("created_by",)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount")
    list_filter = ("account__authority", "account__code")
    list_select_related = ("transaction", "account", "account__authority")


from .journals import admin as journals_admin  # noqa: E402, F401  (registers the journal export's back office)
