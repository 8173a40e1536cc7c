"""Sign-in, sign-out, lock-out, idle expiry, and the home page per role."""

import pytest
from django.conf import settings
from django.urls import reverse

from organisations.models import Role
from tests.factories import PASSWORD, PartnershipUserFactory, ProviderUserFactory, UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


class TestSignIn:
    def test_the_sign_in_page_renders_without_a_session(self, client):  # type: ignore[no-untyped-def]
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert b"govuk-button" in response.content

    def test_a_correct_password_signs_in_and_lands_on_home(self, client):  # type: ignore[no-untyped-def]
        user = UserFactory(username="priya")
        response = sign_in(client, "priya", PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("home")
        assert client.get(reverse("home")).context["user"] == user

    def test_a_wrong_password_gets_the_govuk_error_summary(self, client):  # type: ignore[no-untyped-def]
        UserFactory(username="priya")
        response = sign_in(client, "priya", "not-the-password")
        assert response.status_code == 200
        body = response.content.decode()
        assert "govuk-error-summary" in body
        assert "Enter a correct user name and password" in body
        assert "Traceback" not in body

    def test_an_unknown_user_gets_the_same_error_and_no_hint(self, client):  # type: ignore[no-untyped-def]
        response = sign_in(client, "nobody-here", "whatever-it-is")
        body = response.content.decode()
        assert "govuk-error-summary" in body
        assert "Enter a correct user name and password" in body

    def test_empty_fields_get_an_error_on_each_field(self, client):  # type: ignore[no-untyped-def]
        body = sign_in(client, "", "").content.decode()
        assert "Enter your user name" in body
        assert "Enter your password" in body
        assert 'href="#id_username"' in body

    def test_repeated_failures_lock_the_account_out(self, client):  # type: ignore[no-untyped-def]
        UserFactory(username="tom")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "tom", "wrong-password")
        locked = sign_in(client, "tom", PASSWORD)
        assert locked.status_code == 429
        assert "Your account is locked" in locked.content.decode()
        assert "_auth_user_id" not in client.session

    def test_sign_out_ends_the_session(self, client):  # type: ignore[no-untyped-def]
        signed_in(client, UserFactory())
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 302

    def test_idle_sessions_expire_and_every_request_renews_them(self, client):  # type: ignore[no-untyped-def]
        signed_in(client, UserFactory())
        client.get(reverse("home"))
        assert settings.SESSION_SAVE_EVERY_REQUEST is True
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 60 * 60


class TestEveryPageNeedsSignIn:
    @pytest.mark.parametrize("name", ["home"])
    def test_signed_out_users_are_sent_to_sign_in(self, client, name):  # type: ignore[no-untyped-def]
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_the_admin_refuses_users_who_are_not_staff(self, client):  # type: ignore[no-untyped-def]
        signed_in(client, UserFactory(role=Role.FINANCE_OFFICER))
        response = client.get("/admin/")
        assert response.status_code == 302
        assert "login" in response.url


class TestHomePerRole:
    @pytest.mark.parametrize("role", [r for r in Role.values if r not in (Role.PROVIDER_STAFF, Role.API_CLIENT)])
    def test_every_authority_role_has_a_home_page(self, client, role):  # type: ignore[no-untyped-def]
        user = UserFactory(role=role)
        response = signed_in(client, user).get(reverse("home"))
        assert response.status_code == 200
        assert user.get_role_display() in response.content.decode()
        assert user.authority.name in response.content.decode()

    def test_provider_staff_see_their_organisation(self, client):  # type: ignore[no-untyped-def]
        user = ProviderUserFactory()
        body = signed_in(client, user).get(reverse("home")).content.decode()
        assert user.provider.name in body

    def test_partnership_users_see_the_partnership(self, client):  # type: ignore[no-untyped-def]
        user = PartnershipUserFactory(role=Role.LEAD_COMMISSIONER)
        body = signed_in(client, user).get(reverse("home")).content.decode()
        assert user.partnership.name in body
