"""Support pages. Each checks role (`role_required`) and scope (`for_user`: out of scope is a 404), parses a form,
calls one service or selector, and renders. Service errors come back as GOV.UK field errors; nothing is saved.

One module per part of the process; `support/urls.py` imports each page from the module that owns it:
- `lists`: my caseload, team caseload, due soon, approvals waiting
- `families`: the family record, a move, children, legal orders
- `people`: birth relatives and adult adoptees
- `requests`: recording a request, its page, allocation, withdrawal, closure
- `assessments`: the assessment of need (reg 14) and its approval
- `notices`: the notice of proposal (reg 17), the family's response, the window ended
- `decisions`: the decision (reg 18), its approval, resubmission
- `plans`: the support plan (reg 16), its services and measures, put in place, revised, ended
- `reviews`: reviews (reg 19)
- `_pages` (private): roles, scoped lookups, the form page and the approval page every module uses
"""
