"""Every write in contracts, one module per aggregate or flow: the register (`register`), its schedule's rows
(`schedule`), KPI returns (`monitoring`), usage facts (`usage`) and their import (`usage_import`), apportionment runs
(`runs`) and their spreadsheets (`run_spreadsheets`). Keyword-only, typed, atomic, with the acting user as `by=` and
the clock passed in. Callers import from the module that owns the name."""
