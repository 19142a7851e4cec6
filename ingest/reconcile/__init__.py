"""`iso-pipeline reconcile ISO DATASET PATH`: compare our Stage 2 with data a user already has (docs/reconcile.md).

    outcome = reconcile("ERCOT", "DA_prices", Path("old/"), tolerance=0.005)
    outcome.exit_code   # 0 they match, 1 they differ (ReconcileError: bad input, exit 2)
    outcome.paths       # reconcile.md, reconcile.html, summary.json

inputs.py finds and loads the files, layouts.py tells their layout and reads them into one shape, compare.py
compares in DuckDB, report.py writes the reports.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from ..catalog import datasets, isos
from ..config import IsoPaths, data_dir, normalise_iso
from ..sqltext import sql_literal
from .compare import compare, load_ours, load_theirs
from .errors import OtherDataset, ReconcileError
from .inputs import find_files, load_groups, parse_maps
from .layouts import Reader, unreadable_numbers
from .report import dst_line, verdict, write

__all__ = ["Outcome", "ReconcileError", "reconcile"]
DEFAULT_TOLERANCE = 0.005


@dataclass
class Outcome:
    summary: dict
    paths: dict[str, Path]
    lines: list[str]  # what the command prints

    @property
    def exit_code(self) -> int:
        return self.summary["exit_code"]


def _dataset(iso: str, name: str):
    known = datasets(iso)
    found = next((d for d in known if d.dataset.lower() == name.strip().lower()), None)
    if found is None:
        raise ReconcileError(f"unknown {iso} dataset {name!r}: expected one of {', '.join(d.dataset for d in known)}")
    return found


def _connect(tmp: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set temp_directory = {sql_literal(tmp)}")
    if os.environ.get("DUCKDB_MEMORY_LIMIT"):
        con.execute("set memory_limit = ?", [os.environ["DUCKDB_MEMORY_LIMIT"]])
    if os.environ.get("DUCKDB_THREADS"):
        con.execute(f"set threads = {int(os.environ['DUCKDB_THREADS'])}")
    return con


def reconcile(iso: str, dataset: str, path: Path, *, maps: tuple[str, ...] = (), timezone: str | None = None,
              tolerance: float = DEFAULT_TOLERANCE, out: Path | None = None, base: Path | None = None,
              only_their_points: bool = False, all_days: bool = False) -> Outcome:
    """Compare the files at `path` with our Stage 2 of `iso` `dataset` (under `base`, default $ISO_DATA_DIR) and
    write the reports to `out` (default <base>/<ISO>_data/reconcile/<DATASET>_<UTC time>/)."""
    iso = normalise_iso(iso)
    ds = _dataset(iso, dataset)
    iso_zone = isos()[iso].timezone
    zone = timezone or iso_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReconcileError(f"--timezone {zone!r}: not a time zone (e.g. America/Chicago, UTC)") from None
    if tolerance < 0:
        raise ReconcileError("--tolerance must be >= 0")
    paths = IsoPaths.of(iso, base or data_dir())
    files, ignored = find_files(path)
    with tempfile.TemporaryDirectory(prefix="reconcile-") as tmp, _connect(tmp) as con:
        groups, empty = load_groups(con, files, parse_maps(maps))
        if not groups:
            raise ReconcileError(f"{path}: every file is empty")
        reader = Reader(con, iso, ds, iso_zone, zone)
        found, skipped = [], []
        for g in groups:
            try:
                found.append(reader.detect(g))
            except OtherDataset as exc:
                skipped.append((g, exc))
        if not found:
            raise skipped[0][1]
        for d in found:
            bad = unreadable_numbers(con, d.group, d.numbers)
            if bad:
                raise ReconcileError(f"{d.group.files[0]}: values that are not numbers: {'; '.join(bad)}")
        values = [v for v in ds.value_columns if all(v in d.values for d in found)]
        if not values:
            raise ReconcileError(f"no value column common to all their files and ours ({', '.join(ds.value_columns)}); "
                                 "name one with --map OLD=" + ds.value_column)
        resolution = load_theirs(con, found, values)
        load_ours(con, ds, paths.rollup_files / ds.dataset, values)
        result = compare(con, ds, iso_zone, values, tolerance, only_their_points=only_their_points,
                         all_days=all_days)
    r = result["rows"]
    match = bool(r["matched"]) and not any(r[k] for k in ("only_ours", "only_theirs", "differ", "duplicate_keys_ours",
                                                            "duplicate_keys_theirs", "unresolved_theirs"))
    now = dt.datetime.now(dt.UTC)
    summary = {
        "iso": iso, "dataset": ds.dataset, "generated_at": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "theirs_path": str(Path(path).resolve()), "ours_path": str(paths.rollup_files / ds.dataset),
        "files": sum(len(d.group.files) for d in found), "ignored_files": len(ignored), "empty_files": empty,
        "layouts": [{"layout": d.layout, "files": len(d.group.files), "time": d.time, "columns": d.group.columns,
                     "notes": d.notes} for d in found],
        "skipped": [{"files": [str(f) for f in g.files], "reason": str(exc)} for g, exc in skipped],
        "key": ds.wide_columns.replace("<", "").replace(">", ""), "compared_columns": values,
        "tolerance": tolerance, "timezone_for_naive_times": zone, "time_resolution": resolution,
        **result, "match": match, "exit_code": 0 if match else 1,
    }
    folder = out or paths.root / "reconcile" / f"{ds.dataset}_{now.strftime('%Y%m%dT%H%M%SZ')}"
    written = write(summary, folder)
    return Outcome(summary, written, _lines(summary, written))


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _lines(s: dict, paths: dict[str, Path]) -> list[str]:
    lines = [f"theirs: {s['theirs_path']} ({_files(s['files'])})"]
    lines += [f"  layout: {d['layout']}, {_files(d['files'])}; {d['time']}" + (f" ({'; '.join(d['notes'])})"
              if d["notes"] else "") for d in s["layouts"]]
    lines += [f"  skipped {_files(len(k['files']))}: {k['reason']}" for k in s["skipped"]]
    lines.append(f"ours:   {s['iso']} {s['dataset']} Stage 2, {s['ours_path']}")
    lines.append(f"compared: local days {s['range']['first_day']}..{s['range']['last_day']} on (UTC interval start, "
                 f"{s['key']}): {', '.join(s['compared_columns'])}, tolerance {s['tolerance']:g}")
    how = s["time_resolution"]["resolved_by"]
    if how.get("order") or how.get("ambiguous") or how.get("nonexistent"):
        lines.append(f"  naive local times on DST days: {how.get('order', 0):,} placed by their order in the file, "
                     f"{how.get('ambiguous', 0):,} ambiguous and {how.get('nonexistent', 0):,} nonexistent "
                     "(reported, not compared)")
    lines.append(verdict(s))
    lines += [f"  DST {dst_line(d)}" for d in s["dst_days"]]
    lines += [f"report:  {paths['markdown']}", f"html:    {paths['html']}", f"summary: {paths['json']}"]
    return lines
