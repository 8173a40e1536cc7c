"""The export for the fund's portal: the application with nothing that identifies the family (DOMAIN.md 1.7):
no names, addresses or dates of birth (the child's age in years instead), and only the free text written for the
fund. As a second line of defence, any identifying string of the family that was typed into that text anyway
(a name, a postcode, an address, a date of birth) is replaced by "[removed]"."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from core.money import format_gbp

from . import rules
from .models.applications import ASFApplication

REMOVED = "[removed]"


def _identifiers(application: ASFApplication) -> list[str]:
    child = application.child
    household = child.household
    values: list[str] = [child.first_name, child.last_name, child.full_name]
    for name in ("family_name", "carer_one_name", "carer_two_name", "address_line_1", "address_line_2", "town",
                 "postcode"):
        values.append(getattr(household, name, "") or "")
    for name in ("carer_one_name", "carer_two_name"):
        values.extend((getattr(household, name, "") or "").split())
    # The rest of the family: the household's other children and the child's birth relatives on record.
    for relative in [*household.children.exclude(pk=child.pk), *child.birth_family.all()]:
        values += [relative.first_name, relative.last_name, f"{relative.first_name} {relative.last_name}"]
    born: date = child.date_of_birth
    values += [born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%d %B %Y"), born.strftime("%-d %B %Y"),
               born.strftime("%d.%m.%Y"), born.strftime("%d-%m-%Y")]
    postcode = (getattr(household, "postcode", "") or "").replace(" ", "")
    if postcode:
        values.append(postcode)
    # Longest first, so that a full name goes before its parts; very short fragments would remove ordinary words.
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def _scrub(text: str, identifiers: list[str]) -> str:
    for value in identifiers:
        text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
    return text.strip()


def fund_export(application: ASFApplication) -> dict[str, Any]:
    """The portal's content as plain data (amounts as strings in pounds)."""
    child = application.child
    identifiers = _identifiers(application)
    on = application.start_date
    lines = [
        {
            "service": line.service_type.name,
            "kind": "specialist assessment" if line.is_assessment else "therapy",
            "provider": line.provider.name,
            "provider_ofsted_urn": line.provider.ofsted_urn,
            "sessions": line.sessions,
            "cost_per_session": str(line.unit_cost.amount),
            "travel": str(line.travel.amount),
            "total": str(line.total.amount),
            "description": _scrub(line.description_for_fund, identifiers),
        }
        for line in application.lines.select_related("service_type", "provider")
    ]
    return {
        "our_reference": application.reference,
        "fund_reference": application.fund_reference,
        "applying_authority": application.responsible_authority.name,
        "financial_year": application.financial_year,
        "services_start": on.isoformat(),
        "child_age_in_years": rules.age_in_years(date_of_birth=child.date_of_birth, on_date=on),
        "child_has_ehc_plan": child.has_ehc_plan_on(on),
        "arrangement": child.household.get_arrangement_display(),
        "assessment_approved": (application.assessment.approved_date.isoformat()
                                if application.assessment.approved_date else ""),
        "summary": _scrub(application.purpose_for_fund, identifiers),
        "exceptional_reason": _scrub(application.exceptional_reason, identifiers),
        "lines": lines,
        "therapy_total": str(application.therapy_total.amount),
        "assessment_total": str(application.assessment_total.amount),
        "requested_from_fund": str(application.estimated_fund.amount),
        "authority_contribution": str(application.estimated_authority.amount),
        "authority_contribution_text": format_gbp(application.estimated_authority),
    }


def fund_export_json(application: ASFApplication) -> bytes:
    return json.dumps(fund_export(application), indent=2, ensure_ascii=False).encode("utf-8")
