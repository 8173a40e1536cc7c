"""Two-factor sign-in (TOTP) for finance officers, lead commissioners and administrators."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.settings import base as base_settings
from organisations.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
REQUIRED = ["finance_officer", "lead_commissioner", "administrator"]


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits) + offset:06d}"[-6:]


def sign_in(client, user):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_every_real_environment_requires_it_for_the_money_and_partnership_roles():  # type: ignore[no-untyped-def]
    assert set(base_settings.TWO_FACTOR_ROLES) == set(REQUIRED)


@pytest.fixture(autouse=False)
def two_factor_on(settings):  # type: ignore[no-untyped-def]
    settings.TWO_FACTOR_ROLES = REQUIRED


@pytest.mark.usefixtures("two_factor_on")
class TestTwoFactor:
    @pytest.mark.parametrize("role", REQUIRED)
    def test_a_first_sign_in_must_set_up_an_authenticator(self, client, role):  # type: ignore[no-untyped-def]
        user = UserFactory(role=role)
        sign_in(client, user)
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))
        setup = client.get(response.url, follow=True)
        assert setup.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
        assert "<svg" in setup.content.decode()
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        done = client.post(reverse("two_factor_setup"), {"token": code_for(device), "next": "/"})
        assert done.status_code == 302
        assert client.get(reverse("home")).status_code == 200
        assert TOTPDevice.objects.get(user=user).confirmed

    def test_a_wrong_code_is_refused_with_the_error_summary(self, client):  # type: ignore[no-untyped-def]
        user = UserFactory(role=Role.FINANCE_OFFICER)
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        sign_in(client, user)
        wrong = client.post(reverse("two_factor_verify"), {"token": code_for(device, offset=1)})
        body = wrong.content.decode()
        assert wrong.status_code == 200 and "govuk-error-summary" in body and "wrong or has expired" in body
        assert client.get(reverse("home")).status_code == 302
        letters = client.post(reverse("two_factor_verify"), {"token": "abcdef"})
        assert "must be 6 digits" in letters.content.decode()

    def test_a_right_code_opens_the_service(self, client):  # type: ignore[no-untyped-def]
        user = UserFactory(role=Role.LEAD_COMMISSIONER)
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        sign_in(client, user)
        response = client.post(reverse("two_factor_verify"), {"token": code_for(device), "next": "/"})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200

    def test_social_workers_need_no_second_step(self, client):  # type: ignore[no-untyped-def]
        sign_in(client, UserFactory(role=Role.SOCIAL_WORKER))
        assert client.get(reverse("home")).status_code == 200

    def test_a_next_address_off_the_site_is_ignored(self, client):  # type: ignore[no-untyped-def]
        user = UserFactory(role=Role.FINANCE_OFFICER)
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        sign_in(client, user)
        response = client.post(reverse("two_factor_verify"),
                               {"token": code_for(device), "next": "https://evil.example/"})
        assert response.url == reverse("home")


class TestSecurityHeaders:
    def test_pages_carry_a_content_security_policy_with_a_nonce(self, client):  # type: ignore[no-untyped-def]
        response = client.get(reverse("login"))
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        nonce = policy.split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"' in response.content.decode()


def test_check_deploy_is_clean_with_production_settings():  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.production",
               SECRET_KEY="x" * 60 + "production-like-secret-key-for-the-check",
               DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/raa"),
               ALLOWED_HOSTS="support.example.gov.uk")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process; never in deployment
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
