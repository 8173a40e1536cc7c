"""`Authorization: Bearer <token>`: the client found by the token's prefix, its digest compared in constant time,
refused once revoked or expired or when its machine user is closed."""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiClient
from .services import PREFIX_LENGTH, token_digest

REFUSED = "The token is not valid: it is wrong, revoked or expired."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or len(parts[1]) < PREFIX_LENGTH + 8:
            raise exceptions.AuthenticationFailed(REFUSED)
        token = parts[1]
        digest = token_digest(token)
        now = timezone.now()
        for client in ApiClient.objects.select_related("user").filter(token_prefix=token[:PREFIX_LENGTH]):
            if hmac.compare_digest(client.token_hash, digest):
                if not client.usable_at(now):
                    raise exceptions.AuthenticationFailed(REFUSED)
                return client.user, client
        raise exceptions.AuthenticationFailed(REFUSED)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for BearerTokenAuthentication."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "The API client's token, issued once by `manage.py api_client create`."}
