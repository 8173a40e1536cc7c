"""Contract pages through the test client: every URL pattern refused to the wrong role and to authorities that
are not party (or, for writes, not the lead); the register, monitoring, import and apportionment journeys."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from moneyed import Money

from contracts import urls
from contracts.models import ApportionmentRun, ImportBatch, RunStatus, UsageRecord
from contracts.services.run_spreadsheets import run_spreadsheet_bytes
from contracts.services.runs import run_calculate, run_create
from core.jobs import job_create, job_finish
from organisations.models import Role
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_contracts import NOW, ActiveContractFactory, KpiFactory, KpiReturnFactory, UsageRecordFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    partnership = PartnershipFactory(members=[kent, medway, bexley])
    contract = ActiveContractFactory(reference="KENT-1", title="Kent and Medway service", lead_authority=kent,
                                     parties=[medway], start_date=date(2016, 4, 1), end_date=date(2030, 3, 31))
    bexley_only = ActiveContractFactory(reference="BEX-1", lead_authority=bexley)
    for authority, count in ((kent, 30), (medway, 10)):
        UsageRecordFactory(contract=contract, authority=authority, usage_date=date(2017, 5, 1),
                           measure="referrals", quantity=Decimal(count))
    kpi = KpiFactory(contract=contract, name="Contact within 5 days", target=Decimal(90))
    KpiReturnFactory(kpi=kpi, financial_year=2017, quarter=1, value=Decimal(85))
    users = {
        "kent_fin": UserFactory(authority=kent, role=Role.FINANCE_OFFICER),
        "kent_fin2": UserFactory(authority=kent, role=Role.FINANCE_OFFICER),
        "kent_lc": UserFactory(authority=kent, role=Role.LEAD_COMMISSIONER),
        "kent_sw": UserFactory(authority=kent, role=Role.SOCIAL_WORKER),
        "kent_auditor": UserFactory(authority=kent, role=Role.AUDITOR),
        "medway_fin": UserFactory(authority=medway, role=Role.FINANCE_OFFICER),
        "medway_lc": UserFactory(authority=medway, role=Role.LEAD_COMMISSIONER),
        "bexley_fin": UserFactory(authority=bexley, role=Role.FINANCE_OFFICER),
        "bexley_lc": UserFactory(authority=bexley, role=Role.LEAD_COMMISSIONER),
        "raa_lc": PartnershipUserFactory(partnership=partnership, role=Role.LEAD_COMMISSIONER),
    }
    run = run_create(contract=contract, title="2017-18", total_cost=Money("1000.00", "GBP"),
                     cost_start_date=date(2017, 4, 1), cost_end_date=date(2018, 3, 31), basis="referrals",
                     usage_start_date=date(2017, 4, 1), usage_end_date=date(2018, 3, 31),
                     by=users["kent_lc"], now=NOW)
    run = run_calculate(run=run, by=users["kent_lc"], now=NOW)
    job = job_create(kind="contracts.run_spreadsheet", description="x", by=users["kent_fin"], authority=kent,
                     target=f"contracts.apportionmentrun:{run.pk}")
    job_finish(job_id=job.pk, content=run_spreadsheet_bytes(run=run), filename="run.xlsx")
    return {"kent": kent, "medway": medway, "bexley": bexley, "contract": contract, "bexley_only": bexley_only,
            "kpi": kpi, "run": run, "job": job, **users}


# name -> (method, url args from world, a user allowed there, a role refused there)
def cases(world):  # type: ignore[no-untyped-def]
    c, run, job = world["contract"], world["run"], world["job"]
    return {
        "overview": ("get", [], "kent_auditor", "kent_sw"),
        "create": ("get", [], "kent_lc", "kent_fin"),
        "detail": ("get", [c.pk], "medway_fin", "kent_sw"),
        "status": ("get", [c.pk], "kent_lc", "kent_fin"),
        "kpi_return": ("get", [c.pk, world["kpi"].pk], "kent_lc", "kent_fin"),
        "run_create": ("get", [c.pk], "kent_fin", "kent_auditor"),
        "usage_import": ("get", [], "kent_fin", "kent_lc"),
        "runs": ("get", [], "medway_fin", "kent_sw"),
        "run_detail": ("get", [run.pk], "medway_fin", "kent_sw"),
        "run_calculate": ("post", [run.pk], "kent_lc", "kent_auditor"),
        "run_approve": ("post", [run.pk], "kent_fin", "kent_lc"),
        "run_recharge": ("post", [run.pk], "kent_fin", "kent_lc"),
        "run_spreadsheet": ("post", [run.pk], "medway_fin", "kent_auditor"),
        "job": ("get", [job.pk], "medway_fin", "kent_sw"),
        "job_download": ("get", [job.pk], "kent_auditor", "kent_sw"),
    }


OBJECT_PAGES = {"detail", "status", "kpi_return", "run_create", "run_detail", "run_calculate", "run_approve",
                "run_recharge", "run_spreadsheet", "job", "job_download"}
LEAD_ONLY = {"status", "kpi_return", "run_create", "run_calculate", "run_approve", "run_recharge"}


def call(client, method, name, args):  # type: ignore[no-untyped-def]
    url = reverse(f"contracts:{name}", args=args)
    return client.post(url) if method == "post" else client.get(url)


class TestEveryUrl:
    def test_every_pattern_has_a_case(self, world):  # type: ignore[no-untyped-def]
        assert {p.name for p in urls.urlpatterns} == set(cases(world))
        assert OBJECT_PAGES | {"overview", "create", "usage_import", "runs"} == set(cases(world))

    @pytest.mark.parametrize("name", [p.name for p in urls.urlpatterns])
    def test_the_wrong_role_is_refused(self, client, world, name):  # type: ignore[no-untyped-def]
        method, args, _, wrong = cases(world)[name]
        response = call(signed_in(client, world[wrong]), method, name, args)
        assert response.status_code == 403

    @pytest.mark.parametrize("name", [p.name for p in urls.urlpatterns])
    def test_the_allowed_user_gets_the_page(self, client, world, name):  # type: ignore[no-untyped-def]
        method, args, allowed, _ = cases(world)[name]
        response = call(signed_in(client, world[allowed]), method, name, args)
        assert response.status_code in (200, 302)
        if method == "get":
            assert response.status_code == 200

    @pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
    def test_an_authority_that_is_not_party_gets_404(self, client, world, name):  # type: ignore[no-untyped-def]
        method, args, allowed, _ = cases(world)[name]
        role = world[allowed].role
        outsider = UserFactory(authority=world["bexley"], role=role)
        response = call(signed_in(client, outsider), method, name, args)
        assert response.status_code == 404
        assert ApportionmentRun.objects.get(pk=world["run"].pk).status == RunStatus.CALCULATED

    @pytest.mark.parametrize("name", sorted(LEAD_ONLY))
    def test_a_party_that_is_not_the_lead_cannot_act_for_it(self, client, world, name):  # type: ignore[no-untyped-def]
        method, args, allowed, _ = cases(world)[name]
        partner = UserFactory(authority=world["medway"], role=world[allowed].role)
        response = call(signed_in(client, partner), method, name, args)
        assert response.status_code == 403
        assert ApportionmentRun.objects.get(pk=world["run"].pk).status == RunStatus.CALCULATED

    @pytest.mark.parametrize("name", ["overview", "runs"])
    def test_lists_show_nothing_of_contracts_the_authority_is_not_party_to(self, client, world, name):  # type: ignore[no-untyped-def]
        bexley = signed_in(client, world["bexley_fin"]).get(reverse(f"contracts:{name}"))
        assert bexley.status_code == 200 and b"KENT-1" not in bexley.content
        kent = signed_in(client, world["kent_fin"]).get(reverse(f"contracts:{name}"))
        assert b"KENT-1" in kent.content and b"BEX-1" not in kent.content

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, world):  # type: ignore[no-untyped-def]
        for name, (method, args, _, _) in cases(world).items():
            response = call(client, method, name, args)
            assert response.status_code == 302 and "/sign-in/" in response.url, name


def _contract_form(world, **changes):  # type: ignore[no-untyped-def]
    from tests.factories import ProviderFactory
    from tests.factories_commissioning import service_type

    provider = ProviderFactory(name="Barnardo's CAFIS")
    data = {
        "reference": "RAA-CAFIS-2026", "title": "Post-adoption support service", "provider": provider.pk,
        "lead_authority": world["kent"].pk, "parties": [world["medway"].pk, world["bexley"].pk],
        "procurement_route": "block", "pricing": "block_sum", "unit_price": "",
        "start_date_day": "1", "start_date_month": "4", "start_date_year": "2026",
        "end_date_day": "31", "end_date_month": "3", "end_date_year": "2029",
        "total_value": "752550.00", "capacity_per_year": "120", "capacity_measure": "referrals",
        "element_name": "Therapeutic support", "service_types": [service_type("ddp").pk], "description": "",
    }
    data.update(changes)
    return data


class TestRegister:
    """The lead commissioner adds a contract to the register through the page."""

    def test_a_lead_commissioner_registers_a_planned_contract_with_its_parties_and_services(self, client, world):  # type: ignore[no-untyped-def]
        from contracts.models import Contract, ContractStatus

        response = signed_in(client, world["raa_lc"]).post(reverse("contracts:create"), _contract_form(world))
        contract = Contract.objects.get(reference="RAA-CAFIS-2026")
        assert response.status_code == 302 and response.url == reverse("contracts:detail", args=[contract.pk])
        assert contract.status == ContractStatus.PLANNED and contract.lead_authority == world["kent"]
        assert contract.total_value == Money("752550.00", "GBP") and contract.unit_price is None
        assert {a.short_code for a in contract.parties.all()} == {"kent", "medway", "bexley"}
        assert [(e.name, [t.code for t in e.service_types.all()]) for e in contract.elements.all()] == [
            ("Therapeutic support", ["ddp"])]
        assert contract.status_changes.get().changed_by == world["raa_lc"]

    def test_the_overview_offers_the_register_form_to_lead_commissioners_only(self, client, world):  # type: ignore[no-untyped-def]
        link = reverse("contracts:create").encode()
        assert link in signed_in(client, world["kent_lc"]).get(reverse("contracts:overview")).content
        assert link not in signed_in(client, world["kent_fin"]).get(reverse("contracts:overview")).content

    @pytest.mark.parametrize(("changes", "field", "message"), [
        ({"reference": ""}, "reference", "Enter the contract reference"),
        ({"reference": "kent-1"}, "reference", "A contract with the reference kent-1 is already on the register"),
        ({"provider": ""}, "provider", "Choose the provider"),
        ({"end_date_year": "2025"}, "end_date", "The end date must be on or after the start date"),
        ({"total_value": "-1"}, "total_value", "The value cannot be negative"),
        ({"total_value": "10.001"}, "total_value", "The value must be in pounds and pence"),
        ({"pricing": "per_session"}, "unit_price", "Enter the price per unit for a contract priced per unit"),
        ({"element_name": ""}, "element_name", "Enter a name for the service element"),
        ({"start_date_month": "13"}, "start_date", ""),
    ])
    def test_bad_input_is_named_and_nothing_is_written(self, client, world, changes, field, message):  # type: ignore[no-untyped-def]
        from contracts.models import Contract

        before = Contract.objects.count()
        response = signed_in(client, world["kent_lc"]).post(reverse("contracts:create"),
                                                            _contract_form(world, **changes))
        assert response.status_code == 200 and b"govuk-error-summary" in response.content
        assert field in response.context["form"].errors
        assert message in " ".join(response.context["form"].errors[field])
        assert Contract.objects.count() == before

    def test_an_authority_outside_the_users_scope_cannot_lead_or_share(self, client, world):  # type: ignore[no-untyped-def]
        from contracts.models import Contract

        bexley_lc = signed_in(client, world["bexley_lc"])
        page = bexley_lc.get(reverse("contracts:create"))
        assert [a.short_code for a in page.context["form"].fields["lead_authority"].queryset] == ["bexley"]
        response = bexley_lc.post(reverse("contracts:create"), _contract_form(world))  # Kent leads, Medway shares
        errors = response.context["form"].errors
        assert "Choose a lead authority you work for" in errors["lead_authority"][0]
        assert "parties" in errors
        assert not Contract.objects.filter(reference="RAA-CAFIS-2026").exists()


class TestMonitoring:
    def test_the_overview_shows_charts_tables_and_what_ends_soon(self, client, world):  # type: ignore[no-untyped-def]
        world["bexley_only"].end_date = timezone.localdate() + timedelta(days=30)
        world["bexley_only"].save()
        page = signed_in(client, world["raa_lc"]).get(reverse("contracts:overview")).content.decode()
        assert "KENT-1" in page and "BEX-1" in page
        assert page.count('class="app-chart"') >= 2 and "govuk-table" in page
        assert "Ending within 6 months" in page and "BEX-1: " in page.split("Ending within 6 months")[1][:600]
        assert "1 of 1" in page  # Kent's KPI was missed in its latest return

    def test_the_contract_page_shows_money_use_time_and_kpis(self, client, world):  # type: ignore[no-untyped-def]
        page = signed_in(client, world["medway_fin"]).get(
            reverse("contracts:detail", args=[world["contract"].pk])).content.decode()
        assert "Spend and commitment against value" in page and "Time elapsed against the term" in page
        assert "Contact within 5 days" in page and "Missed" in page
        assert "Share this contract" not in page  # Medway is a party, not the lead

    def test_the_overview_takes_a_fixed_number_of_queries(self, client, world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
        for _ in range(5):
            extra = ActiveContractFactory(lead_authority=world["kent"], parties=[world["medway"]])
            KpiReturnFactory(kpi=KpiFactory(contract=extra))
        signed_in(client, world["kent_lc"])
        with django_assert_max_num_queries(14):
            assert client.get(reverse("contracts:overview")).status_code == 200

    def test_a_kpi_return_is_recorded_and_bad_input_shows_the_error_summary(self, client, world):  # type: ignore[no-untyped-def]
        url = reverse("contracts:kpi_return", args=[world["contract"].pk, world["kpi"].pk])
        signed_in(client, world["kent_lc"])
        bad = client.post(url, {"financial_year": "x", "quarter": "9", "value": "",
                                "submitted_date_day": "31", "submitted_date_month": "2", "submitted_date_year": "2018"})
        assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
        assert world["kpi"].returns.count() == 1
        good = client.post(url, {"financial_year": "2017", "quarter": "2", "value": "93", "submitted_date_day": "10",
                                 "submitted_date_month": "10", "submitted_date_year": "2017"})
        assert good.status_code == 302, good.context["form"].errors
        assert world["kpi"].returns.count() == 2

    def test_the_status_page_terminates_with_a_reason(self, client, world):  # type: ignore[no-untyped-def]
        url = reverse("contracts:status", args=[world["contract"].pk])
        signed_in(client, world["kent_lc"])
        missing = client.post(url, {"action": "terminate", "reason": ""})
        assert "Enter the reason" in missing.content.decode()
        done = client.post(url, {"action": "terminate", "reason": "Provider withdrew"})
        assert done.status_code == 302
        world["contract"].refresh_from_db()
        assert world["contract"].status == "terminated"


class TestUsageImportPage:
    CSV = (b"contract_reference,authority,usage_date,measure,quantity\n"
           b"KENT-1,kent,2018-01-05,referrals,2\nKENT-1,medway,2018-01-06,referrals,1\n")

    def upload(self, client, content, name="usage.csv"):  # type: ignore[no-untyped-def]
        handle = io.BytesIO(content)
        handle.name = name
        return client.post(reverse("contracts:usage_import"), {"step": "preview", "file": handle})

    def test_dry_run_then_confirm(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_fin"])
        before = UsageRecord.objects.count()
        preview = self.upload(client, self.CSV)
        page = preview.content.decode()
        assert "What this file would do" in page and "Import 2 rows" in page
        assert UsageRecord.objects.count() == before
        token = preview.context["confirm_form"].initial["token"]
        done = client.post(reverse("contracts:usage_import"), {"step": "confirm", "token": token})
        assert done.status_code == 302 and UsageRecord.objects.count() == before + 2
        again = client.post(reverse("contracts:usage_import"), {"step": "confirm", "token": token})
        assert again.status_code == 302 and UsageRecord.objects.count() == before + 2
        assert ImportBatch.objects.count() == 1

    def test_row_errors_are_listed_and_nothing_is_offered(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_fin"])
        bad = (b"contract_reference,authority,usage_date,measure,quantity\n"
               b"KENT-1,kent,2018-01-05,referrals,-2\nBEX-1,kent,2018-01-06,referrals,1\n")
        page = self.upload(client, bad).content.decode()
        assert "govuk-error-summary" in page and 'id="problems"' in page
        assert "negative" in page and "no contract “BEX-1” that you can see" in page
        assert "Import 0 rows" not in page and 'name="token"' not in page

    def test_wrong_columns_and_wrong_file_types_get_the_error_summary(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_fin"])
        page = self.upload(client, b"a,b\n1,2\n").content.decode()
        assert "govuk-error-summary" in page and "The columns are wrong" in page
        page = self.upload(client, b"%PDF", name="usage.pdf").content.decode()
        assert "must be a CSV file or an Excel workbook" in page

    def test_a_forged_token_is_refused(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_fin"])
        response = client.post(reverse("contracts:usage_import"), {"step": "confirm", "token": "nope"}, follow=True)
        assert "expired" in response.content.decode()


class TestRunJourney:
    def test_create_calculate_approve_recharge_and_download(self, client, world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
        signed_in(client, world["kent_lc"])
        form = {"title": "Kent and Medway 2017-18", "total_cost": "615.00", "cost_start_date_day": "1",
                "cost_start_date_month": "4", "cost_start_date_year": "2017", "cost_end_date_day": "31",
                "cost_end_date_month": "3", "cost_end_date_year": "2018", "basis": "referrals",
                "basis_label": "referrals 2017-18",
                "usage_start_date_day": "1", "usage_start_date_month": "4", "usage_start_date_year": "2017",
                "usage_end_date_day": "31", "usage_end_date_month": "3", "usage_end_date_year": "2018",
                "fixed_share_percent": "0"}
        bad = client.post(reverse("contracts:run_create", args=[world["contract"].pk]),
                          {**form, "usage_end_date_year": "2016"})
        assert "govuk-error-summary" in bad.content.decode() and ApportionmentRun.objects.count() == 1
        created = client.post(reverse("contracts:run_create", args=[world["contract"].pk]), form)
        run = ApportionmentRun.objects.get(title="Kent and Medway 2017-18")
        assert created.url == reverse("contracts:run_detail", args=[run.pk])
        client.post(reverse("contracts:run_calculate", args=[run.pk]))
        page = client.get(reverse("contracts:run_detail", args=[run.pk])).content.decode()
        assert "Medway: 10 of 40 referrals 2017-18 = 25.00%" in page
        signed_in(client, world["kent_fin"])
        client.post(reverse("contracts:run_approve", args=[run.pk]))
        client.post(reverse("contracts:run_recharge", args=[run.pk]))
        run.refresh_from_db()
        assert run.status == RunStatus.RECHARGED
        with django_capture_on_commit_callbacks(execute=True):
            to_job = client.post(reverse("contracts:run_spreadsheet", args=[run.pk]))
        job_page = client.get(to_job.url)
        assert "Ready" in job_page.content.decode() and 'http-equiv="refresh"' not in job_page.content.decode()
        download = client.get(reverse("contracts:job_download", args=[to_job.url.rstrip("/").rsplit("/", 1)[1]]))
        body = b"".join(download.streaming_content)
        assert download["Content-Disposition"].startswith("attachment") and body == run_spreadsheet_bytes(
            run=run)

    def test_a_running_job_refreshes_itself_without_javascript(self, client, world):  # type: ignore[no-untyped-def]
        job = job_create(kind="contracts.run_spreadsheet", description="x", by=None, authority=world["kent"],
                         target=f"contracts.apportionmentrun:{world['run'].pk}")
        page = signed_in(client, world["kent_fin"]).get(reverse("contracts:job", args=[job.pk])).content.decode()
        assert 'http-equiv="refresh"' in page and "<progress" in page
        assert signed_in(client, world["kent_fin"]).get(
            reverse("contracts:job_download", args=[job.pk])).status_code == 404


class TestListsAndHome:
    def test_the_run_list_takes_a_fixed_number_of_queries(self, client, world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
        for n in range(5):
            run_create(contract=world["contract"], title=f"extra {n}", total_cost=Money("10.00", "GBP"),
                       cost_start_date=date(2017, 4, 1), cost_end_date=date(2018, 3, 31),
                       basis="referrals", usage_start_date=date(2017, 4, 1),
                       usage_end_date=date(2018, 3, 31), by=world["kent_lc"], now=NOW)
        signed_in(client, world["kent_fin"])
        with django_assert_max_num_queries(8):
            page = client.get(reverse("contracts:runs"))
        assert page.status_code == 200 and page.content.decode().count("extra ") == 5

    def test_the_home_page_has_the_contracts_panel_for_commissioners(self, client, world):  # type: ignore[no-untyped-def]
        page = signed_in(client, world["kent_lc"]).get(reverse("home")).content.decode()
        assert "1</strong> apportionment waiting approval" in page and "ending within 6 months" in page
        assert reverse("contracts:overview") in page
        other = signed_in(client, world["kent_sw"]).get(reverse("home")).content.decode()
        assert "waiting approval" not in other
