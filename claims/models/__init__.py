"""ASF applications, one module per aggregate:

- `fund_rules`: `FundRuleSet` (the fund's rules from a date, editable by an administrator) and `ChildYearLimit`
  (what the fund has committed for one child in one financial year).
- `applications`: `ASFApplication` and its state machine, the states it passes through (`Status`, `OPEN_STATES`,
  `APPROVED_STATES`, ...), the fund's `Decision`, its `ApplicationLine`s and its `StatusChange` rows.
- `invoices`: `ProviderInvoice` (maker and checker: received, approved, paid), `InvoiceStatus` and the
  `InvoiceStatusChange` rows.
- `remittances`: `Remittance` (one imported file of the fund's month-end payment) and its `RemittanceLine`s.
- `rechecks`: `SplitRecheck`, an open application whose split changed when the fund's rules changed.
- `_fields`: the money field and the constraints that keep amounts in pounds and not below zero.

Every write goes through `claims.services`; every state change through a django-fsm-2 transition there, with a
status-change row. Money transitions post to the ledger (`ledger.services.post`) in the same database transaction,
under row locks on the application and on the child's `ChildYearLimit` row.

The imports below register the models with Django's app registry; callers import each name from the module that
owns it.
"""

from .applications import ApplicationLine, ASFApplication, StatusChange  # noqa: F401
from .fund_rules import ChildYearLimit, FundRuleSet  # noqa: F401
from .invoices import InvoiceStatusChange, ProviderInvoice  # noqa: F401
from .rechecks import SplitRecheck  # noqa: F401
from .remittances import Remittance, RemittanceLine  # noqa: F401
