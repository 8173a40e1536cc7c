"""Journal exports racing each other and racing new postings, each on its own PostgreSQL connection: every posting
ends up in exactly one batch, no batch holds half a transaction, and nothing is lost or doubled."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum

from ledger.journals import services
from ledger.journals.models import JournalBatch, JournalLine
from ledger.models import Entry
from tests.factories import AuthorityFactory
from tests.factories_journals import NOW, TODAY, map_all
from tests.factories_ledger import posted

EXPORTERS = 4


def _export(authority, outcomes, barrier=None):  # type: ignore[no-untyped-def]
    try:
        if barrier is not None:
            barrier.wait(timeout=60)
        batch = services.batch_create(authority=authority, cut_off_date=TODAY, layout="generic", by=None,
                                      today=TODAY, now=NOW)
        outcomes.append(("batch", batch.pk))
    except services.NothingToExport:
        outcomes.append(("nothing", None))
    except Exception as other:
        outcomes.append(("error", repr(other)))
    finally:
        connection.close()


def _check_every_posting_once(authority):  # type: ignore[no-untyped-def]
    entries = Entry.objects.filter(account__authority=authority)
    lines = JournalLine.objects.filter(batch__authority=authority)
    assert lines.count() == entries.count()
    assert set(lines.values_list("entry_id", flat=True)) == set(entries.values_list("id", flat=True))
    for batch in JournalBatch.objects.filter(authority=authority):
        sums = batch.lines.aggregate(total=Sum("entry__amount"), lines=Count("id"))
        assert sums["total"] == Decimal("0.00"), f"batch {batch.number} holds half a transaction"
        assert sums["lines"] == batch.line_count
        assert batch.total_debit == batch.total_credit
        # no transaction is split between batches
    split = (lines.values("entry__transaction_id").annotate(batches=Count("batch", distinct=True))
             .filter(batches__gt=1))
    assert not split.exists()


@pytest.mark.django_db(transaction=True)
def test_two_officers_exporting_at_once_never_put_a_posting_in_two_batches():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    map_all(kent)
    for n in range(200):
        posted(kent, ("bank", f"{n + 1}.25"), ("asf_receivable", f"-{n + 1}.25"), on=date(2026, 5, 1 + n % 28))
    outcomes: list = []
    barrier = threading.Barrier(EXPORTERS)
    threads = [threading.Thread(target=_export, args=(kent, outcomes, barrier)) for _ in range(EXPORTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == EXPORTERS
    assert sorted(kind for kind, _ in outcomes) == ["batch"] + ["nothing"] * (EXPORTERS - 1), outcomes
    batch = JournalBatch.objects.get()
    assert (batch.number, batch.line_count) == (1, 400)
    _check_every_posting_once(kent)


@pytest.mark.django_db(transaction=True)
def test_postings_made_while_batches_are_exported_are_neither_lost_nor_doubled():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    map_all(kent)
    posting_done = threading.Event()
    errors: list = []

    def post_many() -> None:
        try:
            for n in range(150):
                # Three lines across three accounts: a batch that took part of one would not balance.
                posted(kent, ("support_expenditure", f"{n + 2}.10"), ("provider_creditors", f"-{n + 1}.00"),
                       ("bank", "-1.10"), on=date(2026, 6, 1 + n % 30))
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            posting_done.set()
            connection.close()

    outcomes: list = []

    def export_repeatedly() -> None:
        while not posting_done.is_set():
            _export(kent, outcomes)

    poster = threading.Thread(target=post_many)
    exporters = [threading.Thread(target=export_repeatedly) for _ in range(2)]
    poster.start()
    for thread in exporters:
        thread.start()
    poster.join(timeout=180)
    for thread in exporters:
        thread.join(timeout=180)
    _export(kent, outcomes)  # whatever the racing exporters left

    assert not errors
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Entry.objects.filter(account__authority=kent).count() == 450
    assert JournalBatch.objects.filter(authority=kent).count() >= 2
    numbers = sorted(JournalBatch.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    _check_every_posting_once(kent)
