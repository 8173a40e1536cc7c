"""Every read that a page, export or another app needs from contracts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from moneyed import Money

from core import wording
from core.dates import long_date
from core.models import BackgroundJob
from core.money import format_gbp, gbp, zero
from organisations.models import RegistrationCheck
from organisations.scoping import authority_ids_for
from support.rules import IMPROVED, SAME, WORSE
from support.selectors import outcome_changes

from .apportionment import number_text
from .models import (
    PRICING_MEASURE,
    ApportionmentLine,
    ApportionmentRun,
    ApportionmentUsageLine,
    Contract,
    ContractStatus,
    Kpi,
    ServiceElement,
    UsageMeasure,
    UsageRecord,
)
from .rules import add_months, financial_year_label, financial_year_of
from .spreadsheets import RunSheet, SheetLine


def contracts_for_routing(*, on_date: date) -> QuerySet[Contract]:
    """Contracts live on `on_date` (active or extended, inside their dates), with their elements, service
    types, parties and the provider's registration checks prefetched: routing reads them without queries."""
    return (
        Contract.objects.live_on(on_date)
        .select_related("provider", "lead_authority")
        .prefetch_related(
            Prefetch("elements", queryset=ServiceElement.objects.prefetch_related("service_types")),
            "parties",
            Prefetch("provider__registration_checks", queryset=RegistrationCheck.objects.all()),
        )
        .order_by("reference")
    )


def usage_count(*, contract: Contract, on_date_from: date, on_date_to: date, measure: str) -> Decimal:
    """The quantity of `measure` recorded against `contract` between the two dates, both included."""
    total = UsageRecord.objects.filter(
        contract=contract, measure=measure, usage_date__gte=on_date_from, usage_date__lte=on_date_to
    ).aggregate(total=Sum("quantity"))["total"]
    return total if total is not None else Decimal("0.00")


# ---- monitoring -----------------------------------------------------------------------------------------------

ENDING_SOON_MONTHS = 6


@dataclass
class Monitor:
    """One contract's monitoring figures, as plain data for a page or a panel."""

    contract: Contract
    value: Money
    spent: Money
    committed: Money
    commitment_basis: str
    units: dict[str, Decimal]
    year_usage: Decimal | None
    capacity: int | None
    days_elapsed: int
    days_total: int
    ending_soon: bool
    live: bool
    kpis: list[dict] = field(default_factory=list)

    @property
    def spent_percent(self) -> int:
        return _percent(self.spent.amount, self.value.amount)

    @property
    def committed_percent(self) -> int:
        return _percent(self.committed.amount, self.value.amount)

    @property
    def utilisation_percent(self) -> int | None:
        if not self.capacity or self.year_usage is None:
            return None
        return _percent(self.year_usage, Decimal(self.capacity))

    @property
    def elapsed_percent(self) -> int:
        return _percent(Decimal(self.days_elapsed), Decimal(self.days_total))

    @property
    def kpis_missed(self) -> int:
        return sum(1 for k in self.kpis if k["latest"] is not None and not k["met"])


def _percent(part: Decimal, whole: Decimal) -> int:
    if not whole:
        return 0
    return int((part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _usage_annotations(*, year_start: date, year_end: date) -> dict:
    out = {}
    for measure in UsageMeasure.values:
        out[f"total_{measure}"] = Sum("usage_records__quantity", filter=Q(usage_records__measure=measure))
        out[f"year_{measure}"] = Sum(
            "usage_records__quantity",
            filter=Q(usage_records__measure=measure, usage_records__usage_date__gte=year_start,
                     usage_records__usage_date__lte=year_end),
        )
    return out


def _monitor(contract: Contract, *, today: date) -> Monitor:
    units = {m: getattr(contract, f"total_{m}") or Decimal("0.00") for m in UsageMeasure.values}
    spent = gbp(units[UsageMeasure.SPEND])
    value = contract.total_value
    measure = PRICING_MEASURE.get(contract.pricing)
    if measure is None:
        committed, basis = value, "a block sum: the whole value is committed when the contract is signed"
    else:
        price = contract.unit_price or zero()
        committed = gbp(units[measure] * price.amount)
        basis = f"{number_text(units[measure])} {UsageMeasure(measure).label.lower()} at {format_gbp(price)}"
    year_usage = getattr(contract, f"year_{contract.capacity_measure}") or Decimal("0.00")
    days_total = (contract.end_date - contract.start_date).days + 1
    days_elapsed = min(max((today - contract.start_date).days + 1, 0), days_total)
    live = contract.status in (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
    ending_soon = live and today <= contract.end_date <= add_months(today, ENDING_SOON_MONTHS)
    kpis = []
    for kpi in contract.kpis.all():
        returns = sorted(kpi.returns.all(), key=lambda r: (r.financial_year, r.quarter))
        latest = returns[-1] if returns else None
        kpis.append({
            "name": kpi.name, "definition": kpi.definition, "target": kpi.target, "unit": kpi.get_unit_display(),
            "higher_is_better": kpi.higher_is_better, "latest": latest,
            "met": kpi.met_by(latest.value) if latest else None, "pk": kpi.pk,
            "returns": [{"period": f"{financial_year_label(r.financial_year)} Q{r.quarter}", "value": r.value,
                         "met": kpi.met_by(r.value), "submitted_date": r.submitted_date} for r in returns],
        })
    return Monitor(contract=contract, value=value, spent=spent, committed=committed, commitment_basis=basis,
                   units=units, year_usage=year_usage if contract.capacity_per_year else None,
                   capacity=contract.capacity_per_year, days_elapsed=days_elapsed, days_total=days_total,
                   ending_soon=ending_soon, live=live, kpis=kpis)


def _with_monitoring(queryset: QuerySet[Contract], *, today: date) -> QuerySet[Contract]:
    fy = financial_year_of(today)
    return (
        queryset.select_related("provider", "lead_authority")
        .prefetch_related("parties", Prefetch("kpis", queryset=Kpi.objects.prefetch_related("returns")))
        .annotate(**_usage_annotations(year_start=date(fy, 4, 1), year_end=date(fy + 1, 3, 31)))
    )


def contract_overview(*, user: Any, today: date) -> list[Monitor]:
    """Every contract the user may see, with its monitoring figures, in reference order."""
    visible = Contract.objects.for_user(user).values("pk")
    contracts = _with_monitoring(Contract.objects.filter(pk__in=visible), today=today).order_by("reference")
    return [_monitor(c, today=today) for c in contracts]


def contract_monitor(*, user: Any, pk: int, today: date) -> Monitor:
    """One contract's monitoring figures; Contract.DoesNotExist when the user may not see it."""
    visible = Contract.objects.for_user(user).values("pk")
    contract = _with_monitoring(Contract.objects.filter(pk__in=visible, pk=pk), today=today).prefetch_related(
        "elements__service_types", "extension_options", "year_values", "status_changes__changed_by"
    ).get()
    return _monitor(contract, today=today)


def contract_visible(*, user: Any, pk: int) -> Contract:
    return Contract.objects.for_user(user).select_related("lead_authority", "provider").get(pk=pk)


def usage_by_year(*, contract: Contract) -> list[dict]:
    """Usage per financial year, authority and measure (for the contract page's table)."""
    rows = (
        UsageRecord.objects.filter(contract=contract)
        .values("authority__name", "measure", "usage_date__year", "usage_date__month")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    out: dict[tuple[int, str, str], Decimal] = {}
    for row in rows:
        year = row["usage_date__year"] if row["usage_date__month"] >= 4 else row["usage_date__year"] - 1
        key = (year, row["authority__name"], row["measure"])
        out[key] = out.get(key, Decimal(0)) + row["total"]
    return [{"year": financial_year_label(y), "authority": a, "measure": UsageMeasure(m).label, "total": t}
            for (y, a, m), t in sorted(out.items())]


# ---- apportionment runs ---------------------------------------------------------------------------------------


def runs_for_user(*, user: Any) -> QuerySet[ApportionmentRun]:
    visible = ApportionmentRun.objects.for_user(user).values("pk")
    return (
        ApportionmentRun.objects.filter(pk__in=visible)
        .select_related("contract", "contract__lead_authority", "created_by", "approved_by")
        .order_by("-created_at", "-id")
    )


def run_for_user(*, user: Any, pk: int) -> ApportionmentRun:
    run = runs_for_user(user=user).prefetch_related("basis_contracts").get(pk=pk)
    return run


def run_lines(*, run: ApportionmentRun) -> list[ApportionmentLine]:
    return list(run.lines.select_related("authority").order_by("position"))


def run_sources(run: ApportionmentRun) -> list[Contract]:
    """The contracts whose usage a run weighs: its basis contracts, or none given, its own contract."""
    return list(run.basis_contracts.all()) or [run.contract]


def run_usage(*, run: ApportionmentRun, sources: list[Contract] | None = None,
              contract_ids: list[int] | None = None) -> Any:
    """The usage records a run weighs or weighed: its basis contracts' records of its measure in its usage period
    and, once calculated, up to its watermark (records are append-only, so a calculated run's records never
    change). The `usage_contract_meas_auth_dt_id` index covers this filter and the weights' sum."""
    if contract_ids is None:
        contract_ids = [c.pk for c in (sources if sources is not None else run_sources(run))]
    records = UsageRecord.objects.filter(
        contract__in=contract_ids, measure=run.basis,
        usage_date__gte=run.usage_start_date, usage_date__lte=run.usage_end_date,
    )
    if run.usage_watermark is not None:
        records = records.filter(id__lte=run.usage_watermark)
    return records


def run_sheet(*, run: ApportionmentRun) -> RunSheet:
    """The run's frozen inputs as the spreadsheet shows them: its frozen lines and inputs, and per authority the
    usage records it counted (append-only, read up to the run's watermark; a run calculated before the watermark
    reads the copy it froze)."""
    inputs = run.inputs or {}
    lines = [
        SheetLine(authority_id=line.authority_id, name=line.authority_name, weight=line.weight,
                  fixed_amount=line.fixed_amount.amount, usage_amount=line.usage_amount.amount,
                  amount=line.amount.amount, explanation=line.explanation)
        for line in run.lines.order_by("position")
    ]
    usage_start, usage_end = inputs.get("usage_period", [str(run.usage_start_date), str(run.usage_end_date)])
    cost_start, cost_end = inputs.get("cost_period", [str(run.cost_start_date), str(run.cost_end_date)])
    if run.frozen:
        status = f"Approved by {inputs.get('approved_by', '')} on {inputs.get('approved_on', '')}"
    else:
        status = "Calculated, not yet approved: the figures may change"
    facts = [
        ("Contract", f"{inputs.get('contract_reference', '')}: {inputs.get('contract_title', '')}"),
        ("Provider", inputs.get("provider", "")),
        ("Lead authority", inputs.get("lead_authority", "")),
        ("Cost to share", Decimal(inputs.get("total_cost", run.total_cost.amount))),
        ("Cost period", f"{_day(cost_start)} to {_day(cost_end)}"),
        ("Basis", f"{inputs.get('basis_label', run.basis_label)} "
                  f"({UsageMeasure(run.basis).label.lower()} on {', '.join(inputs.get('basis_contracts', []))})"),
        ("Usage period", f"{_day(usage_start)} to {_day(usage_end)}"),
        ("Fixed share, split equally", Decimal(inputs.get("fixed_share_percent", "0")) / 100),
        ("Status", status),
    ]

    if run.usage_watermark is None:
        # Calculated before usage records became append-only: the run froze a copy of the records it counted.
        def usage_rows(authority_id: int) -> Any:
            return (
                ApportionmentUsageLine.objects.filter(run=run, authority_id=authority_id)
                .order_by("usage_date", "id")
                .values_list("contract_reference", "usage_date", "quantity", "source_key")
                .iterator(chunk_size=5000)
            )

        usage_count = run.usage_lines.count()
    else:
        # The records themselves, up to the run's watermark: append-only, so the same rows the run counted.
        # The contracts' references as frozen at calculation (a contract's reference may be edited since).
        ids, references = inputs.get("basis_contract_ids", []), inputs.get("basis_contracts", [])
        reference_of = dict(zip(ids, references, strict=True))
        counted = run_usage(run=run, contract_ids=ids)

        def usage_rows(authority_id: int) -> Any:
            rows = (
                counted.filter(authority_id=authority_id)
                .order_by("usage_date", "id")
                .values_list("contract_id", "usage_date", "quantity", "source_key")
                .iterator(chunk_size=5000)
            )
            return ((reference_of[contract_id], day, quantity, key) for contract_id, day, quantity, key in rows)

        usage_count = int(inputs.get("usage_records", 0))

    return RunSheet(
        heading=f"Apportionment {run.pk}: {inputs.get('contract_reference', '')} {run.title}",
        facts=facts, total=run.total_cost.amount, fixed_percent=run.fixed_share_percent,
        measure_label=UsageMeasure(run.basis).label, timestamp=run.approved_at or run.calculated_at or run.created_at,
        lines=lines, usage_rows=usage_rows, usage_count=usage_count,
    )


def _day(iso: str) -> str:
    return long_date(date.fromisoformat(str(iso)))


def run_history(*, run: ApportionmentRun) -> list[wording.HistoryLine]:
    """The run's changes of state, oldest first, in plain words ("Split approved")."""
    changes = run.status_changes.select_related("changed_by").order_by("changed_at", "id")
    return [wording.history_line("contracts.apportionmentrun", from_state=c.from_status, to_state=c.to_status,
                                 when=c.changed_at, by=c.changed_by) for c in changes]


def run_jobs(*, run: ApportionmentRun) -> QuerySet[BackgroundJob]:
    return BackgroundJob.objects.filter(target=run_target(run)).order_by("-created_at")


def run_target(run: ApportionmentRun) -> str:
    return f"contracts.apportionmentrun:{run.pk}"


def usage_export_rows(*, queryset: QuerySet[UsageRecord] | None = None, chunk_size: int = 5000) -> Any:
    """Usage as plain tuples for the streaming export, read in chunks (server-side cursor on PostgreSQL)."""
    records = UsageRecord.objects.all() if queryset is None else queryset
    return (
        records.order_by("id")
        .values_list("contract__reference", "authority__short_code", "usage_date", "measure", "quantity",
                     "source_key")
        .iterator(chunk_size=chunk_size)
    )


# ---- the home page ---------------------------------------------------------------------------------------------


def last_completed_quarter(today: date) -> tuple[int, int]:
    """(financial year, quarter) of the last quarter that ended before `today` (quarter 1 is April to June)."""
    year = financial_year_of(today)
    quarter = (today.month - 4) % 12 // 3 + 1
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_end(financial_year: int, quarter: int) -> date:
    month = 3 + quarter * 3
    end_year = financial_year if month <= 12 else financial_year + 1
    month = month if month <= 12 else month - 12
    return add_months(date(end_year, month, 1), 1) - timedelta(days=1)


def monitoring_returns_due(monitors: list[Monitor], *, today: date) -> list[tuple[Monitor, str]]:
    """KPIs of live contracts that have no return for the last completed quarter (when the contract had started
    by the end of that quarter): (monitor, KPI name)."""
    year, quarter = last_completed_quarter(today)
    ended = quarter_end(year, quarter)
    due = []
    for m in monitors:
        if not m.live or m.contract.start_date > ended:
            continue
        for kpi in m.kpis:
            if not any(r["period"] == f"{financial_year_label(year)} Q{quarter}" for r in kpi["returns"]):
                due.append((m, kpi["name"]))
    return due


def latest_approved_run(*, user: Any) -> tuple[ApportionmentRun | None, list[ApportionmentLine]]:
    """The most recently approved apportionment the user may see (approved or recharged), with its lines."""
    run = (runs_for_user(user=user).filter(approved_at__isnull=False)
           .order_by("-approved_at", "-id").first())
    return run, (run_lines(run=run) if run else [])


def home_summary(*, user: Any, today: date) -> dict[str, Any]:
    """Counts and figures for the lead commissioner's and the finance officer's home page, in a fixed number of
    queries whatever the number of contracts and runs."""
    monitors = contract_overview(user=user, today=today)
    runs = runs_for_user(user=user)
    status_counts = dict(runs.values("status").annotate(n=Count("id")).order_by().values_list("status", "n"))
    run, lines = latest_approved_run(user=user)
    return {
        "monitors": monitors,
        "live": [m for m in monitors if m.live],
        "ending_soon": [m for m in monitors if m.ending_soon],
        "returns_due": monitoring_returns_due(monitors, today=today),
        "kpis_missed": [m for m in monitors if m.kpis_missed],
        "runs_calculated": status_counts.get("calculated", 0),
        "runs_approved": status_counts.get("approved", 0),
        "runs_draft": status_counts.get("draft", 0),
        "latest_run": run,
        "latest_lines": lines,
    }


def provider_outcomes(*, user: Any, contract: Contract, today: date) -> list[dict[str, Any]]:
    """Outcomes of support the contract's provider delivered that ended during the contract (to today), for the
    authorities of the contract the user may see: per measure, families improved, the same or worse (issue 23)."""
    parties = {contract.lead_authority_id, *contract.parties.values_list("pk", flat=True)}
    authorities = parties & set(authority_ids_for(user))
    rows = outcome_changes(authority_ids=authorities, start=contract.start_date,
                           end=min(today, contract.end_date) + timedelta(days=1), provider_ids=[contract.provider_id])
    families: dict[str, dict[int, str]] = {}
    for row in rows:
        families.setdefault(row.measure, {})[row.request_id] = row.change
    out = []
    for measure, changes in sorted(families.items()):
        counted = list(changes.values())
        out.append({"measure": measure, "improved": counted.count(IMPROVED), "same": counted.count(SAME),
                    "worse": counted.count(WORSE), "families": len(counted)})
    return out
