"""Every write in commissioning, one module per flow: `drafting` (create, route, send, re-route a referral),
`responses` (the provider accepts or declines), `delivery` (start, sessions, complete, cancel), `spot_purchases`.

Keyword-only, atomic, the acting user as `by`, the clock as `now`. Each state change locks the referral, runs the
django-fsm-2 transition, saves with `update_fields` and writes a `ReferralStatusChange` row in the same
transaction. Acceptance and each session write `contracts.UsageRecord` rows once each (by source key)."""
