"""The user's files: found under a path, grouped by their columns, loaded into DuckDB as they are (renamed by --map).

A group is the files that share one header (CSV) or one set of columns (parquet); each group is one DuckDB table
`raw_<n>`, every column as the file types it (CSV: text), plus `_file` and `_row` (the row's place in the files, for
the one rule that needs the order: two naive local times in the repeated hour of a fall-back day).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..sqltext import sql_list, sql_literal
from .errors import ReconcileError

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Group:
    """Files of one layout: their columns (after --map) and DuckDB types, loaded as table `name`."""

    name: str
    kind: str  # csv | parquet
    files: list[Path]
    columns: list[str]
    types: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","

    def has(self, *names: str) -> bool:
        return all(n.lower() in self.lowered for n in names)

    @property
    def lowered(self) -> dict[str, str]:
        return {c.lower(): c for c in self.columns}

    def col(self, name: str) -> str:
        """The quoted column called `name` (case-insensitive)."""
        return quoted(self.lowered[name.lower()])

    def type_of(self, name: str) -> str:
        return self.types.get(self.lowered[name.lower()], "VARCHAR")


def quoted(name: str) -> str:
    """A SQL identifier, double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def _suffix_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def find_files(path: Path) -> tuple[list[Path], list[Path]]:
    """(readable files, ignored files) under `path` (a file or a folder, searched recursively; hidden files skipped)."""
    path = Path(path)
    if path.is_file():
        if _suffix_kind(path) is None:
            raise ReconcileError(f"{path}: not a CSV or parquet file (.csv, .csv.gz, .txt, .parquet, .pq)")
        return [path], []
    if not path.is_dir():
        raise ReconcileError(f"{path}: no such file or folder")
    found = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    readable = [p for p in found if _suffix_kind(p)]
    if not readable:
        raise ReconcileError(f"{path}: no CSV or parquet files in it ({len(found)} other files)")
    return readable, [p for p in found if not _suffix_kind(p)]


def csv_header(path: Path) -> tuple[list[str], str]:
    """(header cells, delimiter) of a CSV: its first line, trimmed; a delimiter is the most frequent of `,;\\t|`."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        first = fh.readline(1 << 20)
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ReconcileError(f"{path}: not UTF-8 text; save it as UTF-8 (or land it with `iso-pipeline land`, "
                             "which converts any encoding)") from None
    if not line.strip():
        return [], ","
    delimiter = max(DELIMITERS, key=line.count)
    cells = next(csv.reader(io.StringIO(line), delimiter=delimiter))
    return [c.strip() for c in cells], delimiter


def parse_maps(maps: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`("Node=settlement_point", ...)` -> {"node": "settlement_point"} (old names case-insensitive)."""
    out: dict[str, str] = {}
    for m in maps:
        old, sep, new = m.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ReconcileError(f"--map {m!r}: expected OLD=NEW, e.g. --map 'Node=settlement_point'")
        out[old.strip().lower()] = new.strip()
    return out


def _renamed(columns: list[str], maps: dict[str, str], where: str) -> list[str]:
    out = [maps.get(c.lower(), c) for c in columns]
    seen: dict[str, str] = {}
    for old, new in zip(columns, out):
        if new.lower() in seen:
            raise ReconcileError(f"{where}: columns {seen[new.lower()]!r} and {old!r} would both be called {new!r}; "
                                 "change the --map options")
        seen[new.lower()] = old
    return out


def _parquet_columns(con: duckdb.DuckDBPyConnection, files: list[Path]) -> dict[Path, tuple[str, ...]]:
    rows = con.execute(f"""
        select file_name, list(name order by name)
        from parquet_schema({sql_list(str(f) for f in files)})
        where coalesce(num_children, 0) = 0
        group by file_name""").fetchall()
    return {Path(f): tuple(names) for f, names in rows}


def load_groups(con: duckdb.DuckDBPyConnection, files: list[Path], maps: dict[str, str]) -> tuple[list[Group], int]:
    """Group `files` by columns and load each group as a table; returns (groups, empty files skipped)."""
    keyed: dict[tuple, Group] = {}
    empty = 0
    for f in files:
        if _suffix_kind(f) == "csv":
            header, delimiter = csv_header(f)
            if not header:
                empty += 1
                continue
            key = ("csv", delimiter, tuple(header))
            if key not in keyed:
                keyed[key] = Group(f"raw_{len(keyed)}", "csv", [], header, delimiter=delimiter)
            keyed[key].files.append(f)
    parquet = [f for f in files if _suffix_kind(f) == "parquet"]
    if parquet:
        try:
            schemas = _parquet_columns(con, parquet)
        except duckdb.Error as exc:
            raise ReconcileError(f"cannot read the parquet files: {exc}") from None
        for f in parquet:
            key = ("parquet", schemas.get(f, ()))
            if key not in keyed:
                keyed[key] = Group(f"raw_{len(keyed)}", "parquet", [], [])
            keyed[key].files.append(f)
    groups = list(keyed.values())
    for g in groups:
        _load(con, g, maps)
    return groups, empty


def _load(con: duckdb.DuckDBPyConnection, g: Group, maps: dict[str, str]) -> None:
    files = sql_list(str(f) for f in g.files)
    if g.kind == "csv":
        reader = (f"read_csv({files}, header = true, all_varchar = true, delim = {sql_literal(g.delimiter)}, "
                  f"quote = '\"', filename = '_source_file', null_padding = true)")
    else:
        reader = f"read_parquet({files}, filename = '_source_file', union_by_name = true)"
    more = f" (and {len(g.files) - 1} more like it)" if len(g.files) > 1 else ""
    try:
        described = [(name, str(kind)) for name, kind, *_ in
                     con.execute(f"describe select * from {reader}").fetchall() if name != "_source_file"]
        found = [name for name, _ in described]
        names = _renamed([c.strip() for c in found], maps, str(g.files[0]))
        select = ", ".join(f"{quoted(old)} as {quoted(new)}" for old, new in zip(found, names))
        con.execute(f"create temp table {g.name} as select {select}, _source_file as _file from {reader}")
    except duckdb.Error as exc:
        raise ReconcileError(f"cannot read {g.files[0]}{more}: {str(exc).splitlines()[0]}") from None
    g.columns = names
    g.types = {new: kind for new, (_, kind) in zip(names, described)}
