"""The demo-data framework. Each app may have a `demo.py` with `seed(ctx: DemoContext) -> None`; `seed_demo`
calls them in INSTALLED_APPS order (lower layers first). Every seeder is idempotent: it looks rows up by
natural key before it creates them, so running twice leaves the same counts."""

from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps


@dataclass
class DemoContext:
    today: date
    password: str
    password_generated: bool
    stdout: Any
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def say(self, text: str) -> None:
        self.stdout.write(text)


def seeders() -> list[tuple[str, Any]]:
    out = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name == "core" or find_spec(name) is None:
            continue
        module = import_module(name)
        if hasattr(module, "seed"):
            out.append((config.label, module.seed))
    return out
