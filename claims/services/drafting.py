"""Drafting and changing an application: create it, change its details, add and remove its lines (each change
splits it again under the rules)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from moneyed import Money

from core.money import zero

from .. import rules
from ..models.applications import ApplicationLine, ASFApplication, Status, StatusChange
from ._common import _amount, _estimate, _gbp, _lock, _require_role, _require_scope
from .errors import BadAmount, ClaimsError, InvalidTransition, NotEligible, NotPermitted
from .roles import CASEWORKERS
from .rule_sets import rule_row_on


@transaction.atomic
def application_create(*, child: Any, assessment: Any, start_date: date, by: Any, now: datetime,
                       purpose_for_fund: str = "", internal_notes: str = "") -> ASFApplication:
    _require_role(by, CASEWORKERS, "draft an ASF application")
    from support.models import Assessment, Child

    if not Child.objects.for_user(by).filter(pk=child.pk).exists():
        raise NotPermitted("This child's record belongs to another authority.")
    if not Assessment.objects.for_user(by).filter(pk=assessment.pk).exists():
        raise NotPermitted("This assessment belongs to another authority.")
    if assessment.child_id is not None and assessment.child_id != child.pk:
        raise ClaimsError("The assessment is about another child.")
    if assessment.approved_date is None:
        raise ClaimsError("The assessment of need must be approved before an application rests on it.")
    rule_row = rule_row_on(start_date)
    rule_set = rule_row.to_rules()
    if not rules.age_eligible(rule_set, date_of_birth=child.date_of_birth, on_date=start_date,
                              has_ehc_plan=child.has_ehc_plan_on(start_date)):
        raise NotEligible(
            f"The child is over the fund's age limit ({rule_set.age_limit}, or {rule_set.age_limit_with_ehc_plan} "
            "with an EHC plan) on the start date."
        )
    application = ASFApplication(
        reference=f"pending-{now.timestamp()}-{by.pk}",
        child=child,
        responsible_authority=assessment.responsible_authority,
        assessment=assessment,
        start_date=start_date,
        financial_year=rules.financial_year(start_date),
        rule_set=rule_row,
        author=by,
        purpose_for_fund=purpose_for_fund.strip(),
        internal_notes=internal_notes.strip(),
        created_at=now,
    )
    application._history_user = by  # type: ignore[attr-defined]
    application.save()
    application.reference = f"ASF-{application.responsible_authority.short_code.upper()}-{application.pk:06d}"
    application.save(update_fields=["reference"])
    StatusChange.objects.create(application=application, from_status="", to_status=Status.DRAFT, by=by, at=now,
                                note="Drafted")
    return application


def _editable(application: ASFApplication, by: Any) -> None:
    """Refuse a change `by` may not make; otherwise note `by` as a contributor (who may then not approve it) and,
    on an application the fund returned, withdraw the manager's approval: what changed goes back to a manager."""
    _require_role(by, CASEWORKERS, "change an ASF application")
    _require_scope(by, application)
    if application.status not in (Status.DRAFT, Status.RETURNED):
        raise InvalidTransition("Only a draft, or an application returned for rework, can be changed.")
    application.contributors.add(by)
    if application.status == Status.RETURNED and application.manager_approved_by_id is not None:
        application.manager_approved_by = None
        application.manager_approved_at = None
        application._history_user = by  # type: ignore[attr-defined]
        application.save(update_fields=["manager_approved_by", "manager_approved_at"])


@transaction.atomic
def application_update(*, application: ASFApplication, by: Any, now: datetime, purpose_for_fund: str,
                       internal_notes: str, exceptional_reason: str, start_date: date | None = None) -> ASFApplication:
    application = _lock(application)
    _editable(application, by)
    application.purpose_for_fund = purpose_for_fund.strip()
    application.internal_notes = internal_notes.strip()
    application.exceptional_reason = exceptional_reason.strip()
    if start_date is not None and start_date != application.start_date:
        application.start_date = start_date
        application.financial_year = rules.financial_year(start_date)
        application.rule_set = rule_row_on(start_date)
    _estimate(application)
    application._history_user = by  # type: ignore[attr-defined]
    application.save()
    return application


@transaction.atomic
def application_line_add(*, application: ASFApplication, service_type: Any, provider: Any, sessions: int,
                         unit_cost: Money, travel: Money, by: Any, now: datetime,
                         description_for_fund: str = "") -> ApplicationLine:
    application = _lock(application)
    _editable(application, by)
    unit_cost = _amount(unit_cost, "cost per session")
    travel = _amount(travel, "travel cost")
    if not isinstance(sessions, int) or sessions < 1:
        raise BadAmount("The number of sessions must be 1 or more.")
    if not service_type.asf_fundable or service_type.asf_excluded:
        raise NotEligible(f"{service_type.name} is not something the fund pays for.")
    if not provider.approved:
        raise NotEligible(f"{provider.name} is not on the approved-provider list.")
    total = _gbp(unit_cost.amount * sessions + travel.amount)
    line = ApplicationLine(application=application, service_type=service_type, provider=provider,
                           is_assessment=service_type.specialist_assessment, sessions=sessions,
                           unit_cost=unit_cost, travel=travel, total=total,
                           description_for_fund=description_for_fund.strip()[:300])  # type: ignore[misc]
    line._history_user = by  # type: ignore[attr-defined]
    line.full_clean(exclude=["application"])
    line.save()
    _recalculate_totals(application)
    application._history_user = by  # type: ignore[attr-defined]
    application.save(update_fields=["therapy_total", "assessment_total", "estimated_fund", "estimated_authority"])
    return line


@transaction.atomic
def application_line_remove(*, line: ApplicationLine, by: Any, now: datetime) -> ASFApplication:
    application = _lock(line.application)
    _editable(application, by)
    if line.invoices.exists():
        raise ClaimsError("A line with invoices cannot be removed.")
    line.delete()
    _recalculate_totals(application)
    application._history_user = by  # type: ignore[attr-defined]
    application.save(update_fields=["therapy_total", "assessment_total", "estimated_fund", "estimated_authority"])
    return application


def _recalculate_totals(application: ASFApplication) -> None:
    therapy = assessment = zero()
    for line in application.lines.all():
        if line.is_assessment:
            assessment += line.total
        else:
            therapy += line.total
    application.therapy_total, application.assessment_total = therapy, assessment
    _estimate(application)
