"""Import a case system's Standard Safeguarding Dataset (SSD) extract for one authority.

    python manage.py import_ssd --authority kent path/to/extract.zip --dry-run
    python manage.py import_ssd --authority kent path/to/folder

All or nothing: any error and nothing is written (the exit status is then 1, with every error listed as file,
line, field, value and reason). A dry run writes only its audit row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from organisations.models import Authority
from support.models.ssd import SsdImportStatus
from support.services.errors import NotPermitted
from support.ssd.reader import UnreadableExtract, open_path
from support.ssd.service import ssd_import


class Command(BaseCommand):
    help = "Import a case system's SSD extract (a folder or a zip of CSV files) for one authority."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A folder or a zip of the SSD's CSV files, one per table")
        parser.add_argument("--authority", required=True, help="The authority's short code, e.g. kent")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = Authority.objects.filter(short_code=options["authority"].lower()).first()
        if authority is None:
            raise CommandError(f"There is no authority with the short code “{options['authority']}”.")
        try:
            extract = open_path(options["path"])
            result = ssd_import(authority=authority, extract=extract, by=None, now=timezone.now(),
                                today=timezone.localdate(), dry_run=options["dry_run"])
        except (UnreadableExtract, NotPermitted) as error:
            raise CommandError(str(error)) from error
        plan, counts = result.plan, result.plan.counts()
        out = self.stdout
        out.write(f"SSD import {result.record.pk} for {authority.name}: {result.record.get_status_display()}")
        out.write(f"Extract {plan.source_name}, SHA-256 {plan.sha256}")
        out.write(f"Rows read: {counts['rows_total']:,} ({', '.join(f'{t} {n:,}' for t, n in plan.rows.items())})")
        out.write(f"To create: {counts['create']:,}; to update: {counts['update']:,}; unchanged: "
                  f"{counts['unchanged']:,}; ignored: {counts['ignored']:,}; unmatched: {counts['unmatched']:,}; "
                  f"errors: {counts['errors']:,}")
        for reason, number in sorted(plan.ignored.items()):
            out.write(f"  ignored: {number:,} {reason}")
        for line in plan.unmatched:
            out.write(f"Known to the case system, not yet known here: {line['person_id']}, {line['kind']} "
                      f"made on {line['order_date']}")
        for difference in plan.differences:
            out.write(f"Difference for {difference['person_id']} ({difference['child']}): "
                      f"{difference['field']} is {difference['extract']} in the extract; here {difference['record']}")
        for problem in plan.errors:
            self.stderr.write(f"{problem.file}, line {problem.line}, {problem.field or '-'} = “{problem.value}”: "
                              f"{problem.reason}")
        out.write(result.message())
        if result.status == SsdImportStatus.REFUSED:
            raise CommandError(f"Refused: {len(plan.errors)} error(s); nothing was imported.")
