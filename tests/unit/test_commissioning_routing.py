"""commissioning.routing: the pure routing rule, at every boundary the issue names, and its invariants."""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.routing import (
    CheckFact,
    ContractOption,
    RouteKind,
    anniversary,
    assess,
    contract_year,
    lapsed_check,
    route,
)


@dataclass(frozen=True)
class Thing:
    id: int
    name: str


DDP = Thing(1, "Dyadic Developmental Psychotherapy")
BIRTH_PARENT = Thing(2, "Birth parent support")
KENT = Thing(10, "Kent")
MEDWAY = Thing(11, "Medway")
BEXLEY = Thing(12, "Bexley")
ON = date(2026, 11, 24)
GOOD_CHECKS = (
    CheckFact("ofsted", date(2024, 1, 1), date(2027, 12, 31)),
    CheckFact("dbs", date(2024, 1, 1), date(2027, 12, 31)),
)


def option(contract_id: int = 1, **overrides) -> ContractOption:  # type: ignore[no-untyped-def]
    fields = {
        "contract_id": contract_id,
        "reference": f"C-{contract_id:03d}",
        "provider_id": 100 + contract_id,
        "provider_name": f"Provider {contract_id}",
        "route_kind": RouteKind.BLOCK,
        "start": date(2025, 4, 1),
        "end": date(2027, 3, 31),
        "service_type_ids": frozenset({DDP.id}),
        "party_authority_ids": frozenset({KENT.id, MEDWAY.id}),
        "capacity_per_year": None,
        "provider_checks": GOOD_CHECKS,
    }
    fields.update(overrides)
    return ContractOption(**fields)


def go(*contracts, on=ON, service=DDP, authority=KENT, used=None):  # type: ignore[no-untyped-def]
    return route(service_type=service, authority=authority, on_date=on, contracts=contracts, capacity_used=used)


class TestActiveDates:
    def test_routes_on_the_contracts_last_day(self):  # type: ignore[no-untyped-def]
        result = go(option(end=ON))
        assert result.contract_id == 1

    def test_refuses_the_day_after_the_last_day(self):  # type: ignore[no-untyped-def]
        result = go(option(end=ON - timedelta(days=1)))
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "ended on 23 November 2026"

    def test_routes_on_the_first_day(self):  # type: ignore[no-untyped-def]
        assert go(option(start=ON)).contract_id == 1

    def test_refuses_the_day_before_the_first_day(self):  # type: ignore[no-untyped-def]
        result = go(option(start=ON + timedelta(days=1)))
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "starts on 25 November 2026"

    def test_an_open_ended_contract_is_active_after_its_start(self):  # type: ignore[no-untyped-def]
        result = go(option(end=None, provider_checks=(CheckFact("ofsted", date(2020, 1, 1), date(2100, 1, 1)),)),
                    on=date(2099, 1, 1))
        assert result.contract_id == 1

    def test_a_terminated_contract_is_never_chosen_even_in_its_dates(self):  # type: ignore[no-untyped-def]
        result = go(option(open_for_referrals=False))
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "not open for referrals"


class TestCoverageAndParties:
    def test_refuses_a_contract_that_does_not_cover_the_service(self):  # type: ignore[no-untyped-def]
        result = go(option(), service=BIRTH_PARENT)
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "does not cover this service"

    def test_refuses_an_authority_that_is_not_a_party(self):  # type: ignore[no-untyped-def]
        result = go(option(), authority=BEXLEY)
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "the authority is not a party"

    def test_routes_a_party_authority(self):  # type: ignore[no-untyped-def]
        assert go(option(), authority=MEDWAY).contract_id == 1

    def test_a_contract_covering_several_services_routes_each(self):  # type: ignore[no-untyped-def]
        both = option(service_type_ids=frozenset({DDP.id, BIRTH_PARENT.id}))
        assert go(both, service=BIRTH_PARENT).contract_id == 1
        assert go(both, service=DDP).contract_id == 1


class TestCapacity:
    def test_routes_with_one_place_left(self):  # type: ignore[no-untyped-def]
        result = go(option(capacity_per_year=40), used={1: 39})
        assert result.contract_id == 1
        assert result.capacity_left == 1
        assert "1 of 40 places left" in result.reason

    def test_refuses_when_capacity_is_reached(self):  # type: ignore[no-untyped-def]
        result = go(option(capacity_per_year=40), used={1: 40})
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "capacity reached (40 of 40 this contract year)"

    def test_refuses_when_capacity_is_overrun(self):  # type: ignore[no-untyped-def]
        assert go(option(capacity_per_year=40), used={1: 41}).needs_spot_purchase

    def test_zero_capacity_takes_nothing(self):  # type: ignore[no-untyped-def]
        assert go(option(capacity_per_year=0)).needs_spot_purchase

    def test_no_limit_means_unlimited(self):  # type: ignore[no-untyped-def]
        result = go(option(capacity_per_year=None), used={1: 10_000})
        assert result.contract_id == 1
        assert result.capacity_left is None

    def test_usage_of_another_contract_does_not_count(self):  # type: ignore[no-untyped-def]
        assert go(option(capacity_per_year=1), used={2: 5}).contract_id == 1

    def test_falls_back_to_the_next_contract_when_the_first_is_full(self):  # type: ignore[no-untyped-def]
        block = option(1, capacity_per_year=10)
        call_off = option(2, route_kind=RouteKind.CALL_OFF)
        result = go(block, call_off, used={1: 10})
        assert result.contract_id == 2
        assert [c.option.contract_id for c in result.excluded] == [1]


class TestRegistration:
    def test_refuses_a_provider_whose_check_lapsed_the_day_before(self):  # type: ignore[no-untyped-def]
        checks = (CheckFact("ofsted", date(2024, 1, 1), ON - timedelta(days=1)),)
        result = go(option(provider_checks=checks))
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "Provider 1: ofsted check lapsed on 24 November 2026"

    def test_routes_on_the_last_day_a_check_is_valid(self):  # type: ignore[no-untyped-def]
        checks = (CheckFact("ofsted", date(2024, 1, 1), ON),)
        assert go(option(provider_checks=checks)).contract_id == 1

    def test_one_lapsed_kind_among_good_ones_refuses(self):  # type: ignore[no-untyped-def]
        checks = (*GOOD_CHECKS, CheckFact("insurance", date(2024, 1, 1), date(2025, 1, 1)))
        result = go(option(provider_checks=checks))
        assert result.needs_spot_purchase
        assert "insurance check lapsed on 2 January 2025" in result.excluded[0].why

    def test_a_renewed_check_replaces_the_lapsed_one(self):  # type: ignore[no-untyped-def]
        checks = (
            CheckFact("dbs", date(2020, 1, 1), date(2023, 1, 1)),
            CheckFact("dbs", date(2023, 1, 2), date(2027, 1, 1)),
        )
        assert go(option(provider_checks=checks)).contract_id == 1

    def test_a_provider_with_no_checks_is_never_chosen(self):  # type: ignore[no-untyped-def]
        result = go(option(provider_checks=()))
        assert result.needs_spot_purchase
        assert "no registration checks recorded" in result.excluded[0].why

    def test_a_check_made_after_the_date_does_not_cover_it(self):  # type: ignore[no-untyped-def]
        checks = (CheckFact("ofsted", ON + timedelta(days=1), date(2028, 1, 1)),)
        assert "not made until" in (lapsed_check(checks, ON) or "")
        assert go(option(provider_checks=checks)).needs_spot_purchase

    def test_a_provider_off_the_approved_list_is_never_chosen(self):  # type: ignore[no-untyped-def]
        result = go(option(provider_approved=False))
        assert result.needs_spot_purchase
        assert result.excluded[0].why == "Provider 1 is not on the approved list"


class TestTwoContractsForOneService:
    def test_a_block_contract_comes_before_a_call_off(self):  # type: ignore[no-untyped-def]
        call_off = option(1, route_kind=RouteKind.CALL_OFF, capacity_per_year=None)
        block = option(2, route_kind=RouteKind.BLOCK, capacity_per_year=5)
        result = go(call_off, block, used={2: 4})
        assert result.contract_id == 2
        assert [c.option.contract_id for c in result.alternatives] == [1]
        assert "block contract before framework call-off" in result.reason

    def test_between_two_blocks_the_one_with_more_places_left_wins(self):  # type: ignore[no-untyped-def]
        result = go(option(1, capacity_per_year=10), option(2, capacity_per_year=10), used={1: 8, 2: 3})
        assert result.contract_id == 2
        assert "more places left" in result.reason

    def test_unlimited_comes_before_limited(self):  # type: ignore[no-untyped-def]
        result = go(option(1, capacity_per_year=1000), option(2, capacity_per_year=None))
        assert result.contract_id == 2

    def test_a_full_tie_goes_to_the_later_end_then_the_reference(self):  # type: ignore[no-untyped-def]
        early = option(1, end=date(2026, 12, 31))
        late = option(2, end=date(2027, 12, 31))
        assert go(early, late).contract_id == 2
        same_b = option(2, reference="B")
        same_a = option(3, reference="A")
        assert go(same_b, same_a).contract_id == 3
        assert go(same_a, same_b).contract_id == 3

    def test_the_order_of_the_contracts_given_does_not_matter(self):  # type: ignore[no-untyped-def]
        contracts = [option(i, route_kind=kind) for i, kind in
                     enumerate([RouteKind.CALL_OFF, RouteKind.SERVICE_AGREEMENT, RouteKind.BLOCK], start=1)]
        assert go(*contracts).contract_id == 3
        assert go(*reversed(contracts)).contract_id == 3
        assert [c.option.contract_id for c in go(*contracts).alternatives] == [1, 2]

    def test_the_reason_names_provider_contract_route_service_and_date(self):  # type: ignore[no-untyped-def]
        result = go(option(1, provider_name="Coram", reference="KCC-PAS-01"))
        assert result.reason == (
            "Coram under KCC-PAS-01 (block contract) covers Dyadic Developmental Psychotherapy for Kent "
            "on 24 November 2026."
        )


class TestSpotPurchase:
    def test_no_contracts_at_all_needs_a_spot_purchase(self):  # type: ignore[no-untyped-def]
        result = go()
        assert result.needs_spot_purchase
        assert result.provider_id is None and result.contract_id is None
        assert result.reason == (
            "No active contract covers Dyadic Developmental Psychotherapy for Kent on 24 November 2026: "
            "a spot purchase is needed."
        )

    def test_the_reason_counts_the_contracts_considered(self):  # type: ignore[no-untyped-def]
        result = go(option(1, end=date(2020, 1, 1)), option(2, service_type_ids=frozenset()))
        assert "(2 contracts considered, none eligible)" in result.reason


class TestContractYear:
    def test_the_year_runs_from_each_anniversary(self):  # type: ignore[no-untyped-def]
        assert contract_year(date(2016, 4, 1), date(2017, 3, 31)) == (date(2016, 4, 1), date(2017, 4, 1))
        assert contract_year(date(2016, 4, 1), date(2017, 4, 1)) == (date(2017, 4, 1), date(2018, 4, 1))
        assert contract_year(date(2016, 4, 1), date(2016, 4, 1)) == (date(2016, 4, 1), date(2017, 4, 1))

    def test_dates_before_the_start_fall_in_the_first_year(self):  # type: ignore[no-untyped-def]
        assert contract_year(date(2016, 4, 1), date(2015, 1, 1)) == (date(2016, 4, 1), date(2017, 4, 1))

    def test_a_29_february_start(self):  # type: ignore[no-untyped-def]
        assert anniversary(date(2024, 2, 29), 1) == date(2025, 2, 28)
        assert contract_year(date(2024, 2, 29), date(2025, 2, 27)) == (date(2024, 2, 29), date(2025, 2, 28))
        assert contract_year(date(2024, 2, 29), date(2028, 2, 29)) == (date(2028, 2, 29), date(2029, 2, 28))

    @given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
           st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    def test_the_year_holds_the_date_once_started(self, start, on):  # type: ignore[no-untyped-def]
        begins, ends = contract_year(start, on)
        assert begins < ends
        if on >= start:
            assert begins <= on < ends


# --- properties -------------------------------------------------------------------------------------------
day = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
checks = st.lists(
    st.builds(CheckFact, kind=st.sampled_from(["ofsted", "dbs"]), checked=st.just(date(2024, 1, 1)),
              valid_until=day),
    max_size=3,
).map(tuple)


@st.composite
def options(draw, contract_id):  # type: ignore[no-untyped-def]
    start = draw(day)
    return ContractOption(
        contract_id=contract_id,
        reference=draw(st.sampled_from(["A", "B", "C"])),
        provider_id=draw(st.integers(1, 4)),
        provider_name="P",
        route_kind=draw(st.sampled_from(list(RouteKind))),
        start=start,
        end=draw(st.one_of(st.none(), st.dates(min_value=start, max_value=date(2028, 1, 1)))),
        service_type_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=3))),
        party_authority_ids=frozenset(draw(st.sets(st.integers(10, 12), max_size=3))),
        capacity_per_year=draw(st.one_of(st.none(), st.integers(0, 5))),
        provider_checks=draw(checks),
        provider_approved=draw(st.booleans()),
        open_for_referrals=draw(st.booleans()),
    )


@st.composite
def worlds(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(0, 6))
    contracts = [draw(options(i)) for i in range(1, n + 1)]
    used = {c.contract_id: draw(st.integers(0, 6)) for c in contracts}
    return (contracts, used, Thing(draw(st.integers(1, 3)), "S"), Thing(draw(st.integers(10, 12)), "A"),
            draw(day))


def eligible_ids(contracts, used, service, authority, on):  # type: ignore[no-untyped-def]
    return {c.contract_id for c in contracts
            if assess(c, service_type_id=service.id, authority_id=authority.id, on_date=on,
                      used=used.get(c.contract_id, 0)).eligible}


class TestProperties:
    @settings(max_examples=300)
    @given(worlds())
    def test_the_result_is_always_an_eligible_contract(self, world):  # type: ignore[no-untyped-def]
        contracts, used, service, authority, on = world
        result = go(*contracts, on=on, service=service, authority=authority, used=used)
        eligible = eligible_ids(contracts, used, service, authority, on)
        if result.chosen is None:
            assert not eligible
        else:
            assert result.contract_id in eligible
            assert {result.contract_id} | {c.option.contract_id for c in result.alternatives} == eligible

    @settings(max_examples=300)
    @given(worlds())
    def test_every_contract_is_chosen_listed_or_excluded_once(self, world):  # type: ignore[no-untyped-def]
        contracts, used, service, authority, on = world
        result = go(*contracts, on=on, service=service, authority=authority, used=used)
        seen = [c.option.contract_id for c in (*result.alternatives, *result.excluded)]
        if result.chosen:
            seen.append(result.chosen.contract_id)
        assert sorted(seen) == sorted(c.contract_id for c in contracts)

    @settings(max_examples=300)
    @given(worlds(), st.data())
    def test_adding_an_ineligible_contract_never_changes_the_result(self, world, data):  # type: ignore[no-untyped-def]
        contracts, used, service, authority, on = world
        before = go(*contracts, on=on, service=service, authority=authority, used=used)
        extra = data.draw(options(99))
        spoil = data.draw(st.sampled_from(["dates", "service", "party", "full", "unapproved", "closed", "lapsed"]))
        extra = {
            "dates": replace(extra, start=on + timedelta(days=1), end=None),
            "service": replace(extra, service_type_ids=frozenset()),
            "party": replace(extra, party_authority_ids=frozenset()),
            "full": replace(extra, capacity_per_year=0),
            "unapproved": replace(extra, provider_approved=False),
            "closed": replace(extra, open_for_referrals=False),
            "lapsed": replace(extra, provider_checks=()),
        }[spoil]
        after = go(*contracts, extra, on=on, service=service, authority=authority, used=used)
        assert after.chosen == before.chosen
        assert after.alternatives == before.alternatives
        if before.chosen is not None:
            assert after.reason == before.reason

    @settings(max_examples=200)
    @given(worlds(), st.randoms(use_true_random=False))
    def test_the_order_of_the_contracts_never_matters(self, world, rnd):  # type: ignore[no-untyped-def]
        contracts, used, service, authority, on = world
        shuffled = list(contracts)
        rnd.shuffle(shuffled)
        first = go(*contracts, on=on, service=service, authority=authority, used=used)
        second = go(*shuffled, on=on, service=service, authority=authority, used=used)
        assert first == second

    @settings(max_examples=200)
    @given(worlds())
    def test_no_alternative_outranks_the_chosen_route_kind(self, world):  # type: ignore[no-untyped-def]
        from commissioning.routing import ROUTE_RANK

        contracts, used, service, authority, on = world
        result = go(*contracts, on=on, service=service, authority=authority, used=used)
        if result.chosen:
            assert all(ROUTE_RANK[result.chosen.route_kind] <= ROUTE_RANK[c.option.route_kind]
                       for c in result.alternatives)
