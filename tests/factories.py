"""factory_boy factories for the organisations layer. Each app's tests add their own in tests/factories_<app>.py
or beside them; one factory per state where a model has a state machine."""

import factory
from factory.django import DjangoModelFactory

from organisations.models import (
    Authority,
    CheckKind,
    Partnership,
    Provider,
    ProviderKind,
    RegistrationCheck,
    Role,
    Scope,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class AuthorityFactory(DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("short_code",)

    name = factory.Sequence(lambda n: f"Authority {n}")
    short_code = factory.Sequence(lambda n: f"auth{n}")
    ons_code = factory.Sequence(lambda n: f"E0{n:07d}")


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partnership {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.members.add(*extracted)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = ProviderKind.ADOPTION_SUPPORT_AGENCY
    ofsted_urn = factory.Sequence(lambda n: f"SC{n:06d}")


class RegistrationCheckFactory(DjangoModelFactory):
    class Meta:
        model = RegistrationCheck

    provider = factory.SubFactory(ProviderFactory)
    kind = CheckKind.OFSTED
    checked_date = factory.Faker("date_between", start_date="-3y", end_date="-1y")
    valid_until_date = factory.Faker("date_between", start_date="+1y", end_date="+3y")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.SOCIAL_WORKER
    scope = Scope.AUTHORITY
    authority = factory.SubFactory(AuthorityFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.save()


class PartnershipUserFactory(UserFactory):
    scope = Scope.PARTNERSHIP
    authority = None
    partnership = factory.SubFactory(PartnershipFactory)


class ProviderUserFactory(UserFactory):
    role = Role.PROVIDER_STAFF
    scope = Scope.PROVIDER
    authority = None
    provider = factory.SubFactory(ProviderFactory)
