"""Run dbt in the project directory, with the data directory in the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import PROJECT_ROOT, data_dir
from .lock import writer_lock

#: dbt commands that write the warehouse and the outputs: `run_dbt` takes the data directory's writer lock for them
#: (waiting, and saying for whom, when another writer has it). Every other dbt command that opens the warehouse takes
#: it in its own process (ingest/dbt_plugin.py).
WRITING_COMMANDS = frozenset({"build", "run", "seed", "snapshot", "test", "run-operation", "retry", "clone"})
DBT_COMMANDS = WRITING_COMMANDS | {"clean", "compile", "debug", "deps", "docs", "init", "list", "ls", "parse", "show",
                                   "source"}
#: dbt's colour setting, under its two names (dbt prefers the first); a user who sets either decides
COLOR_SETTINGS = ("DBT_ENGINE_USE_COLORS", "DBT_USE_COLORS")


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else whatever is on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_command(args: list[str]) -> str | None:
    """The dbt subcommand of `args` (`build`, `docs`, ...): the first argument that names one."""
    return next((a for a in args if a in DBT_COMMANDS), None)


def dbt_env(base: Path, env: dict[str, str] | None = None, *, to_terminal: bool) -> dict[str, str]:
    """The environment dbt runs in for data directory `base` (resolved); `to_terminal`: its output goes to a terminal
    (else colours are off: dbt writes ANSI colour codes even into a pipe or a file unless told not to)."""
    # the project and profiles as environment variables, not flags, so that every dbt invocation passes through as
    # typed (`dbt --version` takes no --project-dir); a flag the user gives still wins
    full_env = {**os.environ, "DBT_PROJECT_DIR": str(PROJECT_ROOT), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    # ISO_DATA_DIR only for another data directory than the environment's: otherwise it passes as the user set it
    # (or stays unset), so profiles.yml renders byte for byte what plain `dbt` renders in the project directory and
    # dbt keeps its partial parse when switching between the two (it re-parses everything when the rendered
    # profile changes: docs/configuration.md)
    if base != data_dir():
        full_env["ISO_DATA_DIR"] = str(base)
    # colours only on a terminal, unless the user chose (DBT_USE_COLORS, or --use-colors, which beats both)
    if not any(name in os.environ for name in COLOR_SETTINGS) and (not to_terminal or os.environ.get("NO_COLOR")):
        full_env["DBT_USE_COLORS"] = "false"
    full_env.update(env or {})
    return full_env


def _base(base: Path | None) -> Path:
    base = (base or data_dir()).expanduser().resolve()
    base.mkdir(parents=True, exist_ok=True)
    return base


def run_dbt(args: list[str], *, base: Path | None = None, capture: bool = False,
            env: dict[str, str] | None = None, wait: bool = True) -> subprocess.CompletedProcess:
    """Run `dbt <args>` on the data directory `base`; a writing command runs under its writer lock (lock.Busy when
    it stays taken, see ingest/lock.py). Not captured, dbt's output goes to our stdout: coloured only on a terminal."""
    base = _base(base)
    full_env = dbt_env(base, env, to_terminal=not capture and sys.stdout.isatty())
    cmd = [dbt_executable(), *args]
    command = dbt_command(args)
    if command not in WRITING_COMMANDS:
        return _run(cmd, full_env, capture)
    with writer_lock(base, f"dbt {command}", wait=wait):
        return _run(cmd, full_env, capture)


def _run(cmd: list[str], env: dict[str, str], capture: bool) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, text=True, capture_output=capture, check=False)


@dataclass(frozen=True)
class DbtEvent:
    """One event of dbt's structured log (`--log-format json`): its name (dbt's event type, e.g. `NodeFinished`),
    level, message and data."""
    name: str
    level: str
    msg: str
    data: dict = field(default_factory=dict)


def stream_dbt(args: list[str], on_event: Callable[[DbtEvent], None], *, base: Path | None = None,
               env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a dbt command that does not write the warehouse (`parse`, `docs generate`, `ls`) with its log as JSON
    events, debug level included (per-node progress), passing each to `on_event` as it comes.

    Returns the exit code and the transcript: what dbt prints at its default level (info and above, without
    timestamps), plus any line that is not an event (a traceback), for error messages."""
    assert dbt_command(args) not in WRITING_COMMANDS, "writing commands run under the writer lock: run_dbt"
    base = _base(base)
    # flags, not environment variables: they win over any DBT_LOG_FORMAT / DBT_ENGINE_LOG_FORMAT of the user's
    cmd = [dbt_executable(), *args, "--log-format", "json", "--log-level", "debug", "--no-use-colors"]
    transcript: list[str] = []
    with subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=dbt_env(base, env, to_terminal=False), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        for line in proc.stdout:
            event = _event(line)
            if event is None:
                transcript.append(line.rstrip("\n"))
                continue
            if event.level != "debug":
                transcript.append(event.msg)
            on_event(event)
    return proc.returncode, "\n".join(transcript)


def _event(line: str) -> DbtEvent | None:
    try:
        record = json.loads(line)
        info = record["info"]
        return DbtEvent(info["name"], info.get("level", ""), info.get("msg") or "", record.get("data") or {})
    except (ValueError, KeyError, TypeError):
        return None
