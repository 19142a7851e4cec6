"""What has landed: `csv_files/metadata.json` (the record), its copy in the warehouse (`landing.landed_files`,
a dbt source) and `rollup_files/schema_registry.json` (every header seen per dataset).

metadata.json is the source of truth; the DuckDB table and the schema registry are rebuilt from it (and from the
quarantine's reason files), so they can never drift from it, even after a crash.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from .config import IsoPaths
from .published import published_at

LANDED_FILES_COLUMNS = {
    "iso": "VARCHAR",
    "dataset": "VARCHAR",
    "format": "VARCHAR",
    "path": "VARCHAR",
    "file_name": "VARCHAR",
    "source": "VARCHAR",
    "archive_chain": "VARCHAR[]",
    "sha256": "VARCHAR",
    "bytes": "BIGINT",
    "rows": "BIGINT",
    "encoding": "VARCHAR",
    "header": "VARCHAR",
    "downloaded_at": "TIMESTAMPTZ",
    "landed_at": "TIMESTAMPTZ",
    "published_at": "TIMESTAMPTZ",
    "landing_seq": "BIGINT",
}


def write_atomic(path: Path, payload: bytes) -> None:
    """Write to `<path>.part`, fsync, rename: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Registry:
    """Landed files of one ISO, keyed by the sha256 of the landed CSV."""

    def __init__(self, paths: IsoPaths):
        self.paths = paths
        self.entries: dict[str, dict[str, Any]] = {}
        if paths.metadata_json.exists():
            for entry in json.loads(paths.metadata_json.read_text(encoding="utf-8")):
                self.entries[entry["sha256"]] = entry
        self.dirty = False
        self._seq = max((e.get("landing_seq") or 0 for e in self.entries.values()), default=0)
        self._backfill_versions()

    def _backfill_versions(self) -> None:
        """Registries written before publication versions existed get them: the publish time from the names,
        and a landing order by (landed_at, path)."""
        old = [e for e in self.entries.values() if "landing_seq" not in e]
        if not old:
            return
        for entry in sorted(old, key=lambda e: (e["landed_at"], e["path"])):
            when = published_at(self.paths.iso, [*(entry.get("archive_chain") or []), entry["file_name"]])
            entry["published_at"] = when.isoformat() if when else None
            entry["landing_seq"] = self.next_seq()
        self.dirty = True

    def next_seq(self) -> int:
        """The landing order of the next file landed (1 for the first); each call takes one."""
        self._seq += 1
        return self._seq

    def __contains__(self, sha256: str) -> bool:
        return sha256 in self.entries

    def add(self, entry: dict[str, Any]) -> None:
        """Register a landed file; it is given the next landing order (`landing_seq`)."""
        if "landing_seq" not in entry:
            entry["landing_seq"] = self.next_seq()
        self.entries[entry["sha256"]] = entry
        self.dirty = True

    def flush(self) -> None:
        """Persist metadata.json, then mirror it into the warehouse."""
        if self.dirty or not self.paths.metadata_json.exists():
            ordered = sorted(self.entries.values(), key=lambda e: e["path"])
            write_atomic(self.paths.metadata_json, json.dumps(ordered, indent=1).encode("utf-8"))
            self.dirty = False
        sync_warehouse(self.paths)

    def landed_days(self) -> list[str]:
        return sorted({e["path"] for e in self.entries.values()})


QUARANTINED_FILES_COLUMNS = {
    "iso": "VARCHAR",
    "name": "VARCHAR",
    "archive_chain": "VARCHAR[]",
    "reason": "VARCHAR",
    "dataset": "VARCHAR",
    "format": "VARCHAR",
    "header": "VARCHAR",
    "quarantined_at": "TIMESTAMPTZ",
}


def ensure_landed_files_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists landing")
    for table, spec in (("landed_files", LANDED_FILES_COLUMNS), ("quarantined_files", QUARANTINED_FILES_COLUMNS)):
        cols = ", ".join(f'"{k}" {v}' for k, v in spec.items())
        con.execute(f"create table if not exists landing.{table} ({cols})")
        for k, v in spec.items():  # a warehouse made by an older version gains the newer columns
            con.execute(f'alter table landing.{table} add column if not exists "{k}" {v}')


def quarantine_records(paths: IsoPaths) -> list[dict[str, Any]]:
    if not paths.quarantine.exists():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(paths.quarantine.glob("*.reason.json"))]


def sync_warehouse(paths: IsoPaths) -> None:
    """Replace this ISO's rows of `landing.landed_files` with metadata.json, in one transaction."""
    warehouse = paths.warehouse()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in LANDED_FILES_COLUMNS.items()) + "}"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("set TimeZone = 'UTC'")
        ensure_landed_files_table(con)
        con.execute("begin")
        con.execute("delete from landing.landed_files where iso = ?", [paths.iso])
        if paths.metadata_json.exists() and paths.metadata_json.stat().st_size > 2:
            con.execute(
                f"insert into landing.landed_files by name "
                f"select * from read_json(?, format='array', columns={columns})",
                [str(paths.metadata_json)],
            )
        con.execute("delete from landing.quarantined_files where iso = ?", [paths.iso])
        records = quarantine_records(paths)
        if records:
            con.executemany(
                "insert into landing.quarantined_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                [[paths.iso, r["name"], r["archive_chain"], r["reason"], r.get("dataset"), r.get("format"),
                  r.get("header"), r["quarantined_at"]] for r in records],
            )
        con.execute("commit")
        export_landed_files(con, warehouse.parent)


def export_landed_files(con: duckdb.DuckDBPyConnection, data_dir: Path) -> Path:
    """The landing registry as parquet, `landing/landed_files.parquet` beside the warehouse: what a dbt target other
    than DuckDB (Spark) reads as `landing.landed_files`. Every ISO's rows; rewritten atomically at each sync."""
    out = data_dir / "landing" / "landed_files.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    literal = "'" + str(tmp).replace("'", "''") + "'"
    con.execute(f"copy (select * from landing.landed_files order by iso, landing_seq) to {literal} (format parquet)")
    os.replace(tmp, out)
    return out


def write_schema_registry(paths: IsoPaths, registry: Registry) -> dict[str, Any]:
    """Every distinct header per dataset, with file counts and first/last seen (landed and quarantined)."""
    seen: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def count(dataset: str, fmt: str, header: str, status: str, when: str, name: str) -> None:
        key = (dataset, fmt, header, status)
        rec = seen.setdefault(
            key,
            {"format": fmt, "header": header.split(","), "status": status, "files": 0,
             "first_seen": when, "last_seen": when, "first_file": name, "last_file": name},
        )
        rec["files"] += 1
        if when < rec["first_seen"]:
            rec["first_seen"], rec["first_file"] = when, name
        if when > rec["last_seen"]:
            rec["last_seen"], rec["last_file"] = when, name

    for e in registry.entries.values():
        count(e["dataset"], e["format"], e["header"], "landed", e["landed_at"], e["file_name"])
    for r in quarantine_records(paths):
        if r.get("dataset") and r.get("header"):
            count(r["dataset"], r.get("format", ""), r["header"], "quarantined: header differs",
                  r["quarantined_at"], r["name"])

    out: dict[str, Any] = defaultdict(list)
    for (dataset, *_), rec in sorted(seen.items()):
        out[dataset].append(rec)
    doc = {"iso": paths.iso, "datasets": dict(out)}
    write_atomic(paths.schema_registry_json, json.dumps(doc, indent=1).encode("utf-8"))
    return doc
