"""`manage.py export_journal --authority kent --to 2026-06-30 --layout generic PATH`: make a journal batch of every
posting of the authority not yet exported, up to the date, and write its file to PATH. Refusals (an unknown
authority or layout, a cut-off in the future, nothing to export, unmapped accounts) exit non-zero, and nothing is
written: neither the batch nor the file."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ledger.journals import services
from ledger.journals.layouts import LAYOUTS
from organisations.models import Authority


class Command(BaseCommand):
    help = "Export a journal batch of an authority's postings up to a date, in a finance system's layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority", required=True, help="The authority's short code, for example kent")
        parser.add_argument("--to", required=True, help="The cut-off date, YYYY-MM-DD (postings on or before it)")
        parser.add_argument("--layout", required=True, help=f"One of: {', '.join(sorted(LAYOUTS))}")
        parser.add_argument("path", help="Where to write the file")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = Authority.objects.filter(short_code=options["authority"].strip().lower()).first()
        if authority is None:
            raise CommandError(f"There is no authority with the short code {options['authority']!r}.")
        try:
            cut_off = date.fromisoformat(options["to"])
        except ValueError as exc:
            raise CommandError(f"--to must be a date written YYYY-MM-DD, not {options['to']!r}.") from exc
        path = Path(options["path"])
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        try:
            batch = services.batch_export(authority=authority, cut_off_date=cut_off, layout=options["layout"],
                                          by=None, today=timezone.localdate(), now=timezone.now())
        except services.JournalError as exc:
            raise CommandError(str(exc)) from exc
        with batch.file.open("rb") as stored:
            path.write_bytes(stored.read())
        self.stdout.write(f"Journal {batch.reference}: {batch.line_count} postings, debits {batch.total_debit.amount}"
                          f" = credits {batch.total_credit.amount}, written to {path} (SHA-256 {batch.file_sha256})")
