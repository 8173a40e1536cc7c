"""Two data managers commit the same extract at the same moment, each on its own PostgreSQL connection: the
imports run one after the other (a lock on the authority), the second plans again and finds nothing to change,
and nothing is written twice."""

import threading

import pytest
from django.db import connection

from support.models import LegalOrder, OutcomeReading, ResidencePeriod, SsdImport
from support.ssd.reader import open_files
from support.ssd.service import ssd_import
from tests.ssd_samples import NOW, TODAY, good_files, world

THREADS = 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_imports_of_one_extract_write_each_change_once() -> None:
    w = world()
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=60)
            result = ssd_import(authority=w.kent, extract=open_files(good_files()), by=w.data_manager, now=NOW,
                                today=TODAY, dry_run=False)
            results.append(f"{result.status}: {result.plan.changes}")
        except Exception as other:
            results.append(f"error: {other!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["committed: 0"] * (THREADS - 1) + ["committed: 5"], results
    assert OutcomeReading.objects.count() == 2
    assert LegalOrder.objects.filter(child=w.ellie, kind="placement").count() == 1
    assert ResidencePeriod.objects.filter(household=w.ellie.household).count() == 2
    assert SsdImport.objects.filter(status="committed").count() == THREADS
