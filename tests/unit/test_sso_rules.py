"""The pure rules of single sign-on: email domains, the provider's multi-factor assertion, groups to roles."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sso import rules
from sso.rules import Grant, Mapping


class TestParseDomains:
    def test_splits_on_spaces_and_commas_lower_cases_and_drops_repeats(self) -> None:
        assert rules.parse_domains(" kent.gov.uk, Kent.GOV.uk  @medway.gov.uk bexley.gov.uk.") == [
            "kent.gov.uk", "medway.gov.uk", "bexley.gov.uk"]

    def test_nothing_gives_nothing(self) -> None:
        assert rules.parse_domains("  ") == []


class TestEmailDomainAllowed:
    @pytest.mark.parametrize("email", ["jo@kent.gov.uk", "Jo.Bloggs@KENT.gov.uk", "jo@kent.gov.uk."])
    def test_allows_an_address_of_a_listed_domain(self, email: str) -> None:
        assert rules.email_domain_allowed(email, ["kent.gov.uk"])

    @pytest.mark.parametrize("email", [
        "jo@evil.kent.gov.uk", "jo@kent.gov.uk.evil.example", "jo@gmail.com", "", "kent.gov.uk", "@kent.gov.uk",
        "a@b@kent.gov.uk",
    ])
    def test_refuses_anything_else(self, email: str) -> None:
        assert not rules.email_domain_allowed(email, ["kent.gov.uk"])

    def test_refuses_everyone_when_no_domain_is_listed(self) -> None:
        assert not rules.email_domain_allowed("jo@kent.gov.uk", [])


class TestAssertsMfa:
    def test_amr_with_mfa(self) -> None:
        assert rules.asserts_mfa(amr=["pwd", "mfa"], acr=None, mfa_acr="")

    def test_amr_without_mfa(self) -> None:
        assert not rules.asserts_mfa(amr=["pwd"], acr="urn:x", mfa_acr="")

    def test_the_configured_acr(self) -> None:
        assert rules.asserts_mfa(amr=None, acr="urn:mfa", mfa_acr="urn:mfa")
        assert not rules.asserts_mfa(amr=None, acr="urn:pwd", mfa_acr="urn:mfa")

    def test_no_configured_acr_means_amr_only(self) -> None:
        assert not rules.asserts_mfa(amr=None, acr="", mfa_acr="")

    def test_a_string_amr_is_not_a_list(self) -> None:
        assert not rules.asserts_mfa(amr="mfa", acr=None, mfa_acr="")


class TestGroupsFromClaims:
    @pytest.mark.parametrize(("value", "groups"), [
        (["a", "b"], ["a", "b"]), ("a", ["a"]), (None, []), (7, []), ([1, "b"], ["1", "b"]),
    ])
    def test_reads_lists_strings_and_nothing(self, value: object, groups: list[str]) -> None:
        assert rules.groups_from_claims(value) == groups


WORKER = Mapping(group_id="g-w", role="social_worker", scope="authority", authority_id=1, partnership_id=None)
MANAGER = Mapping(group_id="g-m", role="team_manager", scope="authority", authority_id=1, partnership_id=None,
                  precedence=10)
COMMISSIONER = Mapping(group_id="g-c", role="lead_commissioner", scope="partnership", authority_id=None,
                       partnership_id=3, precedence=10)


class TestGrantFor:
    def test_no_mapped_group_gives_nothing(self) -> None:
        assert rules.grant_for(["g-other"], [WORKER, MANAGER]) is None
        assert rules.grant_for([], [WORKER]) is None

    def test_one_mapped_group(self) -> None:
        assert rules.grant_for(["g-w", "g-other"], [WORKER, MANAGER]) == Grant(
            role="social_worker", scope="authority", authority_id=1, partnership_id=None)

    def test_the_lowest_precedence_wins_then_the_lowest_group_id(self) -> None:
        assert rules.grant_for(["g-w", "g-m"], [WORKER, MANAGER]).role == "team_manager"  # type: ignore[union-attr]
        assert rules.grant_for(["g-m", "g-c"], [MANAGER, COMMISSIONER]).role == "lead_commissioner"  # type: ignore[union-attr]

    def test_never_gives_machine_provider_or_administrator_roles(self) -> None:
        admin = Mapping(group_id="g-a", role="administrator", scope="authority", authority_id=1, partnership_id=None,
                        precedence=0)
        assert rules.grant_for(["g-a"], [admin]) is None
        assert rules.grant_for(["g-a", "g-w"], [admin, WORKER]).role == "social_worker"  # type: ignore[union-attr]

    @given(st.permutations([WORKER, MANAGER, COMMISSIONER]), st.sets(st.sampled_from(["g-w", "g-m", "g-c", "g-x"])))
    def test_the_order_of_mappings_and_groups_never_matters(self, mappings: list[Mapping], groups: set[str]) -> None:
        assert rules.grant_for(sorted(groups), mappings) == rules.grant_for(sorted(groups, reverse=True),
                                                                            [WORKER, MANAGER, COMMISSIONER])

    @given(st.sets(st.sampled_from(["g-w", "g-m", "g-c", "g-x"])))
    def test_a_grant_comes_from_a_group_the_person_is_in(self, groups: set[str]) -> None:
        grant = rules.grant_for(groups, [WORKER, MANAGER, COMMISSIONER])
        mapped = groups & {"g-w", "g-m", "g-c"}
        assert (grant is None) == (not mapped)


class TestUsernameFor:
    def test_the_address_in_lower_case(self) -> None:
        assert rules.username_for("Jo.Bloggs@Kent.gov.uk", []) == "jo.bloggs@kent.gov.uk"

    def test_a_number_when_taken(self) -> None:
        assert rules.username_for("jo@kent.gov.uk", ["jo@kent.gov.uk", "jo@kent.gov.uk-2"]) == "jo@kent.gov.uk-3"

    def test_odd_characters_become_dashes(self) -> None:
        assert rules.username_for("jo o'neil@kent.gov.uk", []) == "jo-o-neil@kent.gov.uk"


class TestMappingWithinOrganisation:
    MEMBERS = {3: {1, 2}}

    @pytest.mark.parametrize(("provider", "mapping", "allowed"), [
        ((1, None), (1, None), True),    # an authority's provider: its own authority
        ((1, None), (2, None), False),   # ...never another authority
        ((1, None), (None, 3), True),    # ...or a partnership it belongs to
        ((4, None), (None, 3), False),   # ...not a partnership it is not in
        ((None, 3), (None, 3), True),    # a partnership's provider: the partnership
        ((None, 3), (2, None), True),    # ...or one of its members
        ((None, 3), (4, None), False),   # ...never an outsider
        ((None, 3), (None, 5), False),   # ...nor another partnership
        ((None, None), (1, None), False),
        ((1, None), (None, None), False),
    ])
    def test_scope_stays_inside_the_providers_organisation(self, provider, mapping, allowed) -> None:  # type: ignore[no-untyped-def]
        assert rules.mapping_within_organisation(
            provider_authority_id=provider[0], provider_partnership_id=provider[1], authority_id=mapping[0],
            partnership_id=mapping[1], member_ids_of=self.MEMBERS,
        ) is allowed
