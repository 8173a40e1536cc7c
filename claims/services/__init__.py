"""Every write in claims, one module per flow. Keyword-only, typed, atomic; the acting user is `by=`, the clock comes
in as `now=` (and the dates of events as arguments). Callers import each name from the module that owns it.

- `drafting`: an application drafted (`application_create`) and changed while it is a draft or returned for rework
  (`application_update`, `application_line_add`, `application_line_remove`).
- `submission`: the way to the fund before it decides: `application_send_to_manager`,
  `application_manager_approve`, `application_manager_send_back`, `application_submit` (inside the window after
  the assessment, or with an exceptional reason), `application_return_for_rework`, `application_resubmit`,
  `application_withdraw`.
- `decisions`: the fund's decision, `application_approve` (within the child's limits, posted to the ledger) and
  `application_reject` (when it is due: `claims.selectors`).
- `remittances`: the fund's payments: `fund_still_owes`, the remittance file checked (`remittance_check`, a dry
  run) and imported all or nothing (`remittance_import`, `RemittanceRejected`).
- `invoices`: providers' invoices recorded (`invoice_record`, the fund's share and the authority's top-up), approved
  by someone other than their recorder (`invoice_approve`) and paid (`invoice_pay`).
- `delivery`: after the approval: `application_start_delivery`, `application_confirm_spend` (the unspent part goes
  back to the fund and to the child's year limit), `application_close`.
- `rule_sets`: the fund's rule sets read from the database (`rule_sets_from_db`, with its per-process copy for
  estimates; `rule_row_on`, `rules_for`).
- `rule_changes`: a rule set saved (`fund_rule_set_save`) and every open application split again
  (`open_applications_recheck`).
- `headroom`: the child's financial-year limit row (`year_limit`) and the headroom shown before submitting
  (`headroom_for`, `Headroom`).
- `errors`: what the services raise (`ClaimsError` and its kinds: `InvalidTransition`, `NotPermitted`,
  `LimitExceeded`, `OutsideWindow`, `BadAmount`, `NotEligible`).
- `roles`: who may do what (`CASEWORKERS`, `MANAGERS`, `DECISION_RECORDERS`, `RETURN_RECORDERS`, `FINANCE`,
  `INVOICE_APPROVERS`, `DELIVERY`).
- `_common`: the helpers the services share (private to this package).

A state change runs one recipe: lock the row(s) (the application, then the child's financial-year limit row),
check the transition and its conditions (saying which one failed), post to the ledger under an idempotency key
like "claims.asfapplication:<pk>:approved", write the StatusChange row, save with update_fields.
"""
