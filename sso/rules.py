"""Pure rules of single sign-on: who gets in, with which role, and whether the provider vouched for a second factor.
No ORM, no clock: everything arrives as arguments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models

# Roles that group claims never give: machines, provider staff (scoped to a provider, not a council) and the
# administrators, whose local account is the break-glass route.
NEVER_FROM_GROUPS = frozenset({"api_client", "provider_staff", "administrator"})


class Refusal(models.TextChoices):
    PROVIDER_ERROR = "provider_error", "The identity provider did not sign the person in"
    STATE_UNKNOWN = "state_unknown", "The sign-in link was used twice or has expired"
    CODE_REJECTED = "code_rejected", "The identity provider refused the sign-in code"
    TOKEN_INVALID = "token_invalid", "The identity token failed its checks"
    UNKNOWN_PROVIDER = "unknown_provider", "No such identity provider"
    UNKNOWN_USER = "unknown_user", "No account for this person"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed", "Email domain not allowed"
    NO_MAPPED_GROUP = "no_mapped_group", "In no group that gives access"
    ACCOUNT_CLOSED = "account_closed", "Account closed"


class EventKind(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in with a council account"
    PROVISIONED = "provisioned", "Account created from group claims"
    LINKED = "linked", "Account linked to the council account"
    ROLE_CHANGED = "role_changed", "Role or scope changed from group claims"
    ACCESS_REMOVED = "access_removed", "Access removed: in no mapped group"
    REFUSED = "refused", "Sign-in refused"
    SIGNED_OUT = "signed_out", "Signed out"


@dataclass(frozen=True)
class Mapping:
    group_id: str
    role: str
    scope: str
    authority_id: int | None
    partnership_id: int | None
    precedence: int = 100


@dataclass(frozen=True)
class Grant:
    role: str
    scope: str
    authority_id: int | None
    partnership_id: int | None


def parse_domains(text: str) -> list[str]:
    """'kent.gov.uk  Kent.gov.uk, medway.gov.uk' -> ['kent.gov.uk', 'medway.gov.uk'] (lower case, no repeats)."""
    seen: list[str] = []
    for part in text.replace(",", " ").split():
        domain = part.strip().lstrip("@").lower().rstrip(".")
        if domain and domain not in seen:
            seen.append(domain)
    return seen


def email_domain_allowed(email: str, domains: Sequence[str]) -> bool:
    """The address's domain is exactly one of `domains` (no subdomains: evil.kent.gov.uk is not kent.gov.uk)."""
    if email.count("@") != 1:
        return False
    local, domain = email.rsplit("@", 1)
    return bool(local) and domain.lower().rstrip(".") in {d.lower() for d in domains}


def asserts_mfa(*, amr: object, acr: object, mfa_acr: str) -> bool:
    """The provider vouched for a second factor: `amr` lists "mfa", or `acr` is the configured multi-factor value."""
    methods = amr if isinstance(amr, list) else []
    if "mfa" in [str(m) for m in methods]:
        return True
    return bool(mfa_acr) and isinstance(acr, str) and acr == mfa_acr


def groups_from_claims(value: object) -> list[str]:
    """The `groups` claim as a list of strings: a list, a single string, or absent."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(g) for g in value]
    return []


def grant_for(groups: Iterable[str], mappings: Iterable[Mapping]) -> Grant | None:
    """The role and scope a person's groups give: the mapped group with the lowest precedence (then the lowest
    group id) wins; None when no group is mapped."""
    member_of = set(groups)
    candidates = sorted(
        (m for m in mappings if m.group_id in member_of and m.role not in NEVER_FROM_GROUPS),
        key=lambda m: (m.precedence, m.group_id),
    )
    if not candidates:
        return None
    best = candidates[0]
    return Grant(role=best.role, scope=best.scope, authority_id=best.authority_id, partnership_id=best.partnership_id)


def username_for(email: str, taken: Iterable[str]) -> str:
    """A user name from the address ('jo.bloggs@kent.gov.uk' -> 'jo.bloggs@kent.gov.uk'), with -2, -3... when the
    name is taken. Django user names allow letters, digits and @.+-_; anything else becomes '-'."""
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789@.+-_")
    base = "".join(c if c in allowed else "-" for c in email.lower())[:140] or "council-user"
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def mapping_within_organisation(
    *, provider_authority_id: int | None, provider_partnership_id: int | None, authority_id: int | None,
    partnership_id: int | None, member_ids_of: dict[int, set[int]],
) -> bool:
    """A provider's groups may only give scope inside its own organisation: an authority's provider its own
    authority or a partnership it belongs to; a partnership's provider the partnership or one of its members.
    `member_ids_of` maps each partnership named here to its member authorities' ids."""
    if provider_authority_id is not None:
        if authority_id is not None:
            return authority_id == provider_authority_id
        return partnership_id is not None and provider_authority_id in member_ids_of.get(partnership_id, set())
    if provider_partnership_id is None:
        return False
    if partnership_id is not None:
        return partnership_id == provider_partnership_id
    return authority_id is not None and authority_id in member_ids_of.get(provider_partnership_id, set())
