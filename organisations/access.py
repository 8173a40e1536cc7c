"""Who may use a page: roles. Scope (whose data) is `ScopedQuerySet.for_user`; both are checked on every view."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def role_required(*roles: str) -> Callable:
    """Refuse (403) any signed-in user whose role is not one of `roles`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not getattr(user, "is_authenticated", False) or user.role not in roles:  # type: ignore[union-attr]
                raise PermissionDenied("Your role does not give you access to this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def second_factor_pending_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view a signed-in person may reach while their second step (TOTP) is still to do: the
    TwoFactorRequiredMiddleware lets it through. Only for views that sign a person in another way (single sign-on,
    where the identity provider's own multi-factor assertion may complete the second step)."""
    view.second_factor_pending_allowed = True  # type: ignore[attr-defined]
    return view
