#!/usr/bin/env python
"""Run a command with a throwaway PostgreSQL (from the machine's binaries) and, where installed, a Redis server.

    python scripts/with_services.py -- pytest -q

Each run gets its own data directory, socket directory and free ports, so parallel runs do not collide.
PostgreSQL refuses to run as root, so as root the cluster runs as the unprivileged `postgres` user.
The command sees DATABASE_URL and CELERY_BROKER_URL (and REDIS_URL) and its exit code is returned."""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise SystemExit(f"{name} not found: install PostgreSQL server binaries (apt-get install postgresql)")


def as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(c) for c in cmd)]


def _quote(text: str) -> str:
    return shlex.quote(text)


def start_postgres(base: Path) -> tuple[str, list[str]]:
    data, sock = base / "pgdata", base / "pgsock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        uid, gid = pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid
        for p in (base, data, sock):
            os.chown(p, uid, gid)
    port = free_port()
    subprocess.run(
        as_postgres([pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C.UTF-8"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    options = (f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               f"-c full_page_writes=off -c max_connections=200")
    subprocess.run(
        as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "pg.log"), "-w", "start"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    subprocess.run(as_postgres([pg_bin("createdb"), "-h", str(sock), "-p", str(port), "-U", "postgres", "raa"]),
                   check=True)
    stop = as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    os.environ["PG_CTL_RESTART"] = shlex.join(
        as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "pg.log"), "-w", "restart"])
    )
    os.environ["PGDATA_DIR"] = str(data)
    return f"postgres://postgres@127.0.0.1:{port}/raa", stop


def start_redis(base: Path) -> tuple[str | None, subprocess.Popen | None]:
    server = shutil.which("redis-server")
    if not server:
        return None, None
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(base), "--databases", "256"],  # one database number per parallel test worker
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
            return f"redis://127.0.0.1:{port}/0", proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    base = Path(tempfile.mkdtemp(prefix="raa-services-"))
    os.chmod(base, 0o755)
    redis_proc = None
    stop_pg: list[str] = []
    try:
        database_url, stop_pg = start_postgres(base)
        redis_url, redis_proc = start_redis(base)
        env = dict(os.environ, DATABASE_URL=database_url)
        if redis_url:
            env.update(CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url)
        print(f"services: PostgreSQL at {database_url}; Redis at {redis_url or '(not installed)'}", flush=True)
        proc = subprocess.Popen(argv, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()
    finally:
        if redis_proc:
            redis_proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                redis_proc.wait(timeout=10)
        if stop_pg:
            subprocess.run(stop_pg, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
