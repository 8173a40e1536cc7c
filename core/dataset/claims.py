"""ASF applications (one or two for each approved assessment) with their stages, and the child-year limit rows the
approved ones fill."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.dataset.clock import NOW, TODAY
from core.dataset.context import PENNY, Context, draw_money, model_or_none, table_exists
from core.dataset.support_requests import SupportFacts


@dataclass
class AppFact:
    id: int
    authority: int
    status: str
    decided: date
    approved: Decimal
    received: Decimal
    spent: Decimal
    returned: Decimal


APPROVED_STATES = ("approved", "funds_received", "in_delivery", "spend_confirmed", "closed")


def _application_status(rng: random.Random, start: date) -> str:
    age = (TODAY - start).days
    roll = rng.random()
    if age > 540:
        return ("closed" if roll < 0.78 else "rejected" if roll < 0.84 else "withdrawn" if roll < 0.88
                else "spend_confirmed")
    if age > 120:
        return rng.choices(["in_delivery", "funds_received", "spend_confirmed", "closed", "rejected", "withdrawn"],
                           weights=[0.4, 0.1, 0.1, 0.3, 0.05, 0.05])[0]
    return rng.choices(["draft", "awaiting_manager_approval", "ready_to_submit", "submitted",
                        "returned_for_rework", "resubmitted", "approved", "funds_received"],
                       weights=[0.15, 0.1, 0.1, 0.25, 0.05, 0.05, 0.2, 0.1])[0]


def write_applications(ctx: Context, support: SupportFacts) -> list[AppFact]:
    """ASF applications (one or two for each approved assessment) and the child-year limit rows they fill.
    The money facts are made even when the claims app is not migrated, so the ledger still gets its postings."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    ASFApplication = model_or_none("claims.ASFApplication")
    ChildYearLimit = model_or_none("claims.ChildYearLimit")
    FundRuleSet = model_or_none("claims.FundRuleSet")
    write = table_exists(ASFApplication) and table_exists(ChildYearLimit)
    rule_sets = list(FundRuleSet.objects.order_by("effective_from_date").values_list("effective_from_date", "id")) \
        if write and table_exists(FundRuleSet) else []
    plan: list[tuple[int, int, int, int, date, int, int]] = []
    for fact in support.assessments:
        n = 1 + (1 if rng.random() < scale.applications_per_assessment - 1 else 0)
        plan.extend([fact] * n)
    ids = w.ids(ASFApplication, len(plan)) if write else range(1, len(plan) + 1)
    rows: list[dict[str, Any]] = []
    facts: list[AppFact] = []
    limits: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * 4)
    for app_id, (aid, _rid, a, child, approved_date, author, approver) in zip(ids, plan, strict=True):
        start = min(approved_date + timedelta(days=rng.randint(10, 80)), TODAY)
        status = _application_status(rng, start)
        fy = financial_year(start)
        therapy = draw_money(rng, 1000, 5000)
        assessment = draw_money(rng, 0, 2500, 500) if rng.random() < 0.3 else Decimal("0.00")
        total = therapy + assessment
        approved = status in APPROVED_STATES
        submitted = status not in ("draft", "awaiting_manager_approval", "ready_to_submit")
        past_ready = status not in ("draft", "awaiting_manager_approval")
        decided = start - timedelta(days=rng.randint(1, 20))
        received = total if status in ("funds_received", "in_delivery", "spend_confirmed", "closed") else Decimal(0)
        spent = Decimal(0)
        if status == "in_delivery":
            spent = (total * Decimal(rng.randint(2, 8)) / 10).quantize(PENNY)
        elif status in ("spend_confirmed", "closed"):
            spent = (total * Decimal(rng.randint(80, 100)) / 100).quantize(PENNY)
        returned = (total - spent) if status == "closed" else Decimal("0.00")
        rule_set = None
        for effective, rs_id in rule_sets:
            if effective <= start:
                rule_set = rs_id
        zero = Decimal("0.00")
        rows.append({
            "id": app_id, "reference": f"ASF-G{a:04d}-{app_id:07d}", "child_id": child, "responsible_authority_id": a,
            "assessment_id": aid, "start_date": start, "financial_year": fy, "rule_set_id": rule_set,
            "status": status, "author_id": author,
            "purpose_for_fund": "Therapeutic parenting and DDP for attachment needs",
            "therapy_total": therapy, "assessment_total": assessment,
            "estimated_fund": total, "estimated_authority": zero,
            "manager_approved_by_id": approver if past_ready else None,
            "manager_approved_at": NOW if past_ready else None,
            "submitted_date": decided - timedelta(days=15) if submitted else None,
            "first_submitted_date": decided - timedelta(days=15) if submitted else None,
            "fund_reference": f"FUND-G{app_id:08d}" if submitted else "",
            "decision": "in_full" if approved else "rejected" if status == "rejected" else "",
            "decision_date": decided if approved or status == "rejected" else None,
            "approved_therapy": therapy if approved else zero, "approved_assessment": assessment if approved else zero,
            "approved_fund": total if approved else zero, "approved_authority": zero,
            "year_to_date_therapy_before": zero, "year_to_date_assessment_before": zero,
            "funds_received": received, "unspent_returned": returned,
            "spend_confirmed_date": start + timedelta(days=300) if status in ("spend_confirmed", "closed") else None,
            "closed_date": start + timedelta(days=330) if status == "closed" else None,
            "created_at": datetime.combine(approved_date, datetime.min.time(), tzinfo=UTC),
        })
        if approved:
            facts.append(AppFact(app_id, a, status, decided, total, received, spent, returned))
            # the spend confirmation gives the unspent part back to the child's year (claims.services
            # application_confirm_spend): therapy first, then assessment, as the year's headroom
            held = limits[(child, fy)]
            back_therapy = min(returned, therapy)
            held[0] += therapy - back_therapy
            held[1] += assessment - (returned - back_therapy)
            held[2] += total - returned
    if write:
        limit_ids = w.ids(ChildYearLimit, len(limits))
        limit_rows = ({"id": lid, "child_id": child, "financial_year": fy, "therapy_approved": v[0],
                       "assessment_approved": v[1], "fund_committed": v[2], "authority_committed": v[3]}
                      for lid, ((child, fy), v) in zip(limit_ids, limits.items(), strict=True))
        with transaction.atomic():
            w.write(ASFApplication, rows, total=len(rows))
            w.write(ChildYearLimit, limit_rows, total=len(limits))
    return facts


def financial_year(on: date) -> str:
    start = on.year if on.month >= 4 else on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"

