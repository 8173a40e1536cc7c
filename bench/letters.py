"""Letters rendered by a Celery worker: 1,000 by default. On a throwaway PostgreSQL and Redis:

    .venv/bin/python scripts/with_services.py -- .venv/bin/python bench/letters.py --letters 1000

Migrates, makes one authority with a letterhead and a worker, then queues the letters as tasks of 50 to ONE worker
process (`--pool=solo`, started here with this module included, so it knows the bench task). Each letter goes
through `notifications.services.letter_issue` as a notice would: rendered (WeasyPrint, PDF/UA-1), checked against
the recipient rule, stored with its hash, and its message queued (the same worker then puts it in the outbox: no
GOV.UK Notify key). Prints letters per second (first task queued to last letter stored) and the worker's peak
resident memory (ru_maxrss), and writes them to var/bench/letters.json for docs/performance.md."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

import django  # noqa: E402

django.setup()

from celery import shared_task  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 50


@shared_task(name="bench.issue_letters")
def issue_letters(first: int, count: int) -> dict[str, int]:
    from notifications.models import LetterKind
    from notifications.recipients import Recipient, RecipientKind
    from notifications.services import letter_issue
    from organisations.models import User

    worker = User.objects.get(username="bench.worker")
    for number in range(first, first + count):
        recipient = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name=f"Carer {number} Benchmark",
                              address_lines=(f"{number} High Street", "Maidstone", "ME14 1XX"))
        letter_issue(kind=LetterKind.NOTICE_OF_PROPOSAL, authority=worker.authority, recipient=recipient,
                     about=worker, by=worker, now=timezone.now(), letter_date=date(2026, 3, 4), context={
                         "subject_name": f"Child {number}", "statement_of_needs": "Therapeutic support " * 20,
                         "proposes_support": True, "proposed_services": "Dyadic Developmental Psychotherapy",
                         "window_end_date": date(2026, 4, 1)})
    return {"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    args = parser.parse_args()
    from django.core.management import call_command

    from notifications.models import Letter
    from notifications.services import letterhead_save
    from organisations.models import Authority, Role, User

    call_command("migrate", verbosity=0)
    authority, _ = Authority.objects.get_or_create(short_code="bench", defaults={"name": "Bench Council",
                                                                                 "ons_code": "E99999999"})
    letterhead_save(authority=authority, display_name="Bench Council", address="Town Hall\nMaidstone\nME14 1XQ",
                    telephone="01234 567890", email="letters@bench.example", signatory_name="A Manager",
                    signatory_title="Head of Service", complaint_route="Write to the Complaints Team.")
    User.objects.get_or_create(username="bench.worker", defaults={"authority": authority,
                                                                   "role": Role.SOCIAL_WORKER})
    before = Letter.objects.count()
    env = dict(os.environ, CELERY_RESULT_BACKEND=os.environ.get("CELERY_BROKER_URL", ""))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
         "--include", "bench.letters", "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        from config.celery import app

        app.conf.update(result_backend=env["CELERY_RESULT_BACKEND"])
        time.sleep(3)  # the worker connects
        started = time.perf_counter()
        results = [issue_letters.delay(first, min(BATCH, args.letters - first))
                   for first in range(0, args.letters, BATCH)]
        peak = max(result.get(timeout=3600)["peak_rss_kb"] for result in results)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    made = Letter.objects.count() - before
    figures = {"letters": made, "seconds": round(elapsed, 1), "letters_per_second": round(made / elapsed, 2),
               "worker_peak_rss_mb": round(peak / 1024, 1), "pool": "solo (one process)"}
    print(json.dumps(figures))
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "letters.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
