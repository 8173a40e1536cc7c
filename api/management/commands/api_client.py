"""`manage.py api_client create NAME --authority kent --scopes all|SCOPE,SCOPE [--provider SLUG]
[--partnership NAME] [--expires YYYY-MM-DD] [--contact TEXT]`, `api_client rotate NAME`, `api_client revoke NAME`.
create and rotate print the token once, alone on the last line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from organisations.models import Authority, Partnership, Provider

from ... import services
from ...models import ApiClient
from ...scopes import scopes_for


class Command(BaseCommand):
    help = "Create an API client (printing its token once), rotate its token, or revoke it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client and print its token once")
        create.add_argument("name")
        create.add_argument("--authority", help="The authority's short code, e.g. kent")
        create.add_argument("--partnership", help="The partnership's name or short name (for a whole-RAA client)")
        create.add_argument("--provider", help="The provider, as its name in lower case with hyphens, e.g. coram")
        create.add_argument("--scopes", required=True, help="all, or scopes separated by commas")
        create.add_argument("--expires", help="The last day the token works (YYYY-MM-DD); default a year on")
        create.add_argument("--contact", default="", help="Who to call about this system")
        for name, text in (("rotate", "Issue a new token (the old one stops at once)"),
                           ("revoke", "Refuse the client's token from now on")):
            action = sub.add_parser(name, help=text)
            action.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            if options["action"] == "create":
                issued = self._create(options, now)
            else:
                client = ApiClient.objects.filter(name=options["name"]).first()
                if client is None:
                    raise CommandError(f"There is no API client called {options['name']}.")
                if options["action"] == "revoke":
                    services.api_client_revoke(client=client, by=None, now=now)
                    self.stdout.write(f"Revoked {client.name}: its token no longer works.")
                    return
                issued = services.api_client_rotate(client=client, by=None, now=now)
        except services.ApiClientError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{issued.client.name}: scopes {', '.join(issued.client.scopes)}; expires "
                          f"{issued.client.expires_at:%d %B %Y}. The token below is shown once and cannot be "
                          "recovered:")
        self.stdout.write(issued.token)

    def _create(self, options: dict[str, Any], now: datetime) -> services.IssuedToken:
        authority = partnership = provider = None
        if options["provider"]:
            provider = next((p for p in Provider.objects.all() if slugify(p.name) == options["provider"]), None)
            if provider is None:
                raise CommandError(f"There is no provider “{options['provider']}”.")
        if options["authority"]:
            authority = Authority.objects.filter(short_code=options["authority"]).first()
            if authority is None:
                raise CommandError(f"There is no authority with the short code “{options['authority']}”.")
        if options["partnership"]:
            text = options["partnership"]
            partnership = Partnership.objects.filter(Q(name=text) | Q(short_name=text)).first()
            if partnership is None:
                raise CommandError(f"There is no partnership “{text}”.")
        if provider is not None:
            authority = None  # a provider's client acts for the provider alone
        names = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        scopes = scopes_for(provider=provider is not None) if names == ["all"] else names
        if options["expires"]:
            try:
                last_day = date.fromisoformat(options["expires"])
            except ValueError as exc:
                raise CommandError("Give --expires as a date, YYYY-MM-DD.") from exc
            expires_at = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
        else:
            expires_at = now + timedelta(days=365)
        return services.api_client_create(name=options["name"], scopes=scopes, expires_at=expires_at,
                                          contact=options["contact"], authority=authority, partnership=partnership,
                                          provider=provider, by=None, now=now)
