"""The sign-in decision for a checked ID token: whose claims these are, whether they may come in, with which role,
and the trail of it. A refusal is an outcome, not an exception, so that its audit row is committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from organisations.models import Role, User

from .. import rules, selectors
from ..models import IdentityProvider, ProviderAccount, ProviderMfaDevice, SignInEvent
from ..rules import EventKind, Refusal


@dataclass(frozen=True)
class Outcome:
    user: User | None
    refusal: str = ""
    detail: str = ""
    mfa: bool = False


def _event(*, kind: str, provider: IdentityProvider | None, now: datetime, user: User | None = None,
           reason: str = "", subject: str = "", email: str = "", detail: str = "", ip: str | None = None) -> None:
    SignInEvent.objects.create(
        at=now, kind=kind, reason=reason, provider=provider, user=user, subject=subject[:255], email=email[:254],
        detail=detail[:500], ip_address=ip,
    )


@transaction.atomic
def sign_in_refuse(*, provider: IdentityProvider | None, reason: str, now: datetime, detail: str = "",
                   subject: str = "", email: str = "", user: User | None = None, ip: str | None = None) -> Outcome:
    """Records a refused sign-in with its reason."""
    _event(kind=EventKind.REFUSED, reason=reason, provider=provider, user=user, subject=subject, email=email,
           detail=detail, ip=ip, now=now)
    return Outcome(user=None, refusal=reason, detail=detail)


def _describe(user: User) -> str:
    place = user.organisation_name
    return f"{user.get_role_display()} ({place})" if place else user.get_role_display()


def _end_other_sessions(user: User) -> None:
    """A council-managed account has no password of its own; a new unusable one changes the session hash that every
    session carries, so Django ends them all at their next request."""
    user.set_unusable_password()


def _apply_grant(user: User, grant: rules.Grant) -> bool:
    new = (grant.role, grant.scope, grant.authority_id, grant.partnership_id)
    if (user.role, user.scope, user.authority_id, user.partnership_id) == new:
        return False
    user.role, user.scope, user.authority_id, user.partnership_id = new
    user.provider_id = None
    return True


def _provision(*, provider: IdentityProvider, claims: dict[str, Any], email: str, grant: rules.Grant) -> User:
    base = rules.username_for(email, ())
    taken = User.objects.filter(username__startswith=base).values_list("username", flat=True)
    user = User(
        username=rules.username_for(email, taken), email=email.lower(),
        first_name=str(claims.get("given_name") or "")[:150], last_name=str(claims.get("family_name") or "")[:150],
    )
    if not user.first_name and not user.last_name and claims.get("name"):
        first, _, last = str(claims["name"]).partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
    _apply_grant(user, grant)
    user.set_unusable_password()
    user._change_reason = f"Created at first sign-in through {provider.name} from group claims"  # type: ignore[attr-defined]
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def sign_in_with_claims(*, provider: IdentityProvider, claims: dict[str, Any], now: datetime,
                        ip: str | None = None) -> Outcome:
    """Decides a sign-in from the claims of a checked ID token. Matches the provider's subject id, then (first sign-in
    only) a verified address of a person an administrator created in the provider's organisation; otherwise, where
    the organisation allows it, creates the person from their mapped groups. A person created from groups follows
    them: a new role at each sign-in, and no access (account closed, sessions ended) once in no mapped group."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip()
    seen: dict[str, Any] = {"provider": provider, "subject": subject, "email": email, "ip": ip, "now": now}
    if not subject:
        return sign_in_refuse(reason=Refusal.TOKEN_INVALID, detail="the token names no subject", **seen)
    if not rules.email_domain_allowed(email, provider.email_domains):
        domain = email.rsplit("@", 1)[-1] if "@" in email else "(no email address)"
        return sign_in_refuse(reason=Refusal.DOMAIN_NOT_ALLOWED, detail=f"{domain} is not allowed", **seen)

    grant = None
    if provider.allow_group_provisioning:
        grant = rules.grant_for(rules.groups_from_claims(claims.get("groups")),
                                selectors.mappings_for(provider=provider))

    account = ProviderAccount.objects.select_for_update().filter(provider=provider, subject=subject).first()
    if account is not None:
        user = User.objects.select_for_update().get(pk=account.user_id)
        if account.managed_by_groups and provider.allow_group_provisioning:
            if grant is None:
                if user.is_active:
                    user.is_active = False
                    _end_other_sessions(user)
                    user._change_reason = "Access removed: in no mapped group at sign-in"  # type: ignore[attr-defined]
                    user.save(update_fields=["is_active", "password"])
                    account.access_removed_at = now
                    account.save(update_fields=["access_removed_at"])
                    _event(kind=EventKind.ACCESS_REMOVED, user=user, detail="in no mapped group; sessions ended",
                           **seen)
                return sign_in_refuse(reason=Refusal.NO_MAPPED_GROUP, user=user,
                                      detail="in no group that gives access", **seen)
            before = _describe(user)
            reopened = account.access_removed_at is not None and not user.is_active
            if reopened:
                user.is_active = True
                account.access_removed_at = None
                account.save(update_fields=["access_removed_at"])
            if _apply_grant(user, grant) or reopened:
                _end_other_sessions(user)
                user._change_reason = "Role or scope changed from group claims at sign-in"  # type: ignore[attr-defined]
                user.full_clean()
                user.save()
                _event(kind=EventKind.ROLE_CHANGED, user=user, detail=f"{before} to {_describe(user)}", **seen)
    else:
        verified = claims.get("email_verified", True) is not False
        candidates = list(selectors.users_in_organisation_with_email(provider=provider, email=email)) if verified \
            else []
        if len(candidates) > 1:
            return sign_in_refuse(reason=Refusal.UNKNOWN_USER, detail="more than one account has this address",
                                  **seen)
        if candidates:
            user = candidates[0]
            account = ProviderAccount.objects.create(provider=provider, user=user, subject=subject, linked_at=now)
            _event(kind=EventKind.LINKED, user=user, detail="matched on a verified email address", **seen)
        elif grant is not None:
            user = _provision(provider=provider, claims=claims, email=email, grant=grant)
            account = ProviderAccount.objects.create(provider=provider, user=user, subject=subject, linked_at=now,
                                                     managed_by_groups=True)
            _event(kind=EventKind.PROVISIONED, user=user, detail=_describe(user), **seen)
        elif provider.allow_group_provisioning:
            return sign_in_refuse(reason=Refusal.NO_MAPPED_GROUP, detail="in no group that gives access", **seen)
        else:
            return sign_in_refuse(reason=Refusal.UNKNOWN_USER, detail="no account for this person", **seen)

    if not user.is_active or user.role == Role.API_CLIENT:
        return sign_in_refuse(reason=Refusal.ACCOUNT_CLOSED, user=user, detail="the account is closed", **seen)
    mfa = rules.asserts_mfa(amr=claims.get("amr"), acr=claims.get("acr"), mfa_acr=provider.mfa_acr)
    account.last_sign_in_at = now
    account.save(update_fields=["last_sign_in_at"])
    _event(kind=EventKind.SIGNED_IN, user=user,
           detail="multi-factor authentication asserted by the provider" if mfa else "", **seen)
    return Outcome(user=user, mfa=mfa)


@transaction.atomic
def provider_mfa_device_for(*, user: User) -> ProviderMfaDevice:
    """The django-otp device that stands for the provider's multi-factor assertion (one per person)."""
    device, _ = ProviderMfaDevice.objects.get_or_create(
        user=user, defaults={"name": "Council account multi-factor sign-in", "confirmed": True}
    )
    return device


@transaction.atomic
def sign_out_record(*, user: User, provider: IdentityProvider | None, now: datetime, ip: str | None = None,
                    detail: str = "") -> None:
    _event(kind=EventKind.SIGNED_OUT, user=user, provider=provider, email=user.email, detail=detail, ip=ip, now=now)
