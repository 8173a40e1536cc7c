"""Helpers for page tests."""

from django.test import Client

from tests.factories import PASSWORD


def signed_in(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    """Sign in through the real sign-in page (axes needs the request), and return the client."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def denied(response) -> bool:  # type: ignore[no-untyped-def]
    """A page refused to someone outside its scope or role: 403, or 404 where existence itself is private."""
    return response.status_code in (403, 404)


__all__ = ["PASSWORD", "denied", "signed_in"]
