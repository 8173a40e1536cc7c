from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

EXEMPT_URL_NAMES = ("login", "logout", "two_factor_verify", "two_factor_setup", "healthz")


class TwoFactorRequiredMiddleware:
    """Users whose role is in TWO_FACTOR_ROLES must confirm a TOTP code in this session before any other page, except
    the sign-in pages and the views marked `access.second_factor_pending_allowed` (single sign-on's start and
    callback: a person may finish signing in with the council's account instead)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            getattr(user, "is_authenticated", False)
            and user.role in settings.TWO_FACTOR_ROLES  # type: ignore[union-attr]
            and not user.is_verified()  # type: ignore[union-attr]
            and not self._exempt(request.path)
        ):
            return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        if path.startswith((settings.STATIC_URL, "/assets/")):
            return True
        if any(path == reverse(name) for name in EXEMPT_URL_NAMES):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return bool(getattr(match.func, "second_factor_pending_allowed", False))
