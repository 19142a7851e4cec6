"""dbt-duckdb plugin: small SQL functions the project needs and DuckDB lacks.

- `iso_mkdirs(path)`: create a folder and its parents (COPY needs its target folder to exist).
- `iso_write_text(path, text)`: write a UTF-8 text file atomically (the Markdown reports).
- `iso_remove_tree(path)`: delete a scratch folder (and everything in it) if it exists.
- `iso_quality_html(iso, path, run_json)`: draw the ISO's quality_report.html (ingest/quality_html.py) from this
  warehouse, read through a cursor of the connection the function is registered on; returns a status line ('...
  KB in ... s', 'skipped ...', or 'error: ...' with an error page written: a report never fails the build).
- `iso_project_version()`: the sha256 of the dbt project's and this package's files and the engine versions
  (ingest/update.py project_fingerprint), computed once per process: the reports are drawn again when it changes.
- `iso_publish_day_files(scratch, location, full)`: move the day (or month) files written into `scratch`
  (`year=YYYY/data_YYYYMMDD.parquet`, `data_YYYYMM.parquet`) to the same place under `location`, replacing the old
  files of those days, each with an atomic rename, so a reader sees a day's old file or its new one, never a
  half-written one; with `full`, `scratch` replaces the whole `location` folder (old and new files never mix).
- `iso_replace_path(scratch, location)`: put the folder or file `scratch` in the place of `location` (the whole
  exports of Stage 4 and FULL_DATASET: a build killed while DuckDB writes them leaves the old output, never a
  truncated file).

Registered on every dbt connection via `plugins:` in profiles.yml. Created with dbt's first connection (after
parsing), it takes what dbt has loaded out of Python's garbage collection (freeze_parsed_objects: ~0.5 s of
collections saved per dbt command), and gives dbt's threads their turns (StatementTurns): a statement that reads a
model's whole history, marked by macro run_alone, runs by itself, the others side by side. Before dbt opens the
warehouse, the plugin takes the data directory's writer lock (ingest/lock.py) for the rest of the dbt process, so
a plain `dbt build` and `iso-pipeline land` never write at the same time (dbt waits for a landing, saying for
whom; a landing waits for dbt).

Test hook (off unless set; tests/python/test_build_crash.py kills dbt -9 inside model execution with it):
`ISO_PIPELINE_TEST_PAUSE_AT=<step>:<regex>` makes the dbt process write `ISO_PIPELINE_TEST_PAUSED <step> ...` to
stderr and sleep (10 minutes) at the first point of that step whose subject matches the regex:
  publish_day_files  iso_publish_day_files(scratch, ...) half-way: once the first file of `scratch` is moved into
                     place; on a full export once the old folder is moved away, before the new one is moved in
  sql                any statement dbt runs (a model's main statement, a hook, ...), after it ran and before the
                     model's transaction commits, still in its turn (a statement marked by run_alone keeps the
                     other threads' statements waiting while it sleeps)
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import os
import re
import shutil
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR

PAUSE_AT = "ISO_PIPELINE_TEST_PAUSE_AT"


def pause_at(step: str, subject: str) -> None:
    """The test hook (see the module docstring): sleep here when $ISO_PIPELINE_TEST_PAUSE_AT names this step and its
    regex is found in `subject`."""
    name, _, pattern = os.environ.get(PAUSE_AT, "").partition(":")
    if name == step and re.search(pattern, subject):
        os.write(2, f"ISO_PIPELINE_TEST_PAUSED {step} {subject[:300]!r}\n".encode())
        time.sleep(600)


ALONE = "/* iso_pipeline: alone */"  # macro run_alone() writes it into a statement that reads a whole history


class StatementTurns:
    """Which dbt thread's statement may run: any number side by side, but a statement marked ALONE only when no
    other runs, and none starts while it runs or waits (it is not starved). DuckDB's memory cap is shared by the
    statements running at once; two whole-history statements of a year (a Stage 3 pivot and unique_grain over
    165 M rows) ran out of it together. Not reentrant: nothing may run a statement through dbt's cursor from
    inside a statement (the plugin's SQL functions read through cursors of their own, outside the turns)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._alone_waiting = 0
        self._alone = False

    @contextlib.contextmanager
    def turn(self, alone: bool):
        with self._changed:
            if alone:
                self._alone_waiting += 1
                self._changed.wait_for(lambda: not self._alone and self._running == 0)
                self._alone_waiting -= 1
                self._alone = True
            else:
                self._changed.wait_for(lambda: not self._alone and self._alone_waiting == 0)
                self._running += 1
        try:
            yield
        finally:
            with self._changed:
                if alone:
                    self._alone = False
                else:
                    self._running -= 1
                self._changed.notify_all()


TURNS = StatementTurns()


def wrap_statements(pause: bool) -> None:
    """Wrap dbt-duckdb's cursor: every statement waits for its turn (StatementTurns: a statement marked ALONE runs
    by itself), and with `pause` is offered to pause_at (step `sql` of the test hook, inside its turn)."""
    from dbt.adapters.duckdb.environments import local

    run = local.DuckDBCursorWrapper.execute
    run = getattr(run, "iso_unwrapped", run)

    def execute(self, sql, bindings=None):
        with TURNS.turn(ALONE in sql):
            result = run(self, sql, bindings)
            if pause:
                pause_at("sql", sql)
        return result

    execute.iso_unwrapped = run
    local.DuckDBCursorWrapper.execute = execute


def iso_mkdirs(path: str) -> bool:
    Path(path).mkdir(parents=True, exist_ok=True)
    return True


def iso_write_text(path: str, text: str) -> int:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    data = (text or "").encode("utf-8")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return len(data)


def iso_remove_tree(path: str) -> bool:
    shutil.rmtree(path, ignore_errors=True)
    return True


@functools.cache
def iso_project_version() -> str:
    from .update import project_fingerprint

    return project_fingerprint()


def quality_html_function(conn: DuckDBPyConnection) -> Callable[[str, str, str], str]:
    """`iso_quality_html` bound to `conn` (weakly: the function lives in the connection it refers to)."""
    ref = weakref.ref(conn)

    def iso_quality_html(iso: str, path: str, run_json: str) -> str:
        started = time.perf_counter()  # the whole cost, imports (matplotlib on the first call) included
        from . import quality_html

        if not quality_html.enabled():
            Path(path).unlink(missing_ok=True)  # no stale page from an earlier build
            return f"skipped ({quality_html.SWITCH}={os.environ.get(quality_html.SWITCH)})"
        cursor = ref().cursor()  # its own session inside dbt's database: reads what the build committed
        try:
            cursor.execute("set TimeZone = 'UTC'")
            page, error = quality_html.render_or_error(cursor, iso, json.loads(run_json or "{}"))
        finally:
            cursor.close()
        size = iso_write_text(path, page)
        return f"error: {error}" if error else f"{size / 1024:,.0f} KB in {time.perf_counter() - started:.2f} s"

    return iso_quality_html


_DAY_FILE = re.compile(r"^year=\d{4}/data_(\d{8}|\d{6})\.parquet$")  # a day's or a month's file


def iso_publish_day_files(scratch: str, location: str, full: bool) -> int:
    """Move scratch/year=YYYY/data_YYYYMMDD[/MM].parquet to location/year=YYYY/ (an atomic rename each), replacing
    the old file of that day or month.

    With `full` (every file of the export is in `scratch`), `scratch` replaces `location` whole: `location` is
    renamed to `location.old`, `scratch` to `location`, the old folder removed. A run killed in between leaves the
    old files, the new ones or no folder (missing files: the next run exports in full again), never old and new
    files side by side: after a new settlement point, files without its column would stay, as the next run reads
    the column list through the view (by name, over every file) and so writes incrementally."""
    src, dst = Path(scratch), Path(location)
    old = dst.with_name(dst.name + ".old")
    shutil.rmtree(old, ignore_errors=True)  # a full export killed before it removed it
    files = sorted(src.glob("year=*/*.parquet")) if src.is_dir() else []
    for f in files:
        if not _DAY_FILE.match(f.relative_to(src).as_posix()):
            raise ValueError(f"unexpected file in {scratch}: {f.relative_to(src).as_posix()}")
    if full:
        src.mkdir(parents=True, exist_ok=True)
        iso_replace_path(scratch, location)
        return len(files)
    for f in files:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, target)
        pause_at("publish_day_files", scratch)
    shutil.rmtree(src, ignore_errors=True)
    return len(files)


def iso_replace_path(scratch: str, location: str) -> bool:
    """Put the folder or file `scratch` in the place of `location`: `location` renamed to `location.old`, `scratch`
    to `location`, the old one removed. A run killed in between leaves the old output, the new one or none (the
    next run writes it whole again), never a half-written file or old and new files side by side."""
    src, dst = Path(scratch), Path(location)
    old = dst.with_name(dst.name + ".old")
    remove_path(old)  # left by a run killed before it removed it
    if dst.exists():
        os.replace(dst, old)
    pause_at("publish_day_files", scratch)
    os.replace(src, dst)
    remove_path(old)
    return True


def remove_path(path: Path) -> None:
    """Delete a folder (with everything in it) or a file, if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


_lock_mutex = threading.Lock()
_lock_refused: list[str] = []  # why the lock was not had (dbt's threads open connections too: they fail alike)


def take_writer_lock(warehouse: str) -> None:
    """Hold the writer lock of the warehouse's data directory until this process ends (waiting for another writer
    up to $ISO_PIPELINE_LOCK_TIMEOUT; a dbt started by `iso-pipeline dbt` or `demo` works under its parent's lock).
    A lock not had fails the connection with a one-line dbt runtime error."""
    from dbt_common.exceptions import DbtRuntimeError

    from . import lock

    if warehouse in ("", ":memory:") or warehouse.startswith("md:"):
        return
    base = Path(warehouse).parent
    if not base.is_dir():  # a mistyped ISO_DATA_DIR must not become a new, empty warehouse that builds "green"
        raise DbtRuntimeError(f"the data directory {base} does not exist (ISO_DATA_DIR): land files first "
                              f"(`iso-pipeline land ISO PATH` creates it) or check the variable")
    with _lock_mutex:
        if _lock_refused:
            raise DbtRuntimeError(_lock_refused[0])
        if lock.holds(base):
            return
        try:
            lock.acquire(base, lock.current_command())
        except lock.LockError as exc:
            _lock_refused.append(str(exc))
            raise DbtRuntimeError(str(exc)) from None
        atexit.register(lock.release, base)


@functools.cache  # once per process
def freeze_parsed_objects() -> None:
    """Take what dbt has loaded so far (its modules and the parsed manifest, ~250,000 objects for this project) out
    of Python's garbage collection for the rest of the process. The plugin is created with the first connection,
    i.e. after parsing, before the first node: without this every full collection during the run walks the whole
    manifest again (12 of them, ~1.7 s of a 14 s build with nothing new; after it the run's take ~0.3 s:
    BENCHMARKS.md, "dbt's garbage collection"). Thawed at exit, so the interpreter's last collection frees them
    (DuckDB's bindings report objects still alive then as leaks on stderr)."""
    gc.freeze()
    atexit.register(gc.unfreeze)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        freeze_parsed_objects()
        wrap_statements(os.environ.get(PAUSE_AT, "").startswith("sql:"))

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        take_writer_lock(str(creds.path or ""))

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        # the landing registry and the run history exist before any model or hook reads them: one definition of
        # each, in Python (ingest/registry.py, ingest/monitor/history.py), shared with `iso-pipeline land`
        from .monitor.history import ensure_tables
        from .registry import ensure_landed_files_table

        ensure_landed_files_table(conn)
        ensure_tables(conn)
        for name, fn, args, ret in (
            ("iso_mkdirs", iso_mkdirs, [VARCHAR], BOOLEAN),
            ("iso_write_text", iso_write_text, [VARCHAR, VARCHAR], BIGINT),
            ("iso_remove_tree", iso_remove_tree, [VARCHAR], BOOLEAN),
            ("iso_publish_day_files", iso_publish_day_files, [VARCHAR, VARCHAR, BOOLEAN], BIGINT),
            ("iso_replace_path", iso_replace_path, [VARCHAR, VARCHAR], BOOLEAN),
            ("iso_quality_html", quality_html_function(conn), [VARCHAR, VARCHAR, VARCHAR], VARCHAR),
            ("iso_project_version", iso_project_version, [], VARCHAR),
        ):
            try:
                conn.create_function(name, fn, args, ret, side_effects=True)
            except Exception as exc:  # already registered on this connection
                if "already exists" not in str(exc):
                    raise
