"""Nothing is raised across the sign-in service's boundary for a refusal: a refusal is an outcome with its audit
row committed. These are for callers' mistakes."""


class SsoError(Exception):
    """Base of the app's errors."""
