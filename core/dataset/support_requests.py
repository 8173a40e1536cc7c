"""Support requests (about a child, or about a birth relative or adult adoptee with no child) with their stages
spread like years of real work, the assessments of need behind them, and the support plans with planned services."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import NOW, TODAY
from core.dataset.context import FAMILY_NAMES, FIRST_NAMES, Context, draw_day, draw_money

REQUEST_OPEN = ["received", "assessing", "urgent_support", "notice_issued", "decided", "plan_in_place"]


@dataclass
class SupportFacts:
    # request id -> (authority, child, received date, stage)
    requests: list[tuple[int, int, int, date, str]]
    # assessment id -> (request id, authority, child, approved date, author, approver)
    assessments: list[tuple[int, int, int, int, date, int, int]]
    # request id -> its plan's planned services (a referral is raised for one of them)
    services_of: dict[int, list[int]]


def _request_stage(rng: random.Random, received: date) -> str:
    age = (TODAY - received).days
    roll = rng.random()
    if age > 540:
        return "closed" if roll < 0.82 else "withdrawn" if roll < 0.9 else "plan_in_place"
    if age > 180:
        return ("closed" if roll < 0.35 else "withdrawn" if roll < 0.4 else "plan_in_place" if roll < 0.85
                else "decided" if roll < 0.92 else "notice_issued")
    weights = [0.2, 0.35, 0.05, 0.15, 0.1, 0.15]
    return rng.choices(REQUEST_OPEN, weights=weights)[0]


def write_support_requests(ctx: Context, children: list[tuple[int, int]]) -> SupportFacts:
    """`children`: (child id, responsible authority) for each child, as `write_families` returns them."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    SupportRequest = apps.get_model("support", "SupportRequest")
    Assessment = apps.get_model("support", "Assessment")

    requests: list[dict[str, Any]] = []
    facts: list[tuple[int, int, int, date, str]] = []
    for child, authority in children:
        n = 1 + (1 if rng.random() < scale.requests_per_child - 1 else 0)
        for _ in range(n):
            requests.append({"child_id": child, "authority": authority})
    # Birth relatives and adult adoptees asking for CAFIS-type services: a request about a person, no child.
    Person = apps.get_model("support", "Person")
    people: list[dict[str, Any]] = []
    per_authority = max(1, scale.households // 10)
    for pid, a in zip(w.ids(Person, per_authority * len(ctx.authorities)),
                      [a for a in ctx.authorities for _ in range(per_authority)], strict=True):
        people.append({"id": pid, "kind": rng.choice(["birth_parent", "birth_relative", "adult_adoptee"]),
                       "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(FAMILY_NAMES),
                       "authority_id": a, "notes": ""})
        for _ in range(rng.randint(1, 2)):
            requests.append({"person_id": pid, "authority": a})
    with transaction.atomic():
        w.write(Person, people, total=len(people))
    req_ids = w.ids(SupportRequest, len(requests))
    req_rows: list[dict[str, Any]] = []
    for rid, r in zip(req_ids, requests, strict=True):
        a = r["authority"]
        received = draw_day(rng, scale.first_day, TODAY)
        stage = _request_stage(rng, received)
        closed = stage in ("closed", "withdrawn")
        req_rows.append({
            "id": rid, "child_id": r.get("child_id"), "person_id": r.get("person_id"), "responsible_authority_id": a,
            "responsibility_reason": "Generated: three-year rule", "received_date": received,
            "requester": "adoptive_parent" if r.get("child_id") else "birth_relative",
            "summary": "Help with attachment and behaviour at home and school",
            "urgent": rng.random() < 0.05, "stage": stage,
            "allocated_worker_id": rng.choice(ctx.social_workers[a]) if stage != "received" else None,
            "closed_date": min(received + timedelta(days=rng.randint(60, 500)), TODAY) if closed else None,
            "closure_reason": "Support ended" if closed else "", "created_at": NOW,
        })
        if r.get("child_id"):
            facts.append((rid, a, r["child_id"], received, stage))

    assessments: list[dict[str, Any]] = []
    a_facts: list[tuple[int, int, int, int, date, int, int]] = []
    eligible = [f for f in facts if f[4] not in ("received", "withdrawn")]
    a_ids = w.ids(Assessment, len(eligible))
    for aid, (rid, a, child, received, stage) in zip(a_ids, eligible, strict=True):
        author = rng.choice(ctx.social_workers[a])
        approver = rng.choice(ctx.managers[a])
        started = received + timedelta(days=rng.randint(3, 30))
        done = stage != "assessing"
        completed = started + timedelta(days=rng.randint(10, 60))
        approved = completed + timedelta(days=rng.randint(1, 10))
        status = "approved" if done else rng.choice(["draft", "draft", "submitted"])
        assessments.append({
            "id": aid, "request_id": rid, "child_id": child, "responsible_authority_id": a, "author_id": author,
            "started_date": started, "summary_of_needs": "Trauma and attachment needs",
            "recommended_services": "Therapeutic parenting; DDP", "status": status,
            "completed_date": completed if status != "draft" else None,
            "approved_date": approved if done else None, "approved_by_id": approver if done else None,
        })
        if done:
            a_facts.append((aid, rid, a, child, approved, author, approver))
    stage_of = {f[0]: f[4] for f in facts}
    SupportPlan = apps.get_model("support", "SupportPlan")
    PlannedService = apps.get_model("support", "PlannedService")
    with_plan = [f for f in a_facts if stage_of[f[1]] in ("plan_in_place", "closed")]
    plans: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    for pid, (aid, rid, _a, _child, approved, author, _approver) in zip(w.ids(SupportPlan, len(with_plan)),
                                                                      with_plan, strict=True):
        ended = stage_of[rid] == "closed"
        start = approved + timedelta(days=rng.randint(28, 60))
        plans.append({"id": pid, "request_id": rid, "assessment_id": aid, "version": 1,
                      "emotional_behavioural": "Dysregulation at transitions", "likely_needs": "Therapy for a year",
                      "start_date": start, "end_date": start + timedelta(days=365) if ended else None,
                      "end_reason": "Support ended" if ended else "", "status": "ended" if ended else "active",
                      "author_id": author, "created_at": NOW})
        for _ in range(rng.randint(1, 2)):
            services.append({"request": rid, "plan_id": pid, "service_type_id": rng.choice(ctx.service_types),
                             "frequency": "Weekly for 12 weeks", "estimated_cost": draw_money(rng, 1000, 5000),
                             "estimated_cost_currency": "GBP", "provider_id": rng.choice(ctx.providers)})
    services_of: dict[int, list[int]] = defaultdict(list)
    for sid, row in zip(w.ids(PlannedService, len(services)), services, strict=True):
        row["id"] = sid
        services_of[row.pop("request")].append(sid)
    with transaction.atomic():
        w.write(SupportRequest, req_rows, total=len(req_rows))
        w.write(Assessment, assessments, total=len(assessments))
        w.write(SupportPlan, plans, total=len(plans))
        w.write(PlannedService, services, total=len(services))
    return SupportFacts(requests=facts, assessments=a_facts, services_of=services_of)

