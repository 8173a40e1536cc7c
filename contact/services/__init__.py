"""Every letterbox write: arrangements (arrangements.py), items and their checks (exchanges.py), the letters to
writers with the identity rule (letters.py) and the checks on scans (scans.py). Callers import from the module."""
