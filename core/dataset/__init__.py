"""Synthetic national-scale data for benchmarks and load tests (`manage.py generate_dataset`)."""
