"""Every write in support. Keyword-only, typed, atomic; the acting user is `by=`, the clock `now=` (business dates
come in as arguments). Bad input raises `django.core.exceptions.ValidationError` with a dict of field errors (views
put them on the form); a refused step raises a `SupportError` subclass with a message a worker can read.

The process (DOMAIN.md 2): request -> assessment (reg 14) -> team-manager approval (never the author) -> notice of
proposal with a window for representations -> decision (approved by a team manager who is not its author) ->
support plan -> reviews -> revised or ended. The urgent path (reg 21) puts an interim plan in place before the
notice. Every transition writes a `StatusChange` row in the same transaction.

One module per aggregate or flow; import each name from the module that owns it (nothing is re-exported here):
- `errors`: `SupportError` and its kinds (`InvalidTransition`, `SelfApproval`, `NotPermitted`)
- `responsibility`: the three-year rule applied (`child_responsibility`, `responsibility_refresh`)
- `families`: households, moves, children, legal orders (`household_create`, `household_move`, `child_create`,
  `child_update`, `legal_order_add`)
- `people`: birth relatives and adult adoptees (`person_create`)
- `requests`: `request_create`, `request_allocate`, `request_withdraw`, `request_close`
- `assessments`: reg 14 (`assessment_start`, `assessment_update`, `assessment_submit`, `assessment_approve`,
  `assessment_return`, `ASSESSMENT_FIELDS`)
- `notices`: notice of proposal and representations (`notice_issue`, `notice_record_response`, `notice_end_window`,
  `notices_end_windows`)
- `decisions`: reg 18 (`decision_record`, `decision_approve`, `decision_return`, `decision_resubmit`)
- `plans`: reg 16 (`plan_create`, `plan_update`, `planned_service_add`, `outcome_measure_add`, `plan_activate`,
  `plan_revise`, `plan_end`, `PLAN_FIELDS`)
- `reviews`: reg 19 (`review_schedule`, `review_complete`)
- `_common` (private): the clock, saving with history, row locks, transitions and their status-change rows,
  date and role checks
- `_approval` (private): four eyes on assessments and decisions (decision 0006)
"""
