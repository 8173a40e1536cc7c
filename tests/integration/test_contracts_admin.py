"""The register's admin import and export (django-import-export) through the register services."""

from datetime import date
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse

from contracts.models import Contract, ContractStatusChange
from contracts.resources import ContractResource, UsageExportResource
from contracts.services.register import contract_create, contract_update
from tests.factories import AuthorityFactory, ProviderFactory, UserFactory
from tests.factories_contracts import ActiveContractFactory, KpiFactory, KpiReturnFactory, UsageRecordFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
    provider = ProviderFactory(name="Coram")
    contract = ActiveContractFactory(reference="KCC-1", lead_authority=kent, parties=[medway], provider=provider)
    return {"kent": kent, "medway": medway, "provider": provider, "contract": contract,
            "admin": UserFactory(authority=kent, is_staff=True, is_superuser=True)}


def register_import(by, data):  # type: ignore[no-untyped-def]
    """The register resource as the admin wires it: every row saved by the register services."""
    resource = ContractResource(by=by, create=contract_create, update=contract_update)
    return resource.import_data(data, dry_run=False, use_transactions=True)


def test_export_has_numbers_and_codes(world):  # type: ignore[no-untyped-def]
    data = ContractResource().export(Contract.objects.all())
    row = dict(zip(data.headers, data[0], strict=True))
    assert row["reference"] == "KCC-1" and row["total_value"] == Decimal("752550.00")
    assert sorted(row["parties"].split(";")) == ["kent", "medway"] and row["status"] == "active"
    assert row["provider"] == "Coram" and row["lead_authority"] == "kent"


def test_import_creates_through_the_service_and_never_sets_the_state(world):  # type: ignore[no-untyped-def]
    data = tablib.Dataset(headers=["reference", "title", "provider", "lead_authority", "parties", "procurement_route",
                                   "pricing", "start_date", "end_date", "total_value", "capacity_per_year", "status"])
    data.append(["NEW-1", "New service", "Coram", "medway", "kent", "spot", "per_session", "2025-04-01",
                 "2027-03-31", "12000.5", 40, "expired"])
    result = register_import(world["admin"], data)
    assert not result.has_errors() and not result.has_validation_errors()
    created = Contract.objects.get(reference="NEW-1")
    assert created.status == "planned" and created.total_value.amount == Decimal("12000.50")
    assert set(created.parties.values_list("short_code", flat=True)) == {"kent", "medway"}
    assert ContractStatusChange.objects.filter(contract=created, changed_by=world["admin"]).exists()
    again = register_import(world["admin"], data)
    assert again.totals["skip"] == 1 and Contract.objects.filter(reference="NEW-1").count() == 1


def test_a_bad_row_is_reported_and_nothing_written(world):  # type: ignore[no-untyped-def]
    data = tablib.Dataset(headers=["reference", "title", "provider", "lead_authority", "parties", "procurement_route",
                                   "pricing", "start_date", "end_date", "total_value", "capacity_per_year"])
    data.append(["NEW-2", "x", "Coram", "kent", "", "block", "block_sum", "2025-04-01", "2024-03-31", "1", ""])
    result = register_import(world["admin"], data)
    assert result.has_errors() or result.has_validation_errors()
    assert not Contract.objects.filter(reference="NEW-2").exists()


def test_usage_export_keeps_numbers_numeric(world):  # type: ignore[no-untyped-def]
    UsageRecordFactory(contract=world["contract"], usage_date=date(2016, 5, 1), quantity=Decimal("2.50"))
    data = UsageExportResource().export()
    assert data[0][data.headers.index("quantity")] == Decimal("2.50")


def test_admin_pages_load(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    for name in ("admin:contracts_contract_changelist", "admin:contracts_contract_import",
                 "admin:contracts_usagerecord_changelist", "admin:contracts_apportionmentrun_changelist"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("admin:contracts_contract_change", args=[world["contract"].pk])).status_code == 200


def test_the_admin_never_deletes_a_contract(client, world):  # type: ignore[no-untyped-def]
    """A contract leaves the register by its lifecycle."""
    signed_in(client, world["admin"])
    response = client.get(reverse("admin:contracts_contract_delete", args=[world["contract"].pk]))
    assert response.status_code == 403
    assert Contract.objects.filter(pk=world["contract"].pk).exists()


# ---- the schedule's inline rows, saved through the schedule services ---------------------------------------------


def change_form_data(response) -> dict:  # type: ignore[no-untyped-def]
    """The change page's values as a browser posts them back: the contract's form and every inline's rows."""
    from django import forms

    context = response.context
    data: dict = {}
    every_form = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        every_form.extend(inline.formset.forms)
    for form in every_form:
        for name, field in form.fields.items():
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(field.widget, forms.MultiWidget):
                data.update({f"{key}_{i}": "" if part is None else str(part)
                             for i, part in enumerate(field.widget.decompress(value))})
            elif isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    return data


def post_change(client, contract, change):  # type: ignore[no-untyped-def]
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    data = change_form_data(client.get(url))
    change(data)
    return client.post(url, data)


def spy(monkeypatch, name):  # type: ignore[no-untyped-def]
    """Record the calls of one schedule service (and let it run)."""
    from contracts.services import schedule

    calls: list = []
    real = getattr(schedule, name)

    def recording(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(schedule, name, recording)
    return calls


class TestScheduleInlines:
    def test_a_row_the_service_refuses_shows_its_message_and_nothing_is_saved(self, client, world):  # type: ignore[no-untyped-def]
        kpi = KpiFactory(contract=world["contract"], name="Seen within 20 days", unit="percent", target=Decimal(85))
        signed_in(client, world["admin"])

        def change(data):  # type: ignore[no-untyped-def]
            data["kpis-0-target"] = "120"
            data["title"] = "A new title"  # the contract's own change goes back with the refused row

        response = post_change(client, world["contract"], change)
        assert response.status_code == 200
        page = response.content.decode()
        assert "A percentage target must be between 0 and 100, not 120" in page
        assert "Please correct the error below" in page
        kpi.refresh_from_db()
        world["contract"].refresh_from_db()
        assert kpi.target == Decimal("85.00") and world["contract"].title != "A new title"
        assert kpi.history.count() == 1

    def test_a_valid_new_row_is_saved_by_the_service_with_its_history(self, client, world, monkeypatch):  # type: ignore[no-untyped-def]
        calls = spy(monkeypatch, "year_value_add")
        signed_in(client, world["admin"])

        def change(data):  # type: ignore[no-untyped-def]
            data.update({"year_values-TOTAL_FORMS": "1", "year_values-0-id": "", "year_values-0-contract": "",
                         "year_values-0-financial_year": "2017", "year_values-0-value_0": "376275.00",
                         "year_values-0-value_1": "GBP"})

        response = post_change(client, world["contract"], change)
        assert response.status_code == 302, response.content.decode()
        row = world["contract"].year_values.get()
        assert row.financial_year == 2017 and row.value.amount == Decimal("376275.00")
        assert len(calls) == 1 and calls[0]["by"] == world["admin"]
        assert [h.history_user for h in row.history.all()] == [world["admin"]]

    def test_a_year_outside_the_term_is_refused_on_its_row(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["admin"])

        def change(data):  # type: ignore[no-untyped-def]
            data.update({"year_values-TOTAL_FORMS": "1", "year_values-0-id": "", "year_values-0-contract": "",
                         "year_values-0-financial_year": "2030", "year_values-0-value_0": "1.00",
                         "year_values-0-value_1": "GBP"})

        response = post_change(client, world["contract"], change)
        assert response.status_code == 200
        assert "2030-31 is outside the contract&#x27;s term" in response.content.decode()
        assert not world["contract"].year_values.exists()

    def test_a_kpi_with_returns_is_not_deleted(self, client, world):  # type: ignore[no-untyped-def]
        """A KPI deleted would take its returns, the contract's monitoring record, with it."""
        kpi = KpiFactory(contract=world["contract"], name="Seen within 20 days")
        KpiReturnFactory(kpi=kpi)
        signed_in(client, world["admin"])
        response = post_change(client, world["contract"], lambda data: data.update({"kpis-0-DELETE": "on"}))
        assert response.status_code == 200
        assert "The KPI “Seen within 20 days” has 1 return recorded: it cannot be removed" in (
            response.content.decode())
        assert kpi.returns.count() == 1 and world["contract"].kpis.filter(pk=kpi.pk).exists()

    def test_a_kpi_without_returns_is_removed_by_the_service(self, client, world, monkeypatch):  # type: ignore[no-untyped-def]
        calls = spy(monkeypatch, "kpi_remove")
        kpi = KpiFactory(contract=world["contract"], name="Seen within 20 days")
        signed_in(client, world["admin"])
        response = post_change(client, world["contract"], lambda data: data.update({"kpis-0-DELETE": "on"}))
        assert response.status_code == 302
        assert not world["contract"].kpis.exists() and len(calls) == 1
        assert kpi.history.latest("history_date").history_type == "-"
        assert kpi.history.latest("history_date").history_user == world["admin"]

    def test_the_contract_details_the_admin_edits_are_all_kept(self, client, world):  # type: ignore[no-untyped-def]
        signed_in(client, world["admin"])

        def change(data):  # type: ignore[no-untyped-def]
            data.update({"description": "Therapeutic support", "pricing": "per_session", "unit_price_0": "95.00",
                         "unit_price_1": "GBP", "capacity_measure": "sessions"})

        assert post_change(client, world["contract"], change).status_code == 302
        world["contract"].refresh_from_db()
        assert world["contract"].description == "Therapeutic support"
        assert world["contract"].unit_price.amount == Decimal("95.00")
        assert world["contract"].capacity_measure == "sessions"
