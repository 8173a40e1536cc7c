"""Ledger concurrency benchmark: worker processes posting balanced transactions at once against PostgreSQL.

Run it against a throwaway PostgreSQL (the script migrates the empty database itself):

    cd /work/main
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/ledger_concurrency.py
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/ledger_concurrency.py --workers 8 --posts 1000

Two rounds in the same run, on the same database: a baseline with ONE worker, then --workers (default 8) worker
processes at once, each making --posts postings through `ledger.services.post` (its own process and connection).
Each worker also
- retries every fifth posting with the same key (a Celery retry, a double click): nothing must be written twice;
- posts --shared postings whose keys every worker uses at the same moment: each must be written exactly once.

It prints transactions/second for both rounds and their ratio, then checks that none was lost or doubled:
the number of transactions per round, entries = 2 x transactions, each account's balance against the expected
total, and `check_ledger` (every transaction sums to zero). It exits 1 if any check fails.
Timings depend on the machine and on whatever else runs on it: read the ratio, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _setup() -> None:
    import django

    django.setup()


def amount_for(index: int) -> Decimal:
    return Decimal(index % 97 + 1) + Decimal("0.25")


def worker(run: str, number: int, posts: int, shared: int, authority_id: int, barrier) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Post `posts` own transactions (every fifth retried) and the `shared` ones; return (calls, retries)."""
    _setup()
    from datetime import date

    from django.db import connection
    from moneyed import Money

    from ledger.models import Account, AccountCode
    from ledger.services import post

    bank = Account.objects.get(authority_id=authority_id, code=AccountCode.BANK, counterparty=None)
    income = Account.objects.get(authority_id=authority_id, code=AccountCode.ASF_INCOME, counterparty=None)
    connection.close()
    barrier.wait()
    calls = retries = 0

    def one(key: str, value: Decimal) -> None:
        post(lines=[(bank, Money(value, "GBP")), (income, Money(-value, "GBP"))], memo="bench",
             idempotency_key=key, transaction_date=date(2026, 4, 1))

    for index in range(posts):
        if index < shared:
            one(f"{run}:shared:{index}", amount_for(index))
            calls += 1
        key = f"{run}:w{number}:{index}"
        one(key, amount_for(index))
        calls += 1
        if index % 5 == 0:
            one(key, amount_for(index))
            calls += 1
            retries += 1
    connection.close()
    return calls, retries


def run_round(run: str, workers: int, posts: int, shared: int, authority_id: int) -> dict:
    context = mp.get_context("spawn")
    barrier = context.Manager().Barrier(workers + 1)
    with context.Pool(workers) as pool:
        pending = [pool.apply_async(worker, (run, n, posts, shared, authority_id, barrier)) for n in range(workers)]
        barrier.wait()
        started = time.perf_counter()
        results = [p.get() for p in pending]
        elapsed = time.perf_counter() - started
    written_expected = workers * posts + shared
    return {
        "run": run,
        "workers": workers,
        "calls": sum(c for c, _ in results),
        "retries": sum(r for _, r in results),
        "expected": written_expected,
        "seconds": elapsed,
        "tps": written_expected / elapsed,
    }


def check(result: dict, posts: int, shared: int) -> list[str]:
    from django.db.models import Count, Sum

    from ledger.models import Entry, Transaction

    problems = []
    mine = Transaction.objects.filter(idempotency_key__startswith=result["run"] + ":")
    got = mine.count()
    if got != result["expected"]:
        problems.append(f"{result['run']}: {got} transactions written, expected {result['expected']}")
    entries = Entry.objects.filter(transaction__in=mine).aggregate(n=Count("id"))
    if entries["n"] != 2 * result["expected"]:
        problems.append(f"{result['run']}: {entries['n']} entries, expected {2 * result['expected']}")
    expected_debits = result["workers"] * sum(amount_for(i) for i in range(posts)) + sum(
        amount_for(i) for i in range(shared)
    )
    debits = Entry.objects.filter(transaction__in=mine, amount__gt=0).aggregate(t=Sum("amount"))["t"]
    if debits != expected_debits:
        problems.append(f"{result['run']}: bank debits {debits}, expected {expected_debits}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--posts", type=int, default=500, help="own postings per worker")
    parser.add_argument("--shared", type=int, default=20, help="postings every worker makes with the same keys")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Run it through scripts/with_services.py: it needs PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from ledger.models import Account, Transaction
    from ledger.selectors import balance, unbalanced_transactions
    from ledger.services import chart_ensure
    from organisations.models import Authority

    call_command("migrate", verbosity=0)
    authority, _ = Authority.objects.get_or_create(short_code="bench", defaults={"name": "Bench", "ons_code": "E99"})
    chart_ensure(authority=authority)
    stamp = str(int(time.time()))
    connection.close()

    print(f"ledger concurrency: {args.posts} postings per worker (+1 retry in 5), {args.shared} shared keys")
    baseline = run_round(f"bench{stamp}:single", 1, args.posts, args.shared, authority.pk)
    print(f"  baseline, 1 worker:  {baseline['expected']} transactions in {baseline['seconds']:.2f}s "
          f"= {baseline['tps']:.0f} transactions/s ({baseline['calls']} calls, {baseline['retries']} retries)")
    concurrent = run_round(f"bench{stamp}:many", args.workers, args.posts, args.shared, authority.pk)
    print(f"  {args.workers} workers at once: {concurrent['expected']} transactions in {concurrent['seconds']:.2f}s "
          f"= {concurrent['tps']:.0f} transactions/s ({concurrent['calls']} calls, {concurrent['retries']} retries, "
          f"{args.shared * (args.workers - 1)} same-key races)")
    print(f"  ratio {args.workers} workers / 1 worker: {concurrent['tps'] / baseline['tps']:.2f}x "
          f"(on {os.cpu_count()} CPUs)")

    problems = check(baseline, args.posts, args.shared) + check(concurrent, args.posts, args.shared)
    bank = Account.objects.get(authority=authority, code="bank", counterparty=None)
    total_expected = sum(
        (r["workers"] * sum(amount_for(i) for i in range(args.posts)) + sum(amount_for(i) for i in range(args.shared))
         for r in (baseline, concurrent)),
        Decimal(0),
    )
    if balance(account=bank).amount != total_expected:
        problems.append(f"bank balance {balance(account=bank).amount}, expected {total_expected}")
    problems += [f"transaction {p['transaction_id']}: {p['problems']}" for p in unbalanced_transactions()]
    keys = Transaction.objects.filter(idempotency_key__startswith=f"bench{stamp}:").count()
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"  checked: {keys} transactions, none lost, none doubled; every transaction sums to zero; "
          f"bank balance {total_expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
