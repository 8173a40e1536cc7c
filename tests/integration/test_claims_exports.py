"""The fund-portal export carries nothing that identifies the family."""

import json
from datetime import date

import pytest
from django.db import models

from claims.exports import REMOVED, fund_export, fund_export_json
from claims.models.applications import Status
from support.models import Child, Household
from tests.factories_claims import build, world
from tests.factories_support import ChildFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _text_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices]


def test_no_identifying_string_of_the_family_appears_in_the_export():
    w = world()
    child, household = w.child, w.child.household
    markers = []
    for obj, model in ((household, Household), (child, Child)):
        for name in _text_fields(model):
            marker = f"Ident{model.__name__}{name.replace('_', '')}Qx"
            setattr(obj, name, marker[: obj._meta.get_field(name).max_length or 200])
            markers.append(getattr(obj, name))
    child.date_of_birth = date(2014, 2, 17)
    child.case_system_authority = household.responsible_authority  # the case-system id set above is that authority's
    household.save()
    child.save()
    assessment = w.assessment
    for name in _text_fields(type(assessment)):
        setattr(assessment, name, f"IdentAssessment{name.replace('_', '')}Qx")
        markers.append(getattr(assessment, name))
    assessment.save()
    app = build(w, Status.SUBMITTED, therapy="1500.00", assessment="900.00")
    # a social worker's slips: the family's details typed into the text written for the fund
    app.purpose_for_fund = (f"Therapy for {child.first_name} {child.last_name} (born 17/02/2014, 2014-02-17) "
                            f"at {household.address_line_1}, {household.postcode}; carer {household.carer_one_name}")
    app.exceptional_reason = f"{household.family_name} family moved to {household.town}"
    app.internal_notes = "IdentInternalNotesQx"
    markers.append(app.internal_notes)
    app.save()
    line = app.lines.first()
    line.description_for_fund = f"Sessions at home with {child.first_name.lower()}"
    line.save()

    text = fund_export_json(app).decode()
    for marker in markers:
        assert marker.lower() not in text.lower(), marker
    for form in ("2014-02-17", "17/02/2014", "17 February 2014", "17.02.2014", "17-02-2014"):
        assert form not in text
    data = json.loads(text)
    assert data["child_age_in_years"] == 11
    assert data["summary"].startswith(f"Therapy for {REMOVED}")
    assert REMOVED in data["lines"][0]["description"] or REMOVED in data["lines"][1]["description"]


def test_the_export_carries_what_the_fund_needs():
    w = world()
    app = build(w, Status.READY, therapy="1500.00", assessment="900.00")
    data = fund_export(app)
    assert data["financial_year"] == "2025-26"
    assert (data["therapy_total"], data["assessment_total"]) == ("1500.00", "900.00")
    assert (data["requested_from_fund"], data["authority_contribution"]) == ("2400.00", "0.00")
    assert {line["kind"] for line in data["lines"]} == {"therapy", "specialist assessment"}
    assert data["summary"] == "Therapy for developmental trauma"


def test_a_sibling_or_birth_relative_named_in_the_text_is_removed_too():
    w = world()
    sibling = ChildFactory(household=w.child.household, first_name="Zephyrine", last_name="Okonjo-Bright")
    PersonFactory(authority=w.authority, related_child=w.child, first_name="Marisol", last_name="Quennell")
    app = build(w, Status.SUBMITTED, therapy="1500.00")
    app.purpose_for_fund = (f"Therapy with her sister {sibling.first_name} present; contact with birth mother "
                            "Marisol Quennell is distressing")
    app.save()
    text = fund_export_json(app).decode()
    for name in ("Zephyrine", "Okonjo-Bright", "Marisol", "Quennell"):
        assert name.lower() not in text.lower(), name
    assert json.loads(text)["summary"] == (f"Therapy with her sister {REMOVED} present; contact with birth mother "
                                           f"{REMOVED} is distressing")
