"""Letters: every kind rendered to a PDF whose text holds what the regulations ask for; the address in Notify's
window; stored once with its hash; issued by the step that needs it, in the same transaction; the birth-relative
rule; a letter with no usable address held with a task for the worker."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from moneyed import Money
from pypdf import PdfReader

from notifications import rendering
from notifications.models import FollowUp, Letter, LetterKind, Message, MessageStatus
from notifications.recipients import Channel, Recipient, RecipientKind, Withheld
from notifications.services import letter_issue, letterhead_save
from organisations.models import Role
from support.models import NoticeOfProposal, SupportRequest
from support.models.requests import RequestStage
from support.services.notices import notice_issue
from support.services.people import person_create
from support.services.requests import request_create
from tests.factories import AuthorityFactory, UserFactory
from tests.factories_support import ApprovedAssessmentFactory, ChildFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 4, 10, 0))
MM = 72 / 25.4  # PDF points per millimetre


def pdf_text(content: bytes) -> str:
    """The words of every page, with line breaks made spaces (lines wrap where the layout wraps them)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    authority = AuthorityFactory(short_code="kent", name="Kent County Council")
    letterhead_save(authority=authority, display_name="Kent County Council",
                    address="Sessions House\nCounty Road\nMaidstone\nME14 1XQ", telephone="03000 41 11 11",
                    email="adoption@kent.example", signatory_name="Jo Reed", signatory_title="Head of Service",
                    complaint_route="Write to the Complaints Team, Sessions House, Maidstone ME14 1XQ.")
    return authority


@pytest.fixture
def worker(kent):  # type: ignore[no-untyped-def]
    return UserFactory(authority=kent, role=Role.SOCIAL_WORKER)


FAMILY = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name="Ada Okafor-Lane",
                   address_lines=("1 High Street", "Chatham", "ME4 4AA"))
PROVIDER = Recipient(kind=RecipientKind.PROVIDER, name="Coram", address_lines=("41 Brunswick Square", "London",
                                                                               "WC1N 1AZ"))
LETTERHEAD = {"name": "Kent County Council", "address_lines": ["Sessions House", "Maidstone", "ME14 1XQ"],
              "logo_url": "", "signatory_name": "Jo Reed", "signatory_title": "Head of Service",
              "telephone": "03000 41 11 11", "email": "adoption@kent.example",
              "complaint_route": "Write to the Complaints Team at Sessions House."}

# Every kind, with the context its caller hands it and the words its PDF must hold.
KINDS = {
    LetterKind.ACKNOWLEDGEMENT: (FAMILY, {"subject_name": "Sam Okafor-Lane", "received_date": date(2026, 3, 2)},
                                 ["received your request on 2 March 2026", "Sam Okafor-Lane"]),
    LetterKind.NOTICE_OF_PROPOSAL: (FAMILY, {
        "subject_name": "Sam Okafor-Lane", "statement_of_needs": "Therapeutic support for attachment",
        "proposes_support": True, "proposed_services": "Dyadic Developmental Psychotherapy",
        "window_end_date": date(2026, 4, 1)},
        ["Therapeutic support for attachment", "Dyadic Developmental Psychotherapy", "by 1 April 2026",
         "We propose to provide support", "Who to contact", "03000 41 11 11"]),
    LetterKind.NOTICE_OF_DECISION: (FAMILY, {
        "subject_name": "Sam Okafor-Lane", "outcome": "We have decided to provide adoption support.",
        "reasons": "The assessment found a need for therapy.", "services": "Dyadic Developmental Psychotherapy"},
        ["We have decided to provide adoption support.", "The assessment found a need for therapy.",
         "Dyadic Developmental Psychotherapy", "If you are not happy with our decision", "Complaints Team"]),
    LetterKind.REVIEW_OUTCOME: (FAMILY, {
        "subject_name": "Sam Okafor-Lane", "review_date": date(2026, 2, 27),
        "outcome": "The support plan continues as it is.", "next_review_date": date(2026, 8, 27)},
        ["27 February 2026", "The support plan continues as it is.", "27 August 2026"]),
    LetterKind.ASF_OUTCOME: (FAMILY, {
        "subject_name": "Sam Okafor-Lane", "outcome": "The fund approved the application.",
        "amount_approved": Money(Decimal("3000"), "GBP"), "services": "Therapeutic parenting course"},
        ["The fund approved the application.", "£3,000.00", "Therapeutic parenting course"]),
    LetterKind.REFERRAL: (PROVIDER, {
        "contract_reference": "KCC-2026-01", "service_name": "Dyadic Developmental Psychotherapy", "sessions": 12,
        "start_date": date(2026, 4, 6), "needs": "Attachment difficulties at home", "child_initials": "S O-L",
        "child_birth_year": 2019},
        ["KCC-2026-01", "12 sessions", "6 April 2026", "Attachment difficulties at home", "S O-L, 2019"]),
    LetterKind.REMITTANCE_ADVICE: (PROVIDER, {
        "total": Money(Decimal("3450.5"), "GBP"), "payment_date": date(2026, 3, 31), "lines": [
            {"invoice": "INV-101", "description": "DDP, 6 sessions", "amount": Money(Decimal("3000"), "GBP")},
            {"invoice": "INV-102", "description": "Travel", "amount": Money(Decimal("450.50"), "GBP")}]},
        ["£3,450.50", "31 March 2026", "INV-101", "£3,000.00", "INV-102", "£450.50"]),
}


class TestEveryKind:
    @pytest.mark.parametrize("kind", list(KINDS))
    def test_renders_an_a4_pdf_holding_its_required_content(self, kind):  # type: ignore[no-untyped-def]
        recipient, context, required = KINDS[kind]
        letter = rendering.render_letter(kind=kind, title=LetterKind(kind).label, reference="LTR-TEST",
                                         letterhead=LETTERHEAD, recipient=recipient,
                                         context={**context, "letter_date": date(2026, 3, 4)})
        reader = PdfReader(io.BytesIO(letter.pdf))
        text = pdf_text(letter.pdf)
        for words in [*required, "Kent County Council", recipient.name, "4 March 2026", "LTR-TEST", "Jo Reed"]:
            assert words in text, f"{words!r} missing from the {kind} letter"
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)


class TestThePdf:
    def test_is_tagged_pdf_ua_with_embedded_fonts_and_the_address_in_notifys_window(self):  # type: ignore[no-untyped-def]
        recipient, context, _ = KINDS[LetterKind.NOTICE_OF_PROPOSAL]
        letter = rendering.render_letter(kind=LetterKind.NOTICE_OF_PROPOSAL, title="Notice of proposal",
                                         reference="LTR-TEST", letterhead=LETTERHEAD, recipient=recipient,
                                         context={**context, "letter_date": date(2026, 3, 4)})
        reader = PdfReader(io.BytesIO(letter.pdf))
        root = reader.trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
        assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
        fonts = reader.pages[0]["/Resources"]["/Font"]
        assert fonts and all("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                             or "/FontFile3" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                             for f in fonts.values())
        positions: dict[str, tuple[float, float]] = {}

        def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
            if text.strip() in FAMILY.address_lines or text.strip() == FAMILY.name:
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                positions[text.strip()] = (x / MM, 297 - y / MM)

        reader.pages[0].extract_text(visitor_text=visit)
        assert set(positions) == {FAMILY.name, *FAMILY.address_lines}
        for left, from_top in positions.values():
            assert rendering.ADDRESS_LEFT_MM <= left < rendering.ADDRESS_RIGHT_MM
            assert rendering.ADDRESS_TOP_MM <= from_top <= rendering.ADDRESS_BOTTOM_MM


class TestNoticeOfProposal:
    def test_issuing_the_notice_issues_its_letter_in_the_same_transaction(self, kent, worker):  # type: ignore[no-untyped-def]
        assessment = ApprovedAssessmentFactory(request__responsible_authority=kent,
                                               request__child__household__responsible_authority=kent,
                                               request__child__household__family_name="Okafor-Lane",
                                               request__child__last_name="Okafor-Lane",
                                               approved_date=date(2026, 2, 20))
        notice = notice_issue(request=assessment.request, by=worker, now=NOW, issued_date=date(2026, 3, 4),
                              statement_of_needs="Help with attachment at home", proposed_services="DDP")
        letter = Letter.objects.get(object_type=ContentType.objects.get_for_model(NoticeOfProposal),
                                    object_id=str(notice.pk))
        assert letter.kind == LetterKind.NOTICE_OF_PROPOSAL
        assert letter.household == assessment.request.child.household
        with letter.pdf.open("rb") as handle:
            content = handle.read()
        assert hashlib.sha256(content).hexdigest() == letter.content_hash
        text = pdf_text(content)
        household = assessment.request.child.household
        assert household.carer_one_name in text and "Kent County Council" in text
        assert "by 1 April 2026" in text  # 28 days from 4 March 2026
        assert letter.recipient_address.splitlines()[-1] == household.postcode
        message = Message.objects.get(letter=letter)
        assert (message.channel, message.status) == ("letter", MessageStatus.PENDING)
        assert letter.history.get().history_user == worker

    def test_a_letter_that_cannot_be_issued_leaves_no_notice(self, kent, worker):  # type: ignore[no-untyped-def]
        """A birth parent's request: the notice's text names the adoptive family, so neither is issued."""
        household = HouseholdFactory(family_name="Okafor-Lane", responsible_authority=kent)
        child = ChildFactory(household=household, last_name="Okafor-Lane")
        mother = person_create(by=worker, now=NOW, kind="birth_parent", first_name="Stacey", last_name="Marsh",
                               authority=kent, related_child=child)
        request = request_create(by=worker, now=NOW, person=mother, received_date=date(2026, 3, 1),
                                 requester="birth_parent", summary="Birth parent support")
        SupportRequest.objects.filter(pk=request.pk).update(stage=RequestStage.ASSESSING)
        request.refresh_from_db()
        assessment = ApprovedAssessmentFactory(request=request, child=None, responsible_authority=kent,
                                               approved_date=date(2026, 3, 2))
        with pytest.raises(ValidationError, match="the adoptive family's surname"):
            notice_issue(request=request, by=worker, now=NOW, issued_date=date(2026, 3, 4),
                         statement_of_needs="Support after the Okafor-Lane adoption", proposed_services="")
        assert not NoticeOfProposal.objects.filter(assessment=assessment).exists()


class TestRecipientRule:
    def test_a_birth_relative_letter_never_carries_the_adoptive_address(self, kent, worker):  # type: ignore[no-untyped-def]
        withheld = Withheld(surnames=("Okafor-Lane",), address_lines=("1 High Street", "Chatham", "ME4 4AA"))
        mother = Recipient(kind=RecipientKind.BIRTH_RELATIVE, name="Stacey Marsh",
                           address_lines=("1 High Street", "Chatham", "ME4 4AA"), withheld=withheld)
        with pytest.raises(Exception, match="the adoptive family's address"):
            letter_issue(kind=LetterKind.ACKNOWLEDGEMENT, authority=kent, recipient=mother, about=worker,
                         context={"subject_name": "Stacey Marsh", "received_date": date(2026, 3, 1)}, by=worker,
                         now=NOW, letter_date=date(2026, 3, 4))
        assert not Letter.objects.exists()

    def test_a_birth_relatives_acknowledgement_is_held_without_an_address_and_names_no_adopter(self, kent, worker):  # type: ignore[no-untyped-def]
        household = HouseholdFactory(family_name="Okafor-Lane", responsible_authority=kent)
        child = ChildFactory(household=household, last_name="Okafor-Lane")
        mother = person_create(by=worker, now=NOW, kind="birth_parent", first_name="Stacey", last_name="Marsh",
                               authority=kent, related_child=child)
        request = request_create(by=worker, now=NOW, person=mother, received_date=date(2026, 3, 1),
                                 requester="birth_parent", summary="Birth parent support")
        letter = Letter.objects.get(object_id=str(request.pk), kind=LetterKind.ACKNOWLEDGEMENT)
        with letter.pdf.open("rb") as handle:
            text = pdf_text(handle.read())
        assert "Stacey Marsh" in text
        assert "Okafor" not in text and household.address_line_1 not in text and household.postcode not in text
        assert letter.household is None and letter.recipient_kind == RecipientKind.BIRTH_RELATIVE
        message = Message.objects.get(letter=letter)
        assert message.status == MessageStatus.HELD
        follow_up = FollowUp.objects.get(message=message)
        assert follow_up.assigned_to == worker and "no postal address" in follow_up.reason


class TestChannels:
    def test_a_family_that_wants_both_gets_a_letter_and_an_email(self, kent, worker):  # type: ignore[no-untyped-def]
        both = Recipient(kind=RecipientKind.ADOPTIVE_FAMILY, name="Ada Okafor-Lane",
                         address_lines=("1 High Street", "Chatham", "ME4 4AA"), email="ada@example.org",
                         channel=Channel.BOTH)
        letter = letter_issue(kind=LetterKind.ACKNOWLEDGEMENT, authority=kent, recipient=both, about=worker,
                              context={"subject_name": "Sam", "received_date": date(2026, 3, 1)}, by=worker,
                              now=NOW, letter_date=date(2026, 3, 4))
        assert sorted(Message.objects.filter(letter=letter).values_list("channel", "to")) == [
            ("email", "ada@example.org"), ("letter", "Ada Okafor-Lane")]
        assert len({m.reference for m in Message.objects.all()}) == 2
