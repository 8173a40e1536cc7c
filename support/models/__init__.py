"""Support: the people, the service catalogue, and the statutory process of assessment, decision, plan, review.

Every write goes through `support.services`; every state change through a django-fsm-2 transition there, with a
`StatusChange` row. Scoping (docs/decisions/0003-support-scoping.md): a family is visible to the authority
responsible for it now and to any authority that holds a support request for it.

One module per aggregate; this file imports every model for Django's app registry, so `from support.models import
Household` works. Choices and constants are imported from the module that owns them.
- `catalogue`: `ServiceCategory`, `ServiceType` (the service catalogue)
- `families`: `Household`, `ResidencePeriod`, `Child`, `Person` (birth relatives, adult adoptees)
- `orders`: `LegalOrder` and its `OrderKind`
- `requests`: `SupportRequest`, its `RequestStage` and `OPEN_STAGES`, `Requester`, `RequestChildQuerySet`
- `assessments`: `Assessment` (reg 14), `REG14_SECTIONS`, `ApprovalStatus` (shared with the decision)
- `notices`: `NoticeOfProposal` (reg 17) and its `NoticeStatus`
- `decisions`: `Decision` (reg 18) and its `DecisionOutcome`
- `plans`: `SupportPlan` (reg 16), `PLAN_SECTIONS`, `PlannedService`, `OutcomeMeasure`
- `reviews`: `Review` (reg 19), `OutcomeScore`
- `readings`: `OutcomeReading` (a measure taken outside any plan: SDQ scores from the case system), its
  `ReadingMeasure`, `SdqReason` and `ReadingSource`
- `ssd`: `SsdImport` (each import of the case system's SSD extract) and its `SsdImportStatus`
- `status_changes`: `StatusChange` (one row per transition)
- `sent_reminders`: `SentReminder`
"""

from .assessments import Assessment
from .catalogue import ServiceType
from .decisions import Decision
from .families import Child, Household, Person, ResidencePeriod
from .notices import NoticeOfProposal
from .orders import LegalOrder
from .plans import OutcomeMeasure, PlannedService, SupportPlan
from .readings import OutcomeReading
from .requests import SupportRequest
from .reviews import OutcomeScore, Review
from .sent_reminders import SentReminder
from .ssd import SsdImport
from .status_changes import StatusChange

__all__ = [
    "Assessment",
    "Child",
    "Decision",
    "Household",
    "LegalOrder",
    "NoticeOfProposal",
    "OutcomeMeasure",
    "OutcomeReading",
    "OutcomeScore",
    "Person",
    "PlannedService",
    "ResidencePeriod",
    "Review",
    "SentReminder",
    "ServiceType",
    "SsdImport",
    "StatusChange",
    "SupportPlan",
    "SupportRequest",
]
