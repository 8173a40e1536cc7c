"""A money-posting task survives its worker being killed mid-posting, and the retry writes each ledger
transaction exactly once.

The task is `contracts.recharge_run` (acks_late, reject_on_worker_lost, autoretry on database errors). To stop the
worker at a known point without any test hook in the code, the test holds an uncommitted ledger transaction with
the idempotency key of the run's SECOND recharge: the worker has written the first recharge (uncommitted) and
waits on the unique index for the second. The test sees that wait in pg_stat_activity, SIGKILLs the worker's whole
process group, lets its own row go, and starts a second worker, which takes the unacknowledged message back from
Redis (visibility timeout of a few seconds, set for the worker processes only) and posts the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from contracts.models import ApportionmentRun, ApportionmentRunStatusChange, RunStatus
from contracts.services.runs import run_approve, run_calculate, run_create
from contracts.tasks import recharge_run
from ledger.models import Account, AccountCode, Entry, Transaction
from ledger.selectors import balance
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory, UsageRecordFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TRANSPORT = {"visibility_timeout": 3, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
WORKER = (
    "import sys; from config.celery import app; "
    f"app.conf.broker_transport_options = {TRANSPORT!r}; "
    "app.worker_main(['worker', '--pool=solo', '--loglevel=WARNING', '--without-gossip', '--without-mingle', "
    "'--without-heartbeat', '-n', sys.argv[1]])"
)


def _env(broker: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return dict(
        os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_RESULT_BACKEND=broker,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
    )


def _start(broker: str, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, f"{name}-{os.getpid()}@%h"], env=_env(broker),
                            cwd=settings.BASE_DIR, start_new_session=True)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=60)


def _wait(predicate: Any, what: str, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # The test asks from inside its own open transaction, and PostgreSQL reads pg_stat_activity once per
        # transaction: without clearing that snapshot every later look sees the first answer (nobody waiting).
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.fixture
def approved_run() -> ApportionmentRun:
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    maker = UserFactory(role=Role.FINANCE_OFFICER, authority=kent)
    checker = UserFactory(role=Role.FINANCE_OFFICER, authority=kent)
    contract = ActiveContractFactory(reference="CAFIS", lead_authority=kent, parties=[medway, bexley],
                                     start_date=date(2016, 4, 1), end_date=date(2018, 3, 31))
    history = ActiveContractFactory(reference="HIST", lead_authority=kent, parties=[medway, bexley],
                                    start_date=date(2012, 4, 1), end_date=date(2015, 3, 31))
    for authority, count in ((kent, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2013, 6, 1), measure="children",
                           quantity=Decimal(count))
    from moneyed import Money

    run = run_create(contract=contract, title="CAFIS 2016-18", total_cost=Money(Decimal("752550.00"), "GBP"),
                     cost_start_date=date(2016, 4, 1), cost_end_date=date(2018, 3, 31), basis="children",
                     basis_label="adoptions 2012-15", basis_contracts=[history],
                     usage_start_date=date(2012, 4, 1), usage_end_date=date(2015, 3, 31), by=maker, now=NOW)
    run = run_calculate(run=run, by=maker, now=NOW)
    run = run_approve(run=run, by=checker, now=NOW)
    run.checker = checker  # type: ignore[attr-defined]
    return run


def test_the_recharge_task_is_acknowledged_late_and_put_back_if_its_worker_dies():
    assert recharge_run.acks_late is True and recharge_run.reject_on_worker_lost is True
    assert recharge_run.max_retries and recharge_run.autoretry_for


def test_a_worker_killed_mid_posting_is_retried_and_each_transaction_is_written_once(approved_run, settings):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.fail("the worker test needs Redis: run the suite through scripts/with_services.py")
    run = approved_run
    lead = run.contract.lead_authority_id
    partners = sorted(line.authority_id for line in run.lines.all() if line.authority_id != lead)
    assert len(partners) == 2
    keys = [f"contracts.apportionmentrun:{run.pk}:recharge:{pk}" for pk in partners]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.result_backend = broker
    first = second = None
    try:
        with transaction.atomic():
            # hold the second recharge's key: the worker's insert of it waits on the unique index
            Transaction.objects.create(transaction_date=date(2018, 4, 30), memo="held by the test",
                                       idempotency_key=keys[1], created_at=timezone.now())
            first = _start(broker, "doomed")
            recharge_run.delay(run.pk, run.checker.pk, "2018-04-30")
            _wait(_someone_waits_on_a_lock, "the worker to block mid-posting")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            transaction.set_rollback(True)
        assert Transaction.objects.filter(idempotency_key__in=keys).count() == 0  # the killed attempt left nothing
        assert ApportionmentRun.objects.get(pk=run.pk).status == RunStatus.APPROVED
        second = _start(broker, "rescuer")
        _wait(lambda: ApportionmentRun.objects.get(pk=run.pk).status == RunStatus.RECHARGED,
              "the second worker to finish the redelivered task")
    finally:
        app.conf.task_always_eager = True
        for proc in (first, second):
            if proc is not None:
                _stop(proc)
    # Count by what the postings are about, not by their keys: a retry that posted under a fresh key (doubling)
    # or skipped a partner (losing one) shows here, as it does in each partner's receivable balance.
    from django.contrib.contenttypes.models import ContentType

    posted = Transaction.objects.filter(source_type=ContentType.objects.get_for_model(ApportionmentRun),
                                        source_id=str(run.pk))
    assert sorted(posted.values_list("idempotency_key", flat=True)) == sorted(keys)
    assert Entry.objects.filter(transaction__in=posted).count() == 4
    for line in run.lines.exclude(authority_id=lead):
        receivable = Account.objects.get(authority_id=lead, code=AccountCode.RECHARGE_RECEIVABLE,
                                         counterparty_id=line.authority_id)
        assert balance(account=receivable) == line.amount
    assert ApportionmentRunStatusChange.objects.filter(run=run, to_status=RunStatus.RECHARGED).count() == 1
    duplicates = posted.count() - len(keys)
    print(f"\nRELIABILITY worker-kill: postings expected={len(keys)} written={posted.count()} duplicates={duplicates}")
    assert duplicates == 0
