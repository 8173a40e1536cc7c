"""The API's views, one module per area; `_base` holds what every view shares (auth, scope, audit, paging)."""
