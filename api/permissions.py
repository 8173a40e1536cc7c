"""Scopes: each view names the scope it needs (`required_scope`, or `required_scopes` per method). A client without
it is refused (403); a request without a client never gets this far (401)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from .models import ApiClient


def required_scope(view: Any, request: Request) -> str:
    by_action = getattr(view, "scopes_by_action", {}) or {}
    action = getattr(view, "action", None)
    return by_action.get(action) or view.required_scope


class HasScope(permissions.BasePermission):
    message = "This client does not have the scope this needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        scope = required_scope(view, request)
        self.message = f"This client does not have the scope {scope}, which this needs."
        return scope in client.scopes
