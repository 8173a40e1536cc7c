from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GroupMapping, IdentityProvider, ProviderAccount, SignInEvent


class GroupMappingInline(admin.TabularInline):
    model = GroupMapping
    extra = 0
    fields = ("group_id", "description", "role", "scope", "authority", "partnership", "precedence")


@admin.register(IdentityProvider)
class IdentityProviderAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "issuer", "authority", "partnership", "allow_group_provisioning", "enabled")
    list_filter = ("enabled", "allow_group_provisioning")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [GroupMappingInline]


@admin.register(GroupMapping)
class GroupMappingAdmin(SimpleHistoryAdmin):
    list_display = ("provider", "group_id", "description", "role", "scope", "authority", "partnership", "precedence")
    list_filter = ("provider", "role")
    search_fields = ("group_id", "description")


@admin.register(ProviderAccount)
class ProviderAccountAdmin(SimpleHistoryAdmin):
    list_display = ("user", "provider", "subject", "managed_by_groups", "last_sign_in_at", "access_removed_at")
    list_filter = ("provider", "managed_by_groups")
    search_fields = ("user__username", "user__email", "subject")
    raw_id_fields = ("user",)
    readonly_fields = ("linked_at", "last_sign_in_at", "access_removed_at")


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The sign-in trail: append-only, read here."""

    list_display = ("at", "kind", "reason", "provider", "user", "email", "detail", "ip_address")
    list_filter = ("kind", "reason", "provider")
    search_fields = ("email", "subject", "user__username", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
