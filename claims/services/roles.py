"""Who may do what in claims: the services check these roles; the views check the same with role_required."""

from __future__ import annotations

from organisations.models import Role

CASEWORKERS = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
MANAGERS = (Role.TEAM_MANAGER,)
DECISION_RECORDERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER)
RETURN_RECORDERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER)
FINANCE = (Role.FINANCE_OFFICER,)
#: The checker of a provider's invoice: a finance officer or team manager of the authority, never its recorder.
INVOICE_APPROVERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER)
DELIVERY = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER)
