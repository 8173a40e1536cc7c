"""Contracts: a few per RAA with the RAA's authorities as parties, and one national contract every authority shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction

from core.dataset.clock import FIRST_DAY
from core.dataset.context import PENNY, Context


def write_contracts(ctx: Context) -> dict[int, list[tuple[int, int]]]:
    """Returns each RAA's contracts as (contract id, provider), for the referrals routed under them."""
    rng, w, scale = ctx.rng, ctx.w, ctx.scale
    Contract = apps.get_model("contracts", "Contract")
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
    return contracts_of
