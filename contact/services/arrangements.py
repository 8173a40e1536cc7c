"""Arrangements: proposed, agreed (its exchanges scheduled a year ahead), paused (the months it covers are no
longer expected), started again, their terms changed (the items of later months rescheduled), ended (with a
reason; ended for everyone at 18), and handed to a provider that coordinates it on referral."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from commissioning.models import Referral, ReferralStatus
from support.models import Child, Person, SupportPlan

from .. import rules
from ..models import Arrangement, ArrangementStatus, Direction, EndReason, Exchange, ExchangeStatus, Writer
from ._common import _log, _save, _today, _transition
from .errors import ContactError, InvalidTransition

SCHEDULE_AHEAD_DAYS = 366
TERMS_FIELDS = ("due_months", "direction", "overdue_after_weeks", "photos_allowed", "gifts_allowed", "cards_allowed",
                "conditions", "second_check_required", "terms_changed_date")


def _locked(arrangement: Arrangement) -> Arrangement:
    return Arrangement.objects.select_for_update().select_related("child", "household").get(pk=arrangement.pk)


def _pauses(arrangement: Arrangement) -> list[rules.Pause]:
    if arrangement.status == ArrangementStatus.PAUSED and arrangement.paused_date:
        return [rules.Pause(start=arrangement.paused_date, until=arrangement.paused_until_date)]
    return []


def _sides(arrangement: Arrangement) -> list[str]:
    sides: list[str] = []
    if arrangement.family_writes:
        sides.append(Writer.FAMILY)
    if arrangement.relatives_write:
        sides.append(Writer.RELATIVES)
    return sides


def schedule(*, arrangement: Arrangement, today: date) -> int:
    """Create the expected items of every due month from the agreement to a year ahead (those already there are
    kept). Returns how many were created."""
    if arrangement.status != ArrangementStatus.ACTIVE:
        return 0
    due = rules.due_months(months=arrangement.due_months, agreed_date=arrangement.terms_from,
                           date_of_birth=arrangement.child.date_of_birth,
                           until=today + timedelta(days=SCHEDULE_AHEAD_DAYS), pauses=_pauses(arrangement),
                           ended_date=arrangement.ended_date)
    existing = set(arrangement.exchanges.values_list("due_date", "writer"))
    rows = [
        Exchange(arrangement=arrangement, authority_id=arrangement.authority_id, writer=side, due_date=day,
                 overdue_date=rules.overdue_date(due=day, weeks=arrangement.overdue_after_weeks))
        for day in due for side in _sides(arrangement) if (day, side) not in existing
    ]
    Exchange.objects.bulk_create(rows)
    return len(rows)


def _excuse(arrangement: Arrangement, *, months: Iterable[date], by: Any, now: datetime, note: str) -> None:
    for exchange in arrangement.exchanges.select_for_update().filter(
            status=ExchangeStatus.EXPECTED, due_date__in=list(months)).order_by("pk"):
        exchange.excuse()
        exchange._history_user = by  # type: ignore[attr-defined]
        exchange.save(update_fields=["status"])
        _log(arrangement=arrangement, exchange=exchange, before=ExchangeStatus.EXPECTED, after=exchange.status,
             action="excuse", by=by, now=now, note=note)


@transaction.atomic
def arrangement_propose(
    *, child: Child, relatives: Sequence[Person], direction: str, due_months: Sequence[int], agreed_date: date,
    by: Any, now: datetime, overdue_after_weeks: int = 4, photos_allowed: bool = False, gifts_allowed: bool = False,
    cards_allowed: bool = True, conditions: str = "", plan: SupportPlan | None = None,
    second_check_required: bool = False,
) -> Arrangement:
    try:
        months = rules.check_months(due_months)
        rules.overdue_date(due=agreed_date, weeks=overdue_after_weeks)
    except rules.InvalidSchedule as exc:
        raise ContactError(str(exc)) from exc
    if not relatives:
        raise ContactError("Choose at least one birth relative or other person the child keeps in touch with.")
    authority_id = child.responsible_authority_id
    if any(person.authority_id != authority_id for person in relatives):
        raise ContactError("Every person in the arrangement must be recorded by the child's authority.")
    if agreed_date >= rules.eighteenth_birthday(child.date_of_birth):
        raise ContactError("The child is 18 or over on that date: letterbox contact ends at 18.")
    if plan is not None and plan.request.child_id != child.pk:
        raise ContactError("The support plan chosen is not this child's.")
    arrangement = Arrangement(
        authority_id=authority_id, child=child, household=child.household, direction=direction,
        due_months=list(months), overdue_after_weeks=overdue_after_weeks, photos_allowed=photos_allowed,
        gifts_allowed=gifts_allowed, cards_allowed=cards_allowed, conditions=conditions.strip(),
        agreed_date=agreed_date, plan=plan, second_check_required=second_check_required, created_by=by,
        created_at=now,
    )
    arrangement._history_user = by  # type: ignore[attr-defined]
    arrangement.full_clean(exclude=["relatives", "status"])
    arrangement.save()
    arrangement.relatives.set(relatives)
    _log(arrangement=arrangement, before="", after=arrangement.status, action="create", by=by, now=now)
    return arrangement


@transaction.atomic
def arrangement_activate(*, arrangement: Arrangement, by: Any, now: datetime) -> Arrangement:
    arrangement = _locked(arrangement)
    before = _transition(arrangement, "activate", refusal="only a proposed arrangement can be started.")
    _save(arrangement, by)
    _log(arrangement=arrangement, before=before, after=arrangement.status, action="activate", by=by, now=now)
    schedule(arrangement=arrangement, today=_today(now))
    return arrangement


@transaction.atomic
def arrangement_pause(*, arrangement: Arrangement, reason: str, until: date | None, by: Any,
                      now: datetime) -> Arrangement:
    reason = (reason or "").strip()
    if not reason:
        raise ContactError("Give the reason the arrangement is paused.")
    today = _today(now)
    if until is not None and until < today:
        raise ContactError("The date the pause ends must be today or later.")
    arrangement = _locked(arrangement)
    before = _transition(arrangement, "pause", refusal="only an active arrangement can be paused.")
    arrangement.paused_reason, arrangement.paused_date, arrangement.paused_until_date = reason[:400], today, until
    _save(arrangement, by, "paused_reason", "paused_date", "paused_until_date")
    _log(arrangement=arrangement, before=before, after=arrangement.status, action="pause", by=by, now=now,
         note=reason)
    pause = _pauses(arrangement)[0]
    months = arrangement.exchanges.filter(status=ExchangeStatus.EXPECTED).values_list("due_date", flat=True)
    _excuse(arrangement, months=[m for m in months if pause.covers_month(m)], by=by, now=now,
            note="The arrangement is paused in this month")
    return arrangement


@transaction.atomic
def arrangement_resume(*, arrangement: Arrangement, by: Any, now: datetime) -> Arrangement:
    """Start again: the items of this month and later that the pause excused are expected again."""
    arrangement = _locked(arrangement)
    before = _transition(arrangement, "resume", refusal="only a paused arrangement can be started again.")
    arrangement.paused_reason, arrangement.paused_date, arrangement.paused_until_date = "", None, None
    _save(arrangement, by, "paused_reason", "paused_date", "paused_until_date")
    _log(arrangement=arrangement, before=before, after=arrangement.status, action="resume", by=by, now=now)
    this_month = rules.month_start(_today(now))
    sides = set(_sides(arrangement))
    for exchange in arrangement.exchanges.select_for_update().filter(
            status=ExchangeStatus.EXCUSED, due_date__gte=this_month).order_by("pk"):
        if exchange.due_date.month not in arrangement.due_months or exchange.writer not in sides:
            continue  # excused because the terms changed, not because of the pause
        exchange.reinstate()
        exchange._history_user = by  # type: ignore[attr-defined]
        exchange.save(update_fields=["status"])
        _log(arrangement=arrangement, exchange=exchange, before=ExchangeStatus.EXCUSED, after=exchange.status,
             action="reinstate", by=by, now=now)
    schedule(arrangement=arrangement, today=_today(now))
    return arrangement


@transaction.atomic
def arrangement_change_terms(*, arrangement: Arrangement, terms: rules.Terms, by: Any, now: datetime) -> Arrangement:
    """Change what the arrangement agrees. The items of the months after this one are rescheduled to the new terms:
    an item still expected that is no longer due is excused, one excused that is due again (and not in a pause) is
    expected again, a due month with no item gets one, and those still expected take the new overdue date. Items
    received, held, redacted, forwarded, returned or missed, and everything up to the end of this month, are left
    as they were. Refused once the arrangement has ended."""
    today = _today(now)
    try:
        months = rules.check_months(terms.due_months)
        rules.overdue_date(due=today, weeks=terms.overdue_after_weeks)
    except rules.InvalidSchedule as exc:
        raise ContactError(str(exc)) from exc
    if terms.direction not in Direction.values:
        raise ContactError("Choose who writes.")
    arrangement = _locked(arrangement)
    if arrangement.status == ArrangementStatus.ENDED:
        raise InvalidTransition("This arrangement has ended: its terms can no longer change. Record a new "
                                "arrangement instead.")
    after = replace(terms, due_months=months, conditions=terms.conditions.strip())
    words = rules.describe_terms_change(arrangement.terms, after)
    if not words:
        raise ContactError("These are the terms already agreed: change at least one of them.")
    arrangement.due_months, arrangement.direction = list(after.due_months), after.direction
    arrangement.overdue_after_weeks = after.overdue_after_weeks
    arrangement.photos_allowed, arrangement.gifts_allowed = after.photos_allowed, after.gifts_allowed
    arrangement.cards_allowed, arrangement.conditions = after.cards_allowed, after.conditions
    arrangement.second_check_required, arrangement.terms_changed_date = after.second_check_required, today
    _save(arrangement, by, *TERMS_FIELDS)
    _log(arrangement=arrangement, before=arrangement.status, after=arrangement.status, action="terms", by=by,
         now=now, note=words)
    if arrangement.status != ArrangementStatus.PROPOSED:
        _reschedule(arrangement, today=today, by=by, now=now)
    return arrangement


def _reschedule(arrangement: Arrangement, *, today: date, by: Any, now: datetime) -> None:
    start = rules.next_month(rules.month_start(today))
    later = {(e.due_date, e.writer): e for e in arrangement.exchanges.select_for_update().filter(
        due_date__gte=start).order_by("pk")}
    until = max([today + timedelta(days=SCHEDULE_AHEAD_DAYS), *(day for day, _ in later)])
    due = rules.due_months(months=arrangement.due_months, agreed_date=max(arrangement.agreed_date, today),
                           date_of_birth=arrangement.child.date_of_birth, until=until, pauses=_pauses(arrangement))
    plan = rules.reschedule(items={slot: e.status for slot, e in later.items()},
                            wanted={(day, side) for day in due if day >= start for side in _sides(arrangement)})
    for slot in sorted(plan.excuse | plan.reinstate):
        exchange, before = later[slot], later[slot].status
        action = "excuse" if slot in plan.excuse else "reinstate"
        getattr(exchange, action)()
        exchange._history_user = by  # type: ignore[attr-defined]
        exchange.save(update_fields=["status"])
        _log(arrangement=arrangement, exchange=exchange, before=before, after=exchange.status, action=action,
             by=by, now=now, note="Not due under the new terms" if action == "excuse" else "Due under the new terms")
    for exchange in later.values():
        overdue = rules.overdue_date(due=exchange.due_date, weeks=arrangement.overdue_after_weeks)
        if exchange.status == ExchangeStatus.EXPECTED and exchange.overdue_date != overdue:
            exchange.overdue_date = overdue
            exchange._history_user = by  # type: ignore[attr-defined]
            exchange.save(update_fields=["overdue_date"])
    Exchange.objects.bulk_create([
        Exchange(arrangement=arrangement, authority_id=arrangement.authority_id, writer=side, due_date=day,
                 overdue_date=rules.overdue_date(due=day, weeks=arrangement.overdue_after_weeks))
        for day, side in sorted(plan.create)])


@transaction.atomic
def arrangement_end(*, arrangement: Arrangement, reason: str, by: Any, now: datetime,
                    ended_date: date | None = None) -> Arrangement:
    if reason not in EndReason.values:
        raise ContactError("Choose why the arrangement ends.")
    arrangement = _locked(arrangement)
    before = _transition(arrangement, "end", refusal="it has already ended.")
    arrangement.end_reason, arrangement.ended_date = reason, ended_date or _today(now)
    _save(arrangement, by, "end_reason", "ended_date")
    _log(arrangement=arrangement, before=before, after=arrangement.status, action="end", by=by, now=now,
         note=EndReason(reason).label)
    later = arrangement.exchanges.filter(status=ExchangeStatus.EXPECTED,
                                         due_date__gte=rules.month_start(arrangement.ended_date))
    _excuse(arrangement, months=later.values_list("due_date", flat=True), by=by, now=now,
            note="The arrangement has ended")
    return arrangement


@transaction.atomic
def arrangement_coordinate_by_referral(*, arrangement: Arrangement, referral: Referral, by: Any,
                                       now: datetime) -> Arrangement:
    """Hand the arrangement to the provider the referral was sent to (a CAFIS-style contact service)."""
    if referral.authority_id != arrangement.authority_id:
        raise ContactError("The referral belongs to another authority.")
    if referral.sent_to_id is None or referral.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED,
                                                              ReferralStatus.ACTIVE):
        raise ContactError("Only a referral sent to a provider (and not declined or cancelled) can hand over "
                           "an arrangement.")
    arrangement = _locked(arrangement)
    arrangement.referral, arrangement.provider_id = referral, referral.sent_to_id
    arrangement._history_user = by  # type: ignore[attr-defined]
    arrangement.save(update_fields=["referral", "provider"])
    _log(arrangement=arrangement, before=arrangement.status, after=arrangement.status, action="coordinate",
         by=by, now=now, note=f"Coordinated by {referral.sent_to} under {referral.reference}")
    return arrangement


def arrangements_end_at_18(*, today: date, now: datetime) -> int:
    """End every open arrangement whose child has turned 18 (the daily task)."""
    cutoff = date(today.year - 18, today.month, today.day) if not (today.month == 2 and today.day == 29) \
        else date(today.year - 18, 3, 1)
    ended = 0
    for arrangement in Arrangement.objects.exclude(status=ArrangementStatus.ENDED).filter(
            child__date_of_birth__lte=cutoff).select_related("child").order_by("pk"):
        arrangement_end(arrangement=arrangement, reason=EndReason.AGED_18, by=None, now=now,
                        ended_date=rules.eighteenth_birthday(arrangement.child.date_of_birth))
        ended += 1
    return ended


def arrangements_schedule(*, today: date) -> int:
    """Keep every active arrangement's items scheduled a year ahead (the daily task)."""
    created = 0
    for arrangement in Arrangement.objects.filter(status=ArrangementStatus.ACTIVE).select_related("child"):
        with transaction.atomic():
            created += schedule(arrangement=arrangement, today=today)
    return created
