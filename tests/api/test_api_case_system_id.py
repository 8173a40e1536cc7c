"""Linking a child to the case system through the API (`support:write`), through the page's service: its
case-system id is the one the SSD import matches by."""

from __future__ import annotations

import pytest

from support.models import Child
from tests.bad_inputs.conftest import changed, table_counts
from tests.factories_support import ChildFactory

from .conftest import PREFIX, http, issue

pytestmark = pytest.mark.django_db


def url(child) -> str:  # type: ignore[no-untyped-def]
    return f"{PREFIX}/children/{child.pk}/case-system-id/"


def test_a_client_sets_the_id_and_reads_it_back(kent) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(household__responsible_authority=kent)
    caller = http(issue(name="kent-cases", authority=kent).token)
    response = caller.post(url(child), {"case_system_id": " K123 "}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["case_system_id"] == "K123"
    child = Child.objects.get(pk=child.pk)
    assert (child.case_system_id, child.case_system_authority) == ("K123", kent)
    assert caller.get(f"{PREFIX}/children/{child.pk}/").json()["case_system_id"] == "K123"


def test_a_clash_a_read_only_client_and_another_authoritys_child_are_refused(kent, medway) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(household__responsible_authority=kent)
    ChildFactory(household__responsible_authority=kent, case_system_id="K1", case_system_authority=kent)
    other = ChildFactory(household__responsible_authority=medway)
    writer = http(issue(name="kent-cases", authority=kent).token)
    reader = http(issue(name="kent-read", authority=kent, scopes=["support:read"]).token)
    before = table_counts()
    clash = writer.post(url(child), {"case_system_id": "K1"}, format="json")
    assert clash.status_code == 400 and "already has the case-system id K1" in clash.content.decode()
    assert reader.post(url(child), {"case_system_id": "K2"}, format="json").status_code == 403
    assert writer.post(url(other), {"case_system_id": "K3"}, format="json").status_code == 404
    assert writer.post(url(child), {"case_system_id": "X" * 21}, format="json").status_code == 400
    assert not changed(before, table_counts())
