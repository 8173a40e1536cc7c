"""Synthetic national-scale data for benchmarks and load tests (`manage.py generate_dataset`): `generate` runs
one module per step (organisations, families, support_requests, contracts, referrals, claims, ledger)."""
