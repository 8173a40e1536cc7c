"""Letter pages: the family record and the request list their letters; a download is the stored bytes, checked
against the hash and audited; another authority's users, and roles without letters, are refused; the outbox shows
an authority only its own messages."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AccessAction, AccessLog
from notifications.models import Letter, LetterKind
from organisations.models import Role
from support.services.requests import request_create
from tests.factories import AuthorityFactory, ProviderFactory, UserFactory
from tests.factories_support import ChildFactory, HouseholdFactory
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 4, 10, 0))


@pytest.fixture
def kent():  # type: ignore[no-untyped-def]
    return AuthorityFactory(short_code="kent", name="Kent County Council")


@pytest.fixture
def worker(kent):  # type: ignore[no-untyped-def]
    return UserFactory(authority=kent, role=Role.SOCIAL_WORKER)


@pytest.fixture
def letter(kent, worker):  # type: ignore[no-untyped-def]
    child = ChildFactory(household=HouseholdFactory(responsible_authority=kent), responsible_authority=kent)
    request = request_create(by=worker, now=NOW, child=child, received_date=date(2026, 3, 2),
                             requester="adoptive_parent", summary="Help at school")
    return Letter.objects.get(object_id=str(request.pk), kind=LetterKind.ACKNOWLEDGEMENT)


class TestLetterLists:
    def test_the_family_record_and_the_request_list_the_letter(self, client, worker, letter):  # type: ignore[no-untyped-def]
        signed_in(client, worker)
        link = reverse("notifications:letter_download", args=[letter.pk])
        family = client.get(reverse("support:household_detail", args=[letter.household_id]))
        request = client.get(reverse("support:request_detail", args=[int(letter.object_id)]))
        assert link in family.content.decode() and link in request.content.decode()
        assert "Acknowledgement of a request for support" in family.content.decode()


class TestDownload:
    def test_gives_the_stored_bytes_and_records_who_downloaded_it(self, client, worker, letter):  # type: ignore[no-untyped-def]
        response = signed_in(client, worker).get(reverse("notifications:letter_download", args=[letter.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert hashlib.sha256(response.content).hexdigest() == letter.content_hash
        assert "no-store" in response["Cache-Control"]
        log = AccessLog.objects.get(action=AccessAction.DOWNLOAD)
        assert (log.user, log.object_id, log.family_key) == (worker, str(letter.pk),
                                                             f"support.household:{letter.household_id}")

    def test_another_authoritys_worker_and_provider_staff_cannot_reach_it(self, client, letter):  # type: ignore[no-untyped-def]
        url = reverse("notifications:letter_download", args=[letter.pk])
        medway = UserFactory(authority=AuthorityFactory(short_code="medway"), role=Role.SOCIAL_WORKER)
        assert signed_in(client, medway).get(url).status_code == 404
        provider = UserFactory(role=Role.PROVIDER_STAFF, scope="provider", authority=None, provider=ProviderFactory())
        assert denied(signed_in(client, provider).get(url))
        assert not AccessLog.objects.filter(action=AccessAction.DOWNLOAD).exists()

    def test_a_role_without_letters_is_refused(self, client, kent, letter):  # type: ignore[no-untyped-def]
        admin = UserFactory(authority=kent, role=Role.ADMINISTRATOR)
        url = reverse("notifications:letter_download", args=[letter.pk])
        assert signed_in(client, admin).get(url).status_code == 403


class TestOutbox:
    def test_shows_what_would_have_been_sent_for_the_users_authority_only(self, client, worker, letter):  # type: ignore[no-untyped-def]
        page = signed_in(client, worker).get(reverse("notifications:outbox")).content.decode()
        assert letter.reference in page and "GOV.UK Notify is not set up here" in page
        medway = UserFactory(authority=AuthorityFactory(short_code="medway"), role=Role.SOCIAL_WORKER)
        other = signed_in(client, medway).get(reverse("notifications:outbox")).content.decode()
        assert letter.reference not in other and "Nothing has been sent yet" in other


class TestNoticeThroughThePage:
    def test_sending_the_notice_gives_a_letter_that_opens_and_is_in_the_outbox(self, client, kent, worker):  # type: ignore[no-untyped-def]
        import io

        from pypdf import PdfReader

        from tests.factories_support import ApprovedAssessmentFactory

        assessment = ApprovedAssessmentFactory(request__responsible_authority=kent,
                                               request__child__household__responsible_authority=kent,
                                               request__child__household__family_name="Okafor-Lane",
                                               request__child__last_name="Okafor-Lane",
                                               approved_date=timezone.localdate() - timedelta(days=3))
        today = timezone.localdate()
        c = signed_in(client, worker)
        response = c.post(reverse("support:notice_issue", args=[assessment.request_id]), {
            "proposes_support": "yes", "statement_of_needs": "Therapy for attachment", "window_days": "28",
            "issued_date_day": today.day, "issued_date_month": today.month, "issued_date_year": today.year})
        assert response.status_code == 302
        letter = Letter.objects.get(kind=LetterKind.NOTICE_OF_PROPOSAL)
        pdf = c.get(reverse("notifications:letter_download", args=[letter.pk])).content
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
        window_end = today + timedelta(days=28)
        assert "Okafor-Lane" in text and "Kent County Council" in text
        assert f"by {window_end.day} {window_end:%B %Y}" in text
        assert letter.reference in c.get(reverse("notifications:outbox")).content.decode()
