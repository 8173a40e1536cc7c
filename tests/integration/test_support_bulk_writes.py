"""Rows written in bulk with their history (support/services/_bulk.py): PostgreSQL's COPY path writes exactly the
rows and history rows django-simple-history's own bulk functions write (the path the SQLite demo takes)."""

from datetime import UTC, date, datetime

import pytest

from support.models import LegalOrder, OutcomeReading, ResidencePeriod
from support.services import _bulk
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ChildFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SKIP = {"id", "history_id", "history_relation"}


def _orders(child, kent):  # type: ignore[no-untyped-def]
    return [LegalOrder(child_id=child.pk, kind=kind, order_date=date(2020, 1, n + 1), placing_authority_id=kent.pk)
            for n, kind in enumerate(("adoption", "placement", "special_guardianship"))]


def _rows(queryset, fields):  # type: ignore[no-untyped-def]
    return sorted(tuple(row[f] for f in fields) for row in queryset.values(*fields))


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent")
    child = ChildFactory(household__responsible_authority=kent)
    return {"kent": kent, "by": UserFactory(authority=kent), "child": child}


class TestRowsCreate:
    def test_copy_writes_the_rows_and_history_the_library_writes(self, world, monkeypatch):  # type: ignore[no-untyped-def]
        assert _bulk._copy_possible(LegalOrder)
        copied = _orders(world["child"], world["kent"])
        _bulk.rows_create(LegalOrder, copied, user=world["by"], reason="SSD import 1", at=AT)
        assert all(o.pk and not o._state.adding for o in copied)
        assert {o.pk for o in copied} == set(LegalOrder.objects.values_list("pk", flat=True))

        other = ChildFactory(household__responsible_authority=world["kent"])
        monkeypatch.setattr(_bulk, "_copy_possible", lambda model: False)
        _bulk.rows_create(LegalOrder, _orders(other, world["kent"]), user=world["by"], reason="SSD import 1", at=AT)

        fields = [f.name for f in LegalOrder._meta.concrete_fields if f.name not in SKIP | {"child"}]
        assert _rows(LegalOrder.objects.filter(child=world["child"]), fields) == _rows(
            LegalOrder.objects.filter(child=other), fields)
        history = [f.name for f in LegalOrder.history.model._meta.concrete_fields  # type: ignore[attr-defined]
                   if f.name not in SKIP | {"child"}]
        by_copy = LegalOrder.history.filter(child=world["child"])  # type: ignore[attr-defined]
        by_library = LegalOrder.history.filter(child=other)  # type: ignore[attr-defined]
        assert _rows(by_copy, history) == _rows(by_library, history)
        assert set(by_copy.values_list("history_type", "history_user", "history_change_reason", "history_date")) == {
            ("+", world["by"].pk, "SSD import 1", AT)}
        assert set(by_copy.values_list("id", flat=True)) == {o.pk for o in copied}

    def test_a_new_row_after_a_copy_gets_a_fresh_id(self, world):  # type: ignore[no-untyped-def]
        kent = world["kent"]
        rows = [ResidencePeriod(household_id=world["child"].household_id, authority_id=kent.pk,
                                from_date=date(2021, 1, n + 1)) for n in range(3)]
        _bulk.rows_create(ResidencePeriod, rows, user=None, reason="r", at=AT)
        later = ResidencePeriod.objects.create(household_id=world["child"].household_id, authority=kent,
                                               from_date=date(2022, 1, 1))
        assert later.pk > max(r.pk for r in rows)
        written = ResidencePeriod.history.filter(id__in=[*(r.pk for r in rows), later.pk])  # type: ignore[attr-defined]
        assert written.count() == 4

    def test_nothing_to_write_writes_nothing(self, world):  # type: ignore[no-untyped-def]
        _bulk.rows_create(LegalOrder, [], user=None, reason="r", at=AT)
        _bulk.rows_update(LegalOrder, [], ["order_date"], user=None, reason="r", at=AT)
        assert not LegalOrder.history.exists()  # type: ignore[attr-defined]


class TestRowsUpdate:
    def test_changes_are_saved_with_a_change_row_each(self, world):  # type: ignore[no-untyped-def]
        child = world["child"]
        readings = [OutcomeReading(child_id=child.pk, reading_date=date(2024, 1, n + 1), score=n, source="case_system",
                                   source_key=f"S{n}") for n in range(3)]
        _bulk.rows_create(OutcomeReading, readings, user=None, reason="first", at=AT)
        for reading in readings:
            reading.score, reading.reason = None, "SDQ4"
        _bulk.rows_update(OutcomeReading, readings, ["score", "reason"], user=world["by"], reason="second", at=AT)
        assert set(OutcomeReading.objects.values_list("score", "reason")) == {(None, "SDQ4")}
        changes = OutcomeReading.history.filter(history_type="~")  # type: ignore[attr-defined]
        assert set(changes.values_list("score", "reason", "history_user", "history_change_reason")) == {
            (None, "SDQ4", world["by"].pk, "second")}
        assert changes.count() == 3
