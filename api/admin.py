"""Back office for API clients: create one (the token is shown once, on the next page), rotate its token or revoke
it, all through api.services; the calls are read-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from organisations.models import Authority, Partnership, Provider

from . import services
from .models import ApiCall, ApiClient
from .scopes import SCOPES


class ApiClientCreateForm(forms.ModelForm):
    authority = forms.ModelChoiceField(queryset=Authority.objects.all(), required=False,
                                       help_text="The authority it acts for (a council's case or finance system)")
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.all(), required=False,
                                         help_text="Or: the whole partnership")
    provider = forms.ModelChoiceField(queryset=Provider.objects.all(), required=False,
                                      help_text="Or: a provider organisation (its own system)")
    scope_names = forms.MultipleChoiceField(label="Scopes", choices=[(n, f"{n}: {s.description}")
                                                                     for n, s in SCOPES.items()],
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiClient
        fields = ["name", "contact", "expires_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_at"].initial = timezone.now() + timedelta(days=365)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if sum(bool(data.get(k)) for k in ("authority", "partnership", "provider")) != 1:
            raise ValidationError("Choose exactly one of an authority, the partnership or a provider.")
        return data


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    list_display = ("name", "user", "scope_list", "contact", "expires_at", "revoked_at", "last_used_at")
    search_fields = ("name", "contact")
    readonly_fields = ("name", "user", "scopes", "contact", "expires_at", "revoked_at", "token_prefix",
                       "created_by", "created_at", "last_used_at")
    exclude = ("token_hash",)
    actions = ["rotate_token", "revoke"]

    @admin.display(description="Scopes")
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiClientCreateForm
            kwargs["fields"] = ["name", "contact", "expires_at", "authority", "partnership", "provider",
                                "scope_names"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.exclude if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return  # a client changes only through its actions (rotate, revoke)
        data = form.cleaned_data
        try:
            issued = services.api_client_create(
                name=data["name"], scopes=data["scope_names"], expires_at=data["expires_at"], contact=data["contact"],
                authority=data.get("authority"), partnership=data.get("partnership"), provider=data.get("provider"),
                by=request.user, now=timezone.now())
        except services.ApiClientError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = issued.client.pk
        messages.warning(request, f"The token of {issued.client.name}, shown this once: {issued.token}")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Rotate the token of the chosen client (the new token is shown once)")
    def rotate_token(self, request: HttpRequest, queryset: Any) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose one client at a time to rotate its token.", messages.ERROR)
            return
        try:
            issued = services.api_client_rotate(client=queryset.get(), by=request.user, now=timezone.now())
        except services.ApiClientError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"The new token of {issued.client.name}, shown this once: {issued.token}",
                          messages.WARNING)

    @admin.action(description="Revoke the chosen clients (their tokens stop working at once)")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset:
            services.api_client_revoke(client=client, by=request.user, now=timezone.now())
        self.message_user(request, f"{queryset.count()} client(s) revoked.", messages.SUCCESS)


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ("at", "client", "method", "path", "status", "duration_ms")
    list_filter = ("status", "method", "client")
    search_fields = ("path",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
