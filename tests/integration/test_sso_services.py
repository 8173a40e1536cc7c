"""The sign-in decision on checked claims (sso.services.sign_in), on PostgreSQL. The token checks themselves run
against the real provider in tests/functional/test_sso_sign_in.py."""

from datetime import UTC, datetime

import pytest

from organisations.models import Role, User
from sso.models import ProviderAccount, SignInEvent
from sso.rules import EventKind, Refusal
from sso.services.sign_in import sign_in_with_claims
from tests.factories import UserFactory
from tests.factories_sso import GroupMappingFactory, IdentityProviderFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def claims(sub: str, email: str, **extra: object) -> dict[str, object]:
    return {"sub": sub, "email": email, **extra}


class TestSignInWithClaims:
    def test_refuses_claims_without_a_subject(self) -> None:
        outcome = sign_in_with_claims(provider=IdentityProviderFactory(), claims=claims("", "jo@kent.gov.uk"), now=NOW)
        assert outcome.user is None and outcome.refusal == Refusal.TOKEN_INVALID

    def test_refuses_when_two_people_share_the_address(self) -> None:
        provider = IdentityProviderFactory()
        UserFactory(email="jo@kent.gov.uk", authority=provider.authority)
        UserFactory(email="JO@kent.gov.uk", authority=provider.authority)
        outcome = sign_in_with_claims(provider=provider, claims=claims("s", "jo@kent.gov.uk"), now=NOW)
        assert outcome.refusal == Refusal.UNKNOWN_USER and not ProviderAccount.objects.exists()
        assert SignInEvent.objects.get().detail == "more than one account has this address"

    def test_refuses_a_machine_account(self) -> None:
        provider = IdentityProviderFactory()
        UserFactory(email="api@kent.gov.uk", authority=provider.authority, role=Role.API_CLIENT)
        outcome = sign_in_with_claims(provider=provider, claims=claims("s", "api@kent.gov.uk"), now=NOW)
        assert outcome.refusal == Refusal.ACCOUNT_CLOSED

    def test_a_subject_already_linked_is_never_linked_to_someone_else_by_address(self) -> None:
        provider = IdentityProviderFactory()
        jo = UserFactory(email="jo@kent.gov.uk", authority=provider.authority)
        ProviderAccount.objects.create(provider=provider, user=jo, subject="sub-jo", linked_at=NOW)
        outcome = sign_in_with_claims(provider=provider, claims=claims("sub-impostor", "jo@kent.gov.uk"), now=NOW)
        assert outcome.refusal == Refusal.UNKNOWN_USER

    def test_a_provisioned_name_that_is_taken_gets_a_number(self) -> None:
        provider = IdentityProviderFactory(allow_group_provisioning=True)
        GroupMappingFactory(provider=provider, group_id="g")
        UserFactory(username="new@kent.gov.uk", email="other@kent.gov.uk")
        outcome = sign_in_with_claims(provider=provider, claims=claims("s", "new@kent.gov.uk", groups=["g"]), now=NOW)
        assert outcome.user is not None and outcome.user.username == "new@kent.gov.uk-2"

    def test_each_sign_in_is_recorded_with_the_time_and_address(self) -> None:
        provider = IdentityProviderFactory()
        jo = UserFactory(email="jo@kent.gov.uk", authority=provider.authority)
        sign_in_with_claims(provider=provider, claims=claims("s", "jo@kent.gov.uk", amr=["pwd", "mfa"]), now=NOW,
                            ip="10.0.0.1")
        signed_in = SignInEvent.objects.get(kind=EventKind.SIGNED_IN)
        assert (signed_in.at, signed_in.user, signed_in.ip_address) == (NOW, jo, "10.0.0.1")
        assert ProviderAccount.objects.get(user=jo).last_sign_in_at == NOW

    def test_a_closed_provisioned_account_is_not_reopened_for_an_administrators_closure(self) -> None:
        provider = IdentityProviderFactory(allow_group_provisioning=True)
        GroupMappingFactory(provider=provider, group_id="g")
        outcome = sign_in_with_claims(provider=provider, claims=claims("s", "p@kent.gov.uk", groups=["g"]), now=NOW)
        assert outcome.user is not None
        User.objects.filter(pk=outcome.user.pk).update(is_active=False)  # an administrator closed it
        again = sign_in_with_claims(provider=provider, claims=claims("s", "p@kent.gov.uk", groups=["g"]), now=NOW)
        assert again.refusal == Refusal.ACCOUNT_CLOSED
