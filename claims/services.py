"""Every write in claims. Keyword-only, typed, atomic; the acting user is `by=`, the clock comes in as
`now=` (and the dates of events as arguments).

A state change runs one recipe: lock the row(s) (the application, then the child's financial-year limit row),
check the transition and its conditions (saying which one failed), post to the ledger under an idempotency key
like "claims.asfapplication:<pk>:approved", write the StatusChange row, save with update_fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from moneyed import Money

from core.money import GBP, PENNY, format_gbp, zero
from ledger.models import AccountCode
from ledger.services import account_for, post
from organisations.models import Role

from . import rules
from .models import (
    APPROVED_STATES,
    AWAITING_DECISION,
    INVOICEABLE,
    OPEN_STATES,
    WITHDRAWABLE,
    ApplicationLine,
    ASFApplication,
    ChildYearLimit,
    Decision,
    FundRuleSet,
    InvoiceStatus,
    InvoiceStatusChange,
    ProviderInvoice,
    Remittance,
    RemittanceLine,
    SplitRecheck,
    Status,
    StatusChange,
)

# ----------------------------------------------------------------------------------------------- errors


class ClaimsError(Exception):
    """A claims rule refused the request. Nothing has been written when it is raised."""


class InvalidTransition(ClaimsError):
    pass


class NotPermitted(ClaimsError):
    pass


class LimitExceeded(ClaimsError):
    pass


class OutsideWindow(ClaimsError):
    pass


class BadAmount(ClaimsError):
    pass


class NotEligible(ClaimsError):
    pass


class RemittanceRejected(ClaimsError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("The remittance was not imported: " + "; ".join(problems))
        self.problems = list(problems)


# Who may do what (views check the same roles with role_required).
CASEWORKERS = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
MANAGERS = (Role.TEAM_MANAGER,)
DECISION_RECORDERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER)
RETURN_RECORDERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER)
FINANCE = (Role.FINANCE_OFFICER,)
#: The checker of a provider's invoice: a finance officer or team manager of the authority, never its recorder.
INVOICE_APPROVERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER)
DELIVERY = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER)


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


# ----------------------------------------------------------------------------------------------- rules


def rule_sets_from_db(*, cached: bool = False) -> tuple[rules.RuleSet, ...]:
    """Every rule set, oldest first. `cached=True` (for pages that only show an estimate, such as the headroom)
    answers from this process's copy, kept RULE_SETS_CACHE_SECONDS and dropped whenever a FundRuleSet is saved or
    deleted here; inside a transaction that changed a rule set it reads the database, so a rolled-back change is
    never kept. Writes (submit, approve, estimates that are saved) read the database: a rule changed in another
    process is never used stale for money."""
    import time

    from django.db import connection
    from django.db.models.signals import post_delete, post_migrate, post_save

    cache = _RULE_SETS_CACHE
    if not cache.get("connected"):
        for signal in (post_save, post_delete):
            signal.connect(_forget_rule_sets, sender=FundRuleSet, dispatch_uid=f"claims.rule_sets.{signal}")
        post_migrate.connect(_forget_rule_sets, dispatch_uid="claims.rule_sets.post_migrate")
        cache["connected"] = True
    if cached and cache.get("changed") and not connection.in_atomic_block:
        cache.pop("changed")  # the transaction that changed them is over: committed or rolled back
    usable = cached and not cache.get("changed")
    if usable and "rule_sets" in cache and time.monotonic() - cache["loaded"] < RULE_SETS_CACHE_SECONDS:
        return cache["rule_sets"]  # type: ignore[no-any-return]
    rule_sets = tuple(row.to_rules() for row in FundRuleSet.objects.order_by("effective_from_date"))
    if usable:
        cache.update(rule_sets=rule_sets, loaded=time.monotonic())
    return rule_sets


RULE_SETS_CACHE_SECONDS = 60
_RULE_SETS_CACHE: dict[str, Any] = {}


def _forget_rule_sets(**kwargs: Any) -> None:
    _RULE_SETS_CACHE.pop("rule_sets", None)
    _RULE_SETS_CACHE["changed"] = True


def rule_row_on(on_date: date) -> FundRuleSet:
    row = FundRuleSet.objects.filter(effective_from_date__lte=on_date).order_by("-effective_from_date").first()
    if row is None:
        raise rules.NoRulesInForce(f"No fund rules were in force on {on_date:%d %B %Y}.")
    return row


def rules_for(on_date: date) -> rules.RuleSet:
    return rule_row_on(on_date).to_rules()


def assessment_date(application: ASFApplication) -> date | None:
    """The date that starts the application window: the assessment's approval (or completion)."""
    assessment = application.assessment
    return assessment.approved_date or assessment.completed_date


def year_limit(*, child: Any, financial_year: str) -> ChildYearLimit:
    """The child's limit row for the year, created if missing (two creators at once: one wins, both read it)."""
    found = ChildYearLimit.objects.filter(child=child, financial_year=financial_year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ChildYearLimit.objects.create(child=child, financial_year=financial_year)
    except IntegrityError:
        return ChildYearLimit.objects.get(child=child, financial_year=financial_year)


@dataclass(frozen=True)
class Headroom:
    financial_year: str
    rule_set: rules.RuleSet
    therapy_so_far: Money
    assessment_so_far: Money
    fund_so_far: Money
    fund_left: Money | None
    split: rules.FundSplit


def headroom_for(*, application: ASFApplication) -> Headroom:
    """What the child's year already holds, what the fund can still pay, and how this application would split
    if it were approved now (shown before submitting)."""
    rule_set = rules.rules_on(application.start_date, rule_sets_from_db(cached=True))
    limit = ChildYearLimit.objects.filter(child_id=application.child_id,
                                          financial_year=application.financial_year).first()
    ytd_t = limit.therapy_approved if limit else zero()
    ytd_a = limit.assessment_approved if limit else zero()
    fund_so_far = limit.fund_committed if limit else zero()
    return Headroom(
        financial_year=application.financial_year,
        rule_set=rule_set,
        therapy_so_far=ytd_t,
        assessment_so_far=ytd_a,
        fund_so_far=fund_so_far,
        fund_left=rules.headroom(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                                 fund_so_far=fund_so_far),
        split=rules.split_request(rule_set, year_to_date_therapy=ytd_t, year_to_date_assessment=ytd_a,
                                  therapy=application.therapy_total, assessment=application.assessment_total,
                                  fund_so_far=fund_so_far),
    )


# ----------------------------------------------------------------------------------------------- helpers


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
         now=now)


def _recalculate_totals(application: ASFApplication) -> None:
    therapy = assessment = zero()
    for line in application.lines.all():
        if line.is_assessment:
            assessment += line.total
        else:
            therapy += line.total
    application.therapy_total, application.assessment_total = therapy, assessment
    _estimate(application)


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


# ----------------------------------------------------------------------------------------------- drafting


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


# ----------------------------------------------------------------------------------------------- approval path


@transaction.atomic
def application_send_to_manager(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "send an application for approval")
    _require_scope(by, application)
    if not application.lines.exists():
        raise ClaimsError("Add at least one service before sending the application for approval.")
    return _transition(application, "send_to_manager", by=by, now=now)


@transaction.atomic
def application_manager_approve(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, MANAGERS, "approve an application")
    _require_scope(by, application)
    if by.pk == application.author_id:
        raise NotPermitted("A manager cannot approve an application they wrote.")
    if application.contributors.filter(pk=by.pk).exists():
        raise NotPermitted("A manager cannot approve an application they changed: another manager must approve it.")
    application._acting_user = by  # type: ignore[attr-defined]
    application.manager_approved_by = by
    application.manager_approved_at = now
    return _transition(application, "manager_approve", by=by, now=now,
                       fields=["manager_approved_by", "manager_approved_at"])


@transaction.atomic
def application_manager_send_back(*, application: ASFApplication, by: Any, now: datetime, note: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, MANAGERS, "send an application back")
    _require_scope(by, application)
    if not note.strip():
        raise ClaimsError("Say what needs to change.")
    return _transition(application, "manager_send_back", by=by, now=now, note=note.strip())


@transaction.atomic
def application_submit(*, application: ASFApplication, by: Any, now: datetime, submitted_date: date,
                       fund_reference: str = "") -> ASFApplication:
    """Record that the application went to the fund. Inside the window after the assessment, or with a recorded
    exceptional reason."""
    application = _lock(application)
    _require_role(by, CASEWORKERS, "submit an application")
    _require_scope(by, application)
    assessed = assessment_date(application)
    rule_set = rules_for(application.start_date)
    # The window is for the first submission: an application the fund returned, changed and approved again by a
    # manager goes back to the fund whenever it is ready.
    window_ok = application.first_submitted_date is not None or (
        assessed is not None and rules.within_window(rule_set, assessment_date=assessed, submitted_date=submitted_date)
    )
    if not window_ok and not application.exceptional_reason.strip():
        deadline = rules.application_deadline(rule_set, assessment_date=assessed) if assessed else None
        raise OutsideWindow(
            "The application is outside the window after the assessment"
            + (f" (it closed on {deadline:%d %B %Y})" if deadline else "")
            + ": record the exceptional reason first."
        )
    application._window_ok = window_ok  # type: ignore[attr-defined]
    _estimate(application)
    application.submitted_date = submitted_date
    application.first_submitted_date = application.first_submitted_date or submitted_date
    if fund_reference.strip():
        application.fund_reference = fund_reference.strip()
    return _transition(application, "submit", by=by, now=now,
                       fields=["submitted_date", "first_submitted_date", "fund_reference", "estimated_fund",
                               "estimated_authority"])


@transaction.atomic
def application_return_for_rework(*, application: ASFApplication, by: Any, now: datetime, note: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, RETURN_RECORDERS, "record that the fund returned an application")
    _require_scope(by, application)
    if not note.strip():
        raise ClaimsError("Record what the fund asked to change.")
    return _transition(application, "return_for_rework", by=by, now=now, note=note.strip())


@transaction.atomic
def application_resubmit(*, application: ASFApplication, by: Any, now: datetime,
                         submitted_date: date) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "resubmit an application")
    _require_scope(by, application)
    if application.manager_approved_by_id is None:
        raise NotPermitted("The application was changed after the fund returned it: send it to a manager for "
                           "approval first, then record its submission.")
    _estimate(application)
    application.submitted_date = submitted_date
    return _transition(application, "resubmit", by=by, now=now,
                       fields=["submitted_date", "estimated_fund", "estimated_authority"])


@transaction.atomic
def application_withdraw(*, application: ASFApplication, by: Any, now: datetime, reason: str) -> ASFApplication:
    application = _lock(application)
    _require_role(by, CASEWORKERS, "withdraw an application")
    _require_scope(by, application)
    if application.status not in WITHDRAWABLE:
        raise InvalidTransition("Only an application the fund has not decided can be withdrawn.")
    if not reason.strip():
        raise ClaimsError("Say why the application is withdrawn.")
    return _transition(application, "withdraw", by=by, now=now, note=reason.strip())


# ----------------------------------------------------------------------------------------------- money


def _key(application: ASFApplication, event: str) -> str:
    return f"claims.asfapplication:{application.pk}:{event}"


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


#: The fund pays month by month (DOMAIN.md 1.6), so its payment can still arrive after the spend is confirmed.
RECEIVABLE = (*INVOICEABLE, Status.SPEND_CONFIRMED)


def fund_still_owes(application: ASFApplication) -> Money:
    """What the fund has yet to pay on an approved application: the approval, less what it paid, and less, once
    the spend is confirmed, the unspent part returned (which the spend confirmation took off the receivable)."""
    owed = application.approved_fund - application.funds_received
    if application.status in (Status.SPEND_CONFIRMED, Status.CLOSED):
        owed -= application.unspent_returned
    return max(owed, zero())


def _receive(application: ASFApplication, *, line: RemittanceLine, payment_date: date, by: Any,
             now: datetime) -> None:
    """The fund's payment for one application (a remittance row): Dr bank / Cr ASF receivable."""
    if application.status not in RECEIVABLE:
        raise ClaimsError(f"{line.fund_reference}: the application is {application.get_status_display().lower()}.")
    outstanding = fund_still_owes(application)
    if line.amount > outstanding:
        raise BadAmount(f"{line.fund_reference}: {format_gbp(line.amount)} is more than the "
                        f"{format_gbp(outstanding)} the fund still owes.")
    application.funds_received += line.amount
    application._history_user = by  # type: ignore[attr-defined]
    application.save(update_fields=["funds_received"])
    _post(line, authority=application.responsible_authority, key=f"claims.remittanceline:{line.pk}:received",
          memo=f"{application.reference}: the fund's payment ({line.fund_reference})", on=payment_date, by=by,
          now=now, lines=[(AccountCode.BANK, line.amount), (AccountCode.ASF_RECEIVABLE, -line.amount)])
    if application.status == Status.APPROVED and application.funds_received == application.approved_fund:
        _transition(application, "receive_funds", by=by, now=now, note=f"Remittance {line.remittance_id}")


@transaction.atomic
def application_start_delivery(*, application: ASFApplication, by: Any, now: datetime) -> ASFApplication:
    application = _lock(application)
    _require_role(by, DELIVERY, "record that the services started")
    _require_scope(by, application)
    return _transition(application, "start_delivery", by=by, now=now)


def _fund_share_of(application: ASFApplication, *, therapy: Money, assessment: Money) -> Money:
    """The fund's share of what has been invoiced so far (capped at what it approved): path-independent, so the
    shares of single invoices add up to the share of their sum."""
    rule_set = (application.rule_set or rule_row_on(application.start_date)).to_rules()
    share = rules.split_request(
        rule_set,
        year_to_date_therapy=application.year_to_date_therapy_before,
        year_to_date_assessment=application.year_to_date_assessment_before,
        therapy=min(therapy, application.approved_therapy),
        assessment=min(assessment, application.approved_assessment),
        fund_so_far=application.year_to_date_fund_before,
    ).fund
    return min(share, application.approved_fund)


def _invoiced(application: ASFApplication) -> tuple[Money, Money]:
    therapy = assessment = zero()
    for invoice in application.invoices.select_related("line"):
        if invoice.line.is_assessment:
            assessment += invoice.amount
        else:
            therapy += invoice.amount
    return therapy, assessment


@transaction.atomic
def invoice_record(*, application: ASFApplication, line: ApplicationLine, invoice_number: str, invoice_date: date,
                   amount: Money, by: Any, now: datetime, top_up_reason: str = "") -> ProviderInvoice:
    """A provider's invoice against an application line: Dr adoption support expenditure (fund's share) and
    Dr authority top-up budget (the authority's share) / Cr provider creditors; Dr ASF grant in advance /
    Cr ASF income for the fund's share. More than the line's approved amount needs a recorded top-up reason."""
    application, _limit = _lock_with_limit(application)
    _require_role(by, FINANCE, "record a provider's invoice")
    _require_scope(by, application)
    amount = _amount(amount, "invoice amount", allow_zero=False)
    if application.status not in INVOICEABLE:
        raise InvalidTransition(
            f"An invoice cannot be recorded against an application that is "
            f"{application.get_status_display().lower()}."
        )
    if line.application_id != application.pk:
        raise ClaimsError("The line belongs to another application.")
    if not invoice_number.strip():
        raise ClaimsError("Enter the provider's invoice number.")
    if ProviderInvoice.objects.filter(provider=line.provider, invoice_number=invoice_number.strip()).exists():
        raise ClaimsError(f"{line.provider.name} invoice {invoice_number.strip()} is already recorded.")
    invoiced_t, invoiced_a = _invoiced(application)
    line_invoiced = sum((i.amount for i in line.invoices.all()), zero())
    approved_share_of_line = _line_approved(application, line)
    if line_invoiced + amount > approved_share_of_line and not top_up_reason.strip():
        raise LimitExceeded(
            f"This invoice takes the line to {format_gbp(line_invoiced + amount)}, more than the "
            f"{format_gbp(approved_share_of_line)} approved: record the authority's top-up reason."
        )
    before = _fund_share_of(application, therapy=invoiced_t, assessment=invoiced_a)
    after_t, after_a = (invoiced_t, invoiced_a + amount) if line.is_assessment else (invoiced_t + amount, invoiced_a)
    after = _fund_share_of(application, therapy=after_t, assessment=after_a)
    fund_share = after - before
    invoice = ProviderInvoice(application=application, line=line, provider=line.provider,
                              invoice_number=invoice_number.strip(), invoice_date=invoice_date, amount=amount,
                              fund_share=fund_share, authority_share=amount - fund_share,
                              top_up_reason=top_up_reason.strip(), recorded_by=by, created_at=now)  # type: ignore[misc]
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save()
    _invoice_status_change(invoice, before="", by=by, now=now, note="Recorded")
    _post(invoice, authority=application.responsible_authority, key=f"claims.providerinvoice:{invoice.pk}:received",
          memo=f"{application.reference}: {invoice}", on=invoice_date, by=by, now=now, lines=[
              (AccountCode.SUPPORT_EXPENDITURE, fund_share),
              (AccountCode.TOP_UP_BUDGET, invoice.authority_share),
              (AccountCode.PROVIDER_CREDITORS, -amount),
              (AccountCode.ASF_GRANT_IN_ADVANCE, fund_share),
              (AccountCode.ASF_INCOME, -fund_share),
          ])
    _record_contract_spend(invoice, line=line, authority=application.responsible_authority, by=by)
    return invoice


def _record_contract_spend(invoice: ProviderInvoice, *, line: ApplicationLine, authority: Any, by: Any) -> None:
    """Where a live contract with the provider covers this service for the authority, the invoice is spend under
    it: write the usage fact contracts reads (claims is above contracts, so claims writes it down)."""
    from contracts.models import UsageMeasure
    from contracts.selectors import contracts_for_routing
    from contracts.services.usage import usage_record

    for contract in contracts_for_routing(on_date=invoice.invoice_date).filter(provider_id=line.provider_id):
        parties = {a.pk for a in contract.parties.all()} | {contract.lead_authority_id}
        types = {t.pk for element in contract.elements.all() for t in element.service_types.all()}
        if authority.pk in parties and line.service_type_id in types:
            usage_record(contract=contract, authority=authority, usage_date=invoice.invoice_date,
                         measure=UsageMeasure.SPEND, quantity=invoice.amount.amount,
                         source_key=f"claims.providerinvoice:{invoice.pk}:spend", by=by)
            return


def _line_approved(application: ASFApplication, line: ApplicationLine) -> Money:
    """A line's share of the approved amount: the line total, scaled down where the fund approved in part."""
    requested = application.assessment_total if line.is_assessment else application.therapy_total
    approved = application.approved_assessment if line.is_assessment else application.approved_therapy
    if requested.amount == 0:
        return zero()
    return _gbp(line.total.amount * approved.amount / requested.amount)


def _invoice_status_change(invoice: ProviderInvoice, *, before: str, by: Any, now: datetime,
                           note: str = "") -> InvoiceStatusChange:
    change = InvoiceStatusChange(invoice=invoice, from_status=before, to_status=invoice.status, by=by, at=now,
                                 note=note)
    change._history_user = by  # type: ignore[attr-defined]
    change.save()
    return change


def _locked_invoice(invoice: ProviderInvoice) -> ProviderInvoice:
    """Lock the application, then the invoice (the order every money transition uses)."""
    _lock(invoice.application)
    return ProviderInvoice.objects.select_for_update().select_related("application").get(pk=invoice.pk)


@transaction.atomic
def invoice_approve(*, invoice: ProviderInvoice, by: Any, now: datetime) -> ProviderInvoice:
    """The checker's approval of a recorded invoice: a finance officer or team manager of the authority who did
    not record it. Posts nothing (the accrual was posted when it was recorded); only an approved invoice is paid."""
    invoice = _locked_invoice(invoice)
    _require_role(by, INVOICE_APPROVERS, "approve a provider's invoice")
    _require_scope(by, invoice.application)
    if invoice.status != InvoiceStatus.RECEIVED:
        raise InvalidTransition(f"This invoice is already {invoice.get_status_display().split(',')[0].lower()}.")
    if by.pk == invoice.recorded_by_id:
        raise NotPermitted("You recorded this invoice, so you cannot approve it: another finance officer or a team "
                           "manager must check it.")
    invoice._acting_user = by  # type: ignore[attr-defined]
    if not django_fsm_can_proceed(invoice.approve):
        raise InvalidTransition("The conditions to approve this invoice are not met.")
    before = invoice.status
    invoice.approve()
    invoice.approved_by = by
    invoice.approved_at = now
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", "approved_by", "approved_at"])
    _invoice_status_change(invoice, before=before, by=by, now=now)
    return invoice


@transaction.atomic
def invoice_pay(*, invoice: ProviderInvoice, paid_date: date, by: Any, now: datetime) -> ProviderInvoice:
    """Dr provider creditors / Cr bank. Only an approved invoice is paid."""
    invoice = _locked_invoice(invoice)
    _require_role(by, FINANCE, "pay a provider's invoice")
    _require_scope(by, invoice.application)
    if invoice.status == InvoiceStatus.PAID:
        raise InvalidTransition("This invoice is already paid.")
    if invoice.status != InvoiceStatus.APPROVED:
        raise InvalidTransition("This invoice has not been approved: someone other than whoever recorded it must "
                                "approve it before it is paid.")
    before = invoice.status
    invoice.pay()
    invoice.paid_date = paid_date
    invoice._history_user = by  # type: ignore[attr-defined]
    invoice.save(update_fields=["status", "paid_date"])
    _invoice_status_change(invoice, before=before, by=by, now=now, note=f"Paid {paid_date:%d %B %Y}")
    _post(invoice, authority=invoice.application.responsible_authority,
          key=f"claims.providerinvoice:{invoice.pk}:paid", memo=f"{invoice.application.reference}: paid {invoice}",
          on=paid_date, by=by, now=now,
          lines=[(AccountCode.PROVIDER_CREDITORS, invoice.amount), (AccountCode.BANK, -invoice.amount)])
    return invoice


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


# ----------------------------------------------------------------------------------------------- remittances


@dataclass
class RemittanceRow:
    row_number: int
    fund_reference: str
    amount_text: str
    application: ASFApplication | None = None
    amount: Money | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class RemittancePreview:
    rows: list[RemittanceRow]
    total: Money
    remittance: Remittance | None = None

    @property
    def problems(self) -> list[str]:
        return [f"Row {row.row_number}: {error}" for row in self.rows for error in row.errors]

    @property
    def unmatched(self) -> list[RemittanceRow]:
        return [row for row in self.rows if row.application is None]


def remittance_check(*, authority: Any, rows: Sequence[tuple[int, str, str]], user: Any) -> RemittancePreview:
    """The dry run: every row matched to an application by the fund's reference, with its problems. Writes
    nothing. `rows` are (row number, fund reference, amount text)."""
    out: list[RemittanceRow] = []
    seen: dict[int, Money] = {}
    apps = {a.fund_reference: a for a in ASFApplication.objects.for_user(user).filter(
        responsible_authority=authority, fund_reference__in=[r[1].strip() for r in rows if r[1].strip()])}
    total = zero()
    for number, reference, amount_text in rows:
        row = RemittanceRow(row_number=number, fund_reference=reference.strip(), amount_text=amount_text.strip())
        try:
            value = Decimal(row.amount_text.replace(",", "").replace("£", ""))
            if not value.is_finite():
                raise ValueError
            row.amount = Money(value, GBP)
            if value <= 0:
                row.errors.append("the amount must be more than £0")
            elif value != value.quantize(PENNY):
                row.errors.append("the amount must be a whole number of pence")
            else:
                total += row.amount
        except (ArithmeticError, ValueError):
            row.errors.append(f"{row.amount_text!r} is not an amount")
        if not row.fund_reference:
            row.errors.append("the fund reference is missing")
        else:
            row.application = apps.get(row.fund_reference)
            if row.application is None:
                row.errors.append(f"no application of {authority.name} has the fund reference {row.fund_reference}")
            elif row.application.status not in RECEIVABLE:
                row.errors.append(f"application {row.application.reference} is "
                                  f"{row.application.get_status_display().lower()}")
            elif row.amount is not None and not row.errors:
                already = seen.get(row.application.pk, zero())
                outstanding = fund_still_owes(row.application) - already
                if row.amount > outstanding:
                    row.errors.append(f"{format_gbp(row.amount)} is more than the {format_gbp(outstanding)} the "
                                      f"fund still owes on {row.application.reference}")
                seen[row.application.pk] = already + row.amount
        out.append(row)
    if not out:
        out.append(RemittanceRow(row_number=0, fund_reference="", amount_text="", errors=["the file has no rows"]))
    return RemittancePreview(rows=out, total=total)


@transaction.atomic
def remittance_import(*, authority: Any, rows: Sequence[tuple[int, str, str]], file_name: str, payment_date: date,
                      by: Any, now: datetime) -> RemittancePreview:
    """All or nothing: any row with a problem (an unknown reference, a bad amount) and nothing is written."""
    _require_role(by, FINANCE, "import the fund's remittance")
    if authority.pk not in _authority_ids(by):
        raise NotPermitted("You cannot import a remittance for another authority.")
    preview = remittance_check(authority=authority, rows=rows, user=by)
    if preview.problems:
        raise RemittanceRejected(preview.problems)
    locked = {a.pk: a for a in ASFApplication.objects.select_for_update().filter(
        pk__in=sorted({row.application.pk for row in preview.rows if row.application})).order_by("pk")}
    for application in locked.values():
        _lock_with_limit(application)
    remittance = Remittance(authority=authority, file_name=file_name[:200], payment_date=payment_date,
                            total=preview.total, imported_by=by, imported_at=now)  # type: ignore[misc]
    remittance._history_user = by  # type: ignore[attr-defined]
    remittance.save()
    for row in preview.rows:
        assert row.application is not None and row.amount is not None
        application = locked[row.application.pk]
        line = RemittanceLine.objects.create(remittance=remittance, row_number=row.row_number,
                                             fund_reference=row.fund_reference, application=application,
                                             amount=row.amount)  # type: ignore[misc]
        _receive(application, line=line, payment_date=payment_date, by=by, now=now)
    preview.remittance = remittance
    return preview


def _authority_ids(user: Any) -> list[int]:
    from organisations.scoping import authority_ids_for

    return authority_ids_for(user)


# ----------------------------------------------------------------------------------------------- rule changes


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


__all__ = [
    "APPROVED_STATES",
    "BadAmount",
    "ClaimsError",
    "InvalidTransition",
    "LimitExceeded",
    "NotEligible",
    "NotPermitted",
    "OutsideWindow",
    "RemittanceRejected",
]
