"""The front door in a real browser: sign-in errors, sign-in per role, accessibility of each home page."""

import pytest

from organisations.models import Role
from tests.factories import PASSWORD, ProviderUserFactory, UserFactory

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wrong_password_shows_the_error_summary_and_focuses_it(page, a11y):  # type: ignore[no-untyped-def]
    UserFactory(username="priya")
    sign_in(page, "priya", "wrong-password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct user name and password" in summary.inner_text()
    a11y.check(page)


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR])
def test_each_role_signs_in_to_an_accessible_home_page(page, a11y, role):  # type: ignore[no-untyped-def]
    user = UserFactory(role=role)
    sign_in(page, user.username, PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Your work").is_visible()
    assert user.authority.name in page.content()
    a11y.check(page)


def test_sign_in_works_without_javascript(page_without_js):  # type: ignore[no-untyped-def]
    """axe-core needs JavaScript, so the same pages are checked by the tests above with it on."""
    user = ProviderUserFactory()
    sign_in(page_without_js, user.username, PASSWORD)
    page_without_js.wait_for_url("**/")
    assert user.provider.name in page_without_js.content()
