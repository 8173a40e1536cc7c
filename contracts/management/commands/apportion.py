"""Split a contract's cost between its parties by their usage, print the split, optionally write the workbook.

    python manage.py apportion CAFIS-2016 --period 2016-04-01:2018-03-31 --basis children \\
        --usage-period 2012-04-01:2015-03-31 --basis-label "adoptions 2012-15" --xlsx cafis.xlsx

Nothing is kept unless --save is given (then the run stays, calculated, for approval on the run's page)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from contracts.models import Contract, UsageMeasure
from contracts.services.errors import ContractError
from contracts.services.run_spreadsheets import run_spreadsheet_bytes
from contracts.services.runs import run_calculate, run_create
from core.money import format_gbp, gbp


class Rollback(Exception):
    pass


def period(text: str) -> tuple[date, date]:
    try:
        start, end = (date.fromisoformat(part.strip()) for part in text.split(":"))
    except ValueError as exc:
        raise CommandError(f"“{text}” is not a period: use START:END, for example 2016-04-01:2018-03-31.") from exc
    if end < start:
        raise CommandError(f"The period {text} ends before it starts.")
    return start, end


class Command(BaseCommand):
    help = "Apportion a contract's cost between its parties by usage and print the split."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("contract_ref")
        parser.add_argument("--period", required=True, help="The cost period, START:END (ISO dates, inclusive)")
        parser.add_argument("--basis", required=True, choices=UsageMeasure.values)
        parser.add_argument("--usage-period", required=True, help="The usage counted, START:END")
        parser.add_argument("--total", help="The cost to share in pounds (default: the contract's total value)")
        parser.add_argument("--basis-label", default="", help='How the basis reads, e.g. "adoptions 2012-15"')
        parser.add_argument("--basis-contract", action="append", default=[],
                            help="Count the usage of this contract instead (repeat for several)")
        parser.add_argument("--fixed-share", default="0", help="Percentage shared equally first, e.g. 20")
        parser.add_argument("--xlsx", help="Write the spreadsheet to this path")
        parser.add_argument("--save", action="store_true", help="Keep the calculated run")

    def handle(self, *args: Any, **options: Any) -> None:
        contract = Contract.objects.filter(reference__iexact=options["contract_ref"]).first()
        if contract is None:
            raise CommandError(f"There is no contract “{options['contract_ref']}”.")
        cost_start, cost_end = period(options["period"])
        usage_start, usage_end = period(options["usage_period"])
        basis_contracts = []
        for reference in options["basis_contract"]:
            found = Contract.objects.filter(reference__iexact=reference).first()
            if found is None:
                raise CommandError(f"There is no contract “{reference}”.")
            basis_contracts.append(found)
        try:
            total = gbp(options["total"]) if options["total"] else contract.total_value
            fixed = Decimal(options["fixed_share"])
        except InvalidOperation as exc:
            raise CommandError("The total and the fixed share must be numbers.") from exc
        now = timezone.now()
        try:
            with transaction.atomic():
                run = run_create(
                    contract=contract, title=f"{cost_start:%b %Y} to {cost_end:%b %Y} by {options['basis']}",
                    total_cost=total, cost_start_date=cost_start, cost_end_date=cost_end, basis=options["basis"],
                    basis_label=options["basis_label"], basis_contracts=basis_contracts,
                    usage_start_date=usage_start, usage_end_date=usage_end, fixed_share_percent=fixed,
                    by=None, now=now,
                )
                run = run_calculate(run=run, by=None, now=now)
                self.print_split(run)
                if options["xlsx"]:
                    Path(options["xlsx"]).write_bytes(run_spreadsheet_bytes(run=run))
                    self.stdout.write(f"Spreadsheet written to {options['xlsx']}")
                if not options["save"]:
                    raise Rollback
                self.stdout.write(f"Run {run.pk} kept (calculated by the system): a finance officer calculates it "
                                  "again on its page, then someone else approves it.")
        except Rollback:
            pass
        except ContractError as exc:
            raise CommandError(str(exc)) from exc

    def print_split(self, run: Any) -> None:
        self.stdout.write(f"{run.contract.reference}: {run.contract.title}")
        self.stdout.write(f"Cost to share {format_gbp(run.total_cost)}, {run.cost_start_date} to {run.cost_end_date}")
        lines = list(run.lines.order_by("position"))
        width = max(len(line.authority_name) for line in lines)
        for line in lines:
            self.stdout.write(f"  {line.authority_name:<{width}}  {format_gbp(line.amount):>16}  {line.explanation}")
        total = sum((line.amount for line in lines), gbp("0"))
        self.stdout.write(f"  {'Total':<{width}}  {format_gbp(total):>16}")
