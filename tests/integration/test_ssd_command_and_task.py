"""`manage.py import_ssd` (its output and exit status), the Celery task path with progress on the job row, and
the demo's sample extract against the seeded demo."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import execute_from_command_line
from django.utils import timezone

from core.demo import DemoContext
from core.models import BackgroundJob, JobStatus
from support.models import Child, OutcomeReading, SsdImport
from support.services.errors import NotPermitted
from support.ssd.jobs import ssd_files_store, ssd_import_request
from support.ssd.reader import open_path
from support.ssd.service import ssd_import
from tests.bad_inputs.conftest import changed, table_counts
from tests.ssd_samples import bad_files, good_files, world

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "ssd-kent"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: Any) -> None:
    """run_from_argv closes every database connection when the command ends: the test's is still needed."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


def command(*args: str) -> tuple[int, str, str]:
    """Run the command as the shell does (execute_from_command_line), returning its exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            execute_from_command_line(["manage.py", "import_ssd", *args])
            status = 0
        except SystemExit as exit_:
            status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(files: dict[str, bytes]) -> str:
        for name, content in files.items():
            (tmp_path / name).write_bytes(content)
        return str(tmp_path)
    return write


class TestCommand:
    def test_a_dry_run_reports_exits_0_and_writes_only_its_record(self, folder: Any) -> None:
        world()
        before = table_counts()
        status, out, _err = command("--authority", "KENT", folder(good_files()), "--dry-run")
        assert status == 0
        assert changed(before, table_counts()) == {"support.SsdImport": (0, 1)}
        assert "Dry run" in out and "To create: 4; to update: 1; unchanged: 2" in out
        assert "Known to the case system, not yet known here: K003, Adoption made on 2023-02-14" in out
        assert "pers_send_flag is Y in the extract" in out

    def test_the_import_exits_0_and_a_second_run_says_nothing_changes(self, folder: Any) -> None:
        world()
        path = folder(good_files())
        assert command("--authority", "kent", path)[0] == 0
        status, out, _ = command("--authority", "kent", path)
        assert status == 0 and "Nothing to change" in out and "imported before" in out
        assert OutcomeReading.objects.count() == 2

    def test_a_refused_extract_exits_1_listing_every_error(self, folder: Any) -> None:
        world()
        before = table_counts()
        status, _out, err = command("--authority", "kent", folder(bad_files()))
        assert status == 1
        assert "ssd_sdq_scores.csv, line 5, csdq_person_id = “NOBODY”: no person in ssd_person has this id" in err
        assert "Refused: 1 error(s); nothing was imported." in err
        assert changed(before, table_counts()) == {"support.SsdImport": (0, 1)}
        assert SsdImport.objects.get().status == "refused"

    def test_an_unknown_authority_or_path_exits_1(self, tmp_path: Path) -> None:
        world()
        assert command("--authority", "nowhere", str(tmp_path))[0] == 1
        status, _out, err = command("--authority", "kent", str(tmp_path / "missing.zip"))
        assert status == 1 and "no file or folder" in err


class TestTask:
    def test_the_dry_run_and_the_commit_run_as_jobs_with_progress_and_a_report(
            self, django_capture_on_commit_callbacks: Any) -> None:
        w = world()
        token = ssd_files_store(files=good_files())
        with django_capture_on_commit_callbacks(execute=True):
            job = ssd_import_request(authority=w.kent, token=token, by=w.data_manager, dry_run=True)
        job = BackgroundJob.objects.get(pk=job.pk)
        assert job.status == JobStatus.SUCCEEDED and job.progress_done == job.progress_total == 19  # 15 rows, 4 headers
        report = json.loads(job.result_file.read())
        assert (report["status"], report["counts"]["create"], report["token"]) == ("dry_run", 4, token)
        assert not OutcomeReading.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            commit = ssd_import_request(authority=w.kent, token=token, by=w.data_manager, dry_run=False)
        commit = BackgroundJob.objects.get(pk=commit.pk)
        assert commit.status == JobStatus.SUCCEEDED and "created" in commit.message
        assert json.loads(commit.result_file.read())["status"] == "committed"
        assert OutcomeReading.objects.count() == 2

    def test_expired_files_fail_the_job_with_a_message(self, django_capture_on_commit_callbacks: Any) -> None:
        w = world()
        with django_capture_on_commit_callbacks(execute=True):
            job = ssd_import_request(authority=w.kent, token="0" * 32, by=w.data_manager, dry_run=True)
        job = BackgroundJob.objects.get(pk=job.pk)
        assert job.status == JobStatus.FAILED and "upload the extract again" in job.message

    def test_a_user_who_may_not_import_cannot_queue_a_job(self) -> None:
        w = world()
        with pytest.raises(NotPermitted):
            ssd_import_request(authority=w.kent, token="0" * 32, by=w.medway_data_manager, dry_run=True)
        assert not BackgroundJob.objects.exists()


class TestDemoSample:
    def test_the_sample_extract_matches_the_seeded_demo(self) -> None:
        from organisations import demo as organisations_demo
        from support import demo as support_demo

        ctx = DemoContext(today=date(2026, 12, 1), password="demo-password-123", password_generated=False,
                          stdout=io.StringIO())
        organisations_demo.seed(ctx)
        support_demo.seed(ctx)
        kent = Child.objects.get(household__family_name="Clarke").case_system_authority
        assert kent is not None and kent.short_code == "kent"
        now = timezone.make_aware(timezone.datetime(2026, 12, 1, 12))
        dry = ssd_import(authority=kent, extract=open_path(SAMPLE), by=None, now=now, today=date(2026, 12, 1),
                         dry_run=True)
        assert dry.plan.errors == []
        assert [u["person_id"] for u in dry.plan.unmatched] == ["9100001", "9100002", "9100003"]
        assert {d["child"].split()[0] + " " + d["field"] for d in dry.plan.differences} == {
            "Ellie pers_dob", "Ravi pers_send_flag"}
        assert [c.child_name for c in dry.plan.updates] == ["Jack Wright"]
        assert [c.description for c in dry.plan.creates if c.what == "residence"] == [
            "Living in Medway Council (ME7 2AA) from 1 May 2024"]
        done = ssd_import(authority=kent, extract=open_path(SAMPLE / ".." / "ssd-kent.zip"), by=None, now=now,
                          today=date(2026, 12, 1), dry_run=False)
        assert done.status == "committed"
        mia = Child.objects.get(household__family_name="Clarke")
        assert mia.responsible_authority.short_code == "medway"
