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


class RegistryError(ValueError):
    """metadata.json cannot be read or appended to (edited by hand, truncated by something else): said why."""


class Registry:
    """Landed files of one ISO, keyed by the sha256 of the landed CSV.

    Only what landing needs is held: the sha256 of every registered file and the entries added since the last flush.
    metadata.json is one entry per line; a flush copies it byte for byte, appends the new entries and renames the
    copy into place (write_atomic's guarantee: the old file or the new one), so recording a batch costs a file copy,
    never a parse of the whole history (at 515,000 files the whole-file rewrite held 3.7 GB and took 50 s)."""

    def __init__(self, paths: IsoPaths):
        self.paths = paths
        self.known: set[str] = set()
        self.pending: list[dict[str, Any]] = []  # added since the last flush, in landing order
        self._seq = 0
        self.dirty = False
        if paths.metadata_json.exists():
            try:
                self._load()
            except (duckdb.Error, ValueError, KeyError) as exc:
                raise RegistryError(f"{paths.metadata_json} is not a readable registry "
                                    f"({str(exc).splitlines()[0]}): nothing was landed") from None

    def _load(self) -> None:
        """The sha256 and the last landing order of metadata.json's entries (read by DuckDB, not parsed whole)."""
        columns = {"sha256": "VARCHAR", "landing_seq": "BIGINT"}
        with _connect() as con:
            rows = con.execute(f"select sha256, landing_seq from {_read_record(self.paths.metadata_json, columns)}")
            rows = rows.fetchall()
        if any(seq is None for _, seq in rows):
            rows = self._rewrite_with_versions()
        for digest, seq in rows:
            if digest is None:
                raise ValueError("an entry without sha256")
            self.known.add(digest)
            self._seq = max(self._seq, seq)

    def _rewrite_with_versions(self) -> list[tuple[str, int]]:
        """Registries written before publication versions existed get them: the publish time from the names,
        and a landing order by (landed_at, path). The one time the whole file is parsed and rewritten. Returns
        every entry's sha256 and landing order."""
        entries = json.loads(self.paths.metadata_json.read_text(encoding="utf-8"))
        seq = max((e.get("landing_seq") or 0 for e in entries), default=0)
        for entry in sorted((e for e in entries if e.get("landing_seq") is None),
                            key=lambda e: (e["landed_at"], e["path"])):
            when = published_at(self.paths.iso, [*(entry.get("archive_chain") or []), entry["file_name"]])
            entry["published_at"] = when.isoformat() if when else None
            seq += 1
            entry["landing_seq"] = seq
        entries.sort(key=lambda e: e["landing_seq"])
        write_atomic(self.paths.metadata_json, _json_lines(entries, "[\n") + b"]\n")
        return [(e["sha256"], e["landing_seq"]) for e in entries]

    def next_seq(self) -> int:
        """The landing order of the next file landed (1 for the first); each call takes one."""
        self._seq += 1
        return self._seq

    def __contains__(self, sha256: str) -> bool:
        return sha256 in self.known

    def __len__(self) -> int:
        return len(self.known)

    def add(self, entry: dict[str, Any]) -> None:
        """Register a landed file; it is given the next landing order (`landing_seq`)."""
        if entry["sha256"] in self.known:
            raise ValueError(f"{entry['path']}: a file with sha256 {entry['sha256']} is registered already")
        if "landing_seq" not in entry:
            entry["landing_seq"] = self.next_seq()
        self.known.add(entry["sha256"])
        self.pending.append(entry)
        self.dirty = True

    def flush(self, export: bool = True) -> None:
        """Persist metadata.json (what it held plus the pending entries), then mirror them into the warehouse and,
        with `export`, its parquet copy (a landing run's checkpoints leave that to the run's end: it is rewritten
        whole, ~4 s at 515,000 files)."""
        new = self.pending
        if self.dirty or not self.paths.metadata_json.exists():
            append_atomic(self.paths.metadata_json, new)
            self.dirty = False
        self.pending = []
        sync_warehouse(self.paths, new, len(self.known), export=export)


def _json_lines(entries: list[dict[str, Any]], first: str) -> bytes:
    """`first`, then `entries` one JSON object per line, each but the last followed by a comma, then a newline."""
    return (first + ",\n".join(json.dumps(e) for e in entries) + ("\n" if entries else "")).encode("utf-8")


def append_atomic(path: Path, entries: list[dict[str, Any]]) -> None:
    """metadata.json with `entries` appended to its array: a copy of the file up to its last entry, the new entries
    one per line, the closing bracket; fsynced, then renamed over the file. A file that does not end in `]` is
    refused (this version did not write it), never guessed at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as out:
        if path.exists():
            with open(path, "rb") as old:
                size = old.seek(0, os.SEEK_END)
                start = max(0, size - 4096)
                old.seek(start)
                inner = old.read().rstrip()
                if not inner.endswith(b"]") or not inner[:-1].rstrip():
                    raise RegistryError(f"{path} does not end with an array's last entry and ']': not a registry")
                inner = inner[:-1].rstrip()  # up to the last entry's closing brace, or the opening bracket
                old.seek(0)
                _copy(old, out, start + len(inner))
            if entries:
                out.write(_json_lines(entries, "\n" if inner.endswith(b"[") else ",\n"))
            out.write(b"\n]\n" if not entries else b"]\n")
        else:
            out.write(_json_lines(entries, "[\n") + b"]\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _copy(src, dst, n: int) -> None:
    """The first `n` bytes of `src` (from its position) to `dst` (at its position): in the kernel (copy_file_range:
    0.36-0.48 s for the 512 MB record of 515,000 files against 0.39-0.49 s read and written, page cache warm; cold, the
    disk decides: 2.6-7 s), else read and written."""
    dst.flush()
    at_src, at_dst, done = src.tell(), dst.tell(), 0
    try:
        while done < n:
            k = os.copy_file_range(src.fileno(), dst.fileno(), n - done, at_src + done, at_dst + done)
            if k == 0:
                raise ValueError("the registry shrank while it was copied")
            done += k
    except (AttributeError, OSError):  # no copy_file_range here (another OS, filesystem or kernel): by hand
        pass
    src.seek(at_src + done)
    dst.seek(at_dst + done)
    n -= done
    while n > 0:
        chunk = src.read(min(n, 1 << 22))
        if not chunk:
            raise ValueError("the registry shrank while it was copied")
        dst.write(chunk)
        n -= len(chunk)


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


def _read_record(path: Path, columns: dict[str, str] = LANDED_FILES_COLUMNS) -> str:
    """A FROM clause reading metadata.json (or a batch file written like it) with `columns` (DuckDB streams it)."""
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    literal = "'" + str(path).replace("'", "''") + "'"
    return f"read_json({literal}, format='array', columns={spec})"


#: DuckDB's memory for the registry's own queries: left to its default (80% of RAM) it keeps what it read of the
#: record, 0.7 GB at 515,000 files for the parquet copy alone.
MEMORY_LIMIT = "256MB"


def _connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for the registry's queries: in UTC, within MEMORY_LIMIT."""
    con = duckdb.connect(database)
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    return con


def recorded_paths(paths: IsoPaths) -> set[str]:
    """The `path` of every entry of metadata.json (read by DuckDB, not parsed whole in Python)."""
    if not paths.metadata_json.exists():
        return set()
    with _connect() as con:
        return {p for (p,) in con.execute(
            f"select path from {_read_record(paths.metadata_json, {'path': 'VARCHAR'})}").fetchall()}


def read_record(paths: IsoPaths) -> list[dict[str, Any]]:
    """metadata.json's entries, parsed whole (for tests and small registries; landing never does this)."""
    meta = paths.metadata_json
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else []


def sync_warehouse(paths: IsoPaths, new: list[dict[str, Any]] | None = None, total: int | None = None,
                   export: bool = True) -> None:
    """Bring this ISO's rows of `landing.landed_files` (and `quarantined_files`) to metadata.json, in one transaction.

    `new`: the entries metadata.json just gained, `total`: how many it holds now. When the warehouse holds exactly
    the others (their count, every landing order below the new ones'), only the new ones are inserted; otherwise
    (a crash between the two writes, a warehouse edited or made by an older version) the ISO's rows are replaced by
    the whole file. `export`: then rewrite landing/landed_files.parquet (export_landed_files)."""
    warehouse = paths.warehouse()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    meta = paths.metadata_json
    with _connect(str(warehouse)) as con:
        ensure_landed_files_table(con)
        con.execute("begin")
        if new is None or total is None or not _only_new_missing(con, paths, new, total):
            con.execute("delete from landing.landed_files where iso = ?", [paths.iso])
            if meta.exists() and meta.stat().st_size > 4:
                con.execute(f"insert into landing.landed_files by name select * from {_read_record(meta)}")
        elif new:
            batch = meta.with_name("metadata.batch.json.part")  # a crash leaves it to clean_partials
            write_atomic(batch, _json_lines(new, "[\n") + b"]\n")
            try:
                con.execute(f"insert into landing.landed_files by name select * from {_read_record(batch)}")
            finally:
                batch.unlink(missing_ok=True)
        con.execute("delete from landing.quarantined_files where iso = ?", [paths.iso])
        records = quarantine_records(paths)
        if records:
            con.executemany(
                "insert into landing.quarantined_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                [[paths.iso, r["name"], r["archive_chain"], r["reason"], r.get("dataset"), r.get("format"),
                  r.get("header"), r["quarantined_at"]] for r in records],
            )
        con.execute("commit")
        if export:
            export_landed_files(con, warehouse.parent)


def _only_new_missing(con: duckdb.DuckDBPyConnection, paths: IsoPaths, new: list[dict[str, Any]], total: int) -> bool:
    """Whether the warehouse holds as many of this ISO's rows as metadata.json held before `new`, none without a
    landing order and all ordered before the new ones."""
    rows, ordered, last = con.execute(
        "select count(*), count(landing_seq), coalesce(max(landing_seq), 0) from landing.landed_files where iso = ?",
        [paths.iso]).fetchall()[0]
    first_new = min((e["landing_seq"] for e in new), default=None)
    if rows != ordered or (first_new is not None and last >= first_new):
        return False
    return rows + len(new) == total


def export_registry(paths: IsoPaths) -> Path:
    """export_landed_files on the ISO's warehouse."""
    with _connect(str(paths.warehouse())) as con:
        return export_landed_files(con, paths.warehouse().parent)


def export_landed_files(con: duckdb.DuckDBPyConnection, data_dir: Path) -> Path:
    """The landing registry as parquet, `landing/landed_files.parquet` beside the warehouse: what a dbt target other
    than DuckDB (Spark) reads as `landing.landed_files`. Every ISO's rows; rewritten atomically at the end of every
    landing run (and by sync_warehouse unless told not to)."""
    out = data_dir / "landing" / "landed_files.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    literal = "'" + str(tmp).replace("'", "''") + "'"
    con.execute(f"copy landing.landed_files to {literal} (format parquet)")  # per ISO in landing order, as inserted
    os.replace(tmp, out)
    return out


def write_schema_registry(paths: IsoPaths) -> dict[str, Any]:
    """Every distinct header per dataset, with file counts and first/last seen (landed and quarantined). The landed
    side is counted in the warehouse's copy of the registry (sync_warehouse runs first)."""
    seen: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    with duckdb.connect(str(paths.warehouse()), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        landed = con.execute(
            "select dataset, format, header, count(*), min(landed_at), max(landed_at), "
            "arg_min(file_name, (landed_at, landing_seq)), arg_max(file_name, (landed_at, landing_seq)) "
            "from landing.landed_files where iso = ? group by all", [paths.iso]).fetchall()
    for dataset, fmt, header, files, first, last, first_file, last_file in landed:
        seen[(dataset, fmt, header, "landed")] = {
            "format": fmt, "header": header.split(","), "status": "landed", "files": files,
            "first_seen": first.isoformat(), "last_seen": last.isoformat(), "first_file": first_file,
            "last_file": last_file}
    for r in quarantine_records(paths):
        if not (r.get("dataset") and r.get("header")):
            continue
        status, when, name = "quarantined: header differs", r["quarantined_at"], r["name"]
        rec = seen.setdefault(
            (r["dataset"], r.get("format", ""), r["header"], status),
            {"format": r.get("format", ""), "header": r["header"].split(","), "status": status, "files": 0,
             "first_seen": when, "last_seen": when, "first_file": name, "last_file": name},
        )
        rec["files"] += 1
        if when < rec["first_seen"]:
            rec["first_seen"], rec["first_file"] = when, name
        if when > rec["last_seen"]:
            rec["last_seen"], rec["last_file"] = when, name

    out: dict[str, Any] = defaultdict(list)
    for (dataset, *_), rec in sorted(seen.items()):
        out[dataset].append(rec)
    doc = {"iso": paths.iso, "datasets": dict(out)}
    write_atomic(paths.schema_registry_json, json.dumps(doc, indent=1).encode("utf-8"))
    return doc
