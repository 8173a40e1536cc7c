"""A check constraint that keeps a choices field to its states, shared by the support models."""

from django.db import models
from django.db.models import Q


def _states_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
