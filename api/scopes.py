"""The one registry of API scopes: what each lets a client do, and which kind of client may hold it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiScope:
    name: str
    description: str
    provider: bool  # held by a provider organisation's client (True) or an authority's or partnership's (False)


SCOPES: dict[str, ApiScope] = {
    scope.name: scope
    for scope in (
        ApiScope("support:read", "Read families, children, people, legal orders, requests, assessments, notices, "
                                 "decisions, plans and reviews", provider=False),
        ApiScope("support:write", "Record a support request, as the front door or the case system would",
                 provider=False),
        ApiScope("claims:read", "Read ASF applications and a child's fund headroom", provider=False),
        ApiScope("contracts:read", "Read contracts, usage, apportionment runs and their lines", provider=False),
        ApiScope("usage:write", "Post contract usage in bulk", provider=False),
        ApiScope("ledger:read", "Read ledger transactions and entries", provider=False),
        ApiScope("referrals:provider", "List the referrals sent to the provider, accept or decline them, record "
                                       "sessions delivered", provider=True),
    )
}


def scopes_for(*, provider: bool) -> list[str]:
    """Every scope a client of this kind may hold (what `all` means)."""
    return [name for name, scope in SCOPES.items() if scope.provider == provider]


def check_scopes(scopes: list[str], *, provider: bool) -> list[str]:
    """The problems with `scopes` for a client of this kind, in words (empty when they are fine)."""
    problems = []
    if not scopes:
        problems.append("Give the client at least one scope.")
    for name in scopes:
        if name not in SCOPES:
            problems.append(f"“{name}” is not a scope: use one of {', '.join(SCOPES)}.")
        elif SCOPES[name].provider != provider:
            kind = "a provider's" if SCOPES[name].provider else "an authority's or the partnership's"
            problems.append(f"The scope {name} is for {kind} client only.")
    if len(set(scopes)) != len(scopes):
        problems.append("A scope is named twice.")
    return problems
