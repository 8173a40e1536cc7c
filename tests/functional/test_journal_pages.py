"""Journal pages: for finance officers of the journal's authority only (every URL pattern, every role, another
authority refused), making a journal, refusals shown in words, audited downloads of the same bytes, confirmation,
reconciliation."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.jobs import job_create
from core.models import AccessAction, AccessLog, BackgroundJob, JobStatus
from ledger.journals import services
from ledger.journals import urls as journal_urls
from ledger.journals.models import BatchStatus, JournalBatch
from organisations.models import Role
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory
from tests.factories_journals import exported, map_all, officer
from tests.factories_ledger import posted
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

NOT_FINANCE = [r for r in Role.values if r not in (Role.FINANCE_OFFICER, Role.PROVIDER_STAFF)]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    medway = AuthorityFactory(short_code="medway", name="Medway")
    map_all(kent)
    map_all(medway)
    posted(kent, ("bank", "1234.56"), ("asf_receivable", "-1234.56"), on=date(2026, 5, 1), memo="Kent remittance")
    posted(medway, ("bank", "777.00"), ("asf_receivable", "-777.00"), on=date(2026, 5, 1), memo="Medway remittance")
    batch = exported(kent)
    job = job_create(kind=services.JOB_KIND, description="Journal of Kent", authority=kent,
                     target=f"ledger.journalbatch:{batch.pk}")
    return {"kent": kent, "medway": medway, "batch": batch, "medway_batch": exported(medway), "job": job}


def urls(world) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """One (method, URL) per pattern, each pointing at something of Kent's."""
    pk = world["batch"].pk
    return {
        "batches": ("get", reverse("journals:batches")),
        "create": ("get", reverse("journals:create")),
        "job": ("get", reverse("journals:job", args=[world["job"].pk])),
        "detail": ("get", reverse("journals:detail", args=[pk])),
        "download": ("get", reverse("journals:download", args=[pk])),
        "confirm": ("post", reverse("journals:confirm", args=[pk])),
        "reconciliation": ("get", reverse("journals:reconciliation") + f"?authority={world['kent'].pk}"),
    }


def fetch(client, method, url):  # type: ignore[no-untyped-def]
    return client.post(url, {}) if method == "post" else client.get(url)


class TestEveryUrlPattern:
    def test_every_pattern_has_a_case(self, world):  # type: ignore[no-untyped-def]
        assert {p.name for p in journal_urls.urlpatterns} == set(urls(world))

    @pytest.mark.parametrize("role", NOT_FINANCE)
    def test_every_other_role_is_refused_everywhere(self, client, world, role):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"], role=role))
        for name, (method, url) in urls(world).items():
            assert fetch(client, method, url).status_code == 403, name
        assert JournalBatch.objects.get(pk=world["batch"].pk).status == BatchStatus.EXPORTED

    def test_signed_out_people_are_sent_to_sign_in(self, client, world):  # type: ignore[no-untyped-def]
        for name, (method, url) in urls(world).items():
            response = fetch(client, method, url)
            assert response.status_code == 302 and "/sign-in/" in response["Location"], name

    def test_kents_finance_officer_reaches_every_page(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"]))
        for name, (method, url) in urls(world).items():
            assert fetch(client, method, url).status_code in (200, 302), name

    def test_another_authoritys_finance_officer_gets_nothing_of_kents(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["medway"]))
        for name in ("detail", "download", "confirm", "job"):
            method, url = urls(world)[name]
            assert fetch(client, method, url).status_code == 404, name
        listing = client.get(reverse("journals:batches")).content.decode()
        assert "J-MEDWAY-000001" in listing and "J-KENT" not in listing and "Journal of Kent" not in listing
        page = client.get(reverse("journals:reconciliation") + f"?authority={world['kent'].pk}").content.decode()
        assert "Medway" in page and "1,234.56" not in page
        assert JournalBatch.objects.get(pk=world["batch"].pk).status == BatchStatus.EXPORTED
        assert not AccessLog.objects.exists()

    def test_a_partnership_finance_officer_sees_both(self, client, world):  # type: ignore[no-untyped-def]
        partnership = PartnershipFactory(members=[world["kent"], world["medway"]])
        signed_in(client, PartnershipUserFactory(partnership=partnership, role=Role.FINANCE_OFFICER))
        listing = client.get(reverse("journals:batches")).content.decode()
        assert "J-KENT-000001" in listing and "J-MEDWAY-000001" in listing


def form(authority, day=date(2026, 6, 30), layout="generic"):  # type: ignore[no-untyped-def]
    return {"authority": authority.pk, "cut_off_date_day": day.day, "cut_off_date_month": day.month,
            "cut_off_date_year": day.year, "layout": layout}


class TestMakingAJournal:
    """The page only checks the request and starts a job; the job (a Celery task: eager in the tests, run when the
    request commits) makes the batch and writes its file."""

    def make(self, client, data, capture):  # type: ignore[no-untyped-def]
        with capture(execute=True):
            return client.post(reverse("journals:create"), data)

    def test_makes_writes_and_shows_the_journal(self, client, world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
        kent = world["kent"]
        posted(kent, ("bank", "10.00"), ("asf_income", "-10.00"), on=date(2026, 6, 1))
        finance = officer(kent)
        signed_in(client, finance)
        response = self.make(client, form(kent, layout="oracle"), django_capture_on_commit_callbacks)
        job = BackgroundJob.objects.get(kind=services.JOB_KIND, requested_by=finance)
        assert response.status_code == 302 and response["Location"] == reverse("journals:job", args=[job.pk])
        batch = JournalBatch.objects.get(authority=kent, number=2)
        assert (batch.status, batch.line_count, batch.layout) == (BatchStatus.EXPORTED, 2, "oracle")
        assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 2, 2)
        assert job.target == f"ledger.journalbatch:{batch.pk}" and job.authority == kent
        done = client.get(response["Location"])
        assert done.status_code == 302 and done["Location"] == reverse("journals:detail", args=[batch.pk])
        page = client.get(done["Location"]).content.decode()
        assert "J-KENT-000002" in page and "£10.00" in page and "Download the file" in page

    def test_the_page_shows_progress_until_the_worker_has_made_it(self, client, world,  # type: ignore[no-untyped-def]
                                                                  django_capture_on_commit_callbacks):
        kent = world["kent"]
        posted(kent, ("bank", "10.00"), ("asf_income", "-10.00"), on=date(2026, 6, 1))
        signed_in(client, officer(kent))
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(reverse("journals:create"), form(kent))
        assert JournalBatch.objects.filter(authority=kent).count() == 1  # nothing chosen in the request
        page = client.get(response["Location"])
        text = page.content.decode()
        assert page.status_code == 200 and "choosing every posting not yet in a journal" in text
        listing = client.get(reverse("journals:batches")).content.decode()
        assert "Being made now" in listing and f'href="{response["Location"]}"' in listing
        assert '<meta http-equiv="refresh" content="2">' in text  # without JavaScript
        assert f'href="{response["Location"]}">Refresh</a>' in text
        for callback in queued:
            callback()
        batch = JournalBatch.objects.get(authority=kent, number=2)
        assert client.get(response["Location"])["Location"] == reverse("journals:detail", args=[batch.pk])
        assert f'href="{response["Location"]}"' not in client.get(reverse("journals:batches")).content.decode()

    def test_the_progress_of_the_file_is_shown_in_postings(self, client, world):  # type: ignore[no-untyped-def]
        kent = world["kent"]
        job = job_create(kind=services.JOB_KIND, description="Journal of Kent", authority=kent,
                         target=f"ledger.journalbatch:{world['batch'].pk}")
        BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress_total=40_000,
                                                        progress_done=10_000)
        signed_in(client, officer(kent))
        text = client.get(reverse("journals:job", args=[job.pk])).content.decode()
        assert "Writing the file: 10000 of 40000 postings (25%)" in text

    def test_unmapped_accounts_are_listed_and_nothing_is_made(self, client, world,  # type: ignore[no-untyped-def]
                                                              django_capture_on_commit_callbacks):
        bexley = AuthorityFactory(short_code="bexley", name="Bexley")
        posted(bexley, ("bank", "3.00"), ("asf_income", "-3.00"), on=date(2026, 5, 1))
        signed_in(client, officer(bexley))
        response = self.make(client, form(bexley), django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        assert "No journal was made" in page and "Some ledger accounts are not mapped" in page
        assert "Bank (bank)" in page and "ASF income (asf_income)" in page
        assert not JournalBatch.objects.filter(authority=bexley).exists()

    def test_a_cut_off_in_the_future_is_an_error_on_the_field(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"]))
        future = timezone.localdate().replace(year=timezone.localdate().year + 1)
        page = client.post(reverse("journals:create"), form(world["kent"], day=future)).content.decode()
        assert "The cut-off date must be today or in the past" in page
        assert JournalBatch.objects.filter(authority=world["kent"]).count() == 1
        assert not BackgroundJob.objects.filter(requested_by__isnull=False).exists()

    def test_nothing_to_export_says_so(self, client, world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"]))
        response = self.make(client, form(world["kent"]), django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        assert "There are no postings of Kent up to 30 June 2026" in page and "Make a journal" in page

    def test_an_unknown_layout_or_another_authority_is_refused_by_the_form(self, client, world):  # type: ignore[no-untyped-def]
        posted(world["medway"], ("bank", "1.00"), ("asf_income", "-1.00"), on=date(2026, 6, 1))
        signed_in(client, officer(world["kent"]))
        for data in (form(world["kent"], layout="sage"), form(world["medway"])):
            response = client.post(reverse("journals:create"), data)
            assert response.status_code == 200 and "There is a problem" in response.content.decode()
        assert JournalBatch.objects.count() == 2
        assert not BackgroundJob.objects.filter(requested_by__isnull=False).exists()


class TestDownloadAndConfirm:
    def test_every_download_is_the_same_bytes_and_is_audited(self, client, world):  # type: ignore[no-untyped-def]
        finance = officer(world["kent"])
        signed_in(client, finance)
        url = reverse("journals:download", args=[world["batch"].pk])
        first = b"".join(client.get(url).streaming_content)
        second = client.get(url)
        assert second["Content-Disposition"] == 'attachment; filename="J-KENT-000001-generic.csv"'
        assert b"".join(second.streaming_content) == first
        assert b"Kent remittance" in first
        logs = AccessLog.objects.filter(user=finance, action=AccessAction.DOWNLOAD,
                                        object_type=ContentType.objects.get_for_model(JournalBatch),
                                        object_id=str(world["batch"].pk))
        assert logs.count() == 2 and logs.first().authority == world["kent"]

    def test_confirm(self, client, world):  # type: ignore[no-untyped-def]
        finance = officer(world["kent"])
        signed_in(client, finance)
        client.post(reverse("journals:confirm", args=[world["batch"].pk]), {"finance_reference": "GL-77"})
        batch = JournalBatch.objects.get(pk=world["batch"].pk)
        assert (batch.status, batch.confirmed_by, batch.finance_reference) == (BatchStatus.CONFIRMED, finance,
                                                                               "GL-77")
        page = client.get(reverse("journals:detail", args=[batch.pk])).content.decode()
        assert "Confirmed by finance" in page and "GL-77" in page

    def test_confirm_is_post_only(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"]))
        assert client.get(reverse("journals:confirm", args=[world["batch"].pk])).status_code == 405


class TestReconciliation:
    def test_lists_the_differences(self, client, world):  # type: ignore[no-untyped-def]
        posted(world["kent"], ("bank", "40.00"), ("asf_income", "-40.00"), on=date(2026, 6, 1))
        signed_in(client, officer(world["kent"]))
        page = client.get(reverse("journals:reconciliation")).content.decode()
        assert "Bank: £40.00 not yet exported (1 postings in no journal)" in page
        assert "ASF income: -£40.00 not yet exported" in page


class TestQueryCounts:
    def test_the_list_costs_the_same_for_one_batch_or_many(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, officer(world["kent"]))
        url = reverse("journals:batches")
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for n in range(3):
            posted(world["kent"], ("bank", f"{n + 1}.00"), ("asf_income", f"-{n + 1}.00"), on=date(2026, 6, 1))
            exported(world["kent"])
        with CaptureQueriesContext(connection) as four:
            client.get(url)
        assert len(four) == len(one)


class TestAFileThatCouldNotBeWritten:
    def test_the_journal_page_says_so(self, client, world, monkeypatch,  # type: ignore[no-untyped-def]
                                      django_capture_on_commit_callbacks):
        kent = world["kent"]
        posted(kent, ("bank", "10.00"), ("asf_income", "-10.00"), on=date(2026, 6, 1))
        signed_in(client, officer(kent))

        def broken(**kwargs):  # type: ignore[no-untyped-def]
            raise OSError("disk full")

        monkeypatch.setattr(services, "batch_write_file", broken)
        with django_capture_on_commit_callbacks(execute=True):  # eager tasks keep their error on the result
            client.post(reverse("journals:create"), form(kent))
        job = BackgroundJob.objects.get(kind=services.JOB_KIND, status=JobStatus.FAILED)
        batch = JournalBatch.objects.get(authority=kent, number=2)
        assert batch.status == BatchStatus.DRAFT
        page = client.get(reverse("journals:job", args=[job.pk])).content.decode()
        assert "The journal was made but its file could not be written" in page and "disk full" in page
        detail = client.get(reverse("journals:detail", args=[batch.pk])).content.decode()
        assert "The file could not be written" in detail
