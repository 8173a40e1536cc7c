"""The back office for the journal export: mappings and periods change through the services (with history and who),
batches are read-only there."""

import pytest
from django.urls import reverse

from ledger.journals.models import AccountMapping, FinancialPeriod, JournalBatch, JournalSettings
from organisations.models import Role
from tests.factories import AuthorityFactory, UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    admin = UserFactory(authority=kent, role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    return {"kent": kent, "admin": admin}


def test_a_mapping_added_in_the_back_office_goes_through_the_service(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    response = client.post(reverse("admin:ledger_accountmapping_add"), {
        "authority": world["kent"].pk, "account_code": "bank", "source_kind": " Claims.ASFApplication ",
        "cost_centre": " CC1 ", "subjective": "S1", "project_code": "",
    })
    assert response.status_code == 302
    mapping = AccountMapping.objects.get()
    assert (mapping.source_kind, mapping.cost_centre) == ("claims.asfapplication", "CC1")
    assert mapping.history.get().history_user == world["admin"]


def test_periods_are_closed_and_reopened_by_actions(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    client.post(reverse("admin:ledger_financialperiod_add"), {"authority": world["kent"].pk, "year": 2026,
                                                              "number": 3})
    period = FinancialPeriod.objects.get()
    assert (period.status, period.changed_by) == ("closed", world["admin"])
    client.post(reverse("admin:ledger_financialperiod_changelist"),
                {"action": "reopen_periods", "_selected_action": [period.pk]})
    period.refresh_from_db()
    assert period.status == "open"
    assert list(period.history.values_list("status", flat=True)) == ["open", "closed", "open"]


def test_batches_cannot_be_added_or_changed_in_the_back_office(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    assert client.get(reverse("admin:ledger_journalbatch_add")).status_code == 403
    assert client.get(reverse("admin:ledger_journalbatch_changelist")).status_code == 200
    assert not JournalBatch.objects.exists()


def test_journal_settings_are_set_in_the_back_office_through_the_service(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    response = client.post(reverse("admin:ledger_journalsettings_add"), {
        "authority": world["kent"].pk, "oracle_ledger_id": "300000046975971", "unit4_client": "KC",
        "unit4_voucher_type": "AS",
    })
    assert response.status_code == 302
    chosen = JournalSettings.objects.get()
    assert (chosen.oracle_ledger_id, chosen.unit4_client, chosen.unit4_voucher_type) == ("300000046975971", "KC",
                                                                                         "AS")
    client.post(reverse("admin:ledger_journalsettings_change", args=[chosen.pk]), {
        "oracle_ledger_id": "300000046975972", "unit4_client": "KC", "unit4_voucher_type": "AS"})
    assert list(JournalSettings.objects.get().history.values_list("oracle_ledger_id", "history_user")) == [
        ("300000046975972", world["admin"].pk), ("300000046975971", world["admin"].pk)]


def test_a_ledger_id_that_is_not_a_number_is_shown_as_an_error_on_its_field(client, world):  # type: ignore[no-untyped-def]
    signed_in(client, world["admin"])
    response = client.post(reverse("admin:ledger_journalsettings_add"), {
        "authority": world["kent"].pk, "oracle_ledger_id": "LEDGER", "unit4_client": "", "unit4_voucher_type": "GL",
    })
    assert response.status_code == 200 and "enter its digits only" in response.content.decode()
    assert not JournalSettings.objects.exists()
