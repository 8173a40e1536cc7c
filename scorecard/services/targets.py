"""Timeliness targets and the board return's definitions, saved from the back office with who changed them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from scorecard.models import ReturnDefinitionSet, ReturnField, TimelinessTarget

from ._common import acting


@transaction.atomic
def target_save(*, target: TimelinessTarget, by: Any) -> TimelinessTarget:
    target.full_clean()
    target._history_user = acting(by)  # type: ignore[attr-defined]
    target.save()
    return target


@transaction.atomic
def definition_set_save(*, definition_set: ReturnDefinitionSet, by: Any) -> ReturnDefinitionSet:
    definition_set.full_clean()
    definition_set._history_user = acting(by)  # type: ignore[attr-defined]
    definition_set.save()
    return definition_set


@transaction.atomic
def return_field_save(*, return_field: ReturnField, by: Any) -> ReturnField:
    return_field.full_clean()
    return_field._history_user = acting(by)  # type: ignore[attr-defined]
    return_field.save()
    return return_field
