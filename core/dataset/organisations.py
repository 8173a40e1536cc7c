"""The generated world's organisations: authorities grouped into RAAs, providers, the users of each (social workers,
team managers, a finance officer and an auditor per authority; a lead commissioner per RAA; provider staff), and the
ASF-fundable service types the later steps draw from. Returns the `Context` every later step reads."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import NOW
from core.dataset.context import FAMILY_NAMES, FIRST_NAMES, MARKER_PREFIX, Context
from core.dataset.scales import Scale
from core.dataset.writer import Writer


def write_organisations(rng: random.Random, w: Writer, scale: Scale, ns: str) -> Context:
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

