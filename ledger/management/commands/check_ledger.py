"""`manage.py check_ledger`: exits non-zero and names every transaction that does not balance."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.selectors import unbalanced_transactions


class Command(BaseCommand):
    help = "Check that every ledger transaction has two or more GBP entries summing to zero (per authority)."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = unbalanced_transactions()
        if not problems:
            self.stdout.write(self.style.SUCCESS("The ledger balances: every transaction sums to zero."))
            return
        for problem in problems:
            self.stderr.write(
                f"Transaction {problem['transaction_id']} (key {problem['idempotency_key']!r}): "
                + "; ".join(problem["problems"])
            )
        raise CommandError(f"{len(problems)} ledger transaction(s) do not balance.", returncode=1)
