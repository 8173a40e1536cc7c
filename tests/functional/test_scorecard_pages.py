"""Scorecard pages through the test client: every URL pattern refused to the wrong role and to another
partnership; an authority's users drill down to their own cases only, the partnership view shows figures for all
three; the board return job and its download; query counts that do not grow."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AccessAction, AccessLog, BackgroundJob
from organisations.models import Role
from scorecard import urls
from scorecard.models import ReturnDefinitionSet, ReturnField, ReturnQuery
from scorecard.services.returns import JOB_KIND, board_return_build, board_return_job_create
from support.models.requests import RequestStage
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_support import ChildFactory, DraftAssessmentFactory, SupportRequestFactory
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=f"{c.title()} Council")
                            for c in ("kent", "medway", "bexley"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    elsewhere = AuthorityFactory(short_code="surrey", name="Surrey Council")
    PartnershipFactory(members=[elsewhere])
    requests = {}
    for authority, name in ((kent, "Kentish"), (medway, "Medwayan")):
        child = ChildFactory(household__responsible_authority=authority, first_name=name, last_name="Child")
        request = SupportRequestFactory(child=child, received_date=date(2025, 5, 6), stage=RequestStage.ASSESSING)
        DraftAssessmentFactory(request=request, started_date=date(2025, 5, 20))
        requests[authority.short_code] = request
    definition_set = ReturnDefinitionSet.objects.create(title="Return", version=1, valid_from_date=date(2020, 4, 1))
    ReturnField.objects.create(definition_set=definition_set, name="Families", definition="Families who asked",
                               query=ReturnQuery.FAMILIES_REQUESTING)
    users = {
        "kent_tm": UserFactory(authority=kent, role=Role.TEAM_MANAGER),
        "kent_sw": UserFactory(authority=kent, role=Role.SOCIAL_WORKER),
        "kent_fo": UserFactory(authority=kent, role=Role.FINANCE_OFFICER),
        "medway_tm": UserFactory(authority=medway, role=Role.TEAM_MANAGER),
        "surrey_tm": UserFactory(authority=elsewhere, role=Role.TEAM_MANAGER),
        "surrey_fo": UserFactory(authority=elsewhere, role=Role.FINANCE_OFFICER),
        "raa_lc": PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER),
        "raa_auditor": PartnershipUserFactory(partnership=partnership, role=Role.AUDITOR),
    }
    job = board_return_job_create(partnership=partnership, year=YEAR, quarter=1, file_format="xlsx",
                                  by=users["kent_fo"])
    board_return_build(job_id=job.pk)
    return {"kent": kent, "medway": medway, "partnership": partnership, "job": job, "requests": requests, **users}


def cases(world):  # type: ignore[no-untyped-def]
    """name -> (url args, a user allowed there, a role refused there, a user of another partnership)."""
    job = world["job"].pk
    return {
        "overview": ([], "kent_tm", "kent_sw", None),
        "outcomes": ([], "raa_auditor", "kent_sw", None),
        "board_return": ([], "raa_lc", "kent_tm", None),
        "return_job": ([job], "kent_fo", "kent_tm", "surrey_fo"),
        "return_download": ([job], "raa_lc", "raa_auditor", "surrey_fo"),
        "authority_year": (["kent", YEAR], "medway_tm", "kent_sw", "surrey_tm"),
        "cases": (["kent", YEAR, "requests_received"], "kent_tm", "kent_sw", "medway_tm"),
    }


class TestAccess:
    def test_every_pattern_has_a_case(self, world):  # type: ignore[no-untyped-def]
        assert {p.name for p in urls.urlpatterns} == set(cases(world))

    @pytest.mark.parametrize("name", [p.name for p in urls.urlpatterns])
    def test_the_wrong_role_is_refused(self, client, world, name):  # type: ignore[no-untyped-def]
        args, _, refused, _ = cases(world)[name]
        signed_in(client, world[refused])
        assert denied(client.get(reverse(f"scorecard:{name}", args=args)))

    @pytest.mark.parametrize("name", [p.name for p in urls.urlpatterns])
    def test_the_allowed_user_gets_the_page(self, client, world, name):  # type: ignore[no-untyped-def]
        args, allowed, _, _ = cases(world)[name]
        signed_in(client, world[allowed])
        assert client.get(reverse(f"scorecard:{name}", args=args)).status_code == 200

    @pytest.mark.parametrize("name", [n for n in ("return_job", "return_download", "authority_year", "cases")])
    def test_someone_outside_gets_404(self, client, world, name):  # type: ignore[no-untyped-def]
        args, _, _, outsider = cases(world)[name]
        signed_in(client, world[outsider])
        assert client.get(reverse(f"scorecard:{name}", args=args)).status_code == 404

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, world):  # type: ignore[no-untyped-def]
        assert client.get(reverse("scorecard:overview")).status_code == 302


class TestScoping:
    def test_the_partnership_view_shows_every_authority_and_no_names(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["medway_tm"])
        page = client.get(reverse("scorecard:overview") + f"?year={YEAR}").content.decode()
        assert "Kent Council" in page and "Medway Council" in page and "Bexley Council" in page
        assert "Kentish" not in page and "Medwayan" not in page

    def test_the_letterbox_figures_have_a_chart_and_a_table_on_both_pages(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_tm"])
        overview = client.get(reverse("scorecard:overview") + f"?year={YEAR}").content.decode()
        assert '<caption class="govuk-table__caption govuk-table__caption--m">Letterbox contact</caption>' in overview
        assert "Letterbox arrangements active, 2025-26" in overview and "Letterbox exchanges missed" in overview
        kent = client.get(reverse("scorecard:authority_year", args=["kent", YEAR])).content.decode()
        assert "Letterbox exchanges received late by quarter" in kent
        assert "/cases/letterbox_" not in kent  # figures of letters: no list of cases behind them

    def test_another_authoritys_figures_come_without_links_to_cases(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["medway_tm"])
        page = client.get(reverse("scorecard:authority_year", args=["kent", YEAR])).content.decode()
        assert "/cases/" not in page
        assert "listed only to that authority" in page

    def test_own_authority_lists_its_cases(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_tm"])
        page = client.get(reverse("scorecard:authority_year", args=["kent", YEAR])).content.decode()
        assert reverse("scorecard:cases", args=["kent", YEAR, "requests_received"]) in page
        listed = client.get(reverse("scorecard:cases", args=["kent", YEAR, "requests_received"]) + "?quarter=1")
        assert "Kentish" in listed.content.decode() and "Medwayan" not in listed.content.decode()

    def test_a_partnership_user_lists_any_members_cases(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["raa_auditor"])
        listed = client.get(reverse("scorecard:cases", args=["medway", YEAR, "to_assessment_started"]))
        assert listed.status_code == 200 and "Medwayan" in listed.content.decode()

    def test_an_unknown_measure_or_year_is_404(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_tm"])
        assert client.get(reverse("scorecard:cases", args=["kent", YEAR, "nonsense"])).status_code == 404
        assert client.get(reverse("scorecard:authority_year", args=["kent", 1990])).status_code == 404


class TestQueries:
    def test_the_authority_year_page_does_not_grow_with_the_data(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_tm"])
        url = reverse("scorecard:authority_year", args=["kent", YEAR])
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for n in range(6):
            child = ChildFactory(household__responsible_authority=world["kent"])
            request = SupportRequestFactory(child=child, received_date=date(2025, 7, 1 + n))
            DraftAssessmentFactory(request=request, started_date=date(2025, 8, 1))
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        assert len(before) == len(after)


class TestBoardReturn:
    def test_the_form_starts_a_job_and_the_file_downloads(self, client, world,  # type: ignore[no-untyped-def]
                                                          django_capture_on_commit_callbacks):
        signed_in(client, world["raa_lc"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("scorecard:board_return"),
                                   {"year": YEAR, "quarter": 1, "file_format": "csv"})
        job = BackgroundJob.objects.filter(kind=JOB_KIND, requested_by=world["raa_lc"]).get()
        assert response.status_code == 302 and response["Location"] == reverse("scorecard:return_job",
                                                                               args=[job.pk])
        page = client.get(response["Location"]).content.decode()
        assert "Download the return" in page
        download = client.get(reverse("scorecard:return_download", args=[job.pk]))
        body = b"".join(download.streaming_content).decode()
        assert "Partnership,Total,Families,[c]" in body  # two families: suppressed

    def test_every_download_of_a_return_is_audited(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_fo"])
        url = reverse("scorecard:return_download", args=[world["job"].pk])
        first = b"".join(client.get(url).streaming_content)
        second = b"".join(client.get(url).streaming_content)
        assert first == second and first[:2] == b"PK"
        logs = AccessLog.objects.filter(user=world["kent_fo"], action=AccessAction.DOWNLOAD,
                                        object_type=ContentType.objects.get_for_model(BackgroundJob),
                                        object_id=str(world["job"].pk))
        assert logs.count() == 2
        assert logs.first().authority == world["kent"] and logs.first().path == url

    def test_a_refused_download_writes_no_audit_row(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["surrey_fo"])
        assert client.get(reverse("scorecard:return_download", args=[world["job"].pk])).status_code == 404
        assert not AccessLog.objects.filter(action=AccessAction.DOWNLOAD).exists()

    def test_a_quarter_without_definitions_is_refused_with_a_reason(self, client, world):  # type: ignore[no-untyped-def]
        ReturnDefinitionSet.objects.update(valid_from_date=date(2030, 4, 1))
        signed_in(client, world["raa_lc"])
        response = client.post(reverse("scorecard:board_return"), {"year": YEAR, "quarter": 1, "file_format": "xlsx"})
        assert response.status_code == 200
        assert "No set of return definitions is in force" in response.content.decode()
        assert not BackgroundJob.objects.filter(kind=JOB_KIND, requested_by=world["raa_lc"]).exists()

    def test_bad_input_is_named(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["raa_lc"])
        response = client.post(reverse("scorecard:board_return"), {"year": "1900", "quarter": 9})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
