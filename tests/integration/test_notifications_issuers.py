"""The letters other apps issue with their state changes: the fund's outcome to the family (claims), and the
referral to the provider (commissioning), which carries the child's initials and year of birth, never the name."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from claims.models.applications import Status
from claims.services.decisions import application_approve, application_reject
from commissioning.services import drafting
from notifications.models import FollowUp, Letter, LetterKind, Message, MessageStatus
from notifications.recipients import Channel
from notifications.services import contact_preference_save
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_claims import at, build, world
from tests.factories_commissioning import NOW, DraftReferralFactory, checked_provider, live_contract

pytestmark = pytest.mark.django_db


def text_of(letter: Letter) -> str:
    with letter.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class TestAsfOutcome:
    def test_an_approval_sends_the_family_the_amount_and_what_is_funded(self):  # type: ignore[no-untyped-def]
        w = world()
        app = build(w, Status.SUBMITTED)
        application_approve(application=app, by=w.finance, now=at(date(2025, 5, 20)),
                            decision_date=date(2025, 5, 20), fund_reference="ASGSF-1")
        letter = Letter.objects.get(kind=LetterKind.ASF_OUTCOME, object_id=str(app.pk))
        text = text_of(letter)
        assert "approved the application in full" in text and "20 May 2025" in text
        assert f"£{app.total.amount:,.2f}" in text and app.child.full_name in text
        assert letter.household == app.child.household

    def test_a_rejection_gives_the_funds_reason(self):  # type: ignore[no-untyped-def]
        w = world()
        app = build(w, Status.SUBMITTED)
        application_reject(application=app, by=w.finance, now=at(date(2025, 5, 20)), decision_date=date(2025, 5, 20),
                           note="The therapy is not one the fund pays for")
        text = text_of(Letter.objects.get(kind=LetterKind.ASF_OUTCOME, object_id=str(app.pk)))
        assert "did not approve" in text and "The therapy is not one the fund pays for" in text


@pytest.fixture
def referral_world():  # type: ignore[no-untyped-def]
    kent, medway = AuthorityFactory(short_code="kent", name="Kent"), AuthorityFactory(short_code="medway")
    coram = checked_provider(name="Coram")
    return {"kent": kent, "coram": coram, "worker": UserFactory(authority=kent, role=Role.SOCIAL_WORKER),
            "coram_contract": live_contract(provider=coram, lead=kent, parties=[medway], reference="KCC-PAS-01")}


class TestReferralLetter:
    def test_goes_to_the_provider_with_initials_not_the_childs_name(self, referral_world):  # type: ignore[no-untyped-def]
        w = referral_world
        contact_preference_save(party=w["coram"], channel=Channel.EMAIL, email="referrals@coram.example")
        referral = DraftReferralFactory(contract=w["coram_contract"], authority=w["kent"],
                                        notes_for_provider="Attachment difficulties at home")
        drafting.referral_send(referral=referral, by=w["worker"], now=NOW)
        letter = Letter.objects.get(kind=LetterKind.REFERRAL, object_id=str(referral.pk))
        child = referral.support_request.child
        text = text_of(letter)
        assert "KCC-PAS-01" in text and "Attachment difficulties at home" in text and "8 December 2026" in text
        assert child.first_name not in text and child.household.address_line_1 not in text
        assert f"{child.first_name[0]}" in text and str(child.date_of_birth.year) in text
        assert letter.provider == w["coram"]
        assert Message.objects.get(letter=letter).to == "referrals@coram.example"

    def test_a_provider_with_no_address_has_its_letter_held_for_the_worker(self, referral_world):  # type: ignore[no-untyped-def]
        w = referral_world
        referral = DraftReferralFactory(contract=w["coram_contract"], authority=w["kent"])
        drafting.referral_send(referral=referral, by=w["worker"], now=NOW)
        message = Message.objects.get(letter__kind=LetterKind.REFERRAL)
        assert message.status == MessageStatus.HELD
        assert FollowUp.objects.get(message=message).assigned_to == w["worker"]
