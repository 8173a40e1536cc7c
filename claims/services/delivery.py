"""After the fund's approval: the services start, the spend is confirmed (the unspent part goes back to the fund
and to the child's year limit), and the application is closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from core.money import format_gbp, zero
from ledger.models import AccountCode

from ..models.applications import ASFApplication, Status
from ..models.invoices import InvoiceStatus
from ._common import _invoiced, _key, _lock, _lock_with_limit, _post, _require_role, _require_scope, _transition
from .errors import ClaimsError, InvalidTransition
from .remittances import fund_still_owes
from .roles import DELIVERY, FINANCE


@transaction.atomic
def application_start_delivery(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, DELIVERY, "record that the services started")
    _require_scope(by, application)
    return _transition(application, "start_delivery", by=by, now=now)


@transaction.atomic
def application_confirm_spend(*, application: ASFApplication, by: Any, now: datetime,
                              confirmed_date: date) -> ASFApplication:
    """The therapy has ended: the fund's unspent money goes back. Dr ASF grant in advance / Cr ASF receivable
    (for what the fund has not paid yet) and Cr bank (for what it has).

    The child's year limit row gives back what was approved and not spent (therapy, assessment, the fund's and
    the authority's parts): the limit is on what the fund pays for the child in the year (DOMAIN.md 1.5), and
    money returned at the spend confirmation (1.6) was never paid for the child, so a later application in the
    same year may use that headroom again. Invoices above the approval (the authority's top-up) give back
    nothing."""
    application, limit = _lock_with_limit(application)
    _require_role(by, FINANCE, "confirm the spend")
    _require_scope(by, application)
    if application.status != Status.IN_DELIVERY:
        raise InvalidTransition("Spend can be confirmed only for an application in delivery.")
    fund_used = sum((i.fund_share for i in application.invoices.all()), zero())
    unspent = application.approved_fund - fund_used
    outstanding = application.approved_fund - application.funds_received
    from_receivable = min(unspent, outstanding)
    invoiced_t, invoiced_a = _invoiced(application)
    unused_t = application.approved_therapy - min(invoiced_t, application.approved_therapy)
    unused_a = application.approved_assessment - min(invoiced_a, application.approved_assessment)
    unused_authority = max(unused_t + unused_a - unspent, zero())
    limit.therapy_approved -= min(unused_t, limit.therapy_approved)
    limit.assessment_approved -= min(unused_a, limit.assessment_approved)
    limit.fund_committed -= min(unspent, limit.fund_committed)
    limit.authority_committed -= min(unused_authority, limit.authority_committed)
    limit._history_user = by  # type: ignore[attr-defined]
    limit.save()
    application.unspent_returned = unspent
    application.spend_confirmed_date = confirmed_date
    note = f"Unspent {format_gbp(unspent)}"
    if unused_t.amount or unused_a.amount:
        note += (f"; given back to the child's {application.financial_year} limit: therapy {format_gbp(unused_t)}, "
                 f"assessment {format_gbp(unused_a)}")
    _transition(application, "confirm_spend", by=by, now=now, note=note,
                fields=["unspent_returned", "spend_confirmed_date"])
    _post(application, authority=application.responsible_authority, key=_key(application, "spend_confirmed"),
          memo=f"{application.reference}: unspent approval returned to the fund", on=confirmed_date, by=by,
          now=now, lines=[
              (AccountCode.ASF_GRANT_IN_ADVANCE, unspent),
              (AccountCode.ASF_RECEIVABLE, -from_receivable),
              (AccountCode.BANK, -(unspent - from_receivable)),
          ])
    return application


@transaction.atomic
def application_close(*, application: ASFApplication, by: Any, now: datetime, closed_date: date) -> ASFApplication:
    application = _lock(application)
    _require_role(by, FINANCE, "close an application")
    _require_scope(by, application)
    if application.invoices.exclude(status=InvoiceStatus.PAID).exists():
        raise ClaimsError("Approve and pay every invoice before closing the application.")
    owed = fund_still_owes(application)
    if owed:
        raise ClaimsError(f"The fund still owes {format_gbp(owed)} on this application: import the remittance "
                          "that pays it before closing.")
    application.closed_date = closed_date
    return _transition(application, "close", by=by, now=now, fields=["closed_date"])
