"""The family's letter when the fund decides: the outcome, what is funded and how much, or the fund's reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.models import LetterKind
from notifications.services import letter_issue
from support.services.letters import household_recipient

from ..models.applications import ASFApplication, Decision

OUTCOMES = {
    Decision.APPROVED_IN_FULL: "The Adoption Support Fund approved the application in full.",
    Decision.APPROVED_IN_PART: "The Adoption Support Fund approved part of the application.",
    Decision.REJECTED: "The Adoption Support Fund did not approve the application.",
}


def asf_outcome_letter(*, application: ASFApplication, by: Any, now: datetime) -> Any:
    """Issued inside the decision's transaction (application_approve, application_reject)."""
    child = application.child
    approved = application.decision != Decision.REJECTED
    services = "\n".join(
        f"{line.service_type.name}: {line.sessions} sessions with {line.provider.name}"
        for line in application.lines.select_related("service_type", "provider")
    ) if approved else ""
    assert application.decision_date is not None
    return letter_issue(
        kind=LetterKind.ASF_OUTCOME, authority=application.responsible_authority,
        recipient=household_recipient(child.household), about=application, household=child.household, by=by,
        now=now, letter_date=application.decision_date, owner=application.author, context={
            "subject_name": child.full_name, "outcome": OUTCOMES[Decision(application.decision)],
            "amount_approved": (application.approved_therapy + application.approved_assessment) if approved
            else None,
            "services": services, "reasons": "" if approved else application.decision_note,
        })
