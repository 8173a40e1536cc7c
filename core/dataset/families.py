"""Families: households in each authority, their children (one or two) and each child's adoption order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import NOW
from core.dataset.context import FAMILY_NAMES, FIRST_NAMES, TOWNS, Context, draw_day


def write_families(ctx: Context) -> list[tuple[int, int]]:
    """Returns (child id, responsible authority) for each child, in the order written."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    Household = apps.get_model("support", "Household")
    Child = apps.get_model("support", "Child")
    LegalOrder = apps.get_model("support", "LegalOrder")

    households: list[dict[str, Any]] = []
    children: list[dict[str, Any]] = []
    hh_ids = iter(w.ids(Household, scale.households * len(ctx.authorities)))
    for a in ctx.authorities:
        for _ in range(scale.households):
            hid = next(hh_ids)
            family = rng.choice(FAMILY_NAMES)
            households.append({
                "id": hid, "family_name": family, "carer_one_name": f"{rng.choice(FIRST_NAMES)} {family}",
                "carer_two_name": f"{rng.choice(FIRST_NAMES)} {family}" if rng.random() < 0.6 else "",
                "arrangement": rng.choices(["adoption", "special_guardianship", "child_arrangements"],
                                           weights=[0.75, 0.2, 0.05])[0],
                "address_line_1": f"{rng.randint(1, 200)} {rng.choice(FAMILY_NAMES)} Road",
                "town": rng.choice(TOWNS), "postcode": f"ME{rng.randint(1, 20)} {rng.randint(1, 9)}AB",
                "responsible_authority_id": a, "responsibility_reason": "Generated: lives in the authority",
                "created_at": NOW,
            })
            kids = 1 + (1 if rng.random() < scale.children_per_household - 1 else 0)
            for _k in range(kids):
                children.append({"household_id": hid, "authority": a, "family": family})
    child_ids = w.ids(Child, len(children))
    child_rows: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    for cid, c in zip(child_ids, children, strict=True):
        dob = draw_day(rng, date(2004, 1, 1), date(2022, 12, 31))
        ehc = rng.random() < 0.12
        child_rows.append({
            "id": cid, "household_id": c["household_id"], "first_name": rng.choice(FIRST_NAMES),
            "last_name": c["family"], "date_of_birth": dob, "previously_looked_after": True,
            "ehc_plan_start_date": dob + timedelta(days=365 * 6) if ehc else None,
            "responsible_authority_id": c["authority"], "responsibility_reason": "Generated: placing authority",
            "created_at": NOW,
        })
        orders.append({"child_id": cid, "kind": "adoption", "order_date": dob + timedelta(days=rng.randint(500, 1800)),
                       "placing_authority_id": c["authority"], "court": "Generated Family Court"})
    with transaction.atomic():
        w.write(Household, households, total=len(households))
        w.write(Child, child_rows, total=len(child_rows))
        order_ids = w.ids(LegalOrder, len(orders))
        for oid, o in zip(order_ids, orders, strict=True):
            o["id"] = oid
        w.write(LegalOrder, orders, total=len(orders))
    return [(c["id"], c["responsible_authority_id"]) for c in child_rows]
