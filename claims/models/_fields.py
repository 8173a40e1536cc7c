"""The money field every claims model uses, and the check constraints that keep an amount in pounds and not
below zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from djmoney.models.fields import MoneyField

GBP = "GBP"


def money(**kwargs: Any) -> MoneyField:
    kwargs.setdefault("default", Decimal("0.00"))
    return MoneyField(max_digits=14, decimal_places=2, default_currency=GBP, **kwargs)


def _gbp_and_not_negative(prefix: str, *fields: str) -> list[models.BaseConstraint]:
    out: list[models.BaseConstraint] = []
    for name in fields:
        out.append(models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"{prefix}_{name}_not_negative"))
        out.append(models.CheckConstraint(condition=Q(**{f"{name}_currency": GBP}), name=f"{prefix}_{name}_gbp"))
    return out
