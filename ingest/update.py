"""`iso-pipeline build ISO`: the everyday build, which skips dbt when nothing it reads has changed.

A build of `tag:<iso>` is skipped only when all of these hold, else it runs (and records its state on success):
- the last dbt run that built or tested anything of this ISO (or any ISO's seeds: a run naming no ISO) is the one
  this command recorded, and it succeeded (warnings allowed) with the same selection;
- the ISO's landed files are the same (count, newest landing sequence number, newest landing time, their sha256s);
- its outputs are as that build left them (every file under `<ISO>_data/rollup_files`: path, size, modification
  time), so a deleted or replaced output file is rebuilt, as a plain `dbt build` does;
- the project is the same: every file of the dbt project (models, macros, seeds, tests, analyses, dbt_project.yml,
  profiles.yml) and of the Python package (the dbt plugin draws the reports), plus dbt-core, dbt-duckdb and
  duckdb's versions;
- the target is DuckDB (`DBT_TARGET` unset or `dev`): a Spark build always runs.
The state is kept in `<ISO>_data/last_build.json`. `--force` builds anyway; any other selection or dbt option is
`iso-pipeline dbt build ...`, which never skips.
Skipping costs well under a second; a `dbt build` with nothing new costs its fixed floor (BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from .config import PROJECT_ROOT, IsoPaths

#: what a dbt build reads from the project (relative to PROJECT_ROOT): folders and single files
PROJECT_PARTS = ("models", "macros", "seeds", "tests", "analyses", "snapshots", "ingest",
                 "dbt_project.yml", "profiles.yml", "packages.yml")
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
STATE_FILE = "last_build.json"


@dataclass(frozen=True)
class BuildState:
    """What a build of one ISO read (the project, the landed files, the selection) and what it left: its outputs and
    its run."""
    project: str
    landing: str
    selection: str
    outputs: str = ""
    run_id: str | None = None


def project_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """sha256 over every file of the project parts (path and bytes) and the engine versions."""
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.exists() else []
        for f in files:
            if "__pycache__" in f.parts:
                continue
            digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    for package in PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} missing\0".encode())
    return digest.hexdigest()


def landing_digest(con, iso: str) -> str:
    """The ISO's landed files as the build reads them (landing.landed_files), in one string."""
    row = con.execute(
        "select count(*), max(landing_seq), max(landed_at)::varchar, "
        "md5(coalesce(string_agg(path || ':' || coalesce(sha256, '') || ':' || landed_at::varchar, ',' "
        "order by path), '')) from landing.landed_files where iso = ?", [iso]).fetchone()
    return "|".join("" if v is None else str(v) for v in row)


def last_run(con, iso: str) -> tuple[str, str, str, str] | None:
    """(run_id, command, args, status) of the newest dbt run that built or tested something of `iso` (or named no
    ISO: seeds only), from the run history; None when there is none."""
    return con.execute(
        "select run_id, command, coalesce(args, ''), coalesce(status, '') from monitoring.runs "
        "where kind = 'dbt' and command in ('build', 'run', 'test', 'seed', 'snapshot') "
        "and (coalesce(isos, '') = '' or list_contains(string_split(isos, ','), ?)) "
        "order by started_at desc limit 1", [iso]).fetchone()


def outputs_digest(base: Path, iso: str) -> str:
    """Every file under the ISO's rollup_files (relative path, size, modification time) in one md5."""
    root = IsoPaths.of(iso, base).root / "rollup_files"
    digest = hashlib.md5()
    for dirpath, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            stat = os.stat(os.path.join(dirpath, name))
            digest.update(f"{os.path.relpath(os.path.join(dirpath, name), root)}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def duckdb_target() -> bool:
    """dbt builds the DuckDB warehouse (`DBT_TARGET` unset or `dev`): the run history this module reads is its."""
    return os.environ.get("DBT_TARGET", "dev") in ("", "dev")


def current_state(base: Path, iso: str, selection: str) -> BuildState | None:
    """This ISO's state now (None before the first landing or build: nothing to compare); its run_id is the last run
    of the ISO when that was a successful `dbt build <selection>` (`selection`: dbt's arguments as the run history
    records them, e.g. `--select tag:ercot`)."""
    from .monitor.common import connect

    if not (base / "warehouse.duckdb").exists():
        return None
    with connect(base) as con:
        try:
            landing = landing_digest(con, iso)
            run = last_run(con, iso)
        except Exception:  # a warehouse without the landing or monitoring tables yet
            return None
    done = run is not None and run[1:] == ("build", selection, "success")  # what this command runs, succeeded
    return BuildState(project_fingerprint(), landing, selection, outputs_digest(base, iso), run[0] if done else None)


def state_path(base: Path, iso: str) -> Path:
    return IsoPaths.of(iso, base).root / STATE_FILE


def recorded_state(base: Path, iso: str) -> BuildState | None:
    try:
        return BuildState(**json.loads(state_path(base, iso).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def up_to_date(base: Path, iso: str, selection: str) -> BuildState | None:
    """The recorded state when the last build of `selection` still stands (nothing to do), else None."""
    if not duckdb_target():
        return None
    recorded, now = recorded_state(base, iso), current_state(base, iso, selection)
    if recorded is None or now is None or recorded.run_id is None:
        return None
    return recorded if now == recorded else None


def record(base: Path, iso: str, before: BuildState) -> BuildState | None:
    """After a successful build: keep the inputs it read (`before`, taken just before it: a landing in between only
    makes the next call build again) with the outputs it left and its run. Nothing is kept for another target."""
    after = current_state(base, iso, before.selection)
    if not duckdb_target() or after is None or after.run_id is None:
        return None
    state = BuildState(before.project, before.landing, before.selection, after.outputs, after.run_id)
    path = state_path(base, iso)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(asdict(state), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return state
