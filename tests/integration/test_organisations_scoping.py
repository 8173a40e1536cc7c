"""The one scoping mechanism: a user sees only their scope."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.utils import IntegrityError

from core.models import BackgroundJob
from organisations.models import Role, Scope, User
from organisations.scoping import ScopedQuerySet, authority_ids_for
from tests.factories import (
    AuthorityFactory,
    PartnershipFactory,
    PartnershipUserFactory,
    ProviderFactory,
    ProviderUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class JobQuerySet(ScopedQuerySet):
    """BackgroundJob has an authority and nothing for providers: a real model to exercise the mechanism."""

    authority_paths = ("authority",)


class ProviderVisibleUserQuerySet(ScopedQuerySet):
    authority_paths = ("authority",)
    provider_paths = ("provider",)


def jobs(user):  # type: ignore[no-untyped-def]
    return JobQuerySet(BackgroundJob).for_user(user)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley, elsewhere = (AuthorityFactory(short_code=c) for c in ("kent", "medway", "bexley", "else"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    made = {a.short_code: BackgroundJob.objects.create(kind="x", description=a.name, authority=a)
            for a in (kent, medway, bexley, elsewhere)}
    return {"kent": kent, "medway": medway, "bexley": bexley, "else": elsewhere,
            "partnership": partnership, "jobs": made}


class TestForUser:
    def test_an_authority_user_sees_only_their_authority(self, world):  # type: ignore[no-untyped-def]
        user = UserFactory(authority=world["medway"])
        assert list(jobs(user)) == [world["jobs"]["medway"]]

    def test_a_partnership_user_sees_every_member_and_no_one_else(self, world):  # type: ignore[no-untyped-def]
        user = PartnershipUserFactory(partnership=world["partnership"], role=Role.LEAD_COMMISSIONER)
        seen = {job.description for job in jobs(user)}
        assert seen == {world["kent"].name, world["medway"].name, world["bexley"].name}

    def test_a_provider_user_sees_nothing_without_a_provider_path(self, world):  # type: ignore[no-untyped-def]
        assert not jobs(ProviderUserFactory()).exists()

    def test_a_provider_user_sees_rows_through_a_provider_path(self, world):  # type: ignore[no-untyped-def]
        coram, cafis = ProviderFactory(), ProviderFactory()
        me = ProviderUserFactory(provider=coram)
        colleague = ProviderUserFactory(provider=coram)
        ProviderUserFactory(provider=cafis)
        seen = set(ProviderVisibleUserQuerySet(User).for_user(me))
        assert seen == {me, colleague}

    def test_anonymous_and_inactive_users_see_nothing(self, world):  # type: ignore[no-untyped-def]
        inactive = UserFactory(authority=world["kent"], is_active=False)
        assert not jobs(AnonymousUser()).exists()
        assert not jobs(inactive).exists()

    def test_authority_ids_for_each_scope(self, world):  # type: ignore[no-untyped-def]
        assert authority_ids_for(UserFactory(authority=world["kent"])) == [world["kent"].id]
        partnership_user = PartnershipUserFactory(partnership=world["partnership"])
        assert sorted(authority_ids_for(partnership_user)) == sorted(
            a.id for a in (world["kent"], world["medway"], world["bexley"])
        )
        assert authority_ids_for(ProviderUserFactory()) == []


class TestUserConstraints:
    def test_provider_staff_must_have_provider_scope(self, world):  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError):
            User.objects.create(username="bad", role=Role.PROVIDER_STAFF, scope=Scope.AUTHORITY,
                                authority=world["kent"])

    def test_an_authority_user_needs_an_authority(self):  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError):
            User.objects.create(username="bad2", role=Role.SOCIAL_WORKER, scope=Scope.AUTHORITY)
