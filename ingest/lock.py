"""One writer at a time per data directory.

    with writer_lock(base, "land ERCOT"):        # waits (saying for whom) up to $ISO_PIPELINE_LOCK_TIMEOUT seconds
        wait_for_warehouse(base / "warehouse.duckdb")
        ...

Writers (`land()` and so every downloader, `iso-pipeline demo`, `iso-pipeline dbt build|run|seed|snapshot|test`, and
every dbt process that opens the warehouse, through ingest/dbt_plugin.py) take `$ISO_DATA_DIR/.iso-pipeline.lock`,
an OS lock (`filelock`: flock on Unix), so a killed holder never blocks anyone: the OS releases its lock. Who holds
it (pid, command, since when) is kept in `.iso-pipeline.lock.holder.json` beside it while it is held, so a waiting
writer can say for whom it waits. The lock is re-entrant within a process, and a process whose ancestor holds it
(the dbt that `iso-pipeline dbt build` or `demo` starts) works under its ancestor's lock.

Settings: ISO_PIPELINE_LOCK_TIMEOUT   seconds a writer waits for the lock or the warehouse (default 600; 0: not at all)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import psutil
from filelock import FileLock, Timeout

from .config import env_number

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".iso-pipeline.lock"
HOLDER_FILE = ".iso-pipeline.lock.holder.json"
TIMEOUT_ENV = "ISO_PIPELINE_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 600.0
#: Exit code of a writer that gave up because another one holds the data directory (EX_TEMPFAIL: try again later).
EXIT_BUSY = 75
POLL_SECONDS = 0.25

Notify = Callable[[str], None]


class LockError(Exception):
    """A writer that cannot start; the message is one line, `exit_code` what the command exits with."""

    exit_code = 2


class Busy(LockError):
    """The data directory (or its warehouse) is held by another process."""

    exit_code = EXIT_BUSY


def lock_timeout() -> float:
    """$ISO_PIPELINE_LOCK_TIMEOUT in seconds (default 600); a clear error for anything else than a number >= 0."""
    return env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT, unit="of seconds", error=LockError)


def to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- who holds it ----------------------------------------------------------------------------------------------------
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s]+", re.I)
_DROPPED_OPTIONS = ("--project-dir", "--profiles-dir")


def current_command(argv: list[str] | None = None) -> str:
    """This process's command line, short: program base name and arguments, URLs without path or query."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return "python"
    words = ["python", argv[0]] if argv[0] in ("-c", "-m") else [Path(argv[0]).name]
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
            continue
        if arg in _DROPPED_OPTIONS:
            skip = True
            continue
        words.append(_URL.sub(lambda m: m.group(0).split("://", 1)[0] + "://...", arg))
    text = " ".join(words)
    return text if len(text) <= 160 else text[:157] + "..."


def _paths(base: Path) -> tuple[Path, Path]:
    root = Path(base).expanduser().resolve()
    return root / LOCK_FILE, root / HOLDER_FILE


def read_holder(base: Path) -> dict | None:
    """The holder record of `base`'s lock ({pid, host, command, what, since}), None when there is none."""
    try:
        record = json.loads(_paths(base)[1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None


def _write_holder(base: Path, what: str) -> None:
    _, holder = _paths(base)
    record = {"pid": os.getpid(), "host": socket.gethostname(), "command": current_command(), "what": what,
              "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    tmp = holder.with_name(f"{holder.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, holder)


def describe_holder(record: dict | None) -> str:
    """`pid 123 (iso-pipeline land ercot in/, since 2024-11-11 06:00:01 UTC)`, or what is known of it."""
    if not record:
        return "another process"
    since = str(record.get("since") or "")
    try:
        since = dt.datetime.fromisoformat(since).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        pass
    host = record.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    return f"pid {record['pid']}{where} ({record.get('command') or record.get('what') or '?'}, since {since})"


def _is_ancestor(pid: int) -> bool:
    """Whether `pid` is a parent, grandparent, ... of this process."""
    try:
        return any(p.pid == pid for p in psutil.Process().parents())
    except psutil.Error:
        return False


# -- the lock --------------------------------------------------------------------------------------------------------
class _Held:
    def __init__(self, lock: FileLock | None):
        self.lock = lock  # None: an ancestor holds it for us
        self.depth = 1


_held: dict[Path, _Held] = {}
_mutex = threading.Lock()


def acquire(base: Path, what: str, *, wait: bool = True, timeout: float | None = None,
            notify: Notify | None = None) -> None:
    """Take `base`'s writer lock (re-entrant; release with `release(base)`).

    When another process holds it: wait up to `timeout` seconds (default $ISO_PIPELINE_LOCK_TIMEOUT), after saying
    once through `notify` (default: stderr) whom it waits for; raise Busy when `wait` is false or time runs out.
    A process whose ancestor holds the lock goes ahead under that lock.
    """
    lock_path, _ = _paths(base)
    with _mutex:
        held = _held.get(lock_path)
        if held is not None:
            held.depth += 1
            return
    timeout = lock_timeout() if timeout is None else timeout
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path), thread_local=False, poll_interval=POLL_SECONDS)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = read_holder(base)
        if holder and _is_ancestor(holder["pid"]):
            with _mutex:
                _held[lock_path] = _Held(None)
            return
        if not wait or timeout <= 0:
            raise Busy(f"the data directory {lock_path.parent} is in use by {describe_holder(holder)}: "
                       f"try again when it has finished") from None
        (notify or to_stderr)(f"waiting for the data directory {lock_path.parent}: in use by "
                              f"{describe_holder(holder)}; waiting up to {timeout:g} s ({TIMEOUT_ENV}) ...")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise Busy(f"the data directory {lock_path.parent} is still in use by {describe_holder(read_holder(base))} "
                       f"after {timeout:g} s ({TIMEOUT_ENV}): try again when it has finished") from None
    try:
        _write_holder(base, what)
    except BaseException:
        lock.release()
        raise
    with _mutex:
        _held[lock_path] = _Held(lock)


def release(base: Path) -> None:
    """Give back one `acquire` of `base`'s lock; the last one removes the holder record and unlocks."""
    lock_path, holder = _paths(base)
    with _mutex:
        held = _held.get(lock_path)
        if held is None:
            return
        held.depth -= 1
        if held.depth > 0:
            return
        del _held[lock_path]
    if held.lock is not None:
        try:
            holder.unlink(missing_ok=True)
        finally:
            held.lock.release()


def holds(base: Path) -> bool:
    """Whether this process holds (or works under an ancestor's) lock of `base`."""
    return _paths(base)[0] in _held


@contextlib.contextmanager
def writer_lock(base: Path, what: str, *, wait: bool = True, timeout: float | None = None,
                notify: Notify | None = None) -> Iterator[None]:
    """`acquire` ... `release` around a block (see `acquire`)."""
    acquire(base, what, wait=wait, timeout=timeout, notify=notify)
    try:
        yield
    finally:
        release(base)


# -- the warehouse ---------------------------------------------------------------------------------------------------
_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def warehouse_holder(warehouse: Path) -> str | None:
    """Who keeps the DuckDB file from being opened for writing (a dbt run, a DuckDB shell, ...), None when nobody."""
    if not warehouse.exists():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise
        m = _DUCKDB_HOLDER.search(text)
        return _describe_pid(int(m.group(2)), Path(m.group(1)).name) if m else "another process"
    return None


def _describe_pid(pid: int, program: str) -> str:
    """`pid 123 (dbt build, since 2024-11-11 06:00:01 UTC)` from the process table, else `pid 123 (program)`."""
    try:
        proc = psutil.Process(pid)
        command = current_command(proc.cmdline()) or program
        since = dt.datetime.fromtimestamp(proc.create_time(), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except psutil.Error:
        return f"pid {pid} ({program})"
    return f"pid {pid} ({command}, since {since})"


def wait_for_warehouse(warehouse: Path, *, wait: bool = True, timeout: float | None = None,
                       notify: Notify | None = None) -> None:
    """Return once `warehouse` can be opened for writing; wait (saying once for whom) up to `timeout` seconds
    (default $ISO_PIPELINE_LOCK_TIMEOUT), or raise Busy at once when `wait` is false."""
    timeout = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    told = False
    while True:
        holder = warehouse_holder(warehouse)
        if holder is None:
            return
        if not wait or time.monotonic() >= deadline:
            after = f" after {timeout:g} s ({TIMEOUT_ENV})" if wait and timeout > 0 else ""
            raise Busy(f"the warehouse {warehouse} is in use by {holder}{after}: DuckDB allows one writing process; "
                       f"try again when it has finished")
        if not told:
            (notify or to_stderr)(f"waiting for the warehouse {warehouse}: in use by {holder}; waiting up to "
                                  f"{timeout:g} s ({TIMEOUT_ENV}) ...")
            told = True
        time.sleep(POLL_SECONDS)


# -- landing workers -------------------------------------------------------------------------------------------------
#: Held shared by every landing worker process while it lives (landing_pool), taken exclusive by the next landing
#: before it removes part files: a worker of a killed landing can be inside a write when its parent dies (its
#: SIGKILL takes effect when the call returns: tens of ms on a busy disk), and the file it is creating must not
#: appear after the cleanup that should have removed it. The OS releases a process's locks as the very last of its
#: exit, so once the exclusive lock is granted, no worker of an earlier landing writes anything any more.
WORKERS_FILE = ".iso-pipeline.workers.lock"
_worker_hold: list = []  # the open lock file of this worker process, kept open until it exits


def hold_as_worker(base: Path) -> None:
    """In a landing worker process: hold `base`'s workers lock (shared) until the process exits."""
    if fcntl is None:  # pragma: no cover - no flock (Windows): the PR_SET_PDEATHSIG/parent checks remain
        return
    fh = open(_workers_path(base), "a+b")  # noqa: SIM115 - kept open for the life of the process
    fcntl.flock(fh, fcntl.LOCK_SH)
    _worker_hold.append(fh)


def wait_for_workers(base: Path, *, timeout: float | None = None) -> None:
    """Return once no landing worker of `base` is alive (called under the writer lock, so every holder is a worker of
    a landing that was killed); LockError after `timeout` seconds (default $ISO_PIPELINE_LOCK_TIMEOUT)."""
    if fcntl is None:  # pragma: no cover
        return
    path = _workers_path(base)
    timeout = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(f"worker processes of an earlier landing still run after {timeout:g} s "
                                    f"({TIMEOUT_ENV}): they hold {path}") from None
                time.sleep(0.005)
        fcntl.flock(fh, fcntl.LOCK_UN)


def _workers_path(base: Path) -> Path:
    root = Path(base).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root / WORKERS_FILE
