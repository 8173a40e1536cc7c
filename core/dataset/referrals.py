"""Referrals routed under the RAA's contracts (a fifth spot-purchased) and the usage each delivered one records."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import NOW, TODAY
from core.dataset.context import PENNY, Context
from core.dataset.support_requests import SupportFacts

# (referral id, authority, contract id or 0 for a spot purchase, status, spend)
ReferralFact = tuple[int, int, int, str, Decimal]


def _referral_status(rng: random.Random, sent: date) -> str:
    age = (TODAY - sent).days
    roll = rng.random()
    if age > 365:
        return "completed" if roll < 0.8 else "cancelled" if roll < 0.88 else "declined" if roll < 0.95 else "active"
    if age > 60:
        return "active" if roll < 0.55 else "completed" if roll < 0.8 else "declined" if roll < 0.88 else "cancelled"
    return rng.choices(["draft", "sent", "accepted", "active", "declined"], weights=[0.15, 0.3, 0.15, 0.35, 0.05])[0]


def write_referrals(
    ctx: Context, support: SupportFacts, contracts_of: dict[int, list[tuple[int, int]]]
) -> list[ReferralFact]:
    """`contracts_of`: each RAA's contracts as (contract id, provider), as `write_contracts` returns them.
    Returns a `ReferralFact` for each referral, for the ledger."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    Referral = apps.get_model("commissioning", "Referral")
    UsageRecord = apps.get_model("contracts", "UsageRecord")
    plan: list[tuple[int, int, date]] = []
    for rid, a, _child, received, stage in support.requests:
        if stage in ("received", "assessing", "withdrawn"):
            continue
        n = max(1, round(scale.referrals_per_request * 1.35 * rng.random() + 0.3))
        for _ in range(n):
            plan.append((rid, a, min(received + timedelta(days=rng.randint(20, 120)), TODAY)))
    r_ids = w.ids(Referral, len(plan))
    rows: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    out: list[ReferralFact] = []
    for fid, (rid, a, sent) in zip(r_ids, plan, strict=True):
        status = _referral_status(rng, sent)
        spot = rng.random() < 0.2
        cid, provider = rng.choice(contracts_of[ctx.raa_of[a]])
        if spot:
            cid, provider = 0, rng.choice(ctx.providers)
        routed = status != "draft" or rng.random() < 0.5
        sent_flag = status not in ("draft", "cancelled")
        rows.append({
            "id": fid, "authority_id": a, "support_request_id": rid,
            "planned_service_id": rng.choice(support.services_of[rid]) if rid in support.services_of else None,
            "service_type_id": rng.choice(ctx.service_types), "notes_for_provider": "Family prefers afternoons",
            "route_type": ("spot" if spot else "contract") if routed else "",
            "provider_id": provider if routed else None, "contract_id": (cid or None) if routed else None,
            "routed_date": sent if routed else None, "routing_reason": "Generated" if routed else "",
            "routing_considered": [], "status": status, "sent_to_id": provider if sent_flag else None,
            "sent_date": sent if sent_flag else None,
            "response_due_date": sent + timedelta(days=10) if sent_flag else None,
            "accepted_date": sent + timedelta(days=5) if status in ("accepted", "active", "completed") else None,
            "declined_date": sent + timedelta(days=5) if status == "declined" else None,
            "decline_reason": "No capacity" if status == "declined" else "",
            "first_session_date": sent + timedelta(days=20) if status in ("active", "completed") else None,
            "completed_date": min(sent + timedelta(days=180), TODAY) if status == "completed" else None,
            "cancelled_date": sent + timedelta(days=7) if status == "cancelled" else None,
            "cancel_reason": "No longer needed" if status == "cancelled" else "",
            "created_by_id": rng.choice(ctx.social_workers[a]),
            "created_at": datetime.combine(sent, datetime.min.time(), tzinfo=UTC),
        })
        sessions = rng.randint(4, 16) if status in ("active", "completed") else 0
        spend = (Decimal(sessions) * Decimal("85.00")).quantize(PENNY)
        out.append((fid, a, cid, status, spend))
        if cid and sessions:
            usage.append({"contract_id": cid, "authority_id": a, "usage_date": sent, "measure": "referrals",
                          "quantity": Decimal("1.00"), "source_key": f"commissioning.referral:{fid}"})
            usage.append({"contract_id": cid, "authority_id": a, "usage_date": sent + timedelta(days=20),
                          "measure": "sessions", "quantity": Decimal(sessions).quantize(PENNY),
                          "source_key": f"commissioning.referral:{fid}"})
    u_ids = w.ids(UsageRecord, len(usage))
    for uid, u in zip(u_ids, usage, strict=True):
        u["id"] = uid
        u["recorded_at"] = NOW
    with transaction.atomic():
        w.write(Referral, rows, total=len(rows))
        w.write(UsageRecord, usage, total=len(usage))
    return out

