from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ContactPreference, Letterhead


@admin.register(Letterhead)
class LetterheadAdmin(SimpleHistoryAdmin):
    list_display = ("display_name", "authority", "signatory_name", "telephone", "email")
    search_fields = ("display_name", "authority__name")


@admin.register(ContactPreference)
class ContactPreferenceAdmin(SimpleHistoryAdmin):
    list_display = ("party_type", "party_id", "channel", "email")
    list_filter = ("channel",)
