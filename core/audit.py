"""Recording reads of personal records. Views of a child's or family's record call `record_access` once per page."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from .models import AccessAction, AccessLog


def record_access(
    *, user: Any, obj: models.Model, action: str = AccessAction.VIEW, family: models.Model | None = None,
    request: HttpRequest | None = None, authority: Any = None,
) -> AccessLog:
    family = family if family is not None else obj
    return AccessLog.objects.create(
        user=user,
        at=timezone.now(),
        action=action,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        family_key=f"{family._meta.label_lower}:{family.pk}",
        path=(request.get_full_path()[:300] if request else ""),
        authority=authority,
    )
