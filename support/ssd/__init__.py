"""Import from the case system's Standard Safeguarding Dataset (SSD) extract: it matches children by their
case-system id and enriches them (legal orders, SDQ readings, residence periods); it never invents a family.

- `fields`: the SSD tables and columns, and every field's parsing and checks (pure: no ORM, no clock)
- `reader`: an extract (a folder, a zip, or uploaded CSV files) read table by table, its SHA-256, its encoding
  and column checks (pure)
- `planner`: the dry run: every row checked, children matched, the changes worked out (reads only)
- `service`: `ssd_import`, the one write: the plan applied in one transaction, or refused whole; and the
  `SsdImport` audit row either way
- `views`, `urls`, `forms`: the data manager's page
"""
