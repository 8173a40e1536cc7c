from typing import Any


def acting(by: Any) -> Any:
    """The user to record, or None for the system (a task with no user)."""
    return by if getattr(by, "pk", None) else None
