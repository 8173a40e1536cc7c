"""Rates per client (its id) and, before a token is accepted, per address; counted in the Django cache (Redis in
tests and production, so every web process shares one count)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .models import ApiClient


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UnauthenticatedRateThrottle(AnonRateThrottle):
    scope = "api_anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
