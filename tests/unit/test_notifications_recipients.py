"""The recipient rule, pure: a letter to a birth relative never carries the adoptive family's surname or address."""

import pytest

from notifications.recipients import (
    Channel,
    Recipient,
    RecipientKind,
    RecipientNotAllowed,
    Withheld,
    check_recipient,
    leaks,
)

OKAFOR_LANE = Withheld(surnames=("Okafor-Lane", "Okafor"), address_lines=("1 High Street", "ME4 4AA"))


def mother(**kwargs):  # type: ignore[no-untyped-def]
    return Recipient(kind=RecipientKind.BIRTH_RELATIVE, name=kwargs.pop("name", "Stacey Marsh"),
                     address_lines=kwargs.pop("address_lines", ("9 Mill Lane", "Rochester", "ME1 2AB")),
                     withheld=OKAFOR_LANE, **kwargs)


class TestCheckRecipient:
    def test_a_birth_relative_cannot_be_addressed_without_saying_what_to_withhold(self):  # type: ignore[no-untyped-def]
        with pytest.raises(RecipientNotAllowed, match="must name the adoptive family's details"):
            Recipient(kind=RecipientKind.BIRTH_RELATIVE, name="Stacey Marsh")

    def test_refuses_the_adoptive_surname_anywhere_in_the_text(self):  # type: ignore[no-untyped-def]
        with pytest.raises(RecipientNotAllowed, match="surname"):
            check_recipient(recipient=mother(), letter_text="Support after the OKAFOR-LANE adoption")

    def test_refuses_the_adoptive_address_in_the_address_block(self):  # type: ignore[no-untyped-def]
        with pytest.raises(RecipientNotAllowed, match="address"):
            check_recipient(recipient=mother(address_lines=("1 High  Street", "Chatham", "ME4 4AA")),
                            letter_text="Dear Stacey")

    def test_finds_a_postcode_written_without_its_space(self):  # type: ignore[no-untyped-def]
        assert leaks(texts=["Send it to me44aa please"], withheld=OKAFOR_LANE) == ["the adoptive family's address"]

    def test_a_surname_inside_another_word_is_not_a_leak(self):  # type: ignore[no-untyped-def]
        assert leaks(texts=["Okaforstreet Surgery"], withheld=Withheld(surnames=("Okafor",), address_lines=())) == []

    def test_allows_a_letter_that_names_no_adopter(self):  # type: ignore[no-untyped-def]
        check_recipient(recipient=mother(), letter_text="Dear Stacey Marsh, we received your request.")

    def test_the_rule_is_only_for_birth_relatives(self):  # type: ignore[no-untyped-def]
        family = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name="Ada Okafor-Lane",
                           address_lines=("1 High Street", "ME4 4AA"))
        check_recipient(recipient=family, letter_text="Dear Ada Okafor-Lane")


class TestChannels:
    def test_both_means_post_and_email(self):  # type: ignore[no-untyped-def]
        both = Recipient(kind=RecipientKind.PROVIDER, name="Coram", channel=Channel.BOTH, email="a@b.org")
        assert (both.wants_post, both.wants_email, both.has_email, both.has_postal_address) == (True, True, True,
                                                                                                 False)
