"""Helpers every claims service shares: role and scope checks, amounts in pounds, the row locks in their one
order, the transition recipe (with its status-change row), postings to the ledger and the split estimate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from moneyed import Money

from core.money import GBP, PENNY, zero
from ledger.services import account_for, post

from .. import rules
from ..models.applications import ASFApplication, StatusChange
from ..models.fund_rules import ChildYearLimit
from .errors import BadAmount, InvalidTransition, NotPermitted
from .headroom import year_limit
from .rule_sets import rules_for


def _require_role(by: Any, roles: Iterable[str], what: str) -> None:
    if by is None or getattr(by, "role", None) not in tuple(roles):
        raise NotPermitted(f"Your role does not allow you to {what}.")


def _require_scope(by: Any, application: ASFApplication) -> None:
    if not ASFApplication.objects.for_user(by).filter(pk=application.pk).exists():
        raise NotPermitted("This application belongs to another authority.")


def _amount(value: Any, what: str, *, allow_zero: bool = True) -> Money:
    if isinstance(value, float) or not isinstance(value, Money):
        raise BadAmount(f"The {what} must be an amount in pounds.")
    if str(value.currency) != GBP:
        raise BadAmount(f"The {what} must be in pounds sterling (GBP), not {value.currency}.")
    if value.amount < 0:
        raise BadAmount(f"The {what} cannot be negative.")
    if not allow_zero and value.amount == 0:
        raise BadAmount(f"The {what} must be more than £0.")
    if value.amount != value.amount.quantize(PENNY):
        raise BadAmount(f"The {what} must be a whole number of pence.")
    return Money(value.amount.quantize(PENNY), GBP)


def _gbp(amount: Decimal) -> Money:
    """`amount` in pounds, rounded to the penny half up (a half penny rounds away from zero, as people do)."""
    return Money(amount.quantize(PENNY, rounding=ROUND_HALF_UP), GBP)


def _lock(application: ASFApplication) -> ASFApplication:
    return ASFApplication.objects.select_for_update().select_related("responsible_authority").get(pk=application.pk)


def _lock_with_limit(application: ASFApplication) -> tuple[ASFApplication, ChildYearLimit]:
    """Lock the application, then the child's limit row for its year: always in this order (no deadlocks)."""
    locked = _lock(application)
    limit = year_limit(child=locked.child, financial_year=locked.financial_year)
    return locked, ChildYearLimit.objects.select_for_update().get(pk=limit.pk)


def _transition(application: ASFApplication, name: str, *, by: Any, now: datetime, note: str = "",
                fields: Sequence[str] = ()) -> ASFApplication:
    method = getattr(application, name)
    if not django_fsm_can_proceed(method, check_conditions=False):
        raise InvalidTransition(
            f"You cannot {name.replace('_', ' ')} an application that is {application.get_status_display().lower()}."
        )
    if not django_fsm_can_proceed(method):
        raise InvalidTransition(f"The conditions to {name.replace('_', ' ')} this application are not met.")
    before = application.status
    method()
    application._history_user = by  # type: ignore[attr-defined]
    application.save(update_fields=["status", *fields])
    change = StatusChange(application=application, from_status=before, to_status=application.status, by=by, at=now,
                          note=note)
    change._history_user = by  # type: ignore[attr-defined]
    change.save()
    return application


def django_fsm_can_proceed(method: Any, *, check_conditions: bool = True) -> bool:
    from django_fsm import can_proceed

    return can_proceed(method, check_conditions=check_conditions)


def _post(application_or_source: Any, *, authority: Any, lines: Sequence[tuple[str, Money]], key: str, memo: str,
          on: date, by: Any, now: datetime) -> None:
    """Post (code, signed amount) lines for one authority; lines of zero are left out, and nothing is posted
    when every line is zero."""
    kept = [(account_for(authority=authority, code=code), amount) for code, amount in lines if amount.amount != 0]
    if not kept:
        return
    post(lines=kept, memo=memo, idempotency_key=key, transaction_date=on, by=by, source=application_or_source,
         now=now, for_authority=authority)


def _key(application: ASFApplication, event: str) -> str:
    return f"claims.asfapplication:{application.pk}:{event}"


def _estimate(application: ASFApplication) -> None:
    limit = ChildYearLimit.objects.filter(child_id=application.child_id,
                                          financial_year=application.financial_year).first()
    split = rules.split_request(
        rules_for(application.start_date),
        year_to_date_therapy=limit.therapy_approved if limit else zero(),
        year_to_date_assessment=limit.assessment_approved if limit else zero(),
        therapy=application.therapy_total,
        assessment=application.assessment_total,
        fund_so_far=limit.fund_committed if limit else zero(),
    )
    application.estimated_fund, application.estimated_authority = split.fund, split.authority


def _invoiced(application: ASFApplication) -> tuple[Money, Money]:
    therapy = assessment = zero()
    for invoice in application.invoices.select_related("line"):
        if invoice.line.is_assessment:
            assessment += invoice.amount
        else:
            therapy += invoice.amount
    return therapy, assessment
