"""The dataset plan: authorities grouped into RAAs, families and children, support requests and assessments with
their stages spread like ten years of real work, referrals routed under shared contracts, the usage they record,
ASF applications with each child's year limits, and the ledger postings those applications make (every
transaction balances, in total and per authority).

Deterministic: one `random.Random(seed)` drawn in a fixed order, a fixed clock (`TODAY`/`NOW`). Volumes are per
authority, so a `fraction` keeps the 150 national authorities and scales what each holds.

core sits at the bottom of the import layers, so every domain model is looked up through the app registry
(`apps.get_model`) at run time, never imported; an app that is not installed or not migrated yet is skipped.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from core.dataset.writer import Progress, Writer

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2016, 4, 1)
MARKER_PREFIX = "gen-"
PENNY = Decimal("0.01")


class AlreadyGenerated(Exception):
    """The database already holds a generated dataset."""


@dataclass(frozen=True)
class Scale:
    authorities: int
    raa_size: int
    households: int  # per authority
    children_per_household: float
    requests_per_child: float
    referrals_per_request: float
    applications_per_assessment: float
    contracts_per_raa: int
    providers: int
    social_workers: int
    first_day: date = FIRST_DAY  # the history starts here and runs to TODAY

    def scaled(self, fraction: float) -> Scale:
        return Scale(
            authorities=self.authorities, raa_size=self.raa_size,
            households=max(1, round(self.households * fraction)),
            children_per_household=self.children_per_household, requests_per_child=self.requests_per_child,
            referrals_per_request=self.referrals_per_request,
            applications_per_assessment=self.applications_per_assessment,
            contracts_per_raa=self.contracts_per_raa, providers=self.providers, social_workers=self.social_workers,
            first_day=self.first_day,
        )


# National (DOMAIN.md 5): 150 authorities x 1,000 households -> 200k children, 250k requests, ~250k applications,
# 500k referrals, ~1M usage rows, a few million ledger entries. An RAA: three authorities at the same rates.
SCALES: dict[str, Scale] = {
    "national": Scale(authorities=150, raa_size=5, households=1000, children_per_household=1.33,
                      requests_per_child=1.25, referrals_per_request=2.0, applications_per_assessment=1.2,
                      contracts_per_raa=6, providers=400, social_workers=6),
    "raa": Scale(authorities=3, raa_size=3, households=1000, children_per_household=1.33, requests_per_child=1.25,
                 referrals_per_request=2.0, applications_per_assessment=1.2, contracts_per_raa=6, providers=40,
                 social_workers=6),
    "tiny": Scale(authorities=2, raa_size=2, households=15, children_per_household=1.33, requests_per_child=1.25,
                  referrals_per_request=2.0, applications_per_assessment=1.2, contracts_per_raa=2, providers=6,
                  social_workers=2, first_day=date(2025, 11, 1)),
}

FAMILY_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
                "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
                "Khan", "Jackson", "Lewis", "Hill", "Harris", "Ahmed", "Martin", "Cooper", "Ward", "Morris"]
FIRST_NAMES = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Noah", "Oliver", "George",
               "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry", "Theo", "Jack", "Sophia", "Grace",
               "Ella", "Evie", "Alfie", "Charlie", "Jacob", "Freddie", "Poppy", "Rosie"]
TOWNS = ["Maidstone", "Canterbury", "Ashford", "Chatham", "Gillingham", "Bexleyheath", "Sidcup", "Dover",
         "Folkestone", "Margate", "Tunbridge Wells", "Sevenoaks", "Dartford", "Gravesend", "Rochester"]

REQUEST_OPEN = ["received", "assessing", "urgent_support", "notice_issued", "decided", "plan_in_place"]


def _model(label: str) -> Any:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _table_exists(model: Any) -> bool:
    return model is not None and model._meta.db_table in connection.introspection.table_names()


def _money(rng: random.Random, low: int, high: int, step: int = 50) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(PENNY)


def _day(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


def financial_year(on: date) -> str:
    start = on.year if on.month >= 4 else on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def already_generated(namespace: str = "") -> bool:
    Authority = apps.get_model("organisations", "Authority")
    return Authority.objects.filter(short_code__startswith=f"{MARKER_PREFIX}{namespace}").exists()


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
    ctx = _organisations(rng, writer, scale, namespace)
    apps_info = _support(ctx)
    referrals = _commissioning(ctx, apps_info)
    applications = _claims(ctx, apps_info)
    _ledger(ctx, applications, referrals)
    with transaction.atomic():
        writer.reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return writer.counts


# ------------------------------------------------------------------------------------------------ organisations


def _organisations(rng: random.Random, w: Writer, scale: Scale, ns: str) -> Context:
    Authority = apps.get_model("organisations", "Authority")
    Partnership = apps.get_model("organisations", "Partnership")
    Provider = apps.get_model("organisations", "Provider")
    User = apps.get_model("organisations", "User")
    ServiceType = apps.get_model("support", "ServiceType")
    n = scale.authorities
    with transaction.atomic():
        auth_ids = list(w.ids(Authority, n))
        w.write(Authority, ({"id": a, "name": f"Generated Authority {ns}{i + 1:03d}",
                             "short_code": f"{MARKER_PREFIX}{ns}{i + 1:03d}", "ons_code": f"G{ns[:1]}{i + 1:07d}"}
                            for i, a in enumerate(auth_ids)), total=n)
        groups = [auth_ids[i:i + scale.raa_size] for i in range(0, n, scale.raa_size)]
        raa_ids = list(w.ids(Partnership, len(groups)))
        w.write(Partnership, ({"id": p, "name": f"Generated RAA {ns}{i + 1:02d}", "short_name": f"GRAA{ns}{i + 1:02d}",
                               "live_date": date(2020, 11, 1)} for i, p in enumerate(raa_ids)), total=len(groups))
        Members = Partnership.members.through
        pairs = [(p, a) for p, group in zip(raa_ids, groups, strict=True) for a in group]
        member_ids = w.ids(Members, len(pairs))
        w.write(Members, ({"id": i, "partnership_id": p, "authority_id": a}
                          for i, (p, a) in zip(member_ids, pairs, strict=True)), total=len(pairs))
        kinds = ["asa", "asa", "asa", "independent", "nhs", "vaa", "la"]
        prov_ids = list(w.ids(Provider, scale.providers))
        w.write(Provider, ({"id": p, "name": f"Generated Provider {ns}{i + 1:04d}", "kind": kinds[i % len(kinds)],
                            "ofsted_urn": f"SC{100000 + i}", "approved": True} for i, p in enumerate(prov_ids)),
                total=scale.providers)

        users: list[dict[str, Any]] = []
        sws: dict[int, list[int]] = defaultdict(list)
        tms: dict[int, list[int]] = defaultdict(list)
        per_authority = scale.social_workers + 4
        user_ids = iter(w.ids(User, n * per_authority + len(raa_ids) + len(prov_ids)))
        for i, a in enumerate(auth_ids):
            code = f"{MARKER_PREFIX}{ns}{i + 1:03d}"
            roles = (["social_worker"] * scale.social_workers) + ["team_manager", "team_manager", "finance_officer",
                                                                  "auditor"]
            for k, role in enumerate(roles):
                uid = next(user_ids)
                if role == "social_worker":
                    sws[a].append(uid)
                elif role == "team_manager":
                    tms[a].append(uid)
                users.append({"id": uid, "username": f"{code}.{role}.{k + 1}", "password": "!",
                              "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(FAMILY_NAMES),
                              "email": f"{code}.{role}.{k + 1}@example.invalid", "role": role,
                              "scope": "authority", "authority_id": a, "date_joined": NOW})
        for j, p in enumerate(raa_ids):
            uid = next(user_ids)
            users.append({"id": uid, "username": f"graa{ns}{j + 1:02d}.lead_commissioner", "password": "!",
                          "first_name": "Lead", "last_name": "Commissioner", "role": "lead_commissioner",
                          "scope": "partnership", "partnership_id": p, "email": "", "date_joined": NOW})
        for j, p in enumerate(prov_ids):
            uid = next(user_ids)
            users.append({"id": uid, "username": f"gprov{ns}{j + 1:04d}.provider_staff", "password": "!",
                          "first_name": "Provider", "last_name": "Staff", "role": "provider_staff",
                          "scope": "provider", "provider_id": p, "email": "", "date_joined": NOW})
        w.write(User, users, total=len(users))
    raa_of = {a: p for p, group in zip(raa_ids, groups, strict=True) for a in group}
    service_types = list(ServiceType.objects.filter(asf_fundable=True).order_by("id").values_list("id", flat=True))
    if not service_types:  # the catalogue migration's rows are gone (a flushed test database): add a few
        service_types = list(w.ids(ServiceType, 3))
        with transaction.atomic():
            w.write(ServiceType, ({"id": t, "code": f"generated-therapy-{ns}{t}", "name": f"Generated therapy {ns}{t}",
                                  "category": "therapy", "asf_fundable": True} for t in service_types), total=3)
    return Context(rng=rng, w=w, scale=scale, authorities=auth_ids, raa_of=raa_of,
                   raas={p: g for p, g in zip(raa_ids, groups, strict=True)}, social_workers=sws, managers=tms,
                   providers=prov_ids, service_types=service_types)


# ------------------------------------------------------------------------------------------------ support


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


def _support(ctx: Context) -> SupportFacts:
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    Household = apps.get_model("support", "Household")
    Child = apps.get_model("support", "Child")
    LegalOrder = apps.get_model("support", "LegalOrder")
    SupportRequest = apps.get_model("support", "SupportRequest")
    Assessment = apps.get_model("support", "Assessment")

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
        dob = _day(rng, date(2004, 1, 1), date(2022, 12, 31))
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

    requests: list[dict[str, Any]] = []
    facts: list[tuple[int, int, int, date, str]] = []
    for c in child_rows:
        n = 1 + (1 if rng.random() < scale.requests_per_child - 1 else 0)
        for _ in range(n):
            requests.append({"child_id": c["id"], "authority": c["responsible_authority_id"]})
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
        received = _day(rng, scale.first_day, TODAY)
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
                             "frequency": "Weekly for 12 weeks", "estimated_cost": _money(rng, 1000, 5000),
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


# ------------------------------------------------------------------------------------------------ commissioning


def _referral_status(rng: random.Random, sent: date) -> str:
    age = (TODAY - sent).days
    roll = rng.random()
    if age > 365:
        return "completed" if roll < 0.8 else "cancelled" if roll < 0.88 else "declined" if roll < 0.95 else "active"
    if age > 60:
        return "active" if roll < 0.55 else "completed" if roll < 0.8 else "declined" if roll < 0.88 else "cancelled"
    return rng.choices(["draft", "sent", "accepted", "active", "declined"], weights=[0.15, 0.3, 0.15, 0.35, 0.05])[0]


def _commissioning(ctx: Context, support: SupportFacts) -> list[tuple[int, int, int, str, Decimal]]:
    """Contracts per RAA, referrals routed under them (a fifth spot-purchased), usage for each delivered one.
    Returns (referral id, authority, contract id or 0, status, spend) for the ledger."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    Contract = _model("contracts.Contract")
    Referral = _model("commissioning.Referral")
    UsageRecord = _model("contracts.UsageRecord")
    if not (_table_exists(Contract) and _table_exists(Referral) and _table_exists(UsageRecord)):
        return []
    contracts_of: dict[int, list[tuple[int, int]]] = {}
    contract_rows: list[dict[str, Any]] = []
    party_rows: list[tuple[int, int]] = []
    c_ids = iter(w.ids(Contract, len(ctx.raas) * scale.contracts_per_raa))
    for j, (_p, group) in enumerate(ctx.raas.items()):
        contracts_of[_p] = []
        for k in range(scale.contracts_per_raa):
            cid = next(c_ids)
            provider = ctx.providers[(j * scale.contracts_per_raa + k) % len(ctx.providers)]
            contracts_of[_p].append((cid, provider))
            contract_rows.append({
                "id": cid, "reference": f"GEN-C{cid:06d}", "title": f"Generated therapy contract {j + 1}.{k + 1}",
                "provider_id": provider, "lead_authority_id": group[0], "procurement_route": "block",
                "pricing": "per_session", "unit_price": Decimal("85.00"), "unit_price_currency": "GBP",
                "status": "active", "start_date": FIRST_DAY, "end_date": date(2027, 3, 31),
                "original_end_date": date(2027, 3, 31),
                "total_value": Decimal(rng.randrange(200_000, 2_000_000, 10_000)).quantize(PENNY),
                "total_value_currency": "GBP", "capacity_per_year": 500, "capacity_measure": "sessions",
            })
            party_rows.extend((cid, a) for a in group)
    # One contract every authority shares, commissioned centrally (the seed's inter-country services): the
    # apportionment benchmark shares it by the usage on every contract, the largest run there can be.
    national = w.ids(Contract, 1)[0]
    contract_rows.append({
        "id": national, "reference": f"GEN-N{national:06d}", "title": "Generated national inter-country contract",
        "provider_id": ctx.providers[0], "lead_authority_id": ctx.authorities[0], "procurement_route": "block",
        "pricing": "block_sum", "status": "active", "start_date": FIRST_DAY, "end_date": date(2027, 3, 31),
        "original_end_date": date(2027, 3, 31), "total_value": Decimal("5000000.00"), "total_value_currency": "GBP",
    })
    party_rows.extend((national, a) for a in ctx.authorities)
    Parties = Contract.parties.through
    with transaction.atomic():
        w.write(Contract, contract_rows, total=len(contract_rows))
        pids = w.ids(Parties, len(party_rows))
        w.write(Parties, ({"id": i, "contract_id": c, "authority_id": a}
                          for i, (c, a) in zip(pids, party_rows, strict=True)), total=len(party_rows))

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
    out: list[tuple[int, int, int, str, Decimal]] = []
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


# ------------------------------------------------------------------------------------------------ claims


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


def _claims(ctx: Context, support: SupportFacts) -> list[AppFact]:
    """ASF applications (one or two for each approved assessment) and the child-year limit rows they fill.
    The money facts are made even when the claims app is not migrated, so the ledger still gets its postings."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    ASFApplication = _model("claims.ASFApplication")
    ChildYearLimit = _model("claims.ChildYearLimit")
    FundRuleSet = _model("claims.FundRuleSet")
    write = _table_exists(ASFApplication) and _table_exists(ChildYearLimit)
    rule_sets = list(FundRuleSet.objects.order_by("effective_from_date").values_list("effective_from_date", "id")) \
        if write and _table_exists(FundRuleSet) else []
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
        therapy = _money(rng, 1000, 5000)
        assessment = _money(rng, 0, 2500, 500) if rng.random() < 0.3 else Decimal("0.00")
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


# ------------------------------------------------------------------------------------------------ ledger


def _ledger(ctx: Context, applications: list[AppFact], referrals: list[tuple[int, int, int, str, Decimal]]) -> None:
    """Accounts for every generated authority and the ASF money story of each approved application
    (ARCHITECTURE.md, 'Money and the ledger'); every transaction's entries sum to zero for its authority."""
    w = ctx.w
    Account = _model("ledger.Account")
    Transaction = _model("ledger.Transaction")
    Entry = _model("ledger.Entry")
    if not (_table_exists(Account) and _table_exists(Entry)):
        return
    # core sits below ledger in the import layers: read its chart through the model's module, not an import.
    ledger_models = sys.modules[Account.__module__]
    CHART, AccountCode = ledger_models.CHART, ledger_models.AccountCode

    accounts: dict[tuple[int, str], int] = {}
    rows = []
    acc_ids = iter(w.ids(Account, len(ctx.authorities) * len(CHART)))
    for a in ctx.authorities:
        for code, kind in CHART.items():
            aid = next(acc_ids)
            accounts[(a, str(code))] = aid
            rows.append({"id": aid, "authority_id": a, "code": str(code), "name": AccountCode(code).label,
                         "kind": str(kind), "currency": "GBP"})
    with transaction.atomic():
        w.write(Account, rows, total=len(rows))

    source_type = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    if _model("claims.ASFApplication") is not None and _table_exists(_model("claims.ASFApplication")):
        source_type = ContentType.objects.get_for_model(_model("claims.ASFApplication")).pk

    def legs(app: AppFact) -> list[tuple[str, date, list[tuple[str, Decimal]]]]:
        out = [("approve", app.decided, [("asf_receivable", app.approved), ("asf_grant_in_advance", -app.approved)])]
        if app.received:
            out.append(("receipt", _month_end(app.decided),
                        [("bank", app.received), ("asf_receivable", -app.received)]))
        if app.spent:
            day = app.decided + timedelta(days=90)
            out.append(("invoice", day, [("support_expenditure", app.spent), ("provider_creditors", -app.spent),
                                         ("asf_grant_in_advance", app.spent), ("asf_income", -app.spent)]))
            out.append(("payment", day + timedelta(days=30), [("provider_creditors", app.spent), ("bank", -app.spent)]))
        if app.returned:
            out.append(("return", app.decided + timedelta(days=330),
                        [("asf_grant_in_advance", app.returned), ("bank", -app.returned)]))
        return out

    plan = [(app, name, day, lines) for app in applications for name, day, lines in legs(app)]
    tx_ids = w.ids(Transaction, len(plan))
    n_entries = sum(len(p[3]) for p in plan)
    e_ids = iter(w.ids(Entry, n_entries))
    tx_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    for tid, (app, name, day, lines) in zip(tx_ids, plan, strict=True):
        tx_rows.append({
            "id": tid, "transaction_date": min(day, TODAY), "memo": f"ASF {name} G{app.id}",
            "idempotency_key": f"generated:asf:{app.id}:{name}", "source_type_id": source_type,
            "source_id": str(app.id) if source_type else "", "reverses_id": None, "created_by_id": None,
            "created_at": datetime.combine(min(day, TODAY), datetime.min.time(), tzinfo=UTC),
        })
        for code, amount in lines:
            entry_rows.append({"id": next(e_ids), "transaction_id": tid, "account_id": accounts[(app.authority, code)],
                               "amount": amount.quantize(PENNY), "amount_currency": "GBP"})
    # In chunks, each its own database transaction: the zero-sum trigger is deferred to each commit, and ANALYZE
    # before the commit gives its per-row lookups an index plan instead of one made for the empty table.
    chunk = 50_000
    tick_tx = w.progress.start("ledger.Transaction", len(tx_rows))
    e_at = 0
    for start in range(0, len(tx_rows), chunk):
        txs = tx_rows[start:start + chunk]
        last = txs[-1]["id"]
        e_end = e_at
        while e_end < len(entry_rows) and entry_rows[e_end]["transaction_id"] <= last:
            e_end += 1
        with transaction.atomic():
            w.write(Transaction, txs, total=len(txs), quiet=True)
            w.write(Entry, entry_rows[e_at:e_end], total=e_end - e_at, quiet=True)
            if w.postgres:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE ledger_transaction, ledger_entry")
        e_at = e_end
        tick_tx(start + len(txs))


def _month_end(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)
