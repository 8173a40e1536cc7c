"""Back office: read-only views of referrals and their records. Every change goes through commissioning.services
(the pages), so the admin cannot bypass the state machine, the usage records or the spot-purchase approval."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin

from .models import Referral, ReferralStatusChange, SessionDelivered, SpotPurchase


class StatusChangeInline(admin.TabularInline):
    model = ReferralStatusChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "authority", "status", "provider", "contract", "sent_date", "accepted_date")
    list_filter = ("status", "route_type", "authority", "sent_to")
    search_fields = ("id", "contract__reference", "provider__name")
    list_select_related = ("authority", "provider", "contract", "service_type")
    inlines = [StatusChangeInline]


@admin.register(SessionDelivered)
class SessionDeliveredAdmin(ReadOnlyAdmin):
    list_display = ("referral", "session_date", "duration_minutes", "recorded_by")
    list_select_related = ("referral__service_type", "recorded_by")


@admin.register(SpotPurchase)
class SpotPurchaseAdmin(ReadOnlyAdmin):
    list_display = ("referral", "provider", "estimated_cost", "status", "requested_by", "decided_by")
    list_filter = ("status",)
    list_select_related = ("referral__service_type", "provider", "requested_by", "decided_by")
