"""Reads of single sign-on."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.dates import long_datetime
from organisations.models import Scope, User
from organisations.scoping import authority_ids_for

from . import rules
from .models import GroupMapping, IdentityProvider, ProviderAccount, SignInEvent


def providers_for_sign_in() -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(enabled=True).order_by("name")


def provider_enabled(*, slug: str) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(enabled=True, slug=slug).first()


def provider_by_id(*, pk: int) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(enabled=True, pk=pk).first()


def mappings_for(*, provider: IdentityProvider) -> list[rules.Mapping]:
    return [
        rules.Mapping(group_id=m.group_id, role=m.role, scope=m.scope, authority_id=m.authority_id,
                      partnership_id=m.partnership_id, precedence=m.precedence)
        for m in GroupMapping.objects.filter(provider=provider)
    ]


def account_for_subject(*, provider: IdentityProvider, subject: str) -> ProviderAccount | None:
    return ProviderAccount.objects.select_related("user").filter(provider=provider, subject=subject).first()


def users_in_organisation_with_email(*, provider: IdentityProvider, email: str) -> QuerySet[User]:
    """People an administrator created in the provider's organisation, matched on their address (first sign-in)."""
    users = User.objects.filter(email__iexact=email).exclude(provider_accounts__provider=provider)
    if provider.authority_id:
        return users.filter(authority_id=provider.authority_id)
    return users.filter(partnership_id=provider.partnership_id)


EVENTS_SHOWN = 200


def sign_in_events_for(*, user: Any) -> list[dict[str, str]]:
    """The latest sign-in events of the providers whose organisation `user` may see, as plain words for the page:
    an authority's auditor sees its own providers; a partnership's, the partnership's and its members'."""
    ids = authority_ids_for(user)
    visible = Q(provider__authority_id__in=ids)
    if user.scope == Scope.PARTNERSHIP and user.partnership_id:
        visible |= Q(provider__partnership_id=user.partnership_id)
    events = SignInEvent.objects.filter(visible).select_related("provider", "user").order_by("-at", "-pk")
    return [
        {
            "at": long_datetime(timezone.localtime(e.at)),
            "what": e.get_kind_display(),
            "why": e.get_reason_display() if e.reason else "",
            "who": (e.user.get_full_name() or e.user.username) if e.user else (e.email or "Unknown person"),
            "email": e.email,
            "provider": e.provider.name if e.provider else "",
            "detail": e.detail,
        }
        for e in events[:EVENTS_SHOWN]
    ]
