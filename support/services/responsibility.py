"""The three-year rule applied: the authority responsible for each child and each family, re-applied after
each change to a family and daily (an anniversary passing moves a family), and for many families at once after a
case-system import (`households_refresh`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from organisations.models import Authority

from .. import rules
from ..models import Child, Household, LegalOrder, ResidencePeriod
from ._bulk import history_rows_create
from ._common import _history

RESPONSIBILITY_FIELDS = ["responsible_authority", "responsibility_reason"]
REFRESH_CHUNK = 500


def _orders_with_placing_authority() -> Prefetch:
    return Prefetch("orders", queryset=LegalOrder.objects.select_related("placing_authority"))


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


def _decide(household: Household, children: Sequence[Child], residences: list[tuple[Any, date]],
            on_date: date, facts: dict[int, list[rules.OrderFact]] | None = None) -> tuple[list[Child], bool]:
    """Apply the rule in memory to a family whose children come with their orders (prefetched, with the placing
    authority; or given as `facts` per child): the children whose responsibility changed, and whether the family's
    did. A child with no order stays with the authority that recorded the family; the family goes with its most
    recently ordered child."""
    if facts is None:
        facts = {c.pk: [rules.OrderFact(o.kind, o.order_date, o.placing_authority) for o in c.orders.all()]
                 for c in children}
    changed: list[Child] = []
    for child in children:
        if not facts[child.pk]:
            continue  # until an order is recorded the child stays with the authority that recorded the family
        authority, reason = rules.responsibility_for_child(orders=facts[child.pk], residence_history=residences,
                                                           on_date=on_date)
        if authority is None:
            continue
        if child.responsible_authority_id != authority.pk or child.responsibility_reason != reason:
            child.responsible_authority_id = authority.pk
            child.responsibility_reason = reason[:400]
            changed.append(child)
    authority_id, reason = None, ""
    if children:
        def latest_order(c: Child) -> date:
            order = rules.governing_order(facts[c.pk])
            return order.order_date if order else date.min

        lead = max(children, key=latest_order)
        authority_id = lead.responsible_authority_id
        reason = f"Responsible for {lead.first_name}: {lead.responsibility_reason}"
    if authority_id is not None and (household.responsible_authority_id != authority_id
                                     or household.responsibility_reason != reason[:400]):
        household.responsible_authority_id = authority_id
        household.responsibility_reason = reason[:400]
        return changed, True
    return changed, False


def _refresh_household(household: Household, *, on_date: date, by: Any) -> bool:
    """The family's responsible authority now: its most recently ordered child's. A family with no child yet
    stays with the authority that recorded it."""
    children = list(household.children.select_related("responsible_authority")
                    .prefetch_related(_orders_with_placing_authority()))
    changed_children, household_changed = _decide(household, children, _residence_history(household), on_date)
    for child in changed_children:
        _history(child, by)
        child.save(update_fields=RESPONSIBILITY_FIELDS)
    if household_changed:
        _history(household, by)
        household.save(update_fields=RESPONSIBILITY_FIELDS)
    return bool(changed_children) or household_changed


def households_refresh(*, household_ids: Iterable[int], on_date: date, by: Any, change_reason: str = "") -> int:
    """Re-apply the rule to many families at once, in chunks (a few queries each, whatever the size), each family
    row locked in primary-key order; changes saved in bulk with their history rows. Call it inside the caller's
    transaction. Returns how many families or children changed."""
    ids = sorted(set(household_ids))
    changed = 0
    if not ids:
        return 0
    # The few authorities once: orders and residences are read as plain values and point at these.
    authorities = Authority.objects.in_bulk()
    with transaction.atomic():
        for start in range(0, len(ids), REFRESH_CHUNK):
            chunk = ids[start:start + REFRESH_CHUNK]
            households = list(Household.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
            children: dict[int, list[Child]] = defaultdict(list)
            for child in Child.objects.filter(household__in=chunk):
                children[child.household_id].append(child)
            facts: dict[int, list[rules.OrderFact]] = defaultdict(list)
            for child_id, kind, order_date, placing_id in LegalOrder.objects.filter(
                    child__household__in=chunk).values_list("child_id", "kind", "order_date", "placing_authority_id"):
                facts[child_id].append(rules.OrderFact(kind, order_date, authorities.get(placing_id)))
            residences: dict[int, list[tuple[Any, date]]] = defaultdict(list)
            for household_id, authority_id, from_date in ResidencePeriod.objects.filter(
                    household__in=chunk).values_list("household_id", "authority_id", "from_date"):
                residences[household_id].append((authorities[authority_id], from_date))
            changed_children: list[Child] = []
            changed_households: list[Household] = []
            for household in households:
                kids, moved = _decide(household, children[household.pk], residences[household.pk], on_date,
                                      facts)
                changed_children.extend(kids)
                if moved:
                    changed_households.append(household)
            for rows, model in ((changed_children, Child), (changed_households, Household)):
                if rows:
                    _save_responsibility(rows, model, by=by, change_reason=change_reason)
            changed += len(changed_children) + len(changed_households)
    return changed


def _save_responsibility(rows: Sequence[Child | Household], model: type[Child | Household], *, by: Any,
                         change_reason: str) -> None:
    """One UPDATE ... FROM a list of values per chunk (Django's bulk_update builds a CASE per row and field, which
    costs more than the write), then the history rows in bulk, as bulk_update_with_history would write them."""
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for row in rows:
        params += [row.pk, row.responsible_authority_id, row.responsibility_reason]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, authority_id, reason) AS (VALUES {values}) "  # noqa: S608 (names from the model)
            f"UPDATE {table} SET responsible_authority_id = v.authority_id, responsibility_reason = v.reason "
            f"FROM v WHERE {table}.id = v.id", params)
    history_rows_create(model, rows, history_type="~", user=by, reason=change_reason or "", at=timezone.now())


def responsibility_refresh(*, today: date, by: Any = None) -> int:
    """Re-apply the three-year rule to every family (daily: an anniversary passing moves a family). Returns how
    many families changed."""
    changed = 0
    for household in Household.objects.order_by("pk").iterator(chunk_size=200):
        with transaction.atomic():
            locked = Household.objects.select_for_update().get(pk=household.pk)
            changed += int(_refresh_household(locked, on_date=today, by=by))
    return changed
