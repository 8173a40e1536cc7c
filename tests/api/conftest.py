"""Helpers for the API tests: a client with a token for an authority, the partnership or a provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.scopes import scopes_for
from api.services import api_client_create

PREFIX = "/api/v1"


def issue(*, name: str, authority: Any = None, partnership: Any = None, provider: Any = None,
          scopes: list[str] | None = None, expires_in: timedelta = timedelta(days=30)) -> Any:
    """An API client and its token (all the scopes its kind may hold unless `scopes` says otherwise)."""
    now = timezone.now()
    return api_client_create(
        name=name, scopes=scopes if scopes is not None else scopes_for(provider=provider is not None),
        expires_at=now + expires_in, by=None, now=now, authority=authority, partnership=partnership,
        provider=provider,
    )


def http(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def kent() -> Any:
    from tests.factories import AuthorityFactory

    return AuthorityFactory(short_code="kent", name="Kent", ons_code="E10000016")


@pytest.fixture
def medway() -> Any:
    from tests.factories import AuthorityFactory

    return AuthorityFactory(short_code="medway", name="Medway", ons_code="E06000035")
