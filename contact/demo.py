"""Demo letterbox contact: each authority's letterbox address, and arrangements for several demo children in each
authority (one coordinated by Barnardo's CAFIS on referral), with items in every state: expected, due now,
overdue (reminded), received, held, redacted, forwarded, returned, missed and excused. Safe to run again: an
authority that already has arrangements is left as it is."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from commissioning.models import Referral
from core.demo import DemoContext
from organisations.models import Authority, Provider, Role, User
from support.models import Child, Person
from support.models.families import PersonKind

from . import rules
from .models import Arrangement, Direction, ExchangeStatus, ForwardChannel, ItemKind, LetterboxAddress, Writer
from .services import arrangements as arrangement_services
from .services import exchanges as exchange_services

ADDRESSES = {
    "kent": ("Letterbox service, Adoption Partnership South East", "Sessions House\nCounty Hall\nMaidstone",
             "ME14 1XQ"),
    "medway": ("Letterbox service, Medway Council", "Gun Wharf\nDock Road\nChatham", "ME4 4TR"),
    "bexley": ("Letterbox service, London Borough of Bexley", "Civic Offices\n2 Watling Street\nBexleyheath",
               "DA6 7AT"),
}
ALL_POINTS = sorted(rules.CHECKLIST_KEYS)


def demo_png() -> bytes:
    """A tiny grey PNG standing in for a scanned letter."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xcc" * 16 for _ in range(16))
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)))
    out.write(chunk(b"IDAT", zlib.compress(raw)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _relative(child: Child, authority: Authority, index: int) -> Person:
    person = child.birth_family.filter(kind__in=[PersonKind.BIRTH_PARENT, PersonKind.BIRTH_RELATIVE]).first()
    if person is not None:
        return person
    person, _ = Person.objects.get_or_create(
        first_name=["Maureen", "Dean", "Tracey", "Gary"][index % 4], last_name=f"Birthfamily{child.pk}",
        authority=authority, related_child=child,
        defaults={"kind": PersonKind.BIRTH_PARENT if index % 2 else PersonKind.BIRTH_RELATIVE})
    return person


def _items(arrangement: Arrangement) -> list[Any]:
    return list(arrangement.exchanges.order_by("due_date", "writer"))


@transaction.atomic
def _seed_authority(ctx: DemoContext, authority: Authority, *, cafis: Provider | None) -> None:
    coordinator = User.objects.filter(authority=authority, role=Role.LETTERBOX_COORDINATOR).first()
    if coordinator is None or Arrangement.objects.filter(authority=authority).exists():
        return
    second = User.objects.filter(authority=authority, role=Role.SOCIAL_WORKER).first() or coordinator
    today = ctx.today
    children = list(Child.objects.filter(responsible_authority=authority,
                                         date_of_birth__gt=date(today.year - 16, 1, 1)).order_by("pk")[:4])
    if not children:
        return
    png = demo_png()
    month = today.month
    # The arrangement CAFIS coordinates is about the birth relative the authority referred to it.
    referral = (Referral.objects.filter(authority=authority, sent_to=cafis, support_request__person__isnull=False,
                                        support_request__person__authority=authority)
                .select_related("support_request__person").order_by("pk").first() if cafis else None)
    for index, child in enumerate(children):
        relative = _relative(child, authority, index)
        if index == 0 and referral is not None:
            relative = referral.support_request.person
            child = relative.related_child or child
        due_now = [month]
        last = (month - 2 - 1) % 12 + 1  # two months ago: overdue after four weeks
        months = sorted({due_now[0], last}) if index % 2 == 0 else [last]
        agreed = today.replace(day=1) - timedelta(days=800)
        arrangement = arrangement_services.arrangement_propose(
            child=child, relatives=[relative], direction=Direction.BOTH_WAYS if index != 1 else Direction.FROM_FAMILY,
            due_months=months, agreed_date=agreed, by=coordinator, now=_at(agreed), photos_allowed=index == 0,
            cards_allowed=True, conditions="No photos that show the school uniform." if index == 0 else "",
            second_check_required=index == 2)
        ctx.count("letterbox arrangements", True)
        if index == 3:
            continue  # stays proposed
        arrangement = arrangement_services.arrangement_activate(arrangement=arrangement, by=coordinator,
                                                                now=_at(agreed))
        arrangement_services.schedule(arrangement=arrangement, today=today)
        items = [e for e in _items(arrangement) if e.overdue_date <= today]  # due now: left expected
        now = _at(today)
        for position, item in enumerate(items):
            if item.status != ExchangeStatus.EXPECTED:
                continue
            received = min(item.overdue_date - timedelta(days=10), today)
            is_last = position >= len(items) - 2
            if is_last and index == 0 and item.writer == Writer.FAMILY:
                exchange_services.exchange_remind(exchange=item, by=coordinator, now=now)  # overdue, reminded
                continue
            if is_last and index == 1 and position == len(items) - 1:
                continue  # overdue, not yet reminded
            if position == 0 and index == 2:
                exchange_services.exchange_miss(exchange=item, by=coordinator, now=now)
                continue
            kind = ItemKind.PHOTOS if arrangement.photos_allowed else ItemKind.LETTER
            exchange_services.exchange_receive(exchange=item, received_date=received, kind=kind, scan=png,
                                               by=coordinator, now=_at(received))
            if is_last and index == 0:
                exchange_services.exchange_hold(
                    exchange=item, reason="The letter names the child's school", by=coordinator, now=now)
                continue
            if is_last and index == 2 and item.writer == Writer.RELATIVES:
                exchange_services.exchange_hold(exchange=item, reason="Distressing content about the past",
                                                by=coordinator, now=now)
                exchange_services.exchange_redact(exchange=item, note="Two sentences about the court case",
                                                  redacted_scan=png, by=coordinator, now=now)
                continue
            if is_last and index == 2:
                exchange_services.exchange_return(exchange=item, reason="Written to the wrong relative",
                                                  by=coordinator, now=now)
                continue
            if is_last:
                continue  # received, waiting to be checked (or the family's side)
            exchange_services.exchange_check(exchange=item, points=ALL_POINTS, by=coordinator, now=_at(received))
            if arrangement.second_check_required:
                exchange_services.exchange_check(exchange=item, points=ALL_POINTS, by=second, now=_at(received))
            exchange_services.exchange_forward(exchange=item, channel=ForwardChannel.POST, forwarded_date=received,
                                               by=coordinator, now=_at(received))
        if index == 2:
            arrangement_services.arrangement_pause(arrangement=arrangement, reason="The birth mother asked for a "
                                                   "break while she moves house", until=today + timedelta(days=200),
                                                   by=coordinator, now=now)
        if index == 0 and referral is not None:
            arrangement_services.arrangement_coordinate_by_referral(arrangement=arrangement, referral=referral,
                                                                    by=coordinator, now=now)


def seed(ctx: DemoContext) -> None:
    for code, (name, address, postcode) in ADDRESSES.items():
        authority = Authority.objects.filter(short_code=code).first()
        if authority is None:
            continue
        _, created = LetterboxAddress.objects.get_or_create(
            authority=authority, defaults={"name": name, "address": address, "postcode": postcode,
                                           "email": f"letterbox@{code}.example.org"})
        ctx.count("letterbox addresses", created)
    cafis = Provider.objects.filter(name="Barnardo's CAFIS").first()
    for authority in Authority.objects.order_by("pk"):
        _seed_authority(ctx, authority, cafis=cafis)
