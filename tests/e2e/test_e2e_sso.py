"""Signing in with a council account in a real browser, through a real OpenID provider (npm oidc-provider in its
own process): a person an administrator created, a person created from their group, with and without the
provider's multi-factor assertion, a refusal, and sign-out at the provider. axe-core checks our pages."""

import pytest

from organisations.models import Role, User
from tests.factories import PASSWORD, AuthorityFactory, UserFactory
from tests.factories_sso import GroupMappingFactory, IdentityProviderFactory

from .conftest import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("client_secret")]


@pytest.fixture
def two_factor_on(settings):  # type: ignore[no-untyped-def]
    settings.TWO_FACTOR_ROLES = ["finance_officer", "lead_commissioner", "administrator"]


@pytest.fixture
def idp(oidc_op_live):  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(name="Kent County Council", short_code="kent")
    return IdentityProviderFactory(slug="kent", name="Kent County Council", authority=kent,
                                   issuer=oidc_op_live.issuer)


def sign_in_with_council_account(page, sub: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign in with your council account").click()
    page.wait_for_url("**/interaction/**")
    page.get_by_label("Subject id").fill(sub)
    page.get_by_role("button", name="Continue").click()


def test_a_person_an_administrator_created_signs_in_and_out(page, a11y, idp, oidc_op_live):  # type: ignore[no-untyped-def]
    user = UserFactory(email="jo.bloggs@kent.gov.uk", authority=idp.authority, first_name="Jo", last_name="Bloggs")
    oidc_op_live.add_person(sub="sub-jo", email="jo.bloggs@kent.gov.uk")
    page.goto("/sign-in/")
    assert page.get_by_role("heading", name="Sign in with your council account").is_visible()
    assert page.get_by_label("User name").is_visible()  # the local form stays, below
    a11y.check(page)
    sign_in_with_council_account(page, "sub-jo")
    page.get_by_role("heading", name="Your work").wait_for()
    assert "Jo Bloggs" in page.content() and user.authority.name in page.content()
    a11y.check(page)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url("**/sign-in/")
    assert page.get_by_role("heading", name="Sign in", exact=True).is_visible()
    page.goto("/")
    page.wait_for_url("**/sign-in/**")


@pytest.mark.usefixtures("two_factor_on")
def test_a_person_created_from_their_group_with_mfa_goes_straight_in(page, a11y, idp, oidc_op_live):  # type: ignore[no-untyped-def]
    idp.allow_group_provisioning = True
    idp.save()
    GroupMappingFactory(provider=idp, group_id="g-finance", role=Role.FINANCE_OFFICER)
    oidc_op_live.add_person(sub="sub-fin", email="fin.officer@kent.gov.uk", groups=["g-finance"], mfa=True,
                            name="Fin Officer")
    page.goto("/sign-in/")
    sign_in_with_council_account(page, "sub-fin")
    page.get_by_role("heading", name="Your work").wait_for()
    assert User.objects.get(email="fin.officer@kent.gov.uk").role == Role.FINANCE_OFFICER
    a11y.check(page)


@pytest.mark.usefixtures("two_factor_on")
def test_without_mfa_the_authenticator_step_is_asked(page, a11y, idp, oidc_op_live):  # type: ignore[no-untyped-def]
    UserFactory(email="fo@kent.gov.uk", authority=idp.authority, role=Role.FINANCE_OFFICER)
    oidc_op_live.add_person(sub="sub-fo", email="fo@kent.gov.uk", mfa=False)
    page.goto("/sign-in/")
    sign_in_with_council_account(page, "sub-fo")
    page.wait_for_url("**/sign-in/set-up-authenticator/**")
    assert page.get_by_label("Security code").is_visible()


def test_a_person_in_no_mapped_group_sees_why(page, a11y, idp, oidc_op_live):  # type: ignore[no-untyped-def]
    idp.allow_group_provisioning = True
    idp.save()
    GroupMappingFactory(provider=idp, group_id="g-workers")
    oidc_op_live.add_person(sub="sub-none", email="none@kent.gov.uk", groups=["g-canteen"])
    page.goto("/sign-in/")
    sign_in_with_council_account(page, "sub-none")
    page.get_by_role("heading", name="You could not be signed in").wait_for()
    assert "not in a group that gives access" in page.content()
    a11y.check(page)
    page.get_by_role("link", name="Go to the sign-in page").click()
    page.wait_for_url("**/sign-in/")


def test_an_auditor_reads_the_sign_in_trail(page, a11y, idp, oidc_op_live):  # type: ignore[no-untyped-def]
    oidc_op_live.add_person(sub="sub-out", email="someone@gmail.com")
    page.goto("/sign-in/")
    sign_in_with_council_account(page, "sub-out")
    page.get_by_role("heading", name="You could not be signed in").wait_for()
    auditor = UserFactory(role=Role.AUDITOR, authority=idp.authority)
    sign_in(page, auditor.username, PASSWORD)  # the shared helper, on a page that also offers the council account
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign-ins").click()
    page.get_by_role("heading", name="Sign-ins with council accounts").wait_for()
    assert "Sign-in refused: email domain not allowed" in page.content()
    a11y.check(page)
