from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Authority, Partnership, PartnershipLead, Provider, RegistrationCheck, User


@admin.register(Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_code", "ons_code", "postcode_districts")
    search_fields = ("name", "ons_code")


class PartnershipLeadInline(admin.TabularInline):
    model = PartnershipLead
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    list_display = ("name", "live_date")
    filter_horizontal = ("members",)
    inlines = [PartnershipLeadInline]


class RegistrationCheckInline(admin.TabularInline):
    model = RegistrationCheck
    extra = 0


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "ofsted_urn", "approved")
    list_filter = ("kind", "approved")
    search_fields = ("name", "ofsted_urn")
    inlines = [RegistrationCheckInline]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ("username", "role", "scope", "authority", "partnership", "provider", "is_active")
    list_filter = ("role", "scope", "authority", "provider")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Role and scope", {"fields": ("role", "scope", "authority", "partnership", "provider")}),
    )
