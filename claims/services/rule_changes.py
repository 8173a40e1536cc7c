"""A change to the fund's rules: the rule set saved, then every open application split again under the rules in
force on its start date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from .. import rules
from ..models.applications import OPEN_STATES, ASFApplication
from ..models.fund_rules import FundRuleSet
from ..models.rechecks import SplitRecheck
from ._common import _estimate
from .errors import ClaimsError
from .rule_sets import rule_row_on


@transaction.atomic
def fund_rule_set_save(*, rule_set: FundRuleSet, by: Any, now: datetime) -> list[SplitRecheck]:
    """Save a new or edited rule set (checked by the pure rules first), then re-check every open application."""
    try:
        rule_set.to_rules()
    except rules.RuleError as error:
        raise ClaimsError(str(error)) from error
    rule_set._history_user = by  # type: ignore[attr-defined]
    rule_set.full_clean()
    rule_set.save()
    return open_applications_recheck(by=by, now=now, reason=f"Rules changed: {rule_set}")


@transaction.atomic
def open_applications_recheck(*, by: Any, now: datetime, reason: str) -> list[SplitRecheck]:
    """Every application not yet with the fund, split again under the rules in force on its start date; a
    SplitRecheck row for each whose split changed (old and new), so that nobody resubmits by hand."""
    changed: list[SplitRecheck] = []
    for application in ASFApplication.objects.select_for_update().filter(status__in=OPEN_STATES).order_by("pk"):
        old_fund, old_authority = application.estimated_fund, application.estimated_authority
        application.rule_set = rule_row_on(application.start_date)
        _estimate(application)
        if (application.estimated_fund, application.estimated_authority) == (old_fund, old_authority):
            continue
        application._history_user = by  # type: ignore[attr-defined]
        application.save(update_fields=["rule_set", "estimated_fund", "estimated_authority"])
        changed.append(SplitRecheck.objects.create(
            application=application, checked_at=now, reason=reason[:300], old_fund=old_fund,
            old_authority=old_authority, new_fund=application.estimated_fund,
            new_authority=application.estimated_authority, by=by))
    return changed
