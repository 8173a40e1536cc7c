"""API clients (machine users with scopes and a hashed token) and the audit row of every API call."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .scopes import check_scopes


class ApiClient(models.Model):
    """A system (a council's case or finance system, a provider's own system) that calls the API. It acts as its
    machine `user`, whose scope fields (authority, partnership or provider) decide what it sees; its `scopes` decide
    what it may do. The token is shown once and stored only as its SHA-256 digest."""

    name = models.CharField(max_length=80, unique=True, help_text="For example kent-case-system")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    scopes = models.JSONField(default=list, help_text="What the client may do, e.g. [\"support:read\"]")
    contact = models.CharField(max_length=200, blank=True, help_text="Who to call about this system")
    expires_at = models.DateTimeField(help_text="The token is refused after this")
    revoked_at = models.DateTimeField(null=True, blank=True)
    token_prefix = models.CharField(max_length=8, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at", "token_hash"])

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"
        constraints = [
            models.CheckConstraint(condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                                   name="api_client_hash_is_sha256"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(isinstance(s, str) for s in self.scopes):
            raise ValidationError({"scopes": "The scopes must be a list of names."})
        provider = bool(self.user_id and self.user.provider_id)
        problems = check_scopes(self.scopes, provider=provider)
        if problems:
            raise ValidationError({"scopes": problems})

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at and self.user.is_active


class ApiCall(models.Model):
    """One call to the API: who (the client, or nobody for a refused token), what, the answer, and the ids of the
    records it read or wrote. Append-only, written by `api.services.api_call_record`."""

    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")
    at = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    object_ids = models.JSONField(default=list, blank=True, help_text="The records read or written, as app.model:pk")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "API call"
        indexes = [models.Index(fields=["client", "at"], name="api_call_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
