"""Auditor pages: the access trail, one family's dossier and its subject access export."""

import json

import pytest
from django.urls import reverse

from audit import urls as audit_urls
from core.audit import record_access
from core.models import AccessAction, AccessLog
from organisations.models import Role
from tests.factories import AuthorityFactory, PartnershipFactory, PartnershipUserFactory, UserFactory
from tests.factories_support import (
    ApprovedAssessmentFactory,
    ChildFactory,
    HouseholdFactory,
    LegalOrderFactory,
    SupportRequestFactory,
)
from tests.helpers import denied, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
    household = HouseholdFactory(responsible_authority=kent, family_name="Okafor-Lane",
                                 address_line_1="1 Secret Street")
    child = ChildFactory(household=household, first_name="Sam")
    LegalOrderFactory(child=child)
    assessment = ApprovedAssessmentFactory(request__child=child)
    worker = UserFactory(authority=kent, role=Role.SOCIAL_WORKER, username="kent.sw")
    record_access(user=worker, obj=child, family=household, authority=kent)
    return {"kent": kent, "medway": medway, "household": household, "child": child, "assessment": assessment,
            "kent_auditor": UserFactory(authority=kent, role=Role.AUDITOR),
            "medway_auditor": UserFactory(authority=medway, role=Role.AUDITOR),
            "raa_auditor": PartnershipUserFactory(role=Role.AUDITOR,
                                                  partnership=PartnershipFactory(members=[kent, medway])),
            "kent_worker": worker}


def urls(world):  # type: ignore[no-untyped-def]
    pk = world["household"].pk
    return {"search": reverse("audit:search"), "family": reverse("audit:family", args=[pk]),
            "family_export": reverse("audit:family_export", args=[pk])}


def test_every_audit_url_is_covered_here(world):  # type: ignore[no-untyped-def]
    assert {p.name for p in audit_urls.urlpatterns} == set(urls(world))


@pytest.mark.parametrize("name", ["search", "family", "family_export"])
def test_only_auditors_may_open_audit_pages(client, world, name):  # type: ignore[no-untyped-def]
    assert denied(signed_in(client, world["kent_worker"]).get(urls(world)[name]))


@pytest.mark.parametrize("name", ["family", "family_export"])
def test_an_auditor_of_another_authority_gets_404(client, world, name):  # type: ignore[no-untyped-def]
    response = signed_in(client, world["medway_auditor"]).get(urls(world)[name])
    assert response.status_code == 404
    assert "Okafor-Lane" not in response.content.decode()


def test_the_trail_shows_only_the_auditors_authorities(client, world):  # type: ignore[no-untyped-def]
    body = signed_in(client, world["medway_auditor"]).get(reverse("audit:search")).content.decode()
    assert "Sam" not in body
    body = signed_in(client, world["kent_auditor"]).get(reverse("audit:search")).content.decode()
    assert "kent.sw" in body and "Sam Okafor-Lane" in body


def test_search_filters_by_user_and_refuses_a_backwards_range(client, world):  # type: ignore[no-untyped-def]
    c = signed_in(client, world["raa_auditor"])
    assert "kent.sw" not in c.get(reverse("audit:search"), {"username": "nobody"}).content.decode()
    bad = c.get(reverse("audit:search"), {"date_from_day": "2", "date_from_month": "1", "date_from_year": "2026",
                                          "date_to_day": "1", "date_to_month": "1", "date_to_year": "2026"})
    assert "govuk-error-summary" in bad.content.decode()
    assert "same as or after the start date" in bad.content.decode()


def test_the_dossier_holds_every_record_and_logs_the_view(client, world):  # type: ignore[no-untyped-def]
    response = signed_in(client, world["kent_auditor"]).get(urls(world)["family"])
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Okafor-Lane", "1 Secret Street", "Sam", "kent.sw"):
        assert text in body
    assert AccessLog.objects.filter(user=world["kent_auditor"], action=AccessAction.VIEW).count() == 1


def test_the_subject_access_export_holds_the_family_records_and_history(client, world):  # type: ignore[no-untyped-def]
    response = signed_in(client, world["raa_auditor"]).get(urls(world)["family_export"])
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    models = {row["model"] for rows in data["records"].values() for row in rows}
    assert {"support.household", "support.child", "support.legalorder", "support.assessment"} <= models
    child_rows = [row for rows in data["records"].values() for row in rows if row["model"] == "support.child"]
    assert child_rows[0]["history"] and child_rows[0]["history"][0]["change"] == "Child record created"
    assert any(a["by"] == "kent.sw" for a in data["access_log"])
    assert AccessLog.objects.filter(action=AccessAction.EXPORT).count() == 1


@pytest.mark.parametrize("name", ["family", "family_export"])
def test_the_dossier_holds_only_what_the_auditors_authorities_hold(client, world, name):  # type: ignore[no-untyped-def]
    """A Medway family whose child also has a request held by Kent (three-year rule): each authority is its own
    data controller, so Medway's auditor sees Medway's rows and not Kent's request, its assessment or Kent's
    access-log rows; Kent's auditor, who can open the family through the request, sees Kent's."""
    household = HouseholdFactory(responsible_authority=world["medway"], family_name="Adebayo")
    child = ChildFactory(household=household, first_name="Tolu")
    SupportRequestFactory(child=child, summary="Medway-held respite request")
    ApprovedAssessmentFactory(request__child=child, request__responsible_authority=world["kent"],
                              request__summary="Kent-held therapy request")
    record_access(user=world["kent_worker"], obj=child, family=household, authority=world["kent"])
    url = reverse(f"audit:{name}", args=[household.pk])
    medway = signed_in(client, world["medway_auditor"]).get(url).content.decode()
    assert "Medway-held respite request" in medway and "Tolu" in medway
    assert "Kent-held therapy request" not in medway and "kent.sw" not in medway
    kent = signed_in(client, world["kent_auditor"]).get(url).content.decode()
    assert "Kent-held therapy request" in kent
    assert "Medway-held respite request" not in kent
