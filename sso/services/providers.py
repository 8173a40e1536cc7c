"""Identity providers written outside the admin: the demo's local test provider (`sso_demo_provider`)."""

from __future__ import annotations

from django.db import transaction

from organisations.models import Authority

from ..models import IdentityProvider

DEMO_SLUG = "test-provider"
DEMO_CLIENT_ID = "adoption-support-demo"
DEMO_SECRET_ENV = "SSO_DEMO_CLIENT_SECRET"  # noqa: S105 (the variable's name, not a secret)
DEMO_ACR = "urn:test:mfa"


@transaction.atomic
def demo_provider_save(*, authority: Authority, issuer: str, email_domain: str) -> IdentityProvider:
    """Create or update (safe to run again) the identity provider for a test provider started on this machine
    (tests/oidc_provider.mjs): the authority's staff sign in with their user name as the subject id."""
    provider, _ = IdentityProvider.objects.update_or_create(slug=DEMO_SLUG, defaults={
        "name": f"{authority.name} (local test provider)", "authority": authority, "partnership": None,
        "issuer": issuer.rstrip("/"), "client_id": DEMO_CLIENT_ID, "client_secret_env": DEMO_SECRET_ENV,
        "allowed_email_domains": email_domain, "allow_group_provisioning": False, "mfa_acr": DEMO_ACR,
        "scopes": "openid email profile", "enabled": True,
    })
    provider.full_clean()
    return provider
