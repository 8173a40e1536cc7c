"""`make test` sets itself up: scripts/system_packages.sh names what a machine lacks and how to install it, and
fails at once where it cannot install (not root, no password-less sudo)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system_packages.sh"


@pytest.fixture
def bare_machine(tmp_path: Path) -> dict[str, str]:
    """A PATH holding only the shell tools the script uses, an `id` that answers as an ordinary user, no sudo, and
    no PostgreSQL where Debian would put it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    return {"PATH": str(bin_dir), "POSTGRESQL_LIB": str(tmp_path / "no-postgresql"), "HOME": str(tmp_path),
            "SYSTEM_LIB_DIRS": str(tmp_path / "lib"), "SYSTEM_FONT_DIR": str(tmp_path / "fonts")}


LETTERS = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


def give_letter_libraries(tmp_path: Path) -> None:
    """Pango, HarfBuzz's subsetter (in a multiarch folder, as Debian puts them) and DejaVu Sans."""
    (tmp_path / "lib" / "x86_64-linux-gnu").mkdir(parents=True, exist_ok=True)
    for name in ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz-subset.so.0"):
        (tmp_path / "lib" / "x86_64-linux-gnu" / name).write_text("")
    (tmp_path / "fonts" / "dejavu").mkdir(parents=True, exist_ok=True)
    (tmp_path / "fonts" / "dejavu" / "DejaVuSans.ttf").write_text("")


def run(target: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([env["PATH"] + "/bash", str(SCRIPT), target], env=env, capture_output=True, text=True,
                          timeout=30, check=False)


def test_without_root_it_stops_and_names_every_package_and_the_command(bare_machine):  # type: ignore[no-untyped-def]
    result = run("test", bare_machine)
    assert result.returncode == 1
    assert f"make test needs the Debian packages: npm {LETTERS} postgresql redis-server chromium" in result.stderr
    assert (f"sudo apt-get update && sudo apt-get install -y npm {LETTERS} postgresql redis-server chromium"
            in result.stderr)


def test_the_demo_needs_only_npm_and_what_letters_need(bare_machine):  # type: ignore[no-untyped-def]
    result = run("demo", bare_machine)
    assert result.returncode == 1
    assert f"make demo needs the Debian packages: npm {LETTERS}\n" in result.stderr


def test_each_letter_library_is_found_by_its_file(bare_machine, tmp_path):  # type: ignore[no-untyped-def]
    give_letter_libraries(tmp_path)
    os.remove(tmp_path / "lib" / "x86_64-linux-gnu" / "libharfbuzz-subset.so.0")
    result = run("demo", bare_machine)
    assert "make demo needs the Debian packages: npm libharfbuzz-subset0\n" in result.stderr


def test_a_machine_with_everything_passes_quietly(bare_machine, tmp_path):  # type: ignore[no-untyped-def]
    give_letter_libraries(tmp_path)
    bin_dir = Path(bare_machine["PATH"])
    for tool in ("npm", "redis-server", "chromium", "initdb", "pg_ctl"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    result = run("test", bare_machine)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_postgresql_is_found_where_debian_puts_it(bare_machine, tmp_path):  # type: ignore[no-untyped-def]
    give_letter_libraries(tmp_path)
    bin_dir = Path(bare_machine["PATH"])
    for tool in ("npm", "redis-server", "chromium"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    server = tmp_path / "no-postgresql" / "15" / "bin"
    server.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl"):
        (server / tool).write_text("#!/bin/sh\n")
    assert run("test", bare_machine).returncode == 0
    os.remove(server / "pg_ctl")
    assert "postgresql" in run("test", bare_machine).stderr
