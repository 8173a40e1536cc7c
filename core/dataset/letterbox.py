"""Letterbox contact: one or two arrangements for each child under 17 (about 200,000 nationally), each with a birth
relative and the items of every due month from its agreement to a year ahead, in the states years of work leave
them.

Drawn from its own `random.Random(seed)` after every other step, so adding it changed no other generated row. core
cannot import contact (the layers), so the overdue date is worked here as contact.rules.overdue_date works it: the
due month's last day, plus the weeks, plus one day."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import NOW, TODAY
from core.dataset.context import FIRST_NAMES, Context, draw_day

SECOND_RELATIVE = 0.45  # a child with a second arrangement (another birth relative): ~1.45 per child under 17
WEEKS = 4


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _overdue(due: date, weeks: int) -> date:
    return due.replace(day=calendar.monthrange(due.year, due.month)[1]) + timedelta(weeks=weeks, days=1)


def _under(dob: date, years: int) -> bool:
    """Younger than `years` on TODAY (a 29 February birthday needs no special case in a tuple)."""
    return (dob.year + years, dob.month, dob.day) > (TODAY.year, TODAY.month, TODAY.day)


def _item_state(rng: random.Random, due: date, overdue: date) -> dict[str, Any]:
    if overdue > TODAY:
        return {"status": "expected"}
    received = draw_day(rng, due, overdue + timedelta(days=20))
    recent = (TODAY - overdue).days < 120
    roll = rng.random()
    if roll < 0.80 and received <= TODAY:
        return {"status": "forwarded", "received_date": received, "kind": "letter", "version": 1,
                "forwarded_date": min(received + timedelta(days=7), TODAY), "forward_channel": "post"}
    if roll < 0.83 and received <= TODAY:
        return {"status": "returned", "received_date": received, "kind": "card", "version": 1,
                "returned_date": min(received + timedelta(days=5), TODAY), "return_reason": "Generated: returned"}
    if roll < 0.86 and recent and received <= TODAY:
        return {"status": "held", "received_date": received, "kind": "letter", "version": 1,
                "held_date": min(received + timedelta(days=3), TODAY), "hold_reason": "Generated: identifying detail"}
    if recent:
        return {"status": "expected", "reminded_date": min(overdue + timedelta(days=1), TODAY)}
    return {"status": "missed"}


def write_letterbox(ctx: Context, children: list[tuple[int, int]], *, seed: int) -> None:
    Arrangement = apps.get_model("contact", "Arrangement")
    Exchange = apps.get_model("contact", "Exchange")
    Person = apps.get_model("support", "Person")
    Child = apps.get_model("support", "Child")
    relatives_through = Arrangement.relatives.through
    rng, w = random.Random(seed * 1000 + 22), ctx.w
    if not children:
        return
    ids = [c for c, _a in children]
    facts = {cid: (household, dob) for cid, household, dob in Child.objects.filter(
        pk__gte=min(ids), pk__lte=max(ids)).values_list("id", "household_id", "date_of_birth").iterator(
        chunk_size=20000)}
    chosen = [(cid, a) for cid, a in children if cid in facts and _under(facts[cid][1], 17)
              for _ in range(1 + (rng.random() < SECOND_RELATIVE))]
    arrangement_ids = iter(w.ids(Arrangement, len(chosen)))
    person_ids = iter(w.ids(Person, len(chosen)))
    arrangements: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for cid, a in chosen:
        aid, pid = next(arrangement_ids), next(person_ids)
        household, dob = facts[cid]
        first = rng.randint(1, 12)
        months = sorted({first, (first + 5) % 12 + 1}) if rng.random() < 0.4 else [first]
        agreed = draw_day(rng, max(TODAY - timedelta(days=4 * 365), dob + timedelta(days=365)), TODAY)
        status = rng.choices(["active", "paused", "ended", "proposed"], weights=[0.85, 0.04, 0.05, 0.06])[0]
        direction = rng.choices(["both_ways", "from_family", "from_relatives"], weights=[0.6, 0.35, 0.05])[0]
        ended = draw_day(rng, agreed, TODAY) if status == "ended" else None
        arrangements.append({
            "id": aid, "authority_id": a, "child_id": cid, "household_id": household, "direction": direction,
            "due_months": months, "overdue_after_weeks": WEEKS, "agreed_date": agreed, "status": status,
            "cards_allowed": True, "created_by_id": ctx.social_workers[a][0], "created_at": NOW,
            "paused_reason": "Generated: a break asked for" if status == "paused" else "",
            "paused_date": TODAY - timedelta(days=30) if status == "paused" else None,
            "end_reason": "relative_withdrew" if status == "ended" else "", "ended_date": ended,
        })
        people.append({"id": pid, "kind": "birth_parent", "first_name": rng.choice(FIRST_NAMES),
                       "last_name": "Generated", "authority_id": a, "related_child_id": cid})
        links.append({"id": len(links) + 1, "arrangement_id": aid, "person_id": pid})
        if status == "proposed":
            continue
        sides = (["family"] if direction != "from_relatives" else []) + (
            ["relatives"] if direction != "from_family" else [])
        day, stop = _next_month(agreed.replace(day=1)), min(ended or date.max, TODAY + timedelta(days=366))
        while day <= stop:
            if day.month in months:
                overdue = _overdue(day, WEEKS)
                for side in sides:
                    row = {"arrangement_id": aid, "authority_id": a, "writer": side, "due_date": day,
                           "overdue_date": overdue, **_item_state(rng, day, overdue)}
                    if status == "paused" and day >= TODAY.replace(day=1) - timedelta(days=31):
                        row = {**row, "status": "excused"} if row["status"] == "expected" else row
                    items.append(row)
            day = _next_month(day)
    with transaction.atomic():
        w.write(Person, people, total=len(people), label="letterbox relatives")
        w.write(Arrangement, arrangements, total=len(arrangements))
        link_ids = w.ids(relatives_through, len(links))
        for lid, link in zip(link_ids, links, strict=True):
            link["id"] = lid
        w.write(relatives_through, links, total=len(links), quiet=True)
        for eid, row in zip(w.ids(Exchange, len(items)), items, strict=True):
            row["id"] = eid
        w.write(Exchange, items, total=len(items))
