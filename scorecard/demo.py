"""Demo scorecard data: targets for Kent, Medway and Bexley and the first version of the board return's
definitions. Idempotent: looked up by natural key; saved through the services."""

from __future__ import annotations

from datetime import date

from core.demo import DemoContext
from organisations.models import Authority

from .models import ReturnDefinitionSet, ReturnField, ReturnQuery, TimelinessTarget
from .services.targets import definition_set_save, return_field_save, target_save

TARGETS = {"to_assessment_started": 10, "to_assessment_approved": 40, "to_decision": 65, "to_plan": 75,
           "to_asf_submitted": 60, "to_asf_approved": 80, "to_first_session": 100}

FIELDS = [
    ("Families who asked for support", ReturnQuery.FAMILIES_REQUESTING,
     "Families (households; a request about a birth relative or adult adoptee counts that person) with a request "
     "for an assessment of support needs received in the quarter."),
    ("Assessments of need completed", ReturnQuery.ASSESSMENTS_COMPLETED,
     "Assessments of need approved by a manager in the quarter."),
    ("Families receiving support", ReturnQuery.FAMILIES_SUPPORTED,
     "Families with a support plan in force on any day of the quarter."),
    ("ASF applications submitted", ReturnQuery.ASF_SUBMITTED,
     "Adoption Support Fund applications first submitted to the fund in the quarter."),
    ("ASF applications approved", ReturnQuery.ASF_APPROVED,
     "Applications the fund approved, in full or in part, in the quarter."),
    ("ASF sums approved", ReturnQuery.ASF_APPROVED_SUM,
     "The fund's share approved on those applications, in pounds."),
    ("Letterbox exchanges due", ReturnQuery.LETTERBOX_DUE,
     "Letterbox items due from either side in a month of the quarter (excused items not counted)."),
    ("Letterbox exchanges missed", ReturnQuery.LETTERBOX_MISSED,
     "Letterbox items due in the quarter marked missed, or overdue and not received when the return is built."),
]


def seed(ctx: DemoContext) -> None:
    authorities = list(Authority.objects.filter(short_code__in=["kent", "medway", "bexley"]))
    for authority in authorities:
        for measure, days in TARGETS.items():
            if not TimelinessTarget.objects.filter(authority=authority, measure=measure).exists():
                target_save(target=TimelinessTarget(authority=authority, measure=measure, working_days=days,
                                                    note="Demo target agreed by the partnership board"), by=None)
                ctx.count("scorecard targets", True)
    definition_set = ReturnDefinitionSet.objects.filter(version=1).first()
    if definition_set is None:
        definition_set = definition_set_save(definition_set=ReturnDefinitionSet(
            title="Adoption support quarterly return", version=1, valid_from_date=date(2020, 4, 1)), by=None)
        ctx.count("return definition sets", True)
    for position, (name, query, definition) in enumerate(FIELDS, start=1):
        if not ReturnField.objects.filter(definition_set=definition_set, name=name).exists():
            return_field_save(return_field=ReturnField(definition_set=definition_set, position=position, name=name,
                                                       definition=definition, query=query), by=None)
            ctx.count("return fields", True)
