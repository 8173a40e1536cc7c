"""`make screenshots`: the key pages of the demo, as each user sees them, saved as PNG in docs/screenshots/.
Not part of the suite (marker `screenshots`); run on a throwaway PostgreSQL with the full demo data."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from organisations.models import User

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]
OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _first(model_path: str):  # type: ignore[no-untyped-def]
    from django.apps import apps

    model = apps.get_model(model_path)
    return model.objects.order_by("pk").first()


def shots() -> list[tuple[str, str, object]]:
    """(file name, user name, url or a function that returns one)."""
    return [
        ("01-sign-in", "", "/sign-in/"),
        ("02-home-social-worker", "kent.social_worker", "/"),
        ("03-caseload", "kent.social_worker", lambda: reverse("support:caseload")),
        ("04-family-record", "kent.social_worker",
         lambda: reverse("support:household_detail", args=[_first("support.Household").pk])),
        ("05-due-soon", "kent.social_worker", lambda: reverse("support:due_soon")),
        ("06-claims-queue", "kent.team_manager", lambda: reverse("claims:queue")),
        ("07-application", "kent.finance_officer",
         lambda: reverse("claims:detail", args=[_first("claims.ASFApplication").pk])),
        ("08-home-lead-commissioner", "raa.lead_commissioner", "/"),
        ("09-contracts-overview", "raa.lead_commissioner", lambda: reverse("contracts:overview")),
        ("10-contract-monitoring", "raa.lead_commissioner",
         lambda: reverse("contracts:detail", args=[_first("contracts.Contract").pk])),
        ("11-apportionment-run", "raa.finance_officer",
         lambda: reverse("contracts:run_detail", args=[_first("contracts.ApportionmentRun").pk])),
        ("12-trial-balance", "kent.finance_officer", lambda: reverse("ledger:trial_balance")),
        ("13-referrals", "kent.social_worker", lambda: reverse("commissioning:to_send")),
        ("14-provider-inbox", "coram.provider_staff", lambda: reverse("commissioning:inbox")),
        ("15-audit", "raa.auditor", lambda: reverse("audit:search")),
        ("16-home-team-manager", "kent.team_manager", "/"),
        ("17-home-finance-officer", "kent.finance_officer", "/"),
        ("18-home-provider-staff", "coram.provider_staff", "/"),
    ]


def test_save_screenshots(browser, live_server):  # type: ignore[no-untyped-def]
    call_command("seed_demo", password="screenshot-password-1", stdout=io.StringIO())
    OUT.mkdir(parents=True, exist_ok=True)
    saved, skipped = [], []
    for name, username, target in shots():
        try:
            url = target() if callable(target) else target
        except (NoReverseMatch, AttributeError) as exc:
            skipped.append(f"{name}: {exc}")
            continue
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 1000})
        if username:
            client = Client()
            client.force_login(User.objects.get(username=username),
                               backend="django.contrib.auth.backends.ModelBackend")
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        response = page.goto(str(url))
        if response is None or response.status != 200:
            skipped.append(f"{name}: HTTP {response.status if response else '?'} at {url}")
        else:
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
            saved.append(name)
        context.close()
    print(f"\nsaved {len(saved)} screenshots in {OUT}; skipped: {skipped}")
    assert saved
