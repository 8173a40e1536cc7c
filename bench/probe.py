"""The benchmarks' memory probe: run a piece of work in a forked child, so that its peak memory is its own, and
hand its figures back to the parent through a pipe.

    from probe import in_child   # bench/ is on the path of a script run from it

    result = in_child(lambda: {"rows": run(...)})
    result["growth_mb"]           # the child's peak resident size (VmHWM) less its resident size when it started

The child reports `start_kb`, `peak_kb` and `growth_mb` beside what the work returned; an exception in the work is
reported as {"error": repr(exc)}, never raised, so the parent carries on with the next measurement. Database
connections are closed before the fork: a child must never share its parent's socket."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def status_kb(field: str) -> int:
    """A figure of this process from /proc/self/status, in kB (VmRSS, VmHWM); 0 where there is none."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` in a forked child; what it returned (JSON-able), with its memory figures."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            start = status_kb("VmRSS")
            result = dict(work())
            peak = status_kb("VmHWM")
            result.update(start_kb=start, peak_kb=peak, growth_mb=(peak - start) / 1024)
        except Exception as exc:  # reported, not raised: the parent carries on
            result = {"error": repr(exc)}
        os.write(write, json.dumps(result, default=str).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return dict(json.loads(b"".join(chunks)))
