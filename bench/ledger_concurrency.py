"""Ledger postings from 8 workers at once, against a raw psycopg loop writing the same rows, in the same run.

    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/ledger_concurrency.py
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/ledger_concurrency.py --workers 8 --posts 1000

Both rounds spread their postings over 3,000 accounts of 150 authorities (20 accounts each: the chart's 9 and 11
recharge sub-accounts), made once and reused by later runs, with the same plan drawn from a seeded random
generator: each posting takes one authority at random and two of its accounts, a debit and a credit of the same
random amount.

    raw   --workers processes, each on its own psycopg connection, each posting in one database transaction:
          INSERT the transaction row (RETURNING id), INSERT its two entry rows, COMMIT. The real tables, so the
          same constraints, foreign keys, unique key and deferred zero-sum triggers; nothing else.
    app   --workers processes through `ledger.services.post` (each on its own Django connection): the same rows,
          with everything the service adds (the checks in Python, the idempotency key's ON CONFLICT, the join to
          the accounts).
    races --workers processes through `post` again, not timed against anything: every worker posts --shared
          postings under the same keys at the same moment and posts each of its own twice (a retry).

It prints transactions/second for raw and app and their ratio (goal: app at least 0.3x raw), then checks each
round by delta, so a database that already holds postings (an earlier run, a generated dataset) is no problem:
the round's transactions (found by its own key prefix) are exactly the planned ones, each with two entries,
each summing to zero, each account's entries are the planned amounts, and each bench account's balance moved by
exactly the planned amount over the whole run. It exits 1 if any check fails. `--json PATH` writes the figures.
Timings depend on the machine and on whatever else runs on it: read the ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

AUTHORITIES = 150
SUB_ACCOUNTS = 11  # recharge receivable from each of the next 11 authorities: 9 + 11 = 20 accounts each
CODE_PREFIX = "bench-ledger-"

#: One planned posting: (debit account id, credit account id, amount in pence).
Plan = list[tuple[int, int, int]]


def _setup() -> None:
    import django

    django.setup()


def _conninfo() -> str:
    return os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)


# ------------------------------------------------------------------------------------------------ accounts


def ensure_accounts() -> dict[int, list[int]]:
    """The bench's 150 authorities and their 20 accounts each, made where missing: authority id -> account ids.
    Fixture data, written in bulk (no history rows), as generate_dataset writes its own."""
    from django.db import transaction

    from ledger.models import CHART, Account, AccountCode
    from organisations.models import Authority

    with transaction.atomic():
        codes = [f"{CODE_PREFIX}{n:03d}" for n in range(1, AUTHORITIES + 1)]
        have = set(Authority.objects.filter(short_code__in=codes).values_list("short_code", flat=True))
        Authority.objects.bulk_create([
            Authority(short_code=code, name=f"Ledger bench authority {n:03d}", ons_code=f"ZL{n:07d}")
            for n, code in enumerate(codes, start=1) if code not in have
        ])
        authorities = list(Authority.objects.filter(short_code__in=codes).order_by("short_code"))
        existing = set(Account.objects.filter(authority__in=authorities)
                       .values_list("authority_id", "code", "counterparty_id"))
        wanted = []
        for index, authority in enumerate(authorities):
            for code, kind in CHART.items():
                if (authority.pk, code, None) not in existing:
                    wanted.append(Account(authority=authority, code=code, kind=kind, name=AccountCode(code).label))
            for step in range(1, SUB_ACCOUNTS + 1):
                other = authorities[(index + step) % len(authorities)]
                if (authority.pk, AccountCode.RECHARGE_RECEIVABLE, other.pk) not in existing:
                    wanted.append(Account(authority=authority, code=AccountCode.RECHARGE_RECEIVABLE,
                                          counterparty=other, kind=CHART[AccountCode.RECHARGE_RECEIVABLE],
                                          name=f"{AccountCode.RECHARGE_RECEIVABLE.label}: {other.name}"))
        Account.objects.bulk_create(wanted)
    accounts: dict[int, list[int]] = defaultdict(list)
    for account_id, authority_id in (Account.objects.filter(authority__in=authorities).order_by("id")
                                     .values_list("id", "authority_id")):
        accounts[authority_id].append(account_id)
    return dict(accounts)


def make_plans(accounts: dict[int, list[int]], workers: int, posts: int, seed: int) -> list[Plan]:
    """`posts` postings for each worker: an authority at random, two of its accounts, an amount in pence."""
    rng = random.Random(seed)
    authorities = sorted(accounts)
    plans = []
    for _ in range(workers):
        plan = []
        for _ in range(posts):
            debit, credit = rng.sample(accounts[rng.choice(authorities)], 2)
            plan.append((debit, credit, rng.randint(1, 500_000)))
        plans.append(plan)
    return plans


def expected_deltas(plans: list[Plan]) -> dict[int, int]:
    """Pence each account moves by when every planned posting is written once."""
    deltas: dict[int, int] = defaultdict(int)
    for plan in plans:
        for debit, credit, pence in plan:
            deltas[debit] += pence
            deltas[credit] -= pence
    return dict(deltas)


# ------------------------------------------------------------------------------------------------ workers


def raw_worker(prefix: str, number: int, plan: Plan, barrier: Any) -> int:
    """The raw loop: one database transaction per posting, three statements, nothing else."""
    from datetime import date

    import psycopg

    insert_transaction = (
        "INSERT INTO ledger_transaction (transaction_date, memo, idempotency_key, source_type_id, source_id, "
        "reverses_id, created_by_id, created_at) VALUES (%s, %s, %s, NULL, '', NULL, NULL, now()) RETURNING id"
    )
    insert_entries = ("INSERT INTO ledger_entry (transaction_id, account_id, amount_currency, amount) "
                      "VALUES (%s, %s, 'GBP', %s), (%s, %s, 'GBP', %s)")
    day = date(2026, 4, 1)
    with psycopg.connect(_conninfo()) as connection:
        barrier.wait()
        for index, (debit, credit, pence) in enumerate(plan):
            amount = Decimal(pence) / 100
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(insert_transaction, (day, "bench", f"{prefix}w{number}:{index}"))
                row = cursor.fetchone()
                assert row is not None
                cursor.execute(insert_entries, (row[0], debit, amount, row[0], credit, -amount))
    return len(plan)


def app_worker(prefix: str, number: int, plan: Plan, barrier: Any, shared: Plan | None = None) -> int:
    """Post the plan through `ledger.services.post`. With `shared`: first the shared postings (the same keys in
    every worker), then each planned one twice (a retry of the same key)."""
    from datetime import date

    from django.db import connection
    from moneyed import Money

    from ledger.models import Account
    from ledger.services import post

    ids = {account_id for debit, credit, _ in [*plan, *(shared or [])] for account_id in (debit, credit)}
    accounts = Account.objects.in_bulk(ids)
    day = date(2026, 4, 1)

    def one(key: str, debit: int, credit: int, pence: int) -> None:
        amount = Decimal(pence) / 100
        post(lines=[(accounts[debit], Money(amount, "GBP")), (accounts[credit], Money(-amount, "GBP"))],
             memo="bench", idempotency_key=key, transaction_date=day)

    barrier.wait()
    calls = 0
    if shared is not None:
        for index, (debit, credit, pence) in enumerate(shared):
            one(f"{prefix}shared:{index}", debit, credit, pence)
            calls += 1
    for index, (debit, credit, pence) in enumerate(plan):
        key = f"{prefix}w{number}:{index}"
        one(key, debit, credit, pence)
        calls += 1
        if shared is not None:
            one(key, debit, credit, pence)
            calls += 1
    connection.close()
    return calls


def run_round(pool: Any, barrier: Any, target: Any, prefix: str, plans: list[Plan],
              shared: Plan | None = None) -> dict[str, Any]:
    """One task per plan, each in its own process of the pool (each waits at the barrier, so no process can take
    two); timed from the moment all of them are ready."""
    extra = (shared,) if shared is not None else ()
    pending = [pool.apply_async(target, (prefix, n, plan, barrier, *extra)) for n, plan in enumerate(plans)]
    barrier.wait()
    started = time.perf_counter()
    calls = sum(p.get() for p in pending)
    seconds = time.perf_counter() - started
    written = sum(len(plan) for plan in plans) + (len(shared) if shared else 0)
    return {"prefix": prefix, "workers": len(plans), "transactions": written, "calls": calls, "seconds": seconds,
            "tps": written / seconds}


# ------------------------------------------------------------------------------------------------ checks


def balances(account_ids: list[int]) -> dict[int, int]:
    """Every bench account's balance in pence."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT account_id, SUM(amount) FROM ledger_entry WHERE account_id = ANY(%s) "
                       "GROUP BY account_id", [account_ids])
        return {account_id: int(total * 100) for account_id, total in cursor.fetchall()}


def check_round(result: dict[str, Any], after_id: int, deltas: dict[int, int]) -> list[str]:
    """The round's transactions (id above `after_id`, its key prefix) against the plan."""
    from django.db import connection

    name, prefix = result["name"], result["prefix"]
    problems = []
    where = "t.id > %s AND t.idempotency_key LIKE %s"
    params = [after_id, prefix + "%"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ledger_transaction t WHERE {where}", params)
        count = cursor.fetchone()[0]
        if count != result["transactions"]:
            problems.append(f"{name}: {count} transactions written, expected {result['transactions']}")
        cursor.execute(f"SELECT t.id, COUNT(e.id), COALESCE(SUM(e.amount), 0) FROM ledger_transaction t "
                       f"LEFT JOIN ledger_entry e ON e.transaction_id = t.id WHERE {where} GROUP BY t.id "
                       f"HAVING COUNT(e.id) <> 2 OR COALESCE(SUM(e.amount), 0) <> 0", params)
        for transaction_id, lines, total in cursor.fetchall()[:5]:
            problems.append(f"{name}: transaction {transaction_id} has {lines} entries summing to {total}")
        cursor.execute(f"SELECT e.account_id, SUM(e.amount) FROM ledger_transaction t JOIN ledger_entry e "
                       f"ON e.transaction_id = t.id WHERE {where} GROUP BY e.account_id", params)
        got = {account_id: int(total * 100) for account_id, total in cursor.fetchall()}
    wanted = {account_id: pence for account_id, pence in deltas.items() if pence}
    got = {account_id: pence for account_id, pence in got.items() if pence}
    wrong = sorted(set(wanted) | set(got), key=lambda a: (wanted.get(a, 0) == got.get(a, 0), a))
    for account_id in wrong[:5]:
        if wanted.get(account_id, 0) != got.get(account_id, 0):
            problems.append(f"{name}: account {account_id} moved {got.get(account_id, 0)} pence, "
                            f"expected {wanted.get(account_id, 0)}")
    return problems


def last_transaction_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_transaction")
        return int(cursor.fetchone()[0])


# ------------------------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--posts", type=int, default=500, help="postings per worker in the raw and app rounds")
    parser.add_argument("--shared", type=int, default=20, help="postings every worker makes with the same keys")
    parser.add_argument("--race-posts", type=int, default=50, help="own postings per worker in the races round")
    parser.add_argument("--pairs", type=int, default=2, help="raw and app rounds, alternating")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Run it through scripts/with_services.py: it needs PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    _setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    accounts = ensure_accounts()
    account_ids = sorted(a for ids in accounts.values() for a in ids)
    plans = make_plans(accounts, args.workers, args.posts, args.seed)
    race_plans = make_plans(accounts, args.workers, args.race_posts, args.seed + 1)
    shared = make_plans(accounts, 1, args.shared, args.seed + 2)[0] if args.shared else None
    stamp = f"bench{time.time_ns()}"
    before = balances(account_ids)
    connection.close()
    print(f"ledger postings: {args.workers} workers x {args.posts} postings over {len(account_ids):,} accounts of "
          f"{len(accounts)} authorities (seed {args.seed}); {os.cpu_count()} CPUs; set up in "
          f"{time.perf_counter() - began:.1f} s", flush=True)

    # raw and app alternate (--pairs times) so that a change in the machine's load falls on both alike; each
    # round posts the same plan under its own keys. The figures are the medians of the rounds.
    rounds: list[tuple[str, Any, list[Plan], Plan | None]] = []
    for pair in range(args.pairs):
        first, second = ("raw", raw_worker), ("app", app_worker)
        for name, target in (first, second) if pair % 2 == 0 else (second, first):
            rounds.append((f"{name}{pair + 1}", target, plans, None))
    rounds.append(("races", app_worker, race_plans, shared))
    results: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    context = mp.get_context("spawn")
    manager = context.Manager()
    barrier = manager.Barrier(args.workers + 1)
    pool = context.Pool(args.workers, initializer=_setup)  # Django set up once per process, for every round
    for name, target, round_plans, round_shared in rounds:
        after_id = last_transaction_id()
        connection.close()
        result = run_round(pool, barrier, target, f"{stamp}:{name}:", round_plans, round_shared)
        result["name"] = name
        results[name] = result
        problems += check_round(result, after_id, expected_deltas(round_plans + ([round_shared] if round_shared
                                                                                  else [])))
        print(f"  {name:<6} {result['transactions']:>6,} transactions in {result['seconds']:6.2f} s "
              f"= {result['tps']:7,.0f} transactions/s ({result['calls']:,} calls)", flush=True)

    pool.close()
    pool.join()
    manager.shutdown()
    raw_tps = statistics.median(r["tps"] for n, r in results.items() if n.startswith("raw"))
    app_tps = statistics.median(r["tps"] for n, r in results.items() if n.startswith("app"))
    ratio = app_tps / raw_tps
    print(f"  app (ledger.services.post) {app_tps:,.0f} transactions/s, raw psycopg loop {raw_tps:,.0f}/s "
          f"(medians of {args.pairs}): ratio {ratio:.2f}x (goal >= 0.3x)")
    print(f"  races: {args.shared} keys posted by all {args.workers} workers at once, "
          f"{args.workers * args.race_posts:,} keys posted twice")

    after = balances(account_ids)
    total = expected_deltas(plans * (2 * args.pairs) + race_plans + ([shared] if shared else []))
    moved = [a for a in account_ids if after.get(a, 0) - before.get(a, 0) != total.get(a, 0)]
    for account_id in moved[:5]:
        problems.append(f"account {account_id}: balance moved {after.get(account_id, 0) - before.get(account_id, 0)}"
                        f" pence over the run, expected {total.get(account_id, 0)}")
    if args.json:
        args.json.write_text(json.dumps({"workers": args.workers, "posts": args.posts, "accounts": len(account_ids),
                                         "authorities": len(accounts), "rounds": results, "app_tps": app_tps,
                                         "raw_tps": raw_tps, "ratio": ratio, "problems": problems}, indent=1))
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    written = sum(r["transactions"] for r in results.values())
    print(f"  checked: {written:,} transactions, none lost, none doubled, each of two entries summing to zero; "
          f"every account's balance moved by exactly its planned amount")
    return 0


if __name__ == "__main__":
    sys.exit(main())
