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


def test_the_admin_deletes_neither_a_contract_nor_a_row_of_its_schedule(client, world):  # type: ignore[no-untyped-def]
    """A KPI deleted would take its returns with it; a contract leaves the register by its lifecycle."""
    from django.contrib import admin

    contract_admin = admin.site._registry[Contract]
    assert all(not inline.can_delete for inline in contract_admin.inlines)
    kpi = KpiFactory(contract=world["contract"])
    KpiReturnFactory(kpi=kpi)
    signed_in(client, world["admin"])
    response = client.get(reverse("admin:contracts_contract_delete", args=[world["contract"].pk]))
    assert response.status_code == 403
    page = client.get(reverse("admin:contracts_contract_change", args=[world["contract"].pk])).content.decode()
    assert kpi.name in page and "-DELETE" not in page  # the KPI's row is shown, with no delete box
    assert Contract.objects.filter(pk=world["contract"].pk).exists()
