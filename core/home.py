"""Home-page panels by role. Each app registers a function that returns the panel for a user (or None);
organisations' home view shows the panels for the signed-in user's role."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Panel:
    roles: tuple[str, ...]
    build: Callable[..., dict | None]
    order: int = 100


_PANELS: list[Panel] = []


def register(*, roles: tuple[str, ...] | list[str], order: int = 100) -> Callable:
    def decorator(func: Callable[..., dict | None]) -> Callable[..., dict | None]:
        _PANELS.append(Panel(tuple(str(r) for r in roles), func, order))
        return func

    return decorator


def plural(label: str, count: int) -> str:
    """A count's label with each `{s}` made plural unless the count is one: "ASF application{s} to submit"."""
    return label.replace("{s}", "" if count == 1 else "s")


def panels_for(user: Any, *, today: date) -> list[dict]:
    out = []
    for panel in sorted(_PANELS, key=lambda p: p.order):
        if user.role in panel.roles:
            built = panel.build(user=user, today=today)
            if built:
                for item in built.get("counts", ()):
                    item["label"] = plural(item["label"], item["count"])
                out.append(built)
    return out
