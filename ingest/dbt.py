"""Run dbt in the project directory, with the data directory in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .config import PROJECT_ROOT, data_dir
from .lock import writer_lock

#: dbt commands that write the warehouse and the outputs: `run_dbt` takes the data directory's writer lock for them
#: (waiting, and saying for whom, when another writer has it). Every other dbt command that opens the warehouse takes
#: it in its own process (ingest/dbt_plugin.py).
WRITING_COMMANDS = frozenset({"build", "run", "seed", "snapshot", "test", "run-operation", "retry", "clone"})
DBT_COMMANDS = WRITING_COMMANDS | {"clean", "compile", "debug", "deps", "docs", "init", "list", "ls", "parse", "show",
                                   "source"}


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else whatever is on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_command(args: list[str]) -> str | None:
    """The dbt subcommand of `args` (`build`, `docs`, ...): the first argument that names one."""
    return next((a for a in args if a in DBT_COMMANDS), None)


def run_dbt(args: list[str], *, base: Path | None = None, capture: bool = False,
            env: dict[str, str] | None = None, wait: bool = True) -> subprocess.CompletedProcess:
    """Run `dbt <args>` on the data directory `base`; a writing command runs under its writer lock (lock.Busy when
    it stays taken, see ingest/lock.py)."""
    base = (base or data_dir()).expanduser().resolve()
    base.mkdir(parents=True, exist_ok=True)
    # the project and profiles as environment variables, not flags, so that every dbt invocation passes through as
    # typed (`dbt --version` takes no --project-dir); a flag the user gives still wins
    full_env = {**os.environ, "DBT_PROJECT_DIR": str(PROJECT_ROOT), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    # ISO_DATA_DIR only for another data directory than the environment's: otherwise it passes as the user set it
    # (or stays unset), so profiles.yml renders byte for byte what plain `dbt` renders in the project directory and
    # dbt keeps its partial parse when switching between the two (it re-parses everything when the rendered
    # profile changes: docs/configuration.md)
    if base != data_dir():
        full_env["ISO_DATA_DIR"] = str(base)
    full_env.update(env or {})
    cmd = [dbt_executable(), *args]
    command = dbt_command(args)
    if command not in WRITING_COMMANDS:
        return _run(cmd, full_env, capture)
    with writer_lock(base, f"dbt {command}", wait=wait):
        return _run(cmd, full_env, capture)


def _run(cmd: list[str], env: dict[str, str], capture: bool) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, text=True, capture_output=capture, check=False)
