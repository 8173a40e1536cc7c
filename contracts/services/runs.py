"""Apportionment runs: a draft, its calculation (every input frozen on the run), its approval by someone else,
and the recharges posted in the lead authority's books."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from moneyed import Money
from simple_history.utils import bulk_create_with_history

from contracts.apportionment import apportion_with_fixed_share, exact_shares, number_text, percent_text, true_up
from contracts.models import (
    ApportionmentLine,
    ApportionmentRun,
    ApportionmentRunStatusChange,
    Contract,
    RunStatus,
    UsageMeasure,
    UsageRecord,
)
from contracts.selectors import run_sources, run_usage
from core.dates import long_date
from core.money import NotGBP, gbp, require_gbp, zero
from ledger.models import AccountCode
from ledger.services import account_for, post
from organisations.models import Role
from organisations.scoping import authority_ids_for

from .errors import ContractError, InvalidTransition
from .usage import QUANTITY


class RunError(ContractError):
    pass


def _log_run(run: ApportionmentRun, before: str, *, by: Any, now: datetime) -> None:
    ApportionmentRunStatusChange.objects.create(
        run=run, from_status=before, to_status=run.status, changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
    )


def default_basis_label(*, basis: str, start: date, end: date) -> str:
    return f"{UsageMeasure(basis).label.lower()} {long_date(start)} to {long_date(end)}"


@transaction.atomic
def run_create(
    *,
    contract: Contract,
    title: str,
    total_cost: Money,
    cost_start_date: date,
    cost_end_date: date,
    basis: str,
    usage_start_date: date,
    usage_end_date: date,
    by: Any,
    now: datetime,
    basis_label: str = "",
    basis_contracts: list[Contract] | None = None,
    fixed_share_percent: Decimal = Decimal("0"),
    estimate: ApportionmentRun | None = None,
    tolerance_percent: Decimal | None = None,
) -> ApportionmentRun:
    """A draft run: what to share, over which period, by which usage."""
    try:
        require_gbp(total_cost, what="cost to share")
    except NotGBP as exc:
        raise RunError(str(exc)) from exc
    if total_cost.amount < 0:
        raise RunError("The cost to share cannot be negative.")
    if basis not in UsageMeasure.values:
        raise RunError(f"“{basis}” is not a usage measure.")
    if cost_end_date < cost_start_date:
        raise RunError("The cost period must end on or after its start.")
    if usage_end_date < usage_start_date:
        raise RunError("The usage period must end on or after its start.")
    if not (0 <= fixed_share_percent <= 100):
        raise RunError("The fixed share must be between 0% and 100%.")
    if estimate is not None:
        if estimate.contract_id != contract.pk:
            raise RunError("A true-up must be against an earlier run for the same contract.")
        if not estimate.frozen:
            raise RunError("A true-up must be against an approved run.")
    if tolerance_percent is not None:
        if estimate is None:
            raise RunError("A tolerance needs an estimate to true up against.")
        if tolerance_percent < 0:
            raise RunError("The tolerance cannot be negative.")
    run = ApportionmentRun(  # type: ignore[misc]
        contract=contract, title=title.strip(), total_cost=gbp(total_cost.amount),
        cost_start_date=cost_start_date, cost_end_date=cost_end_date, basis=basis,
        basis_label=basis_label.strip() or default_basis_label(basis=basis, start=usage_start_date, end=usage_end_date),
        usage_start_date=usage_start_date, usage_end_date=usage_end_date,
        fixed_share_percent=Decimal(fixed_share_percent).quantize(QUANTITY), estimate=estimate,
        tolerance_percent=None if tolerance_percent is None else Decimal(tolerance_percent).quantize(QUANTITY),
        status=RunStatus.DRAFT, created_by=by if getattr(by, "pk", None) else None, created_at=now,
    )
    run.full_clean(exclude=["status", "created_by"])
    run._history_user = by  # type: ignore[attr-defined]
    run.save()
    if basis_contracts:
        run.basis_contracts.set(basis_contracts)
    ApportionmentRunStatusChange.objects.create(
        run=run, from_status="", to_status=run.status, changed_by=run.created_by, changed_at=now
    )
    return run


def _locked_run(run: ApportionmentRun) -> ApportionmentRun:
    return ApportionmentRun.objects.select_for_update().select_related("contract").get(pk=run.pk)


def _explanation(*, name: str, weight: Decimal, weight_total: Decimal, label: str, fixed_percent: Decimal,
                 parties: int, usage_share: Fraction | None) -> str:
    text = f"{name}: {number_text(weight)} of {number_text(weight_total)} {label}"
    if usage_share is not None:
        text += f" = {percent_text(usage_share)}"
    if fixed_percent > 0:
        if fixed_percent >= 100:
            return f"{name}: an equal share (1 of {parties}) of the whole cost"
        text += f" of the {number_text(100 - fixed_percent)}% shared by usage, plus 1/{parties} of the " \
                f"{number_text(fixed_percent)}% shared equally"
    return text


def _usage_watermark() -> int:
    """The highest usage record id, every record up to it committed and none to come below it. On PostgreSQL,
    `LOCK ... IN SHARE MODE` waits for the transactions inserting usage to commit and holds new inserts until
    this transaction ends (ids come from a sequence: a record inserted later has a higher id). SQLite, the demo
    database, has one writer at a time."""
    table = connection.ops.quote_name(UsageRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0] or 0)


@transaction.atomic
def run_calculate(*, run: ApportionmentRun, by: Any, now: datetime) -> ApportionmentRun:
    """Weigh each party by its usage in the usage period, split the cost penny-exactly, and freeze every input
    on the run: the names, the dates, and the usage counted, as a watermark (the highest usage record id; usage
    records are append-only, so the records up to it never change). A calculated run may be calculated again
    (before approval): its watermark moves."""
    run = _locked_run(run)
    if run.frozen:
        raise InvalidTransition("An approved run is frozen: it cannot be calculated again.")
    contract = run.contract
    parties = sorted(contract.parties.all(), key=lambda a: a.name)
    if not parties:
        raise RunError(f"Contract {contract.reference} has no party authorities.")
    sources = run_sources(run)
    run.usage_watermark = _usage_watermark()
    counted = run_usage(run=run, sources=sources).filter(authority__in=[a.pk for a in parties])
    weights: dict[int, Decimal] = {a.pk: Decimal("0.00") for a in parties}
    usage_count = 0
    for row in counted.values("authority_id").annotate(total=Sum("quantity"), rows=Count("id")).order_by():
        # PostgreSQL sums numeric(14,2) exactly; the quantize only matters on SQLite, which sums REALs.
        weights[row["authority_id"]] = Decimal(row["total"]).quantize(QUANTITY, rounding=ROUND_HALF_UP)
        usage_count += row["rows"]
    weight_total = sum(weights.values(), Decimal("0.00"))
    fixed = run.fixed_share_percent
    if weight_total == 0 and fixed < 100:
        raise RunError(
            f"No {UsageMeasure(run.basis).label.lower()} were recorded between {long_date(run.usage_start_date)} and "
            f"{long_date(run.usage_end_date)}: there is nothing to share by."
        )
    # Keyed by name (unique, and the order of the lines and of the spreadsheet rows), so a tie of remainders
    # goes to the authority listed first, as the spreadsheet's formulas also decide it.
    by_name = {a.name: weights[a.pk] for a in parties}
    named_parts = apportion_with_fixed_share(run.total_cost, by_name, fixed_percent=fixed)
    parts = {a.pk: named_parts[a.name] for a in parties}
    named_shares = exact_shares(by_name) if weight_total else {}
    shares = {a.pk: named_shares[a.name] for a in parties if a.name in named_shares}
    adjustments: dict[int, Money] = {}
    estimates: dict[int, Money] = {}
    if run.estimate_id:
        estimates = {line.authority_id: line.amount for line in run.estimate.lines.all()}  # type: ignore[union-attr]
        actual = {pk: parts[pk][0] + parts[pk][1] for pk in weights}
        adjustments = true_up(estimate=estimates, actual=actual,
                              tolerance_percent=run.tolerance_percent or Decimal(0))

    run.lines.all().delete()
    run.usage_lines.all().delete()  # a run calculated before the watermark: its frozen copy goes
    lines = []
    for position, authority in enumerate(parties):
        fixed_part, usage_part = parts[authority.pk]
        lines.append(ApportionmentLine(  # type: ignore[misc]
            run=run, authority=authority, authority_name=authority.name, weight=weights[authority.pk],
            fixed_amount=fixed_part, usage_amount=usage_part, amount=fixed_part + usage_part,
            estimate_amount=estimates.get(authority.pk, zero()) if run.estimate_id else None,
            adjustment=adjustments.get(authority.pk) if run.estimate_id else None,
            explanation=_explanation(
                name=authority.name, weight=weights[authority.pk], weight_total=weight_total, label=run.basis_label,
                fixed_percent=fixed, parties=len(parties), usage_share=shares.get(authority.pk),
            )[:300],
            position=position,
        ))
    bulk_create_with_history(lines, ApportionmentLine, default_user=by if getattr(by, "pk", None) else None)
    run.weight_total = weight_total
    run.inputs = {
        "contract_reference": contract.reference, "contract_title": contract.title,
        "provider": str(contract.provider), "lead_authority_id": contract.lead_authority_id,
        "lead_authority": str(contract.lead_authority), "basis": run.basis, "basis_label": run.basis_label,
        "basis_contracts": [c.reference for c in sources], "usage_records": usage_count,
        "basis_contract_ids": [c.pk for c in sources], "usage_watermark": run.usage_watermark,
        "usage_period": [run.usage_start_date.isoformat(), run.usage_end_date.isoformat()],
        "cost_period": [run.cost_start_date.isoformat(), run.cost_end_date.isoformat()],
        "total_cost": str(run.total_cost.amount), "fixed_share_percent": str(fixed),
        "tolerance_percent": None if run.tolerance_percent is None else str(run.tolerance_percent),
        "estimate_run": run.estimate_id, "parties": [{"id": a.pk, "name": a.name} for a in parties],
        "calculated_at": now.isoformat(),
    }
    before = run.status
    run.calculate()
    run.calculated_by = by if getattr(by, "pk", None) else None
    run.calculated_at = now
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "weight_total", "usage_watermark", "inputs", "calculated_by", "calculated_at"])
    _log_run(run, before, by=by, now=now)
    return run


@transaction.atomic
def run_approve(*, run: ApportionmentRun, by: Any, now: datetime) -> ApportionmentRun:
    """Approve a calculated run: from now on it is frozen. The approver is neither the person who set it up (the
    cost and the basis) nor the person who calculated it; a run the system calculated (`manage.py apportion
    --save`) is recalculated by a named person first, so that there is a maker to check."""
    run = _locked_run(run)
    if run.status != RunStatus.CALCULATED:
        raise InvalidTransition(
            f"Only a calculated run can be approved; this one is {run.get_status_display().lower()}."
        )
    if run.calculated_by_id is None:
        raise InvalidTransition("The system calculated this run: calculate it again on its page, then someone "
                                "else approves it.")
    if getattr(by, "pk", None) in (run.calculated_by_id, run.created_by_id):
        raise InvalidTransition("Someone other than the people who set up and calculated the run must approve it.")
    before = run.status
    run.approve()
    run.approved_by = by
    run.approved_at = now
    run.inputs = {**run.inputs, "approved_by": str(by) if by else "", "approved_on": f"{long_date(now)}".lstrip("0")}
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "approved_by", "approved_at", "inputs"])
    _log_run(run, before, by=by, now=now)
    return run


def recharge_amount(*, run: ApportionmentRun, line: ApportionmentLine) -> Money:
    """What the lead recovers from a partner: its share, or for a true-up run only the adjustment."""
    if run.estimate_id:
        return line.adjustment if line.adjustment is not None else zero()
    return line.amount


@transaction.atomic
def run_recharge(*, run: ApportionmentRun, by: Any, now: datetime, today: date) -> ApportionmentRun:
    """Post the recharges in the lead authority's books: for each partner, Dr recharge receivable from that
    partner / Cr contract cost recovered. Each posting has its own key, so a retry posts nothing twice.
    Only a finance officer of the lead authority may post them (the page checks the same; tasks and commands
    come here without a page)."""
    run = _locked_run(run)
    if getattr(by, "role", None) != Role.FINANCE_OFFICER or not getattr(by, "is_active", False):
        raise InvalidTransition("Only a finance officer of the lead authority can post the recharges.")
    if run.contract.lead_authority_id not in authority_ids_for(by):
        raise InvalidTransition(
            f"Only a finance officer of {run.contract.lead_authority} (the lead authority) can post the recharges."
        )
    if run.status == RunStatus.RECHARGED:
        return run
    if run.status != RunStatus.APPROVED:
        raise InvalidTransition(
            f"Only an approved run can be recharged; this one is {run.get_status_display().lower()}."
        )
    lead = run.contract.lead_authority
    recovered = account_for(authority=lead, code=AccountCode.CONTRACT_COST_RECOVERED)
    for line in run.lines.select_related("authority").order_by("authority_id"):
        if line.authority_id == lead.pk:
            continue
        amount = recharge_amount(run=run, line=line)
        if amount.amount == 0:
            continue
        receivable = account_for(authority=lead, code=AccountCode.RECHARGE_RECEIVABLE, counterparty=line.authority)
        post(
            lines=[(receivable, amount), (recovered, -amount)],
            memo=f"Recharge to {line.authority_name}: {run.contract.reference} {run.title}"[:255],
            idempotency_key=f"contracts.apportionmentrun:{run.pk}:recharge:{line.authority_id}",
            transaction_date=today, by=by, source=run, now=now, for_authority=lead,
        )
    before = run.status
    run.recharge()
    run.recharged_at = now
    run.recharge_date = today
    run._history_user = by  # type: ignore[attr-defined]
    run.save(update_fields=["status", "recharged_at", "recharge_date"])
    _log_run(run, before, by=by, now=now)
    return run
