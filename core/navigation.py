"""Navigation by role. Each app registers its entries here (label, URL name, roles); an entry whose URL name
does not exist yet is left out, so an app can register before its pages land."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 100


_REGISTRY: list[NavItem] = []


def register(label: str, url_name: str, *, roles: tuple[str, ...] | list[str], order: int = 100) -> None:
    item = NavItem(label, url_name, tuple(str(r) for r in roles), order)
    if item not in _REGISTRY:
        _REGISTRY.append(item)


def items_for(role: str, current_path: str = "") -> list[dict]:
    out = []
    for item in sorted(_REGISTRY, key=lambda i: (i.order, i.label)):
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = (url != "/" and current_path.startswith(url)) or current_path == url
        out.append({"label": item.label, "url": url, "active": active})
    return out
