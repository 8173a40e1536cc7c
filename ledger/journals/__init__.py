"""Journals out to the council's own general ledger: account mappings, financial periods, journal batches, the
file layouts, and the reconciliation of the ledger against what was exported (issue 19, part 2)."""
