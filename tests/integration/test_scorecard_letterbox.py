"""Letterbox figures in the scorecard (issue 22's counts, read through `contact.selectors`), on PostgreSQL with
known answers: by authority and quarter, the partnership's sum, the same figures as the letterbox dashboard's
`period_counts` for a coordinator, the board return's letterbox fields by family kind, and a query count that does
not grow."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contact import selectors as contact_selectors
from contact.models import ForwardChannel, ItemKind
from contact.services import exchanges as exchange_services
from scorecard import rules, selectors
from scorecard.models import ReturnDefinitionSet, ReturnField, ReturnQuery
from scorecard.services.returns import return_table
from support.models.orders import OrderKind
from tests.factories import PartnershipFactory
from tests.factories_contact import ALL_POINTS, TODAY, active_arrangement, at, item, letterbox_world
from tests.factories_support import LegalOrderFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def places():  # type: ignore[no-untyped-def]
    kent, medway = letterbox_world("kent"), letterbox_world("medway")
    partnership = PartnershipFactory(members=[kent.authority, medway.authority])
    LegalOrderFactory(child=kent.child, kind=OrderKind.ADOPTION)
    # Kent: due in March and September, both sides, so four items due in 2025-26 (two in Q2, two in Q4).
    arrangement = active_arrangement(kent, months=(3, 9), agreed=date(2025, 1, 10))
    on_time = item(arrangement, due=date(2025, 9, 1), writer="relatives")
    exchange_services.exchange_receive(exchange=on_time, received_date=date(2025, 9, 15), kind=ItemKind.LETTER,
                                       by=kent.coordinator, now=at(date(2025, 9, 15)))
    exchange_services.exchange_hold(exchange=on_time, reason="Names a school", by=kent.coordinator,
                                    now=at(date(2025, 9, 16)))
    late = item(arrangement, due=date(2025, 9, 1), writer="family")
    exchange_services.exchange_receive(exchange=late, received_date=late.overdue_date, kind=ItemKind.CARD,
                                       by=kent.coordinator, now=at(late.overdue_date))
    exchange_services.exchange_forward(exchange=late, channel=ForwardChannel.POST, forwarded_date=late.overdue_date,
                                       by=kent.coordinator, now=at(late.overdue_date), points=ALL_POINTS)
    marked = item(arrangement, due=date(2026, 3, 1), writer="family")
    exchange_services.exchange_miss(exchange=marked, by=kent.coordinator, now=at(marked.overdue_date))
    # The March 2026 relatives' item is still expected: overdue on TODAY, so missed too.
    # Medway: June only, both sides, nothing received: two due in Q1, both missed by TODAY.
    active_arrangement(medway, months=(6,), agreed=date(2025, 2, 3))
    return {"kent": kent.authority, "medway": medway.authority, "partnership": partnership,
            "coordinator": kent.coordinator}


def figures(card: selectors.Scorecard, period_key: str, who: object) -> dict[str, int]:
    return {m.field: card.letterbox[m.key][period_key][who] for m in rules.LETTERBOX_MEASURES}  # type: ignore[index]


class TestLetterboxFigures:
    def test_by_authority_and_quarter_with_the_partnership_sum(self, places) -> None:  # type: ignore[no-untyped-def]
        card = selectors.scorecard(authorities=[places["kent"], places["medway"]], year=YEAR, today=TODAY)
        kent, medway = places["kent"].pk, places["medway"].pk
        assert figures(card, "year", kent) == {"active_arrangements": 1, "due": 4, "on_time": 1, "late": 1,
                                               "missed": 2, "held": 1, "forwarded": 1}
        assert figures(card, "q2", kent) == {"active_arrangements": 1, "due": 2, "on_time": 1, "late": 1,
                                             "missed": 0, "held": 1, "forwarded": 1}
        assert figures(card, "q4", kent)["missed"] == 2
        assert figures(card, "q1", kent) == {"active_arrangements": 1, "due": 0, "on_time": 0, "late": 0,
                                             "missed": 0, "held": 0, "forwarded": 0}
        assert figures(card, "q1", medway) == {"active_arrangements": 1, "due": 2, "on_time": 0, "late": 0,
                                               "missed": 2, "held": 0, "forwarded": 0}
        assert figures(card, "year", None) == {"active_arrangements": 2, "due": 6, "on_time": 1, "late": 1,
                                               "missed": 4, "held": 1, "forwarded": 1}

    def test_before_the_items_fell_overdue_nothing_is_missed(self, places) -> None:  # type: ignore[no-untyped-def]
        card = selectors.scorecard(authorities=[places["kent"], places["medway"]], year=YEAR,
                                   today=date(2025, 6, 2))
        assert card.letterbox["letterbox_missed"]["q1"][places["medway"].pk] == 0

    def test_the_same_figures_as_the_letterbox_dashboard(self, places) -> None:  # type: ignore[no-untyped-def]
        card = selectors.scorecard(authorities=[places["kent"]], year=YEAR, today=TODAY)
        for period in [*rules.quarters(YEAR), rules.financial_year(YEAR)]:
            dashboard = contact_selectors.period_counts(user=places["coordinator"], start=period.start,
                                                        end=period.end, today=TODAY)
            assert figures(card, period.key, places["kent"].pk) == {
                m.field: getattr(dashboard, m.field) for m in rules.LETTERBOX_MEASURES}

    def test_two_queries_whatever_the_number_of_authorities(self, places) -> None:  # type: ignore[no-untyped-def]
        periods = [*rules.quarters(YEAR), rules.financial_year(YEAR)]
        with CaptureQueriesContext(connection) as one:
            selectors.letterbox(authority_ids=[places["kent"].pk], periods=periods, today=TODAY)
        with CaptureQueriesContext(connection) as two:
            selectors.letterbox(authority_ids=[places["kent"].pk, places["medway"].pk], periods=periods,
                                today=TODAY)
        assert len(one) == len(two) == 2


class TestLetterboxInTheBoardReturn:
    def test_each_letterbox_query_by_authority_and_kind(self, places) -> None:  # type: ignore[no-untyped-def]
        definition_set = ReturnDefinitionSet.objects.create(title="Return", version=1,
                                                            valid_from_date=date(2020, 4, 1))
        letterbox_queries = [q for q in ReturnQuery.values if q.startswith("letterbox_")]
        assert len(letterbox_queries) == 7
        for position, query in enumerate(letterbox_queries, start=1):
            ReturnField.objects.create(definition_set=definition_set, position=position, name=query,
                                       definition=f"The {query}", query=query)
        table = return_table(authorities=[places["kent"], places["medway"]], year=YEAR, quarter=2)
        values = dict(zip([f.query for f in table.fields], table.values, strict=True))
        kent, medway = places["kent"].pk, places["medway"].pk
        assert values["letterbox_due"] == {(kent, "adoption"): {"value": 2, "count": 2}}
        assert values["letterbox_on_time"] == {(kent, "adoption"): {"value": 1, "count": 1}}
        assert values["letterbox_active"] == {(kent, "adoption"): {"value": 1, "count": 1},
                                              (medway, "other"): {"value": 1, "count": 1}}
        assert values["letterbox_missed"] == {}
