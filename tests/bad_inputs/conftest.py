"""Shared fixtures for the bad-input corpus: a Kent world with applications in the states the forms act on, and a
row count of every project table (history tables included; the access log of page views is excluded because a
refused page is still a page view)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps

from claims.models.applications import Status
from tests.factories_claims import at, build, gbp, world

PROJECT_APPS = ("core", "organisations", "ledger", "support", "contracts", "commissioning", "claims", "invoicing",
                "audit")
NOT_WRITES = {"core.AccessLog"}


def table_counts() -> dict[str, int]:
    counts = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in NOT_WRITES or model._meta.proxy:
                continue
            counts[model._meta.label] = model._base_manager.count()
    return counts


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


@pytest.fixture
def kent() -> Any:
    from claims.services.invoices import invoice_record

    w = world(short_code="kent")
    w.draft = build(w, Status.DRAFT, therapy="1000.00")
    w.submitted = build(w, Status.SUBMITTED, therapy="900.00")
    w.awaiting = build(w, Status.AWAITING_MANAGER, therapy="500.00")
    w.delivery = build(w, Status.IN_DELIVERY, therapy="800.00")
    w.invoice = invoice_record(application=w.delivery, line=w.delivery.lines.get(), invoice_number="K-1",
                               invoice_date=date(2025, 6, 1), amount=gbp("200.00"), by=w.finance,
                               now=at(date(2025, 6, 1)))
    w.medway = world(short_code="medway")
    return w
