"""Helpers the invoicing services share: who may do what, scope, the status-change row, postings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from moneyed import Money

from ledger.services import account_for, post
from organisations.models import Role, Scope
from organisations.scoping import authority_ids_for

from ..models import Invoice, InvoiceEvent
from .errors import NotPermitted

FINANCE = (Role.FINANCE_OFFICER,)
PROVIDER = (Role.PROVIDER_STAFF,)
#: Who may set the invoicing terms of a referral: the lead commissioner, who agrees the commercial terms with the
#: provider (DOMAIN 3, JOURNEYS "Aisha"). Not finance: the finance officer checks invoices against these terms and
#: approves them, so setting them too would let one person write the yardstick and pass invoices against it
#: (decision 0015). Not the team manager: they approve the casework and spot purchases, not prices.
TERMS_SETTERS = (Role.LEAD_COMMISSIONER,)


def require_role(by: Any, roles: Iterable[str], what: str) -> None:
    if by is None or not getattr(by, "is_active", False) or getattr(by, "role", None) not in tuple(roles):
        raise NotPermitted(f"Your role does not allow you to {what}.")


def require_finance_of(by: Any, authority: Any, what: str) -> None:
    """A finance officer whose scope covers `authority` (their own, or a member of their partnership)."""
    require_role(by, FINANCE, what)
    if authority.pk not in authority_ids_for(by):
        raise NotPermitted(f"Only a finance officer of {authority.name} can {what}.")


def require_provider_staff_of(by: Any, provider_id: int, what: str) -> None:
    require_role(by, PROVIDER, what)
    if getattr(by, "scope", None) != Scope.PROVIDER or by.provider_id != provider_id:
        raise NotPermitted(f"Only the provider's own staff can {what}.")


def log(invoice: Invoice, *, before: str, by: Any, now: datetime, message: str = "") -> InvoiceEvent:
    event = InvoiceEvent(invoice=invoice, from_status=before, to_status=invoice.status, by=by, at=now,
                         message=message)
    event._history_user = by  # type: ignore[attr-defined]
    event.save()
    return event


def post_for(source: Any, *, authority: Any, lines: Sequence[tuple[str, Money]], key: str, memo: str, on: date,
             by: Any, now: datetime) -> None:
    """Post (code, signed amount) lines to `authority`'s accounts, and only to them (for_authority)."""
    kept = [(account_for(authority=authority, code=code), amount) for code, amount in lines if amount.amount != 0]
    if kept:
        post(lines=kept, memo=memo[:255], idempotency_key=key, transaction_date=on, by=by, source=source, now=now,
             for_authority=authority)
