"""The invoicing terms of a referral: the sessions agreed, the agreed spot price per session, and the extras
(travel up to an allowance, a report at a price). Set by those who commission the referral, with history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from moneyed import Money

from commissioning.models import Referral

from .. import rules
from ..models import ReferralTerms
from ._common import TERMS_SETTERS, require_role
from .errors import InvoicingError, NotPermitted


@transaction.atomic
def referral_terms_set(*, referral: Referral, by: Any, now: datetime, agreed_sessions: int | None = None,
                       spot_price: Money | None = None, travel_allowance: Money | None = None,
                       report_price: Money | None = None) -> ReferralTerms:
    require_role(by, TERMS_SETTERS, "set a referral's invoicing terms")
    if not Referral.objects.for_user(by).filter(pk=referral.pk).exists():
        raise NotPermitted("This referral belongs to another authority.")
    if agreed_sessions is not None and agreed_sessions < 1:
        raise InvoicingError("The sessions agreed must be at least 1.")
    try:
        for value, what in ((spot_price, "spot price"), (travel_allowance, "travel allowance"),
                            (report_price, "report price")):
            if value is not None:
                rules.check_amount(value, what=what)
    except rules.RuleError as error:
        raise InvoicingError(str(error)) from error
    terms = ReferralTerms.objects.select_for_update().filter(referral=referral).first() or ReferralTerms(
        referral=referral)
    terms.agreed_sessions = agreed_sessions
    terms.spot_price = spot_price
    terms.travel_allowance = travel_allowance
    terms.report_price = report_price
    terms.set_by = by
    terms.set_at = now
    terms._history_user = by  # type: ignore[union-attr]
    terms.save()
    return terms
