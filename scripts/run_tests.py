#!/usr/bin/env python
"""The test suite in two phases, on the services scripts/with_services.py started:

1. everything but the tests marked `serial`, in parallel (pytest-xdist, `-n auto --dist loadgroup`: each worker has
   its own test database and Redis database number; browser journeys and real Celery workers are kept in groups);
2. the tests marked `serial` (they need the whole machine, e.g. a PostgreSQL restart), alone, one at a time.

    python scripts/run_tests.py [pytest arguments...]     # make test PYTEST_ARGS="..."

Arguments go to both phases (`-n 0` makes the first phase serial too). A phase that selects no test is not a
failure, unless neither phase selects any. The exit code is the first failing phase's."""

from __future__ import annotations

import subprocess
import sys
import time

NO_TESTS_COLLECTED = 5


def run(phase: str, args: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", f"--phase={phase}", *args]
    print(f"\ntests: {phase} phase: {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, check=False).returncode


def main(args: list[str]) -> int:
    started = time.monotonic()
    parallel = run("parallel", ["-n", "auto", "--dist", "loadgroup", *args])
    serial = run("serial", [*args, "-n", "0"])
    print(f"tests: both phases took {time.monotonic() - started:.0f} s wall clock", flush=True)
    codes = [parallel, serial]
    if all(code == NO_TESTS_COLLECTED for code in codes):
        return NO_TESTS_COLLECTED
    return next((code for code in codes if code not in (0, NO_TESTS_COLLECTED)), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
