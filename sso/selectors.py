"""Reads of single sign-on."""

from __future__ import annotations

from django.db.models import QuerySet

from organisations.models import User

from . import rules
from .models import GroupMapping, IdentityProvider, ProviderAccount


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
