"""Sign-in with a council account through a real OpenID provider (npm oidc-provider in its own process,
tests/oidc.py): pre-created and provisioned people, role changes and loss of access from groups, the provider's
multi-factor assertion, sign-out at the provider, and every bad input refused with a page and an audit row."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from organisations.models import Role, Scope, User
from sso.models import ProviderAccount, SignInEvent
from sso.rules import EventKind, Refusal
from tests.factories import PASSWORD, AuthorityFactory, UserFactory
from tests.factories_sso import GroupMappingFactory, IdentityProviderFactory
from tests.oidc import query_of, sign_in_at_provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_secret")]


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(name="Kent County Council", short_code="kent")


@pytest.fixture
def idp(oidc_op, kent):  # type: ignore[no-untyped-def]
    return IdentityProviderFactory(slug="kent", name="Kent County Council", authority=kent, issuer=oidc_op.issuer)


def start(client: Client, idp, next_url: str = "") -> str:  # type: ignore[no-untyped-def]
    url = reverse("sso:start", args=[idp.slug]) + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(idp.issuer)
    return str(response.url)


def back_to_us(client: Client, callback: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, idp, sub: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    return back_to_us(client, sign_in_at_provider(start(client, idp, next_url), sub=sub))


def signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def refusals() -> list[SignInEvent]:
    return list(SignInEvent.objects.filter(kind=EventKind.REFUSED))


def assert_refused(response, reason: str, words: str) -> SignInEvent:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    assert response.status_code == 403
    assert "You could not be signed in" in body and words in body
    event = SignInEvent.objects.filter(kind=EventKind.REFUSED).latest("pk")
    assert event.reason == reason
    return event


class TestTheSignInPage:
    def test_offers_each_provider_above_the_local_form(self, client, idp):  # type: ignore[no-untyped-def]
        body = client.get(reverse("login")).content.decode()
        button = body.index("Sign in with your council account")
        assert reverse("sso:start", args=["kent"]) in body and "Kent County Council" in body
        assert button < body.index('name="password"')

    def test_without_providers_shows_the_local_form_only(self, client):  # type: ignore[no-untyped-def]
        body = client.get(reverse("login")).content.decode()
        assert "council account" not in body and 'name="password"' in body

    def test_the_start_sends_pkce_nonce_and_state(self, client, idp):  # type: ignore[no-untyped-def]
        query = query_of(start(client, idp))
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
        assert query["nonce"] and query["state"] and query["client_id"] == idp.client_id
        assert query["redirect_uri"] == "http://testserver/sso/callback/"

    def test_an_unknown_provider_is_not_found(self, client):  # type: ignore[no-untyped-def]
        assert client.get(reverse("sso:start", args=["nowhere"])).status_code == 404


class TestAPersonAnAdministratorCreated:
    def test_signs_in_matched_on_verified_email_then_on_subject(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(username="jo", email="Jo.Bloggs@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-jo", email="jo.bloggs@kent.gov.uk")
        response = sign_in(client, idp, "sub-jo", next_url="/audit/")
        assert response.status_code == 302 and response.url == "/audit/"
        assert signed_in_as(client) == user.pk
        assert ProviderAccount.objects.get(user=user).subject == "sub-jo"
        kinds = list(SignInEvent.objects.order_by("pk").values_list("kind", flat=True))
        assert kinds == [EventKind.LINKED, EventKind.SIGNED_IN]

        oidc_op.add_person(sub="sub-jo", email="jo.b@kent.gov.uk")  # a new address: the subject id still matches
        other = Client()
        assert sign_in(other, idp, "sub-jo").status_code == 302 and signed_in_as(other) == user.pk

    def test_a_person_of_another_authority_with_the_same_address_is_not_matched(self, client, idp, oidc_op):  # type: ignore[no-untyped-def]
        UserFactory(email="sam@kent.gov.uk", authority=AuthorityFactory())
        oidc_op.add_person(sub="sub-sam", email="sam@kent.gov.uk")
        assert_refused(sign_in(client, idp, "sub-sam"), Refusal.UNKNOWN_USER, "no account for you")
        assert signed_in_as(client) is None

    def test_an_unverified_address_is_not_matched(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="ali@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-ali", email="ali@kent.gov.uk", email_verified=False)
        assert_refused(sign_in(client, idp, "sub-ali"), Refusal.UNKNOWN_USER, "no account for you")

    def test_a_closed_account_is_refused(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="gone@kent.gov.uk", authority=kent, is_active=False)
        oidc_op.add_person(sub="sub-gone", email="gone@kent.gov.uk")
        assert_refused(sign_in(client, idp, "sub-gone"), Refusal.ACCOUNT_CLOSED, "has been closed")
        assert signed_in_as(client) is None

    def test_local_sign_in_still_works(self, client, idp, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(authority=kent)
        client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        assert signed_in_as(client) == user.pk


class TestBadInputsAreRefused:
    @pytest.mark.parametrize(("fault", "detail"), [
        ("wrong_audience", "wrong audience"),
        ("expired", "expired"),
        ("wrong_nonce", "nonce"),
        ("wrong_issuer", "unknown issuer"),
        ("bad_signature", "signature"),
        ("symmetric", "'HS256', which is not accepted"),
    ])
    def test_a_spoiled_token(self, client, idp, oidc_op, kent, fault, detail):  # type: ignore[no-untyped-def]
        UserFactory(email="jo@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-jo", email="jo@kent.gov.uk")
        callback = sign_in_at_provider(start(client, idp), sub="sub-jo")
        oidc_op.spoil_next_token(fault)
        event = assert_refused(back_to_us(client, callback), Refusal.TOKEN_INVALID, "could not confirm who you are")
        assert detail in event.detail and event.provider == idp
        assert signed_in_as(client) is None
        assert not ProviderAccount.objects.exists()

    def test_a_replayed_code(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="jo@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-jo", email="jo@kent.gov.uk")
        callback = sign_in_at_provider(start(client, idp), sub="sub-jo")
        assert back_to_us(client, callback).status_code == 302

        # The same answer again: its state is spent.
        thief = Client()
        assert_refused(back_to_us(thief, callback), Refusal.STATE_UNKNOWN, "already been used")
        # The code under a fresh state of the thief's own: the provider refuses a code it has already redeemed.
        fresh_state = query_of(start(thief, idp))["state"]
        replay = f"/sso/callback/?code={query_of(callback)['code']}&state={fresh_state}"
        event = assert_refused(thief.get(replay), Refusal.CODE_REJECTED, "did not accept this sign-in")
        assert "refused the code" in event.detail
        assert signed_in_as(thief) is None

    def test_an_answer_from_an_unknown_issuer(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="jo@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-jo", email="jo@kent.gov.uk")
        callback = sign_in_at_provider(start(client, idp), sub="sub-jo")
        forged = callback.replace("iss=http", "iss=https%3A%2F%2Fevil.example%2F&x=http")
        event = assert_refused(back_to_us(client, forged), Refusal.TOKEN_INVALID, "could not confirm who you are")
        assert "unknown issuer" in event.detail and signed_in_as(client) is None

    def test_an_unknown_user(self, client, idp, oidc_op):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-new", email="new@kent.gov.uk")
        assert_refused(sign_in(client, idp, "sub-new"), Refusal.UNKNOWN_USER, "Ask your administrator")
        assert signed_in_as(client) is None and not User.objects.filter(email="new@kent.gov.uk").exists()

    def test_an_email_from_a_domain_not_allowed(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="jo@gmail.com", authority=kent)
        oidc_op.add_person(sub="sub-out", email="jo@gmail.com")
        event = assert_refused(sign_in(client, idp, "sub-out"), Refusal.DOMAIN_NOT_ALLOWED, "not from an organisation")
        assert event.email == "jo@gmail.com" and signed_in_as(client) is None

    def test_a_person_in_no_mapped_group(self, client, idp, oidc_op):  # type: ignore[no-untyped-def]
        idp.allow_group_provisioning = True
        idp.save()
        GroupMappingFactory(provider=idp, group_id="g-social-workers")
        oidc_op.add_person(sub="sub-x", email="x@kent.gov.uk", groups=["g-unrelated"])
        assert_refused(sign_in(client, idp, "sub-x"), Refusal.NO_MAPPED_GROUP, "not in a group")
        assert signed_in_as(client) is None and not User.objects.filter(email="x@kent.gov.uk").exists()

    def test_an_error_from_the_provider(self, client, idp):  # type: ignore[no-untyped-def]
        state = query_of(start(client, idp))["state"]
        response = client.get(f"/sso/callback/?error=access_denied&state={state}")
        event = assert_refused(response, Refusal.PROVIDER_ERROR, "did not sign you in")
        assert "access_denied" in event.detail


class TestProvisioningFromGroups:
    @pytest.fixture
    def groups(self, idp, kent):  # type: ignore[no-untyped-def]
        idp.allow_group_provisioning = True
        idp.save()
        return {
            "workers": GroupMappingFactory(provider=idp, group_id="g-workers", role=Role.SOCIAL_WORKER),
            "managers": GroupMappingFactory(provider=idp, group_id="g-managers", role=Role.TEAM_MANAGER,
                                            precedence=10),
        }

    def test_creates_the_person_with_the_mapped_role(self, client, idp, oidc_op, kent, groups):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-new", email="new.person@kent.gov.uk", groups=["g-workers", "g-other"],
                           name="New Person")
        assert sign_in(client, idp, "sub-new").status_code == 302
        user = User.objects.get(email="new.person@kent.gov.uk")
        assert (user.role, user.scope, user.authority) == (Role.SOCIAL_WORKER, Scope.AUTHORITY, kent)
        assert (user.first_name, user.last_name) == ("New", "Person") and not user.has_usable_password()
        assert signed_in_as(client) == user.pk
        assert ProviderAccount.objects.get(user=user).managed_by_groups
        assert SignInEvent.objects.filter(kind=EventKind.PROVISIONED, user=user).exists()
        assert user.history.first().history_change_reason.startswith("Created at first sign-in")

    def test_the_role_follows_the_groups_at_the_next_sign_in(self, client, idp, oidc_op, groups):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-p", email="p@kent.gov.uk", groups=["g-workers"])
        sign_in(client, idp, "sub-p")
        oidc_op.add_person(sub="sub-p", email="p@kent.gov.uk", groups=["g-workers", "g-managers"])
        second = Client()
        assert sign_in(second, idp, "sub-p").status_code == 302
        user = User.objects.get(email="p@kent.gov.uk")
        assert user.role == Role.TEAM_MANAGER
        change = SignInEvent.objects.get(kind=EventKind.ROLE_CHANGED, user=user)
        assert change.detail == "Social worker (Kent County Council) to Team manager (Kent County Council)"
        assert client.get(reverse("home")).status_code == 302  # the session from before the change has ended
        assert second.get(reverse("home")).status_code == 200

    def test_a_person_out_of_every_mapped_group_loses_access_and_every_session(self, client, idp, oidc_op, groups):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-q", email="q@kent.gov.uk", groups=["g-workers"])
        sign_in(client, idp, "sub-q")
        assert client.get(reverse("home")).status_code == 200
        oidc_op.add_person(sub="sub-q", email="q@kent.gov.uk", groups=[])
        second = Client()
        assert_refused(sign_in(second, idp, "sub-q"), Refusal.NO_MAPPED_GROUP, "not in a group")
        user = User.objects.get(email="q@kent.gov.uk")
        assert not user.is_active and signed_in_as(second) is None
        assert SignInEvent.objects.filter(kind=EventKind.ACCESS_REMOVED, user=user).exists()
        home = client.get(reverse("home"))
        assert home.status_code == 302 and home.url.startswith(reverse("login"))

        oidc_op.add_person(sub="sub-q", email="q@kent.gov.uk", groups=["g-workers"])  # back in a group
        third = Client()
        assert sign_in(third, idp, "sub-q").status_code == 302 and third.get(reverse("home")).status_code == 200
        assert User.objects.get(pk=user.pk).is_active

    def test_a_person_an_administrator_created_keeps_their_role(self, client, idp, oidc_op, kent, groups):  # type: ignore[no-untyped-def]
        user = UserFactory(email="admin.made@kent.gov.uk", authority=kent, role=Role.AUDITOR)
        oidc_op.add_person(sub="sub-a", email="admin.made@kent.gov.uk", groups=["g-workers"])
        sign_in(client, idp, "sub-a")
        user.refresh_from_db()
        assert user.role == Role.AUDITOR and signed_in_as(client) == user.pk


class TestSecondFactor:
    @pytest.fixture(autouse=True)
    def two_factor_on(self, settings):  # type: ignore[no-untyped-def]
        settings.TWO_FACTOR_ROLES = ["finance_officer", "lead_commissioner", "administrator"]

    def test_is_skipped_when_the_provider_asserts_mfa(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="fo@kent.gov.uk", authority=kent, role=Role.FINANCE_OFFICER)
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=True)
        sign_in(client, idp, "sub-fo")
        assert client.get(reverse("home")).status_code == 200
        assert "multi-factor" in SignInEvent.objects.get(kind=EventKind.SIGNED_IN).detail

    def test_is_asked_as_today_without_it(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        UserFactory(email="fo@kent.gov.uk", authority=kent, role=Role.FINANCE_OFFICER)
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=False)
        sign_in(client, idp, "sub-fo")
        home = client.get(reverse("home"))
        assert home.status_code == 302 and home.url.startswith(reverse("two_factor_verify"))

    def test_the_configured_acr_counts(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        idp.mfa_acr = "urn:test:mfa"
        idp.save()
        UserFactory(email="fo@kent.gov.uk", authority=kent, role=Role.FINANCE_OFFICER)
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=True)
        sign_in(client, idp, "sub-fo")
        assert client.get(reverse("home")).status_code == 200

    def test_a_later_local_sign_in_still_asks(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(email="fo@kent.gov.uk", authority=kent, role=Role.FINANCE_OFFICER)
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=True)
        sign_in(client, idp, "sub-fo")
        local = Client()
        local.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        assert local.get(reverse("home")).status_code == 302


class TestWhileTheSecondStepIsPending:
    """Signed in with a password and waiting for the authenticator step, a person may still finish by the council's
    account: the start and callback are reachable, and the provider's amr/acr decides as at any sign-in."""

    @pytest.fixture(autouse=True)
    def two_factor_on(self, settings):  # type: ignore[no-untyped-def]
        settings.TWO_FACTOR_ROLES = ["finance_officer", "lead_commissioner", "administrator"]

    @pytest.fixture
    def pending(self, client, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(email="fo@kent.gov.uk", authority=kent, role=Role.FINANCE_OFFICER)
        client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        home = client.get(reverse("home"))
        assert home.status_code == 302 and home.url.startswith(reverse("two_factor_verify"))
        return user

    def test_the_providers_mfa_completes_the_sign_in(self, client, idp, oidc_op, pending):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=True)
        response = sign_in(client, idp, "sub-fo", next_url="/claims/")
        assert response.status_code == 302 and response.url == "/claims/"
        assert signed_in_as(client) == pending.pk
        assert client.get(reverse("home")).status_code == 200

    def test_without_mfa_from_the_provider_the_step_is_still_asked(self, client, idp, oidc_op, pending):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=False)
        sign_in(client, idp, "sub-fo")
        assert signed_in_as(client) == pending.pk
        home = client.get(reverse("home"))
        assert home.status_code == 302 and home.url.startswith(reverse("two_factor_verify"))

    def test_a_refused_council_sign_in_ends_the_half_signed_in_session(self, client, idp, oidc_op, pending):  # type: ignore[no-untyped-def]
        oidc_op.add_person(sub="sub-stranger", email="nobody@kent.gov.uk")
        assert_refused(sign_in(client, idp, "sub-stranger"), Refusal.UNKNOWN_USER, "")
        assert signed_in_as(client) is None

    def test_other_pages_still_wait_for_the_step(self, client, idp, pending):  # type: ignore[no-untyped-def]
        for url in (reverse("sso:events"), "/claims/"):
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify")), url


class TestSignOut:
    def test_ends_the_session_and_continues_at_the_provider(self, client, idp, oidc_op, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(email="jo@kent.gov.uk", authority=kent)
        oidc_op.add_person(sub="sub-jo", email="jo@kent.gov.uk")
        sign_in(client, idp, "sub-jo")
        response = client.post(reverse("logout"))
        assert response.status_code == 302 and response.url.startswith(f"{oidc_op.issuer}/session/end")
        query = query_of(response.url)
        assert query["post_logout_redirect_uri"] == "http://testserver/sign-in/" and query["id_token_hint"]
        assert signed_in_as(client) is None
        assert SignInEvent.objects.filter(kind=EventKind.SIGNED_OUT, user=user).exists()

    def test_a_local_session_signs_out_as_before(self, client, kent):  # type: ignore[no-untyped-def]
        user = UserFactory(authority=kent)
        client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        response = client.post(reverse("logout"))
        assert response.status_code == 302 and response.url == reverse("login")
        assert not SignInEvent.objects.exists()
