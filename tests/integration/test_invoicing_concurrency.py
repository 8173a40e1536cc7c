"""Two payment runs started at once over the same approved invoices, each on its own PostgreSQL connection (and a
second finance officer on each): exactly one pays them, the other gets a clear refusal, and the ledger settles
each invoice once. Likewise two invoices raised at once over one session: one is refused."""

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from invoicing.models import Invoice, InvoiceStatus, PaymentRun, PaymentRunItem
from invoicing.services.errors import InvoicingError
from invoicing.services.runs import payment_run_make
from ledger.models import AccountCode, Transaction
from ledger.selectors import balance
from ledger.services import account_for
from organisations.models import Role
from tests.factories import UserFactory
from tests.factories_invoicing import NOW, TODAY, world


def _race(calls: list[Any]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call: Any) -> None:
        try:
            barrier.wait(timeout=60)
            call()
            results.append("done")
        except InvoicingError as refusal:
            results.append(f"refused: {refusal}")
        except Exception as other:
            results.append(f"error: {other!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(results)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_started_at_once_pay_each_invoice_once():
    w = world()
    w.bank()
    invoices = [w.approved(number=f"INV-{n}", sessions=[session]) for n, session in enumerate(w.sessions[:3])]
    fo3 = UserFactory(username="kent.fo3", role=Role.FINANCE_OFFICER, authority=w.kent)
    due = TODAY + timedelta(days=30)
    outcomes = _race([
        lambda by=by: payment_run_make(authority=w.kent, due_by=due, payment_date=TODAY, by=by, now=NOW)
        for by in (w.fo, fo3)
    ])
    assert outcomes[0] == "done", outcomes
    assert outcomes[1].startswith("refused: No approved invoices of Kent"), outcomes
    assert PaymentRun.objects.count() == 1
    assert PaymentRunItem.objects.count() == 3
    assert all(Invoice.objects.get(pk=i.pk).status == InvoiceStatus.PAID for i in invoices)
    assert Transaction.objects.filter(idempotency_key__startswith="invoicing.paymentrun:").count() == 3
    assert balance(account=account_for(authority=w.kent, code=AccountCode.BANK)).amount == Decimal("-300.00")
    assert balance(account=account_for(authority=w.kent, code=AccountCode.PROVIDER_CREDITORS)).amount == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_invoices_raised_at_once_over_one_session_invoice_it_once():
    w = world()
    outcomes = _race([lambda n=n: w.raise_(number=f"RACE-{n}") for n in range(2)])
    assert outcomes[0] == "done", outcomes
    assert "it is already invoiced" in outcomes[1], outcomes
    assert Invoice.objects.count() == 1
