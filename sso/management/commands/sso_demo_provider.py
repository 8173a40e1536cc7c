"""Try council sign-in on a laptop: record the identity provider for a test provider started on this machine, and
print the commands that start it (Node, tests/oidc_provider.mjs) knowing the authority's demo staff.

    python manage.py sso_demo_provider [--authority kent] [--port 9000] [--site http://127.0.0.1:8000]

Safe to run again. The demo data must be there (make demo)."""

from __future__ import annotations

import json
import secrets
import shlex
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from organisations.models import Authority, User
from sso.services.providers import DEMO_CLIENT_ID, DEMO_SECRET_ENV, demo_provider_save

DEMO_DOMAIN = "demo.invalid"


def provider_config(*, site: str, users: list[User], client_secret: str) -> dict[str, Any]:
    """The test provider's CONFIG_JSON: our client, and each person (subject id = user name; with mfa)."""
    site = site.rstrip("/")
    return {
        "clients": [{"client_id": DEMO_CLIENT_ID, "client_secret": client_secret,
                     "redirect_uris": [f"{site}/sso/callback/"],
                     "post_logout_redirect_uris": [f"{site}/sign-in/"]}],
        "accounts": [{"sub": user.username, "email": user.email, "name": user.get_full_name() or user.username,
                      "groups": [], "mfa": True} for user in users],
    }


class Command(BaseCommand):
    help = "Record the identity provider for a local test OpenID provider and print how to start it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--authority", default="kent", help="The demo authority's short code")
        parser.add_argument("--port", type=int, default=9000, help="The test provider's port on 127.0.0.1")
        parser.add_argument("--site", default="http://127.0.0.1:8000", help="Where this site runs")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = Authority.objects.filter(short_code=options["authority"]).first()
        if authority is None:
            raise CommandError(f"No authority {options['authority']!r}: run make demo first.")
        users = list(User.objects.filter(authority=authority, is_active=True,
                                         email__endswith=f"@{DEMO_DOMAIN}").order_by("username"))
        if not users:
            raise CommandError(f"{authority.name} has no demo staff: run make demo first.")
        issuer = f"http://127.0.0.1:{options['port']}"
        provider = demo_provider_save(authority=authority, issuer=issuer, email_domain=DEMO_DOMAIN)
        secret = secrets.token_urlsafe(24)
        config = json.dumps(provider_config(site=options["site"], users=users, client_secret=secret))
        self.stdout.write(f"Identity provider {provider.slug!r} recorded for {authority.name}, issuer {issuer}.\n")
        self.stdout.write("Start the test provider (in its own terminal):\n")
        self.stdout.write(f"  node tests/oidc_provider.mjs {options['port']} {shlex.quote(config)}\n")
        self.stdout.write("Start the site with the client secret in its environment:\n")
        self.stdout.write(f"  {DEMO_SECRET_ENV}={secret} make demo\n")
        self.stdout.write(f"Then choose \"Sign in with your council account\" and give a user name as the subject id "
                          f"(for example {users[0].username}).\n")
