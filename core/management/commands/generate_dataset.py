"""`manage.py generate_dataset --scale raa|national|tiny [--seed N] [--fraction F]`: synthetic data at scale.

Writes once per database (refuses a second run with a clear message). See core/dataset/generate.py for the plan
and docs/performance.md for the figures it feeds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.dataset.generate import AlreadyGenerated, generate
from core.dataset.scales import SCALES
from core.dataset.writer import Progress


class Command(BaseCommand):
    help = "Generate a deterministic synthetic dataset (raa, national or tiny scale) with bulk writes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--fraction", type=float, default=1.0,
                            help="Scale each authority's volumes (0 < F <= 1), keeping the number of authorities")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        fraction = options["fraction"]
        if not 0 < fraction <= 1:
            raise CommandError("--fraction must be above 0 and at most 1")
        started = time.monotonic()
        progress = Progress(stream=self.stderr._out, enabled=not options["no_progress"])
        try:
            counts = generate(scale_name=options["scale"], seed=options["seed"], fraction=fraction,
                              progress=progress)
        except AlreadyGenerated as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        for label, count in counts.items():
            self.stdout.write(f"{label:<40} {count:>12,}")
        self.stdout.write(f"{'total':<40} {total:>12,} rows in {elapsed:.1f} s")
