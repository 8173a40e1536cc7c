"""Run every benchmark on one generated dataset; each figure is printed beside a baseline measured in the same run.

    cd /work/main
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/run.py --scale raa
    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/run.py --scale national --fraction 0.1
    make bench BENCH_ARGS="--scale national --fraction 0.1"

Steps, on the database in DATABASE_URL (a fresh one: with_services.py makes it):
1. migrate, then `generate_dataset` (rows written per second);
2. pages (work queues, caseload, child record) through Django's test client as a generated authority's user:
   p50/p95 server time and query count, against /healthz (a trivial page) on the same client;
3. fund headroom for a child-year (`claims.services.headroom.headroom_for`) against a bare indexed lookup of the
   child-year limit row;
4. apportionment of the busiest contract (`contracts.services.runs.run_create` + `run_calculate`) over about 1M usage
   rows (the generated ones plus `--apportion-rows` written in SQL) against the raw SQL GROUP BY of the same
   rows, and against a bare INSERT ... SELECT copy of them (what freezing every input row costs at least);
5. usage import (100,000 rows by default) through `contracts.services.usage_import.usage_import` against a plain
   `bulk_create` of the same rows, and its peak Python memory at a tenth of the rows and at all of them;
6. the usage export to xlsx (bench/export_usage.py, --export-rows) against xlsxwriter and openpyxl writing the
   same cells from the same database read, and its peak memory growth;
7. ledger postings from 8 workers through `ledger.services.post` against a raw psycopg loop writing the same rows
   over the same 3,000 accounts (bench/ledger_concurrency.py), every posting checked after by delta.
8. the letterbox coordinator's due and overdue lists and dashboard (bench/contact_lists.py) against a raw SQL query
   of the same rows.

Every benchmark runs again on the database it leaves: a dataset already generated is used as it is, the rows a
benchmark adds are its own and added once, the rest rolls back or is checked by delta.
Timings depend on the machine and on whatever else runs on it: read the ratios. Results also go to
var/bench/<scale>-<fraction>.json for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

RESULTS: list[dict[str, Any]] = []
APPORTION_KEY = "bench:apportion:"  # the source keys of the usage rows the apportionment benchmark adds


def record(name: str, figure: str, baseline: str, ratio: float | None, goal: str = "", **extra: Any) -> None:
    RESULTS.append({"name": name, "figure": figure, "baseline": baseline, "ratio": ratio, "goal": goal, **extra})
    ratio_text = f"{ratio:8.2f}x" if ratio is not None else "       -"
    print(f"  {name:<44} {figure:<34} baseline {baseline:<28} ratio {ratio_text}  {goal}", flush=True)


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# ------------------------------------------------------------------------------------------------ pages


def bench_pages(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from organisations.models import User
    from support.models import Household

    def user(role: str) -> Any:
        return User.objects.filter(username__startswith="gen-001.", role=role).order_by("id").first()

    social_worker, manager, finance = user("social_worker"), user("team_manager"), user("finance_officer")
    household = Household.objects.filter(responsible_authority=social_worker.authority).order_by("-id")[0]
    pages = [
        ("support caseload (own)", social_worker, reverse("support:caseload")),
        ("support team caseload", manager, reverse("support:team_caseload")),
        ("referrals work queue (to send)", social_worker, reverse("commissioning:to_send")),
        ("claims work queue", manager, reverse("claims:queue")),
        ("child record (family page)", social_worker, reverse("support:household_detail", args=[household.pk])),
        ("ledger accounts", finance, reverse("ledger:accounts")),
    ]
    for label, who, url in pages:
        client = Client()
        client.force_login(who)

        def get(path: str = url, c: Client = client) -> None:
            response = c.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

        get()  # warm caches and templates
        get("/healthz")
        queries: list[str] = []

        def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries.append(sql)  # noqa: B023 (runs inside this iteration only)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            get()
        times = timed(get, repeat)
        base = timed(lambda: client.get("/healthz"), repeat)  # noqa: B023 (used at once, in this iteration)
        p50, p95, b95 = pct(times, 50), pct(times, 95), pct(base, 95)
        record(f"page: {label}", f"p50 {p50:6.1f} ms p95 {p95:6.1f} ms, {len(queries)} q",
               f"/healthz p95 {b95:5.1f} ms", p95 / b95 if b95 else None, "goal p95 <= 150 ms, <= 15 queries",
               p50_ms=p50, p95_ms=p95, queries=len(queries), baseline_p95_ms=b95)


# ------------------------------------------------------------------------------------------------ headroom


def bench_headroom(repeat: int) -> None:
    try:
        from claims.models.applications import ASFApplication
        from claims.models.fund_rules import ChildYearLimit
        from claims.services.headroom import headroom_for
    except ImportError as error:
        print(f"  headroom: skipped ({error})")
        return
    apps = list(ASFApplication.objects.filter(status="draft").order_by("id")[:repeat]) or list(
        ASFApplication.objects.order_by("id")[:repeat])
    if not apps:
        print("  headroom: skipped (no applications)")
        return
    headroom_for(application=apps[0])
    started = time.perf_counter()
    for app in apps:
        headroom_for(application=app)
    per = (time.perf_counter() - started) * 1000 / len(apps)
    started = time.perf_counter()
    for app in apps:
        ChildYearLimit.objects.filter(child_id=app.child_id, financial_year=app.financial_year).first()
    base = (time.perf_counter() - started) * 1000 / len(apps)
    record("fund headroom for a child-year", f"{per:6.2f} ms each", f"indexed lookup {base:5.2f} ms",
           per / base if base else None, "goal <= 5 ms", ms=per, baseline_ms=base)


# ------------------------------------------------------------------------------------------------ apportionment


def _check_deferred_constraints() -> None:
    """Django's foreign keys are checked at commit on PostgreSQL; a benchmark that rolls back must make them run
    (SET CONSTRAINTS ALL IMMEDIATE fires every queued check) or it leaves out part of what a real commit costs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def bench_apportionment(extra_rows: int) -> None:
    from django.db import connection, transaction
    from django.db.models import Count
    from djmoney.money import Money

    from contracts.models import Contract, UsageRecord
    from contracts.services.runs import run_calculate, run_create

    # The contract every generated authority shares, weighed by the sessions on every generated contract.
    contract = (Contract.objects.filter(reference__startswith="GEN-").annotate(p=Count("parties"))
                .order_by("-p", "id").first())
    if contract is None:
        print("  apportionment: skipped (no generated contract)")
        return
    sources = list(Contract.objects.filter(reference__startswith="GEN-").order_by("id"))
    parties = list(contract.parties.values_list("id", flat=True))
    source_ids = [c.pk for c in sources]
    start, end = date(2016, 4, 1), date(2026, 11, 2)
    have = UsageRecord.objects.filter(source_key__startswith=APPORTION_KEY).count()
    if extra_rows > have:
        # The generated usage is ten years of one region's sessions; the goal is about 1M rows, so the contract
        # gets `extra_rows` more sessions spread over its parties and its dates (written in SQL, then VACUUM
        # ANALYZE, as autovacuum would leave a table that size). A later run on this database adds none.
        first, last = max(start, contract.start_date), min(end, contract.end_date)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contracts_usagerecord (contract_id, authority_id, usage_date, measure, quantity, "
                "source_key, recorded_at) SELECT %s, (%s::int[])[1 + mod(i, %s)], %s::date + mod(i, %s), "
                "'sessions', 1 + mod(i, 5), %s || i, now() FROM generate_series(%s, %s) AS i",
                [contract.pk, parties, len(parties), first, (last - first).days + 1, APPORTION_KEY, have + 1,
                 extra_rows],
            )
            cursor.execute("VACUUM ANALYZE contracts_usagerecord")
        print(f"  (added {extra_rows - have:,} usage rows for the apportionment in "
              f"{time.perf_counter() - started:.1f} s)", flush=True)
    rows = UsageRecord.objects.filter(contract__in=source_ids, measure="sessions", authority__in=parties).count()
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    where = ("FROM contracts_usagerecord WHERE contract_id = ANY(%s) AND measure = %s AND authority_id = ANY(%s) "
             "AND usage_date BETWEEN %s AND %s")
    params: list[Any] = [source_ids, "sessions", parties, start, end]

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT authority_id, SUM(quantity) {where} GROUP BY authority_id ORDER BY authority_id",
                           params)
            cursor.fetchall()

    def engine() -> None:
        with transaction.atomic():
            run = run_create(
                contract=contract, title="Benchmark", total_cost=Money(Decimal("100000.00"), "GBP"),
                cost_start_date=start, cost_end_date=end, basis="sessions", usage_start_date=start,
                usage_end_date=end, by=None, now=now, basis_contracts=sources,
            )
            run_calculate(run=run, by=None, now=now)
            _check_deferred_constraints()
            transaction.set_rollback(True)

    # The run reads its inputs by reference (usage records are append-only; the run keeps a watermark id), so
    # run_create + run_calculate (lock, max(id), the GROUP BY up to the watermark, three lines) is timed against
    # the bare GROUP BY over the same rows, alternately, in the same run.
    def raw_to_watermark() -> None:
        """The run's own statement: the same GROUP BY, up to the highest usage record id."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT authority_id, SUM(quantity), COUNT(*) {where} AND id <= "
                           f"(SELECT MAX(id) FROM contracts_usagerecord) GROUP BY authority_id ORDER BY authority_id",
                           params)
            cursor.fetchall()

    raw()
    engine()
    bases, figures, marks = [], [], []
    for _ in range(7):
        bases.extend(timed(raw, 1))
        figures.extend(timed(engine, 1))
        marks.extend(timed(raw_to_watermark, 1))
    base, figure, mark = statistics.median(bases), statistics.median(figures), statistics.median(marks)
    record(f"apportionment over {rows:,} usage rows", f"{figure:8.1f} ms", f"raw GROUP BY {base:7.1f} ms",
           figure / base if base else None, "goal <= 1.5x", ms=figure, baseline_ms=base, rows=rows)
    record("  its GROUP BY up to the watermark, bare", f"{mark:8.1f} ms", f"raw GROUP BY {base:7.1f} ms",
           mark / base if base else None, "(the rest is run_create + lines)", ms=mark, baseline_ms=base, rows=rows)


# ------------------------------------------------------------------------------------------------ usage import


def bench_usage_import(rows: int) -> None:
    import csv
    import io

    from django.db import transaction

    from contracts.models import Contract, UsageRecord
    from contracts.services.usage_import import USAGE_COLUMNS, usage_import
    from organisations.models import User

    contract = Contract.objects.filter(reference__startswith="GEN-").order_by("id")[0]
    parties = list(contract.parties.order_by("id"))
    by = User.objects.filter(role="lead_commissioner", partnership__members=contract.lead_authority).first()

    def usage_file(count: int) -> tuple[bytes, list[tuple[Any, ...]]]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(USAGE_COLUMNS)
        data = []
        days = (contract.end_date - contract.start_date).days + 1
        for i in range(count):
            authority = parties[i % len(parties)]
            day = contract.start_date.toordinal() + i % days
            data.append((contract.reference, authority.short_code, date.fromordinal(day).isoformat(), "hours",
                         f"{1 + i % 7}.50"))
        writer.writerows(data)
        return buffer.getvalue().encode(), data

    now = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)

    def run_import(content: bytes, *, trace: bool) -> tuple[float, float, Any]:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        with transaction.atomic():
            report = usage_import(content=content, file_name="bench.csv", by=by, now=now, dry_run=False)
            _check_deferred_constraints()
            transaction.set_rollback(True)
        elapsed = time.perf_counter() - started
        peak = 0.0
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        return elapsed, peak, report

    content, data = usage_file(rows)
    elapsed, _peak, report = run_import(content, trace=False)

    started = time.perf_counter()
    with transaction.atomic():
        UsageRecord.objects.bulk_create(
            [UsageRecord(contract=contract, authority=parties[i % len(parties)],
                         usage_date=date.fromisoformat(row[2]), measure="hours", quantity=Decimal(row[4]),
                         source_key=f"bench:{i}") for i, row in enumerate(data)],
            batch_size=5000,
        )
        _check_deferred_constraints()
        transaction.set_rollback(True)
    base = time.perf_counter() - started
    rate, base_rate = rows / elapsed, rows / base
    record(f"usage import of {rows:,} rows ({report.new_rows:,} new)", f"{rate:8.0f} rows/s",
           f"bulk_create {base_rate:8.0f} rows/s", rate / base_rate, "goal >= 2,000 rows/s",
           rows_per_s=rate, baseline_rows_per_s=base_rate)
    # Memory: Python's peak allocation during the import (tracemalloc, which slows it) for a tenth of the rows and
    # for all of them. The file itself is read before and is not counted; flat means the two peaks are close.
    small_rows = max(1000, rows // 10)
    small_peak = run_import(usage_file(small_rows)[0], trace=True)[1]
    full_peak = run_import(content, trace=True)[1]
    record(f"usage import peak memory, {small_rows:,} -> {rows:,} rows", f"{small_peak:5.1f} -> {full_peak:5.1f} MB",
           f"{small_rows:,} rows {small_peak:5.1f} MB", full_peak / small_peak if small_peak else None,
           "flat memory (ratio near 1)", peak_mb=full_peak, baseline_peak_mb=small_peak)


# ------------------------------------------------------------------------------------------------ export, ledger


def run_script(script: str, args: list[str]) -> dict[str, Any] | None:
    """Run bench/<script> with `args` and --json, its output passed through; its figures, or None if it failed."""
    out = ROOT / "var" / "bench" / f"{Path(script).stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    print(f"  {script} {' '.join(args)}:", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines():
        print(f"    | {line}")
    figures = json.loads(out.read_text()) if out.exists() else None
    RESULTS.append({"name": script, "args": args, "exit": done.returncode, "seconds": time.perf_counter() - started,
                    "figures": figures})
    if done.returncode != 0:
        print(f"  FAILED: {script} exited {done.returncode}", flush=True)
        RESULTS.append({"name": "failure", "error": f"{script} exited {done.returncode}"})
        return None
    return figures


def bench_export(rows: int, repeat: int) -> None:
    figures = run_script("export_usage.py", ["--rows", str(rows), "--repeat", str(repeat)])
    if not figures:
        return
    summary = figures["rows"][str(rows)]
    ours, anchor, plain = summary["ours"], summary["xlsxwriter"], summary["openpyxl"]
    record(f"usage export to xlsx, {rows:,} rows", f"{ours['rate']:8,.0f} rows/s",
           f"xlsxwriter {anchor['rate']:8,.0f} rows/s", summary["ours/xlsxwriter"], "goal >= 0.9x xlsxwriter",
           rows=rows, rows_per_s=ours["rate"], anchor_rows_per_s=anchor["rate"])
    record("  the same in the process's own CPU time", f"{ours['cpu_rate']:8,.0f} rows/CPU s",
           f"xlsxwriter {anchor['cpu_rate']:8,.0f}", summary["ours/xlsxwriter cpu"], "",
           rows_per_cpu_s=ours["cpu_rate"], anchor_rows_per_cpu_s=anchor["cpu_rate"])
    record("  the same, against openpyxl write-only", f"{ours['rate']:8,.0f} rows/s",
           f"openpyxl {plain['rate']:8,.0f} rows/s", summary["ours/openpyxl"], "",
           rows_per_s=ours["rate"], anchor_rows_per_s=plain["rate"])
    record("  its peak memory growth", f"{ours['growth_mb']:6.1f} MB",
           f"xlsxwriter {anchor['growth_mb']:6.1f} MB", None, "goal < 50 MB", peak_growth_mb=ours["growth_mb"])


def bench_payment_run(lines: int, providers: int) -> None:
    figures = run_script("payment_run.py", ["--lines", str(lines), "--providers", str(providers)])
    if not figures:
        return
    record(f"payment run, {lines:,} invoice lines, {providers} providers",
           f"{figures['run_postings_per_s']:8,.0f} postings/s",
           f"raw psycopg {figures['raw_postings_per_s']:6,.0f}/s", figures["ratio"],
           f"{figures['seconds']:.1f} s, {figures['queries']:,} queries, {figures['letters']} letters",
           **{key: value for key, value in figures.items() if key != "ratio"})


def bench_ledger(workers: int, posts: int) -> None:
    figures = run_script("ledger_concurrency.py", ["--workers", str(workers), "--posts", str(posts)])
    if not figures:
        return
    record(f"ledger postings, {workers} workers (post)", f"{figures['app_tps']:8,.0f} transactions/s",
           f"raw psycopg {figures['raw_tps']:6,.0f}/s", figures["ratio"], "goal >= 0.3x raw, none lost or doubled",
           tps=figures["app_tps"], anchor_tps=figures["raw_tps"], accounts=figures["accounts"])


# ------------------------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["tiny", "raa", "national"], default="raa")
    parser.add_argument("--fraction", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (and headroom calls x10)")
    parser.add_argument("--import-rows", type=int, default=0,
                        help="usage rows to import (default: 100,000, or 100,000 x fraction at national)")
    parser.add_argument("--apportion-rows", type=int, default=-1,
                        help="usage rows added for the apportionment (default: enough for about 1,000,000; 0: none)")
    parser.add_argument("--export-rows", type=int, default=0,
                        help="usage rows exported to xlsx (default: 300,000, or 1,000,000 x fraction at national)")
    parser.add_argument("--export-repeat", type=int, default=2, help="runs of each export method (median kept)")
    parser.add_argument("--ledger-posts", type=int, default=500, help="postings per worker (8 workers)")
    parser.add_argument("--payment-run-lines", type=int, default=0,
                        help="invoice lines in the payment run (default: 10,000 across 200 providers, x fraction)")
    parser.add_argument("--only", default="",
                        help="comma-separated: pages,headroom,apportionment,import,export,ledger,api,payment_run")
    parser.add_argument("--skip-generate", action="store_true", help="use the dataset already in the database")
    parser.add_argument("--skip-others", action="store_true", help="skip the export and ledger benchmarks")
    args = parser.parse_args()

    import django

    django.setup()
    from api_lists import bench_api_lists  # bench/api_lists.py (bench/ is on the path): every list of /api/v1/
    from contact_lists import bench_contact_lists  # bench/contact_lists.py: the letterbox due and overdue lists
    from django.core.management import call_command
    from django.db import connection
    from scorecard_bench import bench_scorecard  # bench/scorecard_bench.py: the scorecard pages and the board return

    from contracts.models import UsageRecord
    from core.dataset.generate import already_generated

    # One connection kept for the whole run, as a production server keeps it (CONN_MAX_AGE): the test settings'
    # 0 would reconnect on every request, timing connection set-up and losing the captured query log.
    connection.settings_dict["CONN_MAX_AGE"] = None

    print(f"bench: scale {args.scale}, fraction {args.fraction}, seed {args.seed}; "
          f"{os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    call_command("migrate", verbosity=0)
    if args.skip_generate or already_generated():
        print("  (the dataset already in the database is used as it is)", flush=True)
    else:
        from core.dataset.generate import generate
        from core.dataset.writer import Progress

        started = time.perf_counter()
        counts = generate(scale_name=args.scale, seed=args.seed, fraction=args.fraction,
                          progress=Progress(enabled=sys.stderr.isatty()))
        elapsed = time.perf_counter() - started
        total = sum(counts.values())
        record("generate_dataset", f"{total:,} rows in {elapsed:6.1f} s", "", None, "minutes",
               rows=total, seconds=elapsed, counts=counts)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    national = args.scale == "national"
    rows = args.import_rows or (max(2000, round(100_000 * args.fraction)) if national else 100_000)
    export_rows = args.export_rows or (max(10_000, round(1_000_000 * args.fraction)) if national else 300_000)
    if args.apportion_rows >= 0:
        extra = args.apportion_rows
    else:  # the generated rows (not those benchmarks add) made up to about 1M
        extra = max(0, 1_000_000 - UsageRecord.objects.exclude(source_key__startswith="bench").count())

    def export() -> None:
        connection.close()  # the script runs in its own processes, on its own connections
        bench_export(export_rows, args.export_repeat)

    def ledger() -> None:
        connection.close()
        bench_ledger(8, args.ledger_posts)

    def payment_run() -> None:
        connection.close()
        lines = args.payment_run_lines or max(1000, round(10_000 * min(args.fraction, 1.0)))
        bench_payment_run(lines, max(10, round(lines / 50)))

    benches = {"pages": lambda: bench_pages(args.repeat), "headroom": lambda: bench_headroom(args.repeat * 10),
               "apportionment": lambda: bench_apportionment(extra), "import": lambda: bench_usage_import(rows),
               "export": export, "ledger": ledger,
               "api": lambda: bench_api_lists(args.repeat, record),
               "scorecard": lambda: bench_scorecard(args.repeat, record),
               "contact": lambda: bench_contact_lists(args.repeat, record), "payment_run": payment_run}
    only = [name for name in args.only.split(",") if name]
    for name, bench in benches.items():
        if (only and name not in only) or (args.skip_others and name in ("export", "ledger")):
            continue
        try:
            bench()
        except Exception as error:  # one failing benchmark must not hide the others' figures
            print(f"  FAILED: {type(error).__name__}: {str(error)[:300]}", flush=True)
            RESULTS.append({"name": "failure", "error": f"{type(error).__name__}: {error}"[:1000]})

    anchored = [r for r in RESULTS if r.get("name", "").startswith(("usage export", "ledger postings",
                                                                      "payment run"))]
    if anchored:
        print("against the raw limits, measured in this run on this database:")
        for result in anchored:
            print(f"  {result['name']}: {result['figure'].strip()} against {result['baseline'].strip()}: "
                  f"{result['ratio']:.2f}x ({result['goal']})")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{args.scale}-{args.fraction}.json"
    target.write_text(json.dumps({"scale": args.scale, "fraction": args.fraction, "seed": args.seed,
                                  "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat(),
                                  "results": RESULTS}, indent=1, default=str))
    print(f"results written to {target.relative_to(ROOT)}")
    failures = [r for r in RESULTS if r.get("name") == "failure"]
    if failures:
        print(f"FAILED: {len(failures)} benchmark(s) failed (above)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
