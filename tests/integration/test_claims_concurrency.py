"""16 threads approve applications for one child-year near its limit at once, each on its own PostgreSQL
connection: exactly the approvals that fit succeed, the rest get a clear refusal, and the ledger agrees."""

import threading
from datetime import date

import pytest
from django.db import connection

from claims.models.applications import ASFApplication, Status
from claims.models.fund_rules import ChildYearLimit
from claims.services.decisions import application_approve
from claims.services.errors import LimitExceeded
from ledger.models import AccountCode
from ledger.selectors import balance
from ledger.services import account_for
from tests.factories_claims import at, build, gbp, world

THREADS = 16


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_the_approvals_that_fit_the_limit_succeed():
    w = world()
    # 2025-26: £3,000 a year for the child. £2,000 already approved: room for exactly two £500 approvals.
    build(w, Status.APPROVED, therapy="2000.00")
    waiting = [build(w, Status.SUBMITTED, therapy="500.00") for _ in range(THREADS)]
    assert all(app.estimated_fund == gbp("500.00") for app in waiting)

    barrier = threading.Barrier(THREADS)
    results: dict[int, str] = {}

    def approve(app: ASFApplication, number: int) -> None:
        try:
            barrier.wait(timeout=60)
            application_approve(application=app, by=w.finance, now=at(date(2025, 5, 20)),
                                decision_date=date(2025, 5, 20), fund_reference=f"RACE-{number}",
                                fund_amount=gbp("500.00"))
            results[app.pk] = "approved"
        except LimitExceeded as refusal:
            results[app.pk] = f"refused: {refusal}"
        except Exception as other:
            results[app.pk] = f"error: {other!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(app, n)) for n, app in enumerate(waiting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    outcomes = sorted(results.values())
    assert len(outcomes) == THREADS
    assert outcomes.count("approved") == 2, outcomes
    refusals = [o for o in outcomes if o != "approved"]
    assert all(o.startswith("refused: The fund can pay at most £0.00") for o in refusals), refusals

    limit = ChildYearLimit.objects.get(child=w.child, financial_year="2025-26")
    assert limit.fund_committed == gbp("3000.00")
    approved = ASFApplication.objects.filter(child=w.child, status=Status.APPROVED)
    assert approved.count() == 3
    assert sum((a.approved_fund for a in approved), gbp("0")) == gbp("3000.00")
    assert balance(account=account_for(authority=w.authority, code=AccountCode.ASF_RECEIVABLE)) == gbp("3000.00")
    assert ASFApplication.objects.filter(child=w.child, status=Status.SUBMITTED).count() == THREADS - 2
