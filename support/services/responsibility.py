"""The three-year rule applied: the authority responsible for each child and each family, re-applied after
each change to a family and daily (an anniversary passing moves a family)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from .. import rules
from ..models import Child, Household
from ._common import _history


def _residence_history(household: Household) -> list[tuple[Any, date]]:
    return [(r.authority, r.from_date) for r in household.residences.select_related("authority")]


def _order_facts(child: Child) -> list[rules.OrderFact]:
    return [rules.OrderFact(o.kind, o.order_date, o.placing_authority)
            for o in child.orders.select_related("placing_authority")]


def child_responsibility(*, child: Child, on_date: date) -> tuple[Any, str]:
    """The three-year rule for a child on a date (read-only: used by pages to show the answer before saving)."""
    return rules.responsibility_for_child(
        orders=_order_facts(child), residence_history=_residence_history(child.household), on_date=on_date
    )


def _refresh_child(child: Child, *, on_date: date, by: Any) -> bool:
    if not child.orders.exists():
        return False  # until an order is recorded the child stays with the authority that recorded the family
    authority, reason = child_responsibility(child=child, on_date=on_date)
    if authority is None:
        return False
    if child.responsible_authority_id != authority.pk or child.responsibility_reason != reason:
        child.responsible_authority = authority
        child.responsibility_reason = reason[:400]
        _history(child, by)
        child.save(update_fields=["responsible_authority", "responsibility_reason"])
        return True
    return False


def _refresh_household(household: Household, *, on_date: date, by: Any) -> bool:
    """The family's responsible authority now: its most recently ordered child's. A family with no child yet
    stays with the authority that recorded it."""
    children = list(household.children.select_related("responsible_authority"))
    changed = False
    for child in children:
        changed |= _refresh_child(child, on_date=on_date, by=by)
    authority, reason = None, ""
    if children:
        def latest_order(c: Child) -> date:
            order = rules.governing_order(_order_facts(c))
            return order.order_date if order else date.min

        lead = max(children, key=latest_order)
        authority = lead.responsible_authority
        reason = f"Responsible for {lead.first_name}: {lead.responsibility_reason}"
    if authority is not None and (household.responsible_authority_id != authority.pk
                                  or household.responsibility_reason != reason[:400]):
        household.responsible_authority = authority
        household.responsibility_reason = reason[:400]
        _history(household, by)
        household.save(update_fields=["responsible_authority", "responsibility_reason"])
        changed = True
    return changed


def responsibility_refresh(*, today: date, by: Any = None) -> int:
    """Re-apply the three-year rule to every family (daily: an anniversary passing moves a family). Returns how
    many families changed."""
    changed = 0
    for household in Household.objects.order_by("pk").iterator(chunk_size=200):
        with transaction.atomic():
            locked = Household.objects.select_for_update().get(pk=household.pk)
            changed += int(_refresh_household(locked, on_date=today, by=by))
    return changed
