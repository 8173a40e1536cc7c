"""The one scoping mechanism. Every model that holds a family's or an authority's data gets a queryset that
subclasses `ScopedQuerySet`, naming the paths from the model to its authority (and to a provider, where provider
staff may see rows). Every view reads through `Model.objects.for_user(user)`; nothing else decides visibility.

    class HouseholdQuerySet(ScopedQuerySet):
        authority_paths = ("responsible_authority",)

A row is visible to an authority-scoped user when any authority path points at their authority; to a
partnership-scoped user when any path points at a member of their partnership; to a provider user only through
`provider_paths`. Everyone else, and anyone signed out or inactive, sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models
from django.db.models import Q

from .models import Scope

if TYPE_CHECKING:
    from .models import User


def authority_ids_for(user: Any) -> list[int]:
    """The ids of the authorities whose data `user` may see (empty for provider staff and anonymous users)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.scope == Scope.AUTHORITY and user.authority_id:
        return [user.authority_id]
    if user.scope == Scope.PARTNERSHIP and user.partnership_id:
        return list(user.partnership.members.values_list("id", flat=True))
    return []


def _crosses_many(model: Any, path: str) -> bool:
    """Whether the path from `model` goes through a one-to-many or many-to-many relation (a join that repeats rows)."""
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        if field.related_model is None:
            return False
        model = field.related_model
    return False


class ScopedQuerySet(models.QuerySet):
    authority_paths: ClassVar[tuple[str, ...]] = ()
    provider_paths: ClassVar[tuple[str, ...]] = ()

    def _any_path(self, paths: tuple[str, ...], suffix: str, value: Any) -> Self:
        """Rows where any of the paths leads to `value`. A path through a to-many relation becomes a semi-join
        (`pk IN (SELECT ...)`), so the rows never repeat and no DISTINCT is needed before a LIMIT."""
        condition = Q()
        for path in paths:
            lookup = {f"{path}{suffix}": value}
            if _crosses_many(self.model, path):
                condition |= Q(pk__in=self.model._base_manager.filter(**lookup).values("pk"))
            else:
                condition |= Q(**lookup)
        return self.filter(condition)

    def for_user(self, user: User | Any) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.scope == Scope.PROVIDER:
            if not self.provider_paths or not user.provider_id:
                return self.none()
            return self._any_path(self.provider_paths, "", user.provider_id)
        authority_ids = authority_ids_for(user)
        if not authority_ids or not self.authority_paths:
            return self.none()
        return self._any_path(self.authority_paths, "__in", authority_ids)
