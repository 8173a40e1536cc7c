"""Every letterbox page: the coordinator, the child's worker and provider staff coordinating on referral get in;
other roles, another authority and another provider do not. Birth relatives' details and scans only for the
coordinator and the child's workers; every view and scan audited; uploads checked by content and size."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contact.models import ExchangeStatus
from contact.services import arrangements as arrangement_services
from contact.services import exchanges as exchange_services
from contact.services.scans import MAX_SCAN_BYTES
from core.models import AccessAction, AccessLog
from organisations.models import Role
from tests.factories import ProviderFactory, ProviderUserFactory, UserFactory
from tests.factories_commissioning import SentReferralFactory
from tests.factories_contact import PDF, PNG, active_arrangement, at, item, letterbox_world
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    world = letterbox_world()
    world.arrangement = active_arrangement(world, today=timezone.localdate())
    world.item = exchange_services.exchange_receive(
        exchange=item(world.arrangement, due=date(2025, 9, 1)), received_date=date(2025, 9, 20), kind="letter",
        scan=PNG, by=world.coordinator, now=at())
    world.other = letterbox_world("medway")
    return world


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(Client(), user)


def pages(world) -> list[str]:  # type: ignore[no-untyped-def]
    a, e = world.arrangement.pk, world.item.pk
    return [reverse("contact:dashboard"), reverse("contact:arrangement_list"),
            reverse("contact:arrangement_detail", args=[a]), reverse("contact:exchange_detail", args=[e])]


class TestRoles:
    def test_the_coordinator_reaches_every_page_and_sees_the_relative(self, world) -> None:  # type: ignore[no-untyped-def]
        client = client_for(world.coordinator)
        for url in pages(world):
            assert client.get(url).status_code == 200, url
        body = client.get(reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
        assert "Maureen Birthname" in body and "Ada" in body

    def test_the_childs_worker_sees_the_relative_another_worker_does_not(self, world) -> None:  # type: ignore[no-untyped-def]
        url = reverse("contact:arrangement_detail", args=[world.arrangement.pk])
        assert "Maureen Birthname" in client_for(world.childs_worker).get(url).content.decode()
        for user in (world.other_worker, world.team_manager):
            response = client_for(user).get(url)
            assert response.status_code == 200 and "Maureen Birthname" not in response.content.decode()
            assert "only the letterbox coordinator and the child's workers see who" in response.content.decode()

    @pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.LEAD_COMMISSIONER, Role.DATA_MANAGER,
                                      Role.ADMINISTRATOR])
    def test_other_roles_are_refused(self, world, role) -> None:  # type: ignore[no-untyped-def]
        user = UserFactory(role=role, authority=world.authority)
        for url in pages(world):
            assert denied(client_for(user).get(url)), url

    def test_another_authoritys_coordinator_gets_404(self, world) -> None:  # type: ignore[no-untyped-def]
        client = client_for(world.other.coordinator)
        for url in pages(world)[2:]:
            assert client.get(url).status_code == 404, url
        scan = reverse("contact:exchange_scan", args=[world.item.pk, "original"])
        assert client.get(scan).status_code == 404
        assert client.post(reverse("contact:exchange_action", args=[world.item.pk, "hold"]),
                           {"reason": "x"}).status_code == 404
        assert "Ada" not in client.get(reverse("contact:dashboard")).content.decode()

    def test_readers_cannot_act(self, world) -> None:  # type: ignore[no-untyped-def]
        url = reverse("contact:exchange_action", args=[world.item.pk, "hold"])
        assert client_for(world.team_manager).post(url, {"reason": "x"}).status_code == 403
        world.item.refresh_from_db()
        assert world.item.status == ExchangeStatus.RECEIVED


class TestProvider:
    def test_a_provider_coordinating_on_referral_sees_its_arrangement_without_the_childs_name(self, world) -> None:  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(planned_service__plan__request__child=world.child,
                                       provider=ProviderFactory(name="Barnardo's CAFIS"))
        arrangement_services.arrangement_coordinate_by_referral(arrangement=world.arrangement, referral=referral,
                                                                by=world.coordinator, now=at())
        staff = ProviderUserFactory(provider=referral.sent_to)
        client = client_for(staff)
        for url in pages(world):
            assert client.get(url).status_code == 200, url
        body = client.get(reverse("contact:arrangement_detail", args=[world.arrangement.pk])).content.decode()
        assert "Maureen Birthname" in body
        assert "A O H (born 2016)" in body, body[body.find("Child"):][:400]
        assert "Ada " not in body
        other_provider = ProviderUserFactory()
        for url in pages(world)[2:]:
            assert client_for(other_provider).get(url).status_code == 404

    def test_the_coordinator_hands_the_arrangement_to_a_provider_on_referral(self, world) -> None:  # type: ignore[no-untyped-def]
        referral = SentReferralFactory(planned_service__plan__request__child=world.child,
                                       provider=ProviderFactory(name="Barnardo's CAFIS"))
        unrelated = SentReferralFactory(provider=ProviderFactory(name="Elsewhere"))
        url = reverse("contact:arrangement_action", args=[world.arrangement.pk, "coordinate"])
        client = client_for(world.coordinator)
        page = client.get(url).content.decode()
        assert referral.reference in page and unrelated.reference not in page
        assert client.post(url, {"referral": unrelated.pk}).status_code == 200  # not offered: a form error
        assert client.post(url, {"referral": referral.pk}).status_code == 302
        world.arrangement.refresh_from_db()
        assert world.arrangement.provider == referral.sent_to

    def test_a_provider_sees_nothing_it_does_not_coordinate(self, world) -> None:  # type: ignore[no-untyped-def]
        staff = ProviderUserFactory()
        assert client_for(staff).get(reverse("contact:arrangement_detail",
                                             args=[world.arrangement.pk])).status_code == 404


class TestScansAndAudit:
    def test_views_and_scans_are_audited(self, world) -> None:  # type: ignore[no-untyped-def]
        client = client_for(world.coordinator)
        client.get(reverse("contact:exchange_detail", args=[world.item.pk]))
        response = client.get(reverse("contact:exchange_scan", args=[world.item.pk, "original"]))
        assert response.status_code == 200 and response.content == PNG
        assert response["Content-Type"] == "image/png" and response["Cache-Control"] == "private, no-store"
        actions = set(AccessLog.objects.filter(user=world.coordinator).values_list("action", flat=True))
        assert actions == {AccessAction.VIEW, AccessAction.DOWNLOAD}
        log = AccessLog.objects.get(action=AccessAction.DOWNLOAD)
        assert log.family_key == f"support.household:{world.household.pk}"

    def test_scans_are_refused_to_those_who_may_not_see_the_birth_family(self, world) -> None:  # type: ignore[no-untyped-def]
        url = reverse("contact:exchange_scan", args=[world.item.pk, "original"])
        assert client_for(world.other_worker).get(url).status_code == 403
        assert client_for(world.childs_worker).get(url).status_code == 200

    def test_scans_are_kept_in_the_private_letterbox_store(self, world) -> None:  # type: ignore[no-untyped-def]
        from django.core.files.storage import storages

        assert world.item.scan.storage is storages["letterbox"]
        assert world.item.scan.path.startswith(str(storages["letterbox"].location))


class TestUploads:
    def receive(self, world, upload):  # type: ignore[no-untyped-def]
        expected = item(world.arrangement, due=date(2026, 3, 1))
        response = client_for(world.coordinator).post(
            reverse("contact:exchange_action", args=[expected.pk, "receive"]),
            {"received_date_day": "20", "received_date_month": "3", "received_date_year": "2026", "kind": "letter",
             "scan": upload})
        expected.refresh_from_db()
        return response, expected

    def test_a_pdf_by_content_is_stored(self, world) -> None:  # type: ignore[no-untyped-def]
        response, exchange = self.receive(world, SimpleUploadedFile("letter.png", PDF, "image/png"))
        assert response.status_code == 302 and exchange.status == ExchangeStatus.RECEIVED
        assert exchange.scan_type == "application/pdf"

    @pytest.mark.parametrize("name,content", [("letter.pdf", b"GIF89a pretending"), ("letter.pdf", b"<script>"),
                                              ("letter.png", b"PK\x03\x04zip")])
    def test_other_content_is_refused_whatever_its_name(self, world, name, content) -> None:  # type: ignore[no-untyped-def]
        response, exchange = self.receive(world, SimpleUploadedFile(name, content, "application/pdf"))
        assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
        assert "must be a PDF, JPEG or PNG" in response.content.decode()
        assert exchange.status == ExchangeStatus.EXPECTED and not exchange.scan

    def test_over_10_mb_is_refused(self, world) -> None:  # type: ignore[no-untyped-def]
        response, exchange = self.receive(world, SimpleUploadedFile("big.pdf", PDF + b"0" * MAX_SCAN_BYTES))
        assert "10 MB or smaller" in response.content.decode() and exchange.status == ExchangeStatus.EXPECTED


class TestPages:
    def test_a_new_arrangement_through_the_form(self, world) -> None:  # type: ignore[no-untyped-def]
        response = client_for(world.coordinator).post(reverse("contact:arrangement_new"), {
            "child": world.child.pk, "relatives": [world.relative.pk], "direction": "both_ways",
            "due_months": ["4", "10"], "overdue_after_weeks": "4", "cards_allowed": "on",
            "agreed_date_day": "1", "agreed_date_month": "2", "agreed_date_year": "2026"})
        assert response.status_code == 302, response.context["form"].errors
        assert world.child.letterbox_arrangements.filter(due_months=[4, 10]).exists()

    def test_three_months_is_a_form_error(self, world) -> None:  # type: ignore[no-untyped-def]
        response = client_for(world.coordinator).post(reverse("contact:arrangement_new"), {
            "child": world.child.pk, "relatives": [world.relative.pk], "direction": "both_ways",
            "due_months": ["1", "4", "10"], "overdue_after_weeks": "4",
            "agreed_date_day": "1", "agreed_date_month": "2", "agreed_date_year": "2026"})
        assert response.status_code == 200 and "once or twice a year" in response.content.decode()

    def test_the_dashboard_has_the_chart_and_the_table_and_constant_queries(self, world) -> None:  # type: ignore[no-untyped-def]
        client = client_for(world.coordinator)
        with CaptureQueriesContext(connection) as few:
            body = client.get(reverse("contact:dashboard")).content.decode()
        assert "app-chart" in body and 'id="letterbox-counts"' in body and "Overdue" in body
        for _ in range(3):
            active_arrangement(world, today=timezone.localdate())
        with CaptureQueriesContext(connection) as more:
            client.get(reverse("contact:dashboard"))
        assert len(more) == len(few)

    def test_a_forward_without_the_full_checklist_is_a_form_error(self, world) -> None:  # type: ignore[no-untyped-def]
        response = client_for(world.coordinator).post(
            reverse("contact:exchange_action", args=[world.item.pk, "forward"]),
            {"points": ["surname"], "channel": "post", "forwarded_date_day": "1", "forwarded_date_month": "10",
             "forwarded_date_year": "2025"})
        assert "Confirm every point" in response.content.decode()
        world.item.refresh_from_db()
        assert world.item.status == ExchangeStatus.RECEIVED
