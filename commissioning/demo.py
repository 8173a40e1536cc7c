"""Demo referrals in every state, routed through the demo contracts (Coram for therapy, Barnardo's CAFIS for birth
family services), made through the services with the clock set back so waiting times have something to show.
Idempotent: a planned service or request that already has a referral is left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from moneyed import Money

from core.demo import DemoContext
from organisations.models import Provider, Role, User
from support.models import PlannedService, ServiceType, SupportRequest
from support.models.catalogue import ServiceCategory
from support.models.requests import OPEN_STAGES

from . import selectors
from .models import Referral
from .services import delivery, drafting, responses, spot_purchases
from .services.errors import ReferralError

# (label, days ago the referral was made, steps); each step is (days ago, action, argument).
# Stories for services a contract covers ...
CONTRACT_STORIES: list[tuple[str, int, list[tuple[int, str, Any]]]] = [
    ("completed", 120, [(118, "send", None), (112, "accept", None), (100, "session", 60), (93, "session", 60),
                        (86, "session", 60), (80, "complete", None)]),
    ("active", 45, [(44, "send", None), (40, "accept", None), (30, "session", 50), (23, "session", 50),
                    (16, "session", 50)]),
    ("accepted", 20, [(19, "send", None), (14, "accept", None)]),
    ("sent", 4, [(3, "send", None)]),
    ("cancelled", 12, [(10, "cancel", "The family moved out of the area before the referral was sent")]),
    ("draft", 0, []),
]
# ... and for services no contract covers for that authority: a justified spot purchase, approved by a manager.
SPOT_STORIES: list[tuple[str, int, list[tuple[int, str, Any]]]] = [
    ("declined, then re-routed", 35, [(34, "spot", None), (33, "send", None),
                                      (28, "decline", "No clinician with DDP training free until the spring")]),
    ("sent, response overdue", 30, [(29, "spot", None), (28, "send", None)]),
    ("sent", 6, [(5, "spot", None), (4, "send", None)]),
    ("spot purchase waiting for a manager", 2, [(1, "spot_request", None)]),
    ("cancelled", 15, [(14, "cancel", "The family asked to wait until the new school year")]),
    ("draft needing a spot purchase", 0, []),
]
NOTES_FAMILY = "Please contact the adoptive parents by phone; evenings suit them best."
NOTES_PERSON = "Independent support requested; write to the address the person gave CAFIS."
SPOT_PROVIDER = "Coram Clinic Psychology Partner"
JUSTIFICATION = ("No contract covers this therapy for {authority}; the clinic is the nearest approved provider "
                 "with a DDP-trained clinician.")


def _at(ctx: DemoContext, days_ago: int) -> datetime:
    day = ctx.today - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _staff(provider_id: int) -> User | None:
    return User.objects.filter(provider_id=provider_id, role=Role.PROVIDER_STAFF, is_active=True).order_by("pk").first()


def _worker(authority_id: int, role: str) -> User | None:
    return User.objects.filter(authority_id=authority_id, role=role, is_active=True).order_by("pk").first()


def _play(ctx: DemoContext, referral: Referral, steps: list[tuple[int, str, Any]], worker: User) -> None:
    for days_ago, action, arg in steps:
        now = _at(ctx, days_ago)
        referral.refresh_from_db()
        staff = _staff(referral.sent_to_id or referral.provider_id or 0)
        if action == "send":
            drafting.referral_send(referral=referral, by=worker, now=now)
        elif action in ("spot", "spot_request"):
            provider = Provider.objects.filter(name=SPOT_PROVIDER).first()
            manager = _worker(referral.authority_id, Role.TEAM_MANAGER)
            if provider is None or manager is None:
                return
            spot = spot_purchases.spot_purchase_request(
                referral=referral, provider=provider, by=worker, now=now,
                justification=JUSTIFICATION.format(authority=referral.authority.name),
                estimated_cost=Money(Decimal("1800.00"), "GBP"),
            )
            if action == "spot":
                spot_purchases.spot_purchase_approve(spot_purchase=spot, by=manager, now=now,
                                               note="Agreed: nothing under contract")
        elif action == "accept" and staff:
            responses.referral_accept(referral=referral, by=staff, now=now)
        elif action == "decline" and staff:
            responses.referral_decline(referral=referral, by=staff, now=now, reason=arg)
            drafting.referral_reroute(referral=referral, by=worker, now=now)
        elif action == "session" and staff:
            delivery.referral_record_session(referral=referral, session_date=now.date(), duration_minutes=arg,
                                             by=staff, now=now)
        elif action == "complete" and staff:
            delivery.referral_complete(referral=referral, by=staff, now=now)
        elif action == "cancel":
            delivery.referral_cancel(referral=referral, by=worker, now=now, reason=arg)


def _story(ctx: DemoContext, make: Callable[..., Referral], story: tuple, authority_id: int) -> int:
    label, days_ago, steps = story
    worker = _worker(authority_id, Role.SOCIAL_WORKER)
    if worker is None:
        return 0
    try:
        with transaction.atomic():
            referral = make(by=worker, now=_at(ctx, days_ago))
            _play(ctx, referral, steps, worker)
    except ReferralError as exc:
        ctx.say(f"Commissioning demo: the {label} referral was not made ({exc})")
        return 0
    ctx.count("referrals", True)
    return 1


def seed(ctx: DemoContext) -> None:
    worker = User.objects.filter(username="kent.social_worker").first()
    if worker is None:
        ctx.say("Commissioning demo skipped: the demo users are missing.")
        return
    options = selectors.contract_options(on_date=ctx.today - timedelta(days=120))
    options_now = selectors.contract_options(on_date=ctx.today)
    live = {o.contract_id for o in options} & {o.contract_id for o in options_now}
    coram = [o for o in options_now if o.contract_id in live and o.provider_name.startswith("Coram")]
    cafis = [o for o in options_now if o.contract_id in live and "CAFIS" in o.provider_name]
    if not coram or not cafis:
        ctx.say("Commissioning demo skipped: the Coram and CAFIS demo contracts are not live for the last 120 days "
                "(seed the contracts demo first).")
        return
    therapy_types = set().union(*(o.service_type_ids for o in coram))
    party_ids = set().union(*(o.party_authority_ids for o in coram))
    planned = list(
        PlannedService.objects.filter(signposted=False, plan__status="active", service_type_id__in=therapy_types)
        .select_related("plan__request").order_by("pk")[:40]
    )
    cafis_types = set().union(*(o.service_type_ids for o in cafis))
    cafis_parties = set().union(*(o.party_authority_ids for o in cafis))
    person_requests = list(
        SupportRequest.objects.filter(person__isnull=False, stage__in=OPEN_STAGES,
                                      responsible_authority_id__in=cafis_parties).order_by("pk")[:2]
    )
    if not planned and not person_requests:
        ctx.say("Commissioning demo skipped: the support demo has no active plans or birth family requests.")
        return
    made = 0
    covered = [p for p in planned if p.plan.request.responsible_authority_id in party_ids]
    uncovered = [p for p in planned if p.plan.request.responsible_authority_id not in party_ids]
    for stories, services_ in ((CONTRACT_STORIES, covered), (SPOT_STORIES, uncovered)):
        for story, service in zip(stories, services_, strict=False):
            if service.referrals.exists():
                continue
            made += _story(ctx, partial(drafting.referral_create_from_plan, planned_service=service,
                                        notes_for_provider=NOTES_FAMILY),
                           story, service.plan.request.responsible_authority_id)
    birth_service = ServiceType.objects.filter(
        pk__in=cafis_types, category=ServiceCategory.BIRTH_FAMILY, active=True
    ).order_by("name").first()
    for story, request in zip([CONTRACT_STORIES[1], CONTRACT_STORIES[3]], person_requests, strict=False):
        if birth_service is None or request.referrals.exists():
            continue
        made += _story(ctx, partial(drafting.referral_create_from_request, support_request=request,
                                    service_type=birth_service, notes_for_provider=NOTES_PERSON),
                       story, request.responsible_authority_id)
    ctx.say(f"Commissioning demo: {made} referrals made ({Referral.objects.count()} in all).")
