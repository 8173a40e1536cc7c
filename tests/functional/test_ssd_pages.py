"""The data manager's import page: every role (allowed and refused), another authority's data manager refused,
bad input shown in a GOV.UK error summary, and the journey upload -> dry run -> commit through the task."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import BackgroundJob
from organisations.models import Role
from support.models import OutcomeReading, SsdImport
from tests.factories import ProviderUserFactory, UserFactory
from tests.helpers import signed_in
from tests.ssd_samples import bad_files, good_files, world

pytestmark = pytest.mark.django_db

UPLOAD = reverse("ssd:upload")
ALLOWED = {Role.DATA_MANAGER, Role.ADMINISTRATOR}


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, content, content_type="text/csv") for name, content in files.items()]


@pytest.fixture(autouse=True)
def _tasks_run_on_commit(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    """The page queues its task once the request's transaction commits; the test's transaction never does, so
    run the queued callbacks at the end of each request the test makes (the task itself runs eagerly)."""
    from django.test import Client

    original = Client.request

    def request(self: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


def upload(client: Any, w: Any, files: dict[str, bytes], authority: Any = None) -> Any:
    return client.post(UPLOAD, {"authority": (authority or w.kent).pk, "extract": uploads(files)})


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    return world()


@pytest.fixture
def dry_run(client: Any, w: Any) -> BackgroundJob:
    response = upload(signed_in(client, w.data_manager), w, good_files())
    assert response.status_code == 302
    return BackgroundJob.objects.get()


class TestWhoMayOpenThePage:
    @pytest.mark.parametrize("role", sorted(Role.values))
    def test_only_data_managers_and_administrators_may_open_it(self, client: Any, w: Any, role: str) -> None:
        user = ProviderUserFactory() if role == Role.PROVIDER_STAFF else UserFactory(authority=w.kent, role=role)
        response = signed_in(client, user).get(UPLOAD)
        assert response.status_code == (200 if role in ALLOWED else 403)
        if role not in ALLOWED:
            assert client.post(UPLOAD, {"authority": w.kent.pk, "extract": uploads(good_files())}).status_code == 403
            assert not BackgroundJob.objects.exists()

    def test_signed_out_visitors_are_sent_to_sign_in(self, client: Any) -> None:
        response = client.get(UPLOAD)
        assert response.status_code == 302 and "/sign-in/" in response["Location"]

    def test_a_data_manager_is_offered_only_their_own_authority(self, client: Any, w: Any) -> None:
        body = signed_in(client, w.data_manager).get(UPLOAD).content.decode()
        assert "Kent County Council" in body and "Medway Council" not in body

    def test_another_authoritys_data_manager_cannot_import_for_kent(self, client: Any, w: Any) -> None:
        response = upload(signed_in(client, w.medway_data_manager), w, good_files())
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert not BackgroundJob.objects.exists() and not SsdImport.objects.exists()

    def test_another_authoritys_data_manager_cannot_see_or_commit_kents_dry_run(
            self, client: Any, w: Any, dry_run: BackgroundJob) -> None:
        signed_in(client, w.medway_data_manager)
        assert client.get(reverse("ssd:job", args=[dry_run.pk])).status_code == 404
        assert client.post(reverse("ssd:commit", args=[dry_run.pk])).status_code == 404
        assert not OutcomeReading.objects.exists()

    @pytest.mark.parametrize("role", sorted(set(Role.values) - ALLOWED))
    def test_other_roles_of_kent_cannot_see_or_commit_it(self, client: Any, w: Any, dry_run: BackgroundJob,
                                                         role: str) -> None:
        user = ProviderUserFactory() if role == Role.PROVIDER_STAFF else UserFactory(authority=w.kent, role=role)
        signed_in(client, user)
        assert client.get(reverse("ssd:job", args=[dry_run.pk])).status_code == 403
        assert client.post(reverse("ssd:commit", args=[dry_run.pk])).status_code == 403


class TestJourney:
    def test_upload_shows_the_dry_run_then_commit_imports_it(self, client: Any, w: Any,
                                                              dry_run: BackgroundJob) -> None:
        page = client.get(reverse("ssd:job", args=[dry_run.pk]))
        body = page.content.decode()
        assert page.status_code == 200
        for text in ("To create", "To update", "Unchanged", "Ignored", "Errors", "Known to the case system, not yet "
                     "known here", "K003", "2023-02-14", "Adoption", "Special Guardianship: date 14 April 2020 "
                     "becomes 15 April 2020", "pers_send_flag", "Import these changes", SsdImport.objects.get().sha256):
            assert text in body, text
        assert not OutcomeReading.objects.exists()
        response = client.post(reverse("ssd:commit", args=[dry_run.pk]))
        assert response.status_code == 302
        committed = client.get(response["Location"]).content.decode()
        assert "Imported" in committed and "4 record(s) were created and 1 were updated" in committed
        assert OutcomeReading.objects.count() == 2
        assert list(SsdImport.objects.order_by("pk").values_list("status", flat=True)) == ["dry_run", "committed"]
        # The commit cannot be replayed from the committed job.
        assert client.post(response["Location"] + "commit/").status_code == 404

    def test_an_administrator_imports_for_a_member_authority(self, client: Any, w: Any) -> None:
        response = upload(signed_in(client, w.administrator), w, good_files(), authority=w.medway)
        assert response.status_code == 302
        assert SsdImport.objects.get().authority == w.medway

    def test_a_zip_upload_works_like_the_files(self, client: Any, w: Any) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in good_files().items():
                archive.writestr(name, content)
        signed_in(client, w.data_manager)
        response = client.post(UPLOAD, {"authority": w.kent.pk, "extract": [
            SimpleUploadedFile("extract.zip", buffer.getvalue(), content_type="application/zip")]})
        assert response.status_code == 302
        assert "To create" in client.get(response["Location"]).content.decode()

    def test_errors_are_listed_by_file_line_field_value_and_reason_with_no_commit_button(
            self, client: Any, w: Any) -> None:
        response = upload(signed_in(client, w.data_manager), w, bad_files())
        body = client.get(response["Location"]).content.decode()
        assert "govuk-error-summary" in body and "nothing was imported" in body
        for text in ("ssd_sdq_scores.csv", ">5<", "csdq_person_id", "NOBODY", "no person in ssd_person has this id"):
            assert text in body, text
        assert "Import these changes" not in body
        job = BackgroundJob.objects.get()
        assert client.post(reverse("ssd:commit", args=[job.pk])).status_code == 404


class TestBadInput:
    @pytest.mark.parametrize(("files", "message"), [
        ({}, "Select the extract: a zip, or the CSV files"),
        ({"extract.xlsx": b"PK\x03\x04"}, "extract.xlsx must be a zip (.zip) or a CSV file (.csv)"),
        ({"extract.zip": b"PK\x03\x04 broken"}, "The zip could not be opened"),
        ({"ssd_address.csv": b"addr_table_id\n"}, "The extract has no ssd_person.csv file"),
    ])
    def test_is_shown_in_an_error_summary_and_nothing_is_queued(self, client: Any, w: Any,
                                                                files: dict[str, bytes], message: str) -> None:
        response = upload(signed_in(client, w.data_manager), w, files)
        body = response.content.decode()
        assert response.status_code == 400
        assert "govuk-error-summary" in body and message in body
        assert not BackgroundJob.objects.exists()


class TestCaseSystemIdOnTheChildsPage:
    def test_a_worker_links_a_child_and_the_family_page_shows_it(self, client: Any, w: Any) -> None:
        signed_in(client, w.social_worker)
        response = client.post(reverse("support:child_update", args=[w.ellie.pk]), {
            "first_name": "Ellie", "last_name": "Hughes", "date_of_birth_day": "4", "date_of_birth_month": "5",
            "date_of_birth_year": "2016", "previously_looked_after": "on", "case_system_id": "K777"})
        assert response.status_code == 302
        w.ellie.refresh_from_db()
        assert (w.ellie.case_system_id, w.ellie.case_system_authority) == ("K777", w.kent)
        body = client.get(reverse("support:household_detail", args=[w.ellie.household_id])).content.decode()
        assert "K777" in body

    def test_a_clash_is_shown_on_the_field(self, client: Any, w: Any) -> None:
        signed_in(client, w.social_worker)
        response = client.post(reverse("support:child_update", args=[w.ellie.pk]), {
            "first_name": "Ellie", "last_name": "Hughes", "date_of_birth_day": "4", "date_of_birth_month": "5",
            "date_of_birth_year": "2016", "case_system_id": "K002"})
        assert response.status_code == 400
        assert "Another child already has the case-system id K002" in response.content.decode()
