import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.demo import DemoContext, seeders


class Command(BaseCommand):
    help = "Create (or top up) the Kent, Medway and Bexley demo partnership. Safe to run again."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--password", help="Password for new demo users (default: $DEMO_PASSWORD or generated)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        import os

        password = options.get("password") or os.environ.get("DEMO_PASSWORD", "")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        ctx = DemoContext(
            today=timezone.localdate(), password=password, password_generated=generated, stdout=self.stdout
        )
        for label, seed in seeders():
            with transaction.atomic():
                seed(ctx)
            self.stdout.write(f"  seeded {label}")
        made = ", ".join(f"{n} {what}" for what, n in sorted(ctx.created.items())) or "nothing new"
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: created {made}."))
