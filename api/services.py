"""Every write of the API app: clients (create, rotate, revoke), the audit row of a call, and the bulk usage post
(idempotent on the client's key, all or nothing through the contracts app's usage import)."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Field
from django.utils.text import slugify

from contracts.models import Contract, ImportBatch
from contracts.services.usage_import import USAGE_COLUMNS, ImportReport, usage_import
from organisations.models import Authority, Partnership, Provider, Role, Scope, User

from .models import ApiCall, ApiClient
from .scopes import check_scopes

TOKEN_BYTES = 32
PREFIX_LENGTH = 8


class ApiClientError(Exception):
    """A change to an API client that is refused; nothing has been written."""


class IdempotencyConflict(Exception):
    """The client's key was used before with a different body: nothing has been written."""


def token_digest(token: str) -> str:
    """The SHA-256 hex digest of a token: tokens are 32 random bytes, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str, str]:
    """A fresh token, its lookup prefix and its digest. The prefix is unique among clients."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        prefix = token[:PREFIX_LENGTH]
        if not ApiClient.objects.filter(token_prefix=prefix).exists():
            return token, prefix, token_digest(token)


@dataclass(frozen=True)
class IssuedToken:
    client: ApiClient
    token: str  # shown once, never stored


@transaction.atomic
def api_client_create(
    *, name: str, scopes: list[str], expires_at: datetime, by: Any, now: datetime, contact: str = "",
    authority: Authority | None = None, partnership: Partnership | None = None, provider: Provider | None = None,
) -> IssuedToken:
    """A new client acting for exactly one authority, partnership or provider organisation, backed by a machine
    user (role API client, no usable password, no back-office access). Returns the token, once."""
    name = name.strip()
    if not name or slugify(name) != name:
        raise ApiClientError("Give the client a name in lower case letters, digits and hyphens, e.g. kent-mosaic.")
    if ApiClient.objects.filter(name=name).exists() or User.objects.filter(username=f"api.{name}").exists():
        raise ApiClientError(f"There is already a client called {name}.")
    if sum(x is not None for x in (authority, partnership, provider)) != 1:
        raise ApiClientError("A client acts for exactly one authority, the partnership, or one provider.")
    problems = check_scopes(list(scopes), provider=provider is not None)
    if problems:
        raise ApiClientError(" ".join(problems))
    if expires_at <= now:
        raise ApiClientError("The expiry must be in the future.")
    scope = Scope.PROVIDER if provider else Scope.PARTNERSHIP if partnership else Scope.AUTHORITY
    user = User(username=f"api.{name}", first_name=name, last_name="(API client)", role=Role.API_CLIENT,
                scope=scope, authority=authority, partnership=partnership, provider=provider, is_staff=False,
                is_superuser=False, is_active=True)
    user.set_unusable_password()
    user._history_user = by  # type: ignore[attr-defined]
    user.full_clean(exclude=["password"])
    user.save()
    token, prefix, digest = _new_token()
    client = ApiClient(name=name, user=user, scopes=list(scopes), contact=contact.strip()[:200],
                       expires_at=expires_at, token_prefix=prefix, token_hash=digest,
                       created_by=by if getattr(by, "pk", None) else None, created_at=now)
    client._history_user = by  # type: ignore[attr-defined]
    client.full_clean()
    client.save()
    return IssuedToken(client, token)


@transaction.atomic
def api_client_rotate(*, client: ApiClient, by: Any, now: datetime) -> IssuedToken:
    """A new token for the client; the old one stops working at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise ApiClientError(f"{client.name} was revoked on {client.revoked_at:%d %B %Y}: create a new client.")
    token, client.token_prefix, client.token_hash = _new_token()
    client._history_user = by  # type: ignore[attr-defined]
    client.save(update_fields=["token_prefix", "token_hash"])
    return IssuedToken(client, token)


@transaction.atomic
def api_client_revoke(*, client: ApiClient, by: Any, now: datetime) -> ApiClient:
    """Refuse the client's token from now on, and close its machine user. Revoking twice changes nothing."""
    client = ApiClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    client.revoked_at = now
    client._history_user = by  # type: ignore[attr-defined]
    client.save(update_fields=["revoked_at"])
    user = client.user
    user.is_active = False
    user._history_user = by  # type: ignore[attr-defined]
    user.save(update_fields=["is_active"])
    return client


def api_call_record(*, client: ApiClient | None, method: str, path: str, status: int, object_ids: list[str],
                    now: datetime, duration_ms: int = 0) -> ApiCall:
    """The audit row of one call; also notes when the client was last used.

    On PostgreSQL both writes are one statement (`WITH used AS (UPDATE the client) INSERT the call`): one round trip
    per call instead of two, and, being one statement, both or neither are written. Elsewhere (SQLite, the demo) two
    statements in an atomic block."""
    call = ApiCall(client=client, at=now, method=method[:10], path=path[:300], status=status,
                   object_ids=object_ids[:1000], duration_ms=max(duration_ms, 0))
    connection = connections[router.db_for_write(ApiCall)]
    if connection.vendor != "postgresql" or client is None:
        with transaction.atomic(using=connection.alias):
            call.save(force_insert=True, using=connection.alias)
            if client is not None:
                ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return call
    values = [field.get_db_prep_save(getattr(call, field.attname), connection) for field in _call_fields()]
    with connection.cursor() as cursor:
        cursor.execute(_call_statement(), [now, client.pk, *values])
        call.pk = cursor.fetchone()[0]
    call._state.adding = False
    call._state.db = connection.alias
    return call


_CALL_COLUMNS = ("client", "at", "method", "path", "status", "object_ids", "duration_ms")


def _call_fields() -> list[Field]:
    by_name = {field.name: field for field in ApiCall._meta.concrete_fields}
    return [by_name[name] for name in _CALL_COLUMNS]


@functools.cache
def _call_statement() -> str:
    """The audit statement, built once from the models' metadata: names only, every value a parameter."""
    calls, clients = ApiCall._meta, ApiClient._meta
    columns = ", ".join(f'"{field.column}"' for field in _call_fields())
    placeholders = ", ".join(["%s"] * len(_CALL_COLUMNS))
    used = f'"{clients.get_field("last_used_at").column}"'
    return (f'WITH used AS (UPDATE "{clients.db_table}" SET {used} = %s WHERE "{clients.pk.column}" = %s) '  # noqa: S608
            f'INSERT INTO "{calls.db_table}" ({columns}) VALUES ({placeholders}) RETURNING "{calls.pk.column}"')


# ---- usage posted in bulk ------------------------------------------------------------------------------------


def _usage_file(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(USAGE_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in USAGE_COLUMNS])
    return out.getvalue().encode()


@transaction.atomic
def usage_post(*, client: ApiClient, key: str, rows: list[dict[str, Any]], now: datetime) -> ImportReport:
    """Post usage rows: all or none, through the usage import (which checks every row and names each problem).
    The client's `key` makes it safe to retry: the same key with the same rows writes nothing again; the same key
    with other rows is refused (IdempotencyConflict). Raises ImportRefused or ContractError from the import."""
    client = ApiClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if not key.strip():
        raise ValidationError({"idempotency_key": "Give a key that identifies this batch of usage."})
    content = _usage_file(rows)
    file_name = f"api-{client.pk}-{key.strip()}"[:195] + ".csv"
    earlier = ImportBatch.objects.filter(file_name=file_name).first()
    if earlier is not None:
        replay = usage_import(content=content, file_name=file_name, by=client.user, now=now, dry_run=True,
                              contracts=Contract.objects.for_user(client.user))
        if replay.batch_id != earlier.pk:
            raise IdempotencyConflict(f"The key {key} was used before with different usage rows: nothing was "
                                      "recorded. Use a new key for new rows.")
        return replay
    return usage_import(content=content, file_name=file_name, by=client.user, now=now, dry_run=False,
                        contracts=Contract.objects.for_user(client.user))
