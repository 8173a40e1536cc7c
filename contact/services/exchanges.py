"""Items: logged when received (with an optional scan), checked against the checklist, then held (a letter to the
writer and a task for the coordinator), redacted (the original kept, the redacted copy beside it), returned, or
forwarded once the checks on the copy being sent are complete. Overdue items raise a reminder and a task."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from .. import rules
from ..models import (
    ContactTask,
    Exchange,
    ExchangeCheck,
    ExchangeStatus,
    ForwardChannel,
    ItemKind,
    TaskKind,
)
from ._common import _log, _save, _today, _transition
from .errors import ContactError
from .letters import held_letters, reminder_letters
from .scans import check_scan


def _locked(exchange: Exchange) -> Exchange:
    return Exchange.objects.select_for_update().select_related(
        "arrangement", "arrangement__household", "arrangement__child", "arrangement__authority").get(pk=exchange.pk)


def _moved(exchange: Exchange, action: str, *, by: Any, now: datetime, refusal: str, fields: Iterable[str] = (),
           note: str = "") -> Exchange:
    before = _transition(exchange, action, refusal=refusal)
    _save(exchange, by, *fields)
    _log(arrangement=exchange.arrangement, exchange=exchange, before=before, after=exchange.status, action=action,
         by=by, now=now, note=note)
    return exchange


def _task(exchange: Exchange, *, kind: str, description: str, now: datetime) -> ContactTask:
    task = ContactTask.objects.filter(exchange=exchange, kind=kind, done_at__isnull=True).first()
    return task or ContactTask.objects.create(arrangement=exchange.arrangement, exchange=exchange, kind=kind,
                                              description=description[:600], created_at=now)


def _store(field: Any, *, exchange: Exchange, prefix: str, content: bytes) -> str:
    checked = check_scan(content)
    field.save(f"{exchange.arrangement.reference}-{exchange.pk}-{prefix}{checked.extension}",
               ContentFile(checked.content), save=False)
    return checked.content_type


@transaction.atomic
def exchange_receive(*, exchange: Exchange, received_date: date, kind: str, by: Any, now: datetime,
                     written_by: Any = None, scan: bytes | None = None) -> Exchange:
    if kind not in ItemKind.values:
        raise ContactError("Choose what kind of item it is.")
    if received_date > _today(now):
        raise ContactError("The date received cannot be in the future.")
    exchange = _locked(exchange)
    if written_by is not None and not exchange.arrangement.relatives.filter(pk=written_by.pk).exists():
        raise ContactError("The writer chosen is not part of this arrangement.")
    exchange.received_date, exchange.kind, exchange.written_by = received_date, kind, written_by
    fields = ["received_date", "kind", "written_by", "version"]
    if scan:
        exchange.scan_type = _store(exchange.scan, exchange=exchange, prefix="original", content=scan)
        fields += ["scan", "scan_type"]
    _moved(exchange, "receive", by=by, now=now, fields=fields, refusal="only an expected item can be logged.")
    for task in exchange.tasks.filter(kind=TaskKind.OVERDUE, done_at__isnull=True):
        task.done_at, task.done_by = now, by
        task.save(update_fields=["done_at", "done_by"])
    return exchange


@transaction.atomic
def exchange_check(*, exchange: Exchange, points: Iterable[str], by: Any, now: datetime) -> ExchangeCheck:
    """A worker confirms the checklist for the copy as it is now."""
    points = sorted(set(points))
    exchange = _locked(exchange)
    if exchange.status not in (ExchangeStatus.RECEIVED, ExchangeStatus.HELD, ExchangeStatus.REDACTED):
        raise ContactError("Only an item that has been received can be checked.")
    missing = rules.CHECKLIST_KEYS - set(points)
    if missing or set(points) - rules.CHECKLIST_KEYS:
        raise ContactError("Confirm every point of the checklist: if one is not true, hold or redact the item.")
    if exchange.checks.filter(version=exchange.version, checked_by=by).exists():
        raise ContactError("You have already checked this copy of the item.")
    check = ExchangeCheck.objects.create(exchange=exchange, version=exchange.version, points=points, checked_by=by,
                                         checked_at=now)
    _log(arrangement=exchange.arrangement, exchange=exchange, before=exchange.status, after=exchange.status,
         action="check", by=by, now=now)
    return check


@transaction.atomic
def exchange_hold(*, exchange: Exchange, reason: str, by: Any, now: datetime) -> Exchange:
    """Hold the item: the writer gets a letter that explains (from the letterbox address), the coordinator a task."""
    reason = (reason or "").strip()
    if not reason:
        raise ContactError("Give the reason the item is held.")
    exchange = _locked(exchange)
    exchange.hold_reason, exchange.held_date = reason[:600], _today(now)
    _moved(exchange, "hold", by=by, now=now, fields=["hold_reason", "held_date"], note=reason,
           refusal="only an item received and not yet forwarded can be held.")
    held_letters(exchange=exchange, reason=reason, by=by, now=now)
    _task(exchange, kind=TaskKind.HELD_ITEM, now=now,
          description=f"{exchange}: held ({reason[:200]}). Decide with the writer whether to redact, return or "
                      "forward it.")
    return exchange


@transaction.atomic
def exchange_redact(*, exchange: Exchange, note: str, by: Any, now: datetime,
                    redacted_scan: bytes | None = None) -> Exchange:
    """Record what was taken out. The original stays; the redacted copy is the one forwarded, and it must be
    checked again."""
    note = (note or "").strip()
    if not note:
        raise ContactError("Say what was redacted.")
    exchange = _locked(exchange)
    exchange.redaction_note, exchange.redacted_by = note[:600], by
    fields = ["redaction_note", "redacted_by", "version"]
    if redacted_scan:
        exchange.redacted_scan_type = _store(exchange.redacted_scan, exchange=exchange, prefix="redacted",
                                             content=redacted_scan)
        fields += ["redacted_scan", "redacted_scan_type"]
    elif exchange.scan:
        raise ContactError("Upload the redacted copy: the original scan is kept as it is.")
    return _moved(exchange, "redact", by=by, now=now, fields=fields, note=note,
                  refusal="only an item received or held can be redacted.")


@transaction.atomic
def exchange_forward(*, exchange: Exchange, channel: str, forwarded_date: date, by: Any, now: datetime,
                     points: Iterable[str] | None = None) -> Exchange:
    """Forward the item (the redacted copy where there is one). The forwarding worker's checklist is recorded
    first when given; the item goes only when the checks on this copy are complete."""
    if channel not in ForwardChannel.values:
        raise ContactError("Choose how the item is forwarded.")
    if forwarded_date > _today(now):
        raise ContactError("The date forwarded cannot be in the future.")
    if points is not None:
        exchange = _locked(exchange)
        if not exchange.checks.filter(version=exchange.version, checked_by=by).exists():
            exchange_check(exchange=exchange, points=points, by=by, now=now)
    exchange = _locked(exchange)
    refusals = exchange.forward_refusals() if exchange.status in (ExchangeStatus.RECEIVED,
                                                                  ExchangeStatus.REDACTED) else []
    if refusals:
        raise ContactError(" ".join(refusals))
    exchange.forward_channel, exchange.forwarded_date = channel, forwarded_date
    return _moved(exchange, "forward", by=by, now=now, fields=["forward_channel", "forwarded_date"],
                  refusal="only an item received or redacted can be forwarded.")


@transaction.atomic
def exchange_return(*, exchange: Exchange, reason: str, by: Any, now: datetime) -> Exchange:
    reason = (reason or "").strip()
    if not reason:
        raise ContactError("Give the reason the item is returned.")
    exchange = _locked(exchange)
    exchange.return_reason, exchange.returned_date = reason[:600], _today(now)
    return _moved(exchange, "return_to_writer", by=by, now=now, fields=["return_reason", "returned_date"],
                  note=reason, refusal="only an item received or held can be returned.")


@transaction.atomic
def exchange_miss(*, exchange: Exchange, by: Any, now: datetime) -> Exchange:
    exchange = _locked(exchange)
    if exchange.status == ExchangeStatus.EXPECTED and _today(now) < exchange.overdue_date:
        raise ContactError("The item is not overdue yet.")
    return _moved(exchange, "miss", by=by, now=now, refusal="only an expected item can be marked as missed.")


@transaction.atomic
def exchange_remind(*, exchange: Exchange, by: Any, now: datetime) -> Exchange:
    """One overdue item: a reminder to the writer and a task for the coordinator, once."""
    exchange = _locked(exchange)
    if exchange.status != ExchangeStatus.EXPECTED or exchange.reminded_date is not None:
        return exchange
    reminder_letters(exchange=exchange, by=by, now=now)
    exchange.reminded_date = _today(now)
    exchange._history_user = by  # type: ignore[attr-defined]
    exchange.save(update_fields=["reminded_date"])
    _log(arrangement=exchange.arrangement, exchange=exchange, before=exchange.status, after=exchange.status,
         action="remind", by=by, now=now)
    _task(exchange, kind=TaskKind.OVERDUE, now=now,
          description=f"{exchange}: overdue since {exchange.overdue_date:%d %B %Y}. A reminder has been sent.")
    return exchange


def exchanges_remind_overdue(*, today: date, now: datetime, by: Any = None) -> int:
    """Every overdue item not yet reminded (the daily task). One transaction per item: one bad address never stops
    the rest."""
    reminded = 0
    due = Exchange.objects.filter(status=ExchangeStatus.EXPECTED, overdue_date__lte=today,
                                  reminded_date__isnull=True, arrangement__status="active").order_by("pk")
    for exchange in due:
        try:
            exchange_remind(exchange=exchange, by=by, now=now)
            reminded += 1
        except ContactError:
            continue
    return reminded


@transaction.atomic
def task_done(*, task: ContactTask, by: Any, now: datetime) -> ContactTask:
    task = ContactTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is None:
        task.done_at, task.done_by = now, by
        task._history_user = by  # type: ignore[attr-defined]
        task.save(update_fields=["done_at", "done_by"])
    return task


