"""The back office for single sign-on: providers, group mappings (with history), linked accounts, the trail."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role, Scope
from sso.models import GroupMapping, SignInEvent
from tests.factories import AuthorityFactory, PartnershipFactory, UserFactory
from tests.factories_sso import GroupMappingFactory, IdentityProviderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["identityprovider", "groupmapping", "provideraccount", "signinevent"])
def test_an_administrator_opens_each_page(client, model):  # type: ignore[no-untyped-def]
    GroupMappingFactory()
    admin = UserFactory(is_staff=True, is_superuser=True, role=Role.SOCIAL_WORKER)
    client.force_login(admin)
    assert client.get(reverse(f"admin:sso_{model}_changelist")).status_code == 200


def test_a_mapping_keeps_its_history(client):  # type: ignore[no-untyped-def]
    mapping = GroupMappingFactory(role=Role.SOCIAL_WORKER)
    mapping.role = Role.TEAM_MANAGER
    mapping.save()
    assert [h.role for h in mapping.history.all()] == [Role.TEAM_MANAGER, Role.SOCIAL_WORKER]


def test_a_mapping_cannot_give_another_authoritys_scope():  # type: ignore[no-untyped-def]
    provider = IdentityProviderFactory()
    mapping = GroupMapping(provider=provider, group_id="g", role=Role.SOCIAL_WORKER, scope=Scope.AUTHORITY,
                           authority=AuthorityFactory())
    with pytest.raises(ValidationError, match="inside its own organisation"):
        mapping.full_clean()
    mapping.authority = provider.authority
    mapping.full_clean()


class TestTheSignInTrailPage:
    """/sso/sign-ins/: auditors and administrators see the trail of their own organisation's providers."""

    @staticmethod
    def event(provider, email: str, kind: str = "signed_in", reason: str = ""):  # type: ignore[no-untyped-def]
        return SignInEvent.objects.create(at=timezone.now(), kind=kind, reason=reason, provider=provider, email=email)

    def test_other_roles_are_refused(self, client):  # type: ignore[no-untyped-def]
        client.force_login(UserFactory(role=Role.SOCIAL_WORKER))
        assert client.get(reverse("sso:events")).status_code == 403

    def test_an_authoritys_auditor_sees_its_own_providers_only(self, client):  # type: ignore[no-untyped-def]
        kent, medway = IdentityProviderFactory(), IdentityProviderFactory()
        self.event(kent, "jo@kent.gov.uk")
        self.event(kent, "out@gmail.com", kind="refused", reason="domain_not_allowed")
        self.event(medway, "sam@medway.gov.uk")
        client.force_login(UserFactory(role=Role.AUDITOR, authority=kent.authority))
        body = client.get(reverse("sso:events")).content.decode()
        assert "jo@kent.gov.uk" in body and "Sign-in refused: email domain not allowed" in body
        assert "sam@medway.gov.uk" not in body

    def test_a_partnerships_auditor_sees_its_members_and_its_own(self, client):  # type: ignore[no-untyped-def]
        partnership = PartnershipFactory()
        kent, elsewhere = IdentityProviderFactory(), IdentityProviderFactory()
        partnership.members.add(kent.authority)
        raa = IdentityProviderFactory(authority=None, partnership=partnership)
        self.event(kent, "jo@kent.gov.uk")
        self.event(raa, "lead@raa.org.uk")
        self.event(elsewhere, "far@away.gov.uk")
        client.force_login(UserFactory(role=Role.AUDITOR, scope=Scope.PARTNERSHIP, authority=None,
                                       partnership=partnership))
        body = client.get(reverse("sso:events")).content.decode()
        assert "jo@kent.gov.uk" in body and "lead@raa.org.uk" in body and "far@away.gov.uk" not in body

    def test_the_queries_do_not_grow_with_the_rows(self, client):  # type: ignore[no-untyped-def]
        provider = IdentityProviderFactory()
        auditor = UserFactory(role=Role.AUDITOR, authority=provider.authority)
        client.force_login(auditor)
        self.event(provider, "one@kent.gov.uk")
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("sso:events"))
        for n in range(20):
            ev = self.event(provider, f"p{n}@kent.gov.uk")
            ev.user = UserFactory(authority=provider.authority)
            ev.save()
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("sso:events"))
        assert len(many) == len(few)


def test_a_provider_cannot_take_a_reserved_short_name():  # type: ignore[no-untyped-def]
    provider = IdentityProviderFactory.build(slug="callback", authority=AuthorityFactory())
    with pytest.raises(ValidationError, match="taken by a page"):
        provider.full_clean()
