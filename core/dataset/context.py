"""What every step of the generator shares: the ids one step hands the next (`Context`), the marker that names a
generated world, the lists names are drawn from, and the draws and model look-ups the steps use.

core sits at the bottom of the import layers, so every domain model is looked up through the app registry
(`apps.get_model`) at run time, never imported; an app that is not installed or not migrated yet is skipped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection

from core.dataset.scales import Scale
from core.dataset.writer import Writer

MARKER_PREFIX = "gen-"
PENNY = Decimal("0.01")

FAMILY_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
                "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
                "Khan", "Jackson", "Lewis", "Hill", "Harris", "Ahmed", "Martin", "Cooper", "Ward", "Morris"]
FIRST_NAMES = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Noah", "Oliver", "George",
               "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry", "Theo", "Jack", "Sophia", "Grace",
               "Ella", "Evie", "Alfie", "Charlie", "Jacob", "Freddie", "Poppy", "Rosie"]
TOWNS = ["Maidstone", "Canterbury", "Ashford", "Chatham", "Gillingham", "Bexleyheath", "Sidcup", "Dover",
         "Folkestone", "Margate", "Tunbridge Wells", "Sevenoaks", "Dartford", "Gravesend", "Rochester"]


@dataclass
class Context:
    rng: random.Random
    w: Writer
    scale: Scale
    authorities: list[int]
    raa_of: dict[int, int]
    raas: dict[int, list[int]]
    social_workers: dict[int, list[int]]
    managers: dict[int, list[int]]
    providers: list[int]
    service_types: list[int]


def model_or_none(label: str) -> Any:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def table_exists(model: Any) -> bool:
    return model is not None and model._meta.db_table in connection.introspection.table_names()


def draw_money(rng: random.Random, low: int, high: int, step: int = 50) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(PENNY)


def draw_day(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))
