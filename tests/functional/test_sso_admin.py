"""The back office for single sign-on: providers, group mappings (with history), linked accounts, the trail."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from organisations.models import Role, Scope
from sso.models import GroupMapping
from tests.factories import AuthorityFactory, UserFactory
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
