"""Demo contracts: Barnardo's CAFIS 2016-18 (Kent lead, £752,550, four service elements) and its current re-let,
the Coram post-adoption contract (current dates, the therapy service types, Kent), each authority's inter-country
service agreement and a proposed central one; historic usage imported through the usage import (adoptions
2012-15: Kent 430, Medway 115, Bexley 70) so apportionments run: CAFIS's approved and recharged, the central
inter-country one calculated and waiting for approval. Everything goes through the services; idempotent (looked
up by natural key, usage imported by content, transitions only from the state before them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from moneyed import Money

from core.demo import DemoContext
from organisations.models import Authority, Provider, User
from support.models import ServiceType
from support.models.catalogue import ServiceCategory

from .models import (
    ApportionmentRun,
    Contract,
    ContractStatus,
    ContractYearValue,
    ExtensionOption,
    Kpi,
    KpiReturn,
    Pricing,
    ProcurementRoute,
    RunStatus,
    UsageMeasure,
)
from .rules import financial_year_of
from .services.monitoring import kpi_return_record
from .services.register import contract_activate, contract_create, contract_expire
from .services.runs import run_approve, run_calculate, run_create, run_recharge
from .services.usage_import import usage_import

CAFIS_ELEMENTS = [
    ("Birth parent support and counselling", ["birth-parent-support"]),
    ("Access to birth records and intermediary services for adult adoptees", ["adult-adoptee-records"]),
    ("Access to information and intermediary services for birth relatives", ["birth-relative-intermediary"]),
    ("Direct and letterbox contact", ["direct-letterbox-contact"]),
]
ADOPTIONS_2012_15 = {"kent": (140, 145, 145), "medway": (38, 38, 39), "bexley": (23, 23, 24)}  # 430, 115, 70


def _gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _types(codes: list[str]) -> list[ServiceType]:
    return list(ServiceType.objects.filter(code__in=codes))


def _contract(ctx: DemoContext, *, by: Any, reference: str, parties: list[Authority],
              elements: list[tuple[str, list[str]]], **fields: Any) -> Contract:
    contract = Contract.objects.filter(reference=reference).first()
    if contract is None:
        contract = contract_create(
            by=by, now=_moment(fields["start_date"] - timedelta(days=30)), parties=parties,
            service_elements=[(name, _types(codes)) for name, codes in elements], reference=reference, **fields,
        )
        ctx.count("contracts", True)
    return contract


def _live(contract: Contract, *, by: Any, today: date) -> Contract:
    if contract.status == ContractStatus.PLANNED and contract.start_date <= today:
        contract = contract_activate(contract=contract, by=by, now=_moment(contract.start_date))
    if contract.status in (ContractStatus.ACTIVE, ContractStatus.EXTENDED) and contract.end_date < today:
        contract = contract_expire(contract=contract, by=by, today=contract.end_date + timedelta(days=1),
                                            now=_moment(contract.end_date + timedelta(days=1)))
    return contract


def _quarter_end(year: int, quarter: int) -> date:
    return {1: date(year, 6, 30), 2: date(year, 9, 30), 3: date(year, 12, 31), 4: date(year + 1, 3, 31)}[quarter]


def _last_quarters(today: date, count: int) -> list[tuple[int, int]]:
    """The last `count` financial-year quarters that ended at least 15 days before today, oldest first."""
    year, quarter = financial_year_of(today), 4
    out: list[tuple[int, int]] = []
    while len(out) < count:
        if _quarter_end(year, quarter) + timedelta(days=15) <= today:
            out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(out))


def _year_values(contract: Contract, values: dict[int, str]) -> None:
    for year, amount in values.items():
        ContractYearValue.objects.get_or_create(contract=contract, financial_year=year,
                                                defaults={"value": _gbp(amount)})


def seed(ctx: DemoContext) -> None:
    authorities = {a.short_code: a for a in Authority.objects.filter(short_code__in=["kent", "medway", "bexley"])}
    providers = {p.name: p for p in Provider.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__in=[
        "raa.lead_commissioner", "kent.finance_officer", "raa.finance_officer", "kent.lead_commissioner"])}
    needed = ["Coram", "Barnardo's CAFIS", "Intercountry Adoption Centre"]
    if len(authorities) < 3 or any(n not in providers for n in needed) or len(users) < 4:
        ctx.say("Contracts demo skipped: the demo authorities, providers or users are missing.")
        return
    kent, medway, bexley = authorities["kent"], authorities["medway"], authorities["bexley"]
    commissioner, today = users["raa.lead_commissioner"], ctx.today
    fy = financial_year_of(today)
    everyone = [kent, medway, bexley]

    cafis = _contract(
        ctx, by=commissioner, reference="KCC-CAFIS-2016", parties=everyone, elements=CAFIS_ELEMENTS,
        title="Connecting Adoptive Families Independent Service (CAFIS)", provider=providers["Barnardo's CAFIS"],
        lead_authority=kent, procurement_route=ProcurementRoute.BLOCK, pricing=Pricing.BLOCK_SUM,
        start_date=date(2016, 4, 1), end_date=date(2018, 3, 31), total_value=_gbp("752550.00"),
        capacity_per_year=240, capacity_measure=UsageMeasure.REFERRALS,
        description="Independent birth family and adult adoptee services for Kent, Medway and Bexley.",
    )
    _year_values(cafis, {2016: "376275.00", 2017: "376275.00"})
    cafis = _live(cafis, by=commissioner, today=today)

    relet = _contract(
        ctx, by=commissioner, reference=f"KCC-CAFIS-{fy - 1}", parties=everyone, elements=CAFIS_ELEMENTS,
        title="CAFIS (re-let)", provider=providers["Barnardo's CAFIS"], lead_authority=kent,
        procurement_route=ProcurementRoute.BLOCK, pricing=Pricing.BLOCK_SUM, start_date=date(fy - 1, 4, 1),
        end_date=date(fy + 1, 3, 31), total_value=_gbp("810000.00"), capacity_per_year=240,
        capacity_measure=UsageMeasure.REFERRALS,
    )
    _year_values(relet, {fy - 1: "270000.00", fy: "270000.00", fy + 1: "270000.00"})
    relet = _live(relet, by=commissioner, today=today)

    therapy_codes = list(ServiceType.objects.filter(
        category__in=[ServiceCategory.THERAPY, ServiceCategory.SPECIALIST_ASSESSMENT]).values_list("code", flat=True))
    coram = _contract(
        ctx, by=commissioner, reference=f"KCC-CORAM-PAS-{fy - 1}", parties=[kent],
        elements=[("Multi-disciplinary therapeutic support", therapy_codes),
                  ("Psychology through the clinic partner", ["psychotherapy", "specialist-assessment"])],
        title="Kent post-adoption support (Coram)", provider=providers["Coram"], lead_authority=kent,
        procurement_route=ProcurementRoute.FRAMEWORK_CALL_OFF, pricing=Pricing.PER_SESSION,
        unit_price=_gbp("95.00"), start_date=date(fy - 1, 4, 1), end_date=date(fy + 1, 9, 30),
        total_value=_gbp("450000.00"), capacity_per_year=120, capacity_measure=UsageMeasure.REFERRALS,
        description="Multi-disciplinary therapy funded through the Adoption Support Fund.",
    )
    coram = _live(coram, by=commissioner, today=today)
    ExtensionOption.objects.get_or_create(contract=coram, length_months=12,
                                          defaults={"decision_by_date": date(fy + 1, 3, 31)})
    kpi, _ = Kpi.objects.get_or_create(
        contract=coram, name="First session within 20 working days",
        defaults={"definition": "Share of accepted referrals whose first session is within 20 working days",
                  "target": Decimal("85.00")},
    )
    for (year, quarter), value in zip(_last_quarters(today, 4), ("88.00", "81.50", "86.00", "79.00"), strict=True):
        if not KpiReturn.objects.filter(kpi=kpi, financial_year=year, quarter=quarter).exists():
            kpi_return_record(kpi=kpi, financial_year=year, quarter=quarter, value=Decimal(value),
                                       submitted_date=_quarter_end(year, quarter) + timedelta(days=15),
                                       by=commissioner)
            ctx.count("KPI returns", True)

    agreements = {}
    for code, authority in authorities.items():
        agreement = _contract(
            ctx, by=commissioner, reference=f"ICA-{code.upper()}", parties=[authority], elements=[
                ("Inter-country adoption advice and consultation", ["intercountry-advice"]),
                ("Inter-country post-adoption support", ["intercountry-post-adoption"])],
            title=f"Inter-country adoption service agreement ({authority.name})",
            provider=providers["Intercountry Adoption Centre"], lead_authority=authority,
            procurement_route=ProcurementRoute.SERVICE_AGREEMENT, pricing=Pricing.BLOCK_SUM,
            start_date=date(2012, 4, 1), end_date=date(fy + 1, 3, 31), total_value=_gbp("28000.00"),
        )
        agreements[code] = _live(agreement, by=commissioner, today=today)
    central = _contract(
        ctx, by=commissioner, reference="APSE-ICA-CENTRAL", parties=everyone, elements=[
            ("Inter-country adoption advice and consultation", ["intercountry-advice"]),
            ("Inter-country post-adoption support", ["intercountry-post-adoption"])],
        title="Central inter-country adoption agreement (proposed)",
        provider=providers["Intercountry Adoption Centre"], lead_authority=kent,
        procurement_route=ProcurementRoute.SERVICE_AGREEMENT, pricing=Pricing.BLOCK_SUM,
        start_date=date(fy + 1, 4, 1), end_date=date(fy + 4, 3, 31), total_value=_gbp("18000.00"),
    )

    # The partnership's finance officer: the file holds every authority's usage, on contracts each of them leads.
    _import_usage(ctx, by=users["raa.finance_officer"], coram=coram, relet=relet, agreements=agreements)

    basis = {"basis": UsageMeasure.CHILDREN, "basis_label": "adoptions 2012-15",
             "basis_contracts": list(agreements.values()), "usage_start_date": date(2012, 4, 1),
             "usage_end_date": date(2015, 3, 31)}
    _run(ctx, contract=cafis, title="CAFIS 2016-18 by adoptions 2012-15", total=cafis.total_value,
         start=cafis.start_date, end=cafis.end_date, maker=commissioner, checker=users["kent.finance_officer"],
         finish=RunStatus.RECHARGED, when=date(2018, 4, 30), **basis)
    _run(ctx, contract=central, title="Central inter-country agreement by adoptions 2012-15",
         total=central.total_value, start=central.start_date, end=central.end_date, maker=commissioner,
         checker=users["kent.finance_officer"], finish=RunStatus.CALCULATED, when=today, **basis)


def _import_usage(ctx: DemoContext, *, by: User, coram: Contract, relet: Contract,
                  agreements: dict[str, Contract]) -> None:
    rows = ["contract_reference,authority,usage_date,measure,quantity"]
    for code, per_year in ADOPTIONS_2012_15.items():
        for offset, count in enumerate(per_year):
            rows.append(f"{agreements[code].reference},{code},{2012 + offset}-09-30,children,{count}")
    # Last financial year, month by month: fixed for the year, so seeding again on another day adds nothing.
    year = financial_year_of(ctx.today) - 1
    for month in range(12):
        day = date(year + (month + 3) // 12, (month + 3) % 12 + 1, 15)
        if coram.covers(day):
            rows.append(f"{coram.reference},kent,{day.isoformat()},referrals,{3 + month % 4}")
            rows.append(f"{coram.reference},kent,{day.isoformat()},spend,{2400 + 150 * (month % 5)}.00")
        if relet.covers(day):
            for code, count in (("kent", 9), ("medway", 3), ("bexley", 2)):
                rows.append(f"{relet.reference},{code},{day.isoformat()},referrals,{count + month % 3}")
    report = usage_import(content=("\n".join(rows) + "\n").encode(), file_name="historic-usage-demo.csv",
                                   by=by, now=_moment(ctx.today), dry_run=False)
    for _ in range(report.new_rows):
        ctx.count("usage records", True)


def _run(ctx: DemoContext, *, contract: Contract, title: str, total: Money, start: date, end: date, maker: User,
         checker: User, finish: str, when: date, **basis: Any) -> None:
    run = ApportionmentRun.objects.filter(contract=contract, title=title).first()
    if run is None:
        run = run_create(contract=contract, title=title, total_cost=total, cost_start_date=start,
                                  cost_end_date=end, by=maker, now=_moment(when), **basis)
        ctx.count("apportionment runs", True)
    if run.status == RunStatus.DRAFT:
        run = run_calculate(run=run, by=maker, now=_moment(when))
    if finish in (RunStatus.APPROVED, RunStatus.RECHARGED) and run.status == RunStatus.CALCULATED:
        run = run_approve(run=run, by=checker, now=_moment(when))
    if finish == RunStatus.RECHARGED and run.status == RunStatus.APPROVED:
        run_recharge(run=run, by=checker, now=_moment(when), today=when)
