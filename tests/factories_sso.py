import factory
from factory.django import DjangoModelFactory

from organisations.models import Role, Scope
from sso.models import GroupMapping, IdentityProvider
from tests.factories import AuthorityFactory
from tests.oidc import CLIENT_ID, SECRET_ENV


class IdentityProviderFactory(DjangoModelFactory):
    class Meta:
        model = IdentityProvider

    slug = factory.Sequence(lambda n: f"council-{n}")
    name = factory.Sequence(lambda n: f"Council {n}")
    authority = factory.SubFactory(AuthorityFactory)
    issuer = "http://127.0.0.1:9"
    client_id = CLIENT_ID
    client_secret_env = SECRET_ENV
    allowed_email_domains = "kent.gov.uk"
    scopes = "openid email profile groups"


class GroupMappingFactory(DjangoModelFactory):
    class Meta:
        model = GroupMapping

    provider = factory.SubFactory(IdentityProviderFactory)
    group_id = factory.Sequence(lambda n: f"group-{n}")
    role = Role.SOCIAL_WORKER
    scope = Scope.AUTHORITY
    authority = factory.SelfAttribute("provider.authority")
