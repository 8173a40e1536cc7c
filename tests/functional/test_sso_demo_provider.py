"""`manage.py sso_demo_provider`: the identity provider for a test provider started on this machine, and the command
it prints, which starts a real provider (tests/oidc_provider.mjs) that a demo person signs in through, the
provider's multi-factor assertion standing in for the TOTP step. Safe to run again."""

import json
import shlex
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from organisations.models import Role
from sso.models import IdentityProvider
from sso.services.providers import DEMO_SECRET_ENV, DEMO_SLUG
from tests.factories import AuthorityFactory, UserFactory
from tests.oidc import free_port, launch_provider, sign_in_at_provider

pytestmark = pytest.mark.django_db


def run(**options) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("sso_demo_provider", stdout=out, **options)
    return out.getvalue()


def printed(output: str) -> tuple[int, str, str]:
    """The port and CONFIG_JSON of the node command, and the client secret, as printed."""
    node = next(line for line in output.splitlines() if line.strip().startswith("node "))
    _, _, port, config = shlex.split(node)
    env = next(line for line in output.splitlines() if f"{DEMO_SECRET_ENV}=" in line)
    return int(port), config, env.split("=", 1)[1].split()[0]


def test_records_the_provider_and_a_demo_person_signs_in_through_the_printed_command(settings, monkeypatch) -> None:
    settings.TWO_FACTOR_ROLES = ["finance_officer"]
    kent = AuthorityFactory(name="Kent County Council", short_code="kent")
    person = UserFactory(username="kent.finance_officer", email="kent.finance_officer@demo.invalid",
                         authority=kent, role=Role.FINANCE_OFFICER)
    UserFactory(username="medway.finance_officer", email="medway.finance_officer@demo.invalid",
                authority=AuthorityFactory(short_code="medway"))
    output = run(port=free_port(), site="http://testserver")
    port, config, secret = printed(output)
    assert "medway" not in config and "kent.finance_officer" in config
    provider = IdentityProvider.objects.get(slug=DEMO_SLUG)
    assert provider.authority == kent and provider.issuer == f"http://127.0.0.1:{port}"
    op = launch_provider(port=port, config=json.loads(config))
    try:
        monkeypatch.setenv(DEMO_SECRET_ENV, secret)
        client = Client()
        authorize = client.get(reverse("sso:start", args=[DEMO_SLUG]))
        assert authorize.status_code == 302 and authorize.url.startswith(provider.issuer)
        callback = sign_in_at_provider(authorize.url, sub="kent.finance_officer")
        parts = urlsplit(callback)
        assert client.get(f"{parts.path}?{parts.query}").status_code == 302
        assert client.session["_auth_user_id"] == str(person.pk)
        assert client.get(reverse("home")).status_code == 200  # verified by the provider's mfa
    finally:
        op.stop()


def test_safe_to_run_again_and_refused_without_the_demo_data() -> None:
    with pytest.raises(CommandError, match="make demo"):
        run()
    kent = AuthorityFactory(short_code="kent")
    with pytest.raises(CommandError, match="no demo staff"):
        run()
    UserFactory(username="kent.social_worker", email="kent.social_worker@demo.invalid", authority=kent)
    run(port=9100)
    run(port=9200)
    assert IdentityProvider.objects.filter(slug=DEMO_SLUG).get().issuer == "http://127.0.0.1:9200"
