"""The fund's decision: its approval (in full or in part, within the child's limits for the year, posted to the
ledger) or its rejection. When it is due is a read: `claims.selectors.decision_deadline`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from moneyed import Money

from core.money import format_gbp
from ledger.models import AccountCode

from .. import rules
from ..models.applications import AWAITING_DECISION, ASFApplication, Decision
from ._common import _amount, _key, _lock, _lock_with_limit, _post, _require_role, _require_scope, _transition
from .errors import BadAmount, ClaimsError, InvalidTransition, LimitExceeded
from .roles import DECISION_RECORDERS
from .rule_sets import rule_row_on


@transaction.atomic
def application_approve(*, application: ASFApplication, by: Any, now: datetime, decision_date: date,
                        fund_amount: Money | None = None, approved_therapy: Money | None = None,
                        approved_assessment: Money | None = None, fund_reference: str = "",
                        note: str = "") -> ASFApplication:
    """Record the fund's approval (in full or in part) and post it: Dr ASF receivable / Cr ASF grant received in
    advance. Refused if the fund's amount does not fit the child's headroom for the year under the rules."""
    application, limit = _lock_with_limit(application)
    _require_role(by, DECISION_RECORDERS, "record the fund's decision")
    _require_scope(by, application)
    if application.status not in AWAITING_DECISION:
        raise InvalidTransition(
            f"You cannot approve an application that is {application.get_status_display().lower()}."
        )
    therapy = _amount(approved_therapy if approved_therapy is not None else application.therapy_total,
                      "approved therapy amount")
    assessment = _amount(approved_assessment if approved_assessment is not None else application.assessment_total,
                         "approved assessment amount")
    if therapy > application.therapy_total or assessment > application.assessment_total:
        raise BadAmount("The fund cannot approve more than the application asked for.")
    rule_row = rule_row_on(application.start_date)
    split = rules.split_request(rule_row.to_rules(), year_to_date_therapy=limit.therapy_approved,
                                year_to_date_assessment=limit.assessment_approved,
                                therapy=therapy, assessment=assessment, fund_so_far=limit.fund_committed)
    fund = _amount(fund_amount, "fund's amount") if fund_amount is not None else split.fund
    if fund > split.fund:
        raise LimitExceeded(
            f"The fund can pay at most {format_gbp(split.fund)} of this application: the child's "
            f"{application.financial_year} limit leaves no room for {format_gbp(fund)}."
        )
    reference = fund_reference.strip() or application.fund_reference
    if not reference:
        raise ClaimsError("Record the fund's reference for this application.")
    if ASFApplication.objects.filter(fund_reference=reference).exclude(pk=application.pk).exists():
        raise ClaimsError(f"The fund reference {reference} is already on another application.")
    in_full = (therapy, assessment) == (application.therapy_total, application.assessment_total) and fund == split.fund
    application.fund_reference = reference
    application.decision = Decision.APPROVED_IN_FULL if in_full else Decision.APPROVED_IN_PART
    application.decision_date = decision_date
    application.decision_note = note.strip()
    application.approved_therapy, application.approved_assessment = therapy, assessment
    application.approved_fund, application.approved_authority = fund, therapy + assessment - fund
    application.year_to_date_therapy_before = limit.therapy_approved
    application.year_to_date_assessment_before = limit.assessment_approved
    application.year_to_date_fund_before = limit.fund_committed
    application.rule_set = rule_row
    limit.therapy_approved += therapy
    limit.assessment_approved += assessment
    limit.fund_committed += fund
    limit.authority_committed += application.approved_authority
    limit._history_user = by  # type: ignore[attr-defined]
    limit.save()
    _transition(application, "approve", by=by, now=now, note=note.strip(), fields=[
        "fund_reference", "decision", "decision_date", "decision_note", "approved_therapy", "approved_assessment",
        "approved_fund", "approved_authority", "year_to_date_therapy_before", "year_to_date_assessment_before",
        "year_to_date_fund_before", "year_to_date_fund_before_currency", "rule_set"])
    _post(application, authority=application.responsible_authority, key=_key(application, "approved"),
          memo=f"{application.reference}: the fund's approval ({application.fund_reference})", on=decision_date,
          by=by, now=now,
          lines=[(AccountCode.ASF_RECEIVABLE, fund), (AccountCode.ASF_GRANT_IN_ADVANCE, -fund)])
    return application


@transaction.atomic
def application_reject(*, application: ASFApplication, by: Any, now: datetime, decision_date: date,
                       note: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, DECISION_RECORDERS, "record the fund's decision")
    _require_scope(by, application)
    if not note.strip():
        raise ClaimsError("Record the fund's reason.")
    application.decision = Decision.REJECTED
    application.decision_date = decision_date
    application.decision_note = note.strip()
    return _transition(application, "reject", by=by, now=now, note=note.strip(),
                       fields=["decision", "decision_date", "decision_note"])
