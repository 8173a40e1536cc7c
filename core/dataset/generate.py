"""The dataset plan, step by step: organisations (authorities grouped into RAAs, providers, users), families and
their children, support requests and assessments with their stages spread like ten years of real work, contracts
per RAA and the referrals routed under them with the usage they record, ASF applications with each child's year
limits, and the ledger postings those applications make (every transaction balances, in total and per authority).
Each step has its own module in this package; this one runs them in order.

Deterministic: one `random.Random(seed)` drawn in a fixed order (the order of the steps below), a fixed clock
(`core.dataset.clock`). Volumes are per authority (`core.dataset.scales`).
"""

from __future__ import annotations

import random

from django.apps import apps
from django.db import connection, transaction

from core.dataset.claims import write_applications
from core.dataset.clock import NOW
from core.dataset.context import MARKER_PREFIX, model_or_none, table_exists
from core.dataset.contracts import write_contracts
from core.dataset.families import write_families
from core.dataset.ledger import write_ledger
from core.dataset.letterbox import write_letterbox
from core.dataset.organisations import write_organisations
from core.dataset.referrals import ReferralFact, write_referrals
from core.dataset.scales import SCALES
from core.dataset.support_requests import write_support_requests
from core.dataset.writer import Progress, Writer

# Referrals are routed under contracts and record usage against them: all three tables, or none of the step.
COMMISSIONING_MODELS = ("contracts.Contract", "commissioning.Referral", "contracts.UsageRecord")
LETTERBOX_MODELS = ("contact.Arrangement", "contact.Exchange")


class AlreadyGenerated(Exception):
    """The database already holds a generated dataset."""


def already_generated(namespace: str = "") -> bool:
    Authority = apps.get_model("organisations", "Authority")
    return Authority.objects.filter(short_code__startswith=f"{MARKER_PREFIX}{namespace}").exists()


def generate(
    *, scale_name: str, seed: int = 1, fraction: float = 1.0, progress: Progress | None = None, namespace: str = ""
) -> dict[str, int]:
    """Write the dataset; returns rows written per model. Refuses a database that already holds one.
    `namespace` (a few letters) names a second, separate world beside the first: the query-count tests
    compare pages of a small world with those of a larger one in the same database."""
    if namespace and not namespace.isalpha():
        raise ValueError("namespace: letters only")
    if already_generated(namespace) or (not namespace and already_generated()):
        raise AlreadyGenerated(
            "this database already holds a generated dataset (authorities with short codes starting "
            f"'{MARKER_PREFIX}'): generate_dataset writes once; use a fresh database"
        )
    scale = SCALES[scale_name].scaled(fraction)
    writer = Writer(now=NOW, progress=progress or Progress(enabled=False))
    rng = random.Random(seed)
    ctx = write_organisations(rng, writer, scale, namespace)
    children = write_families(ctx)
    support = write_support_requests(ctx, children)
    referrals: list[ReferralFact] = []
    if all(table_exists(model_or_none(label)) for label in COMMISSIONING_MODELS):
        contracts_of = write_contracts(ctx)
        referrals = write_referrals(ctx, support, contracts_of)
    applications = write_applications(ctx, support)
    write_ledger(ctx, applications, referrals)
    if all(table_exists(model_or_none(label)) for label in LETTERBOX_MODELS):
        write_letterbox(ctx, children, seed=seed)  # last, from its own draws: no other row changed
    with transaction.atomic():
        writer.reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return writer.counts
