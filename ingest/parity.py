"""Are two builds of the same landed data the same? Compares every parquet output (Stages 2, 3 and 4) of one ISO
under two data directories, e.g. a DuckDB build and a Spark build (docs/running_on_a_cluster.md), read with DuckDB.

- Stages 2 and 3: equal as multisets, `EXCEPT ALL` both ways, every column.
- Stage 4 (`combined/`): its hourly statistics (means and standard deviations of RT prices) are sums of
  floating-point numbers, which two engines add in different orders (measured: 1e-14 apart). Its DOUBLE columns are
  compared per `datetime` within a relative 1e-9, its other columns with `EXCEPT ALL` both ways.
- Both builds must have the same outputs, columns and column types.
- No text column of `b` may hold a column name (its own, or one of `column_names`) as its value in more rows than
  the same column of `a`: the signature of a `"quoted"` identifier read as a string literal (dbt-spark turns ANSI
  mode off, where double quotes make strings). A name can be a real value too (CAISO's column `NODE`, the
  settlement type NODE), hence the count against the reference build `a` (DuckDB, where quotes are identifiers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .sqltext import sql_literal as literal

#: relative tolerance for the hourly statistics of Stage 4 (see the module docstring)
AGGREGATE_TOLERANCE = 1e-9


@dataclass
class Difference:
    output: str  # relative to the ISO's rollup_files
    rows: int = 0
    only_a: int = 0
    only_b: int = 0
    problems: list[str] = field(default_factory=list)


def outputs(rollup: Path) -> list[str]:
    """The parquet outputs under a rollup_files folder: hive-partitioned folders and single files (relative)."""
    found = []
    for path in sorted(rollup.rglob("*")):
        rel = path.relative_to(rollup).as_posix()
        if "=" in rel or any(p.endswith(".parquet") for p in rel.split("/")[:-1]):
            continue  # inside a partition, or a part file of Spark's single-file output
        if path.is_dir() and any(c.name.startswith(("year=", "month=")) for c in path.iterdir()):
            found.append(rel)
        elif path.suffix == ".parquet":  # DuckDB's single file (Spark writes a folder of that name)
            found.append(rel)
    return found


def reader(path: Path) -> str:
    """A DuckDB relation over one output: a file, a folder of part files, or hive partitions."""
    if path.is_file():
        return f"read_parquet({literal(str(path))})"
    hive = any(p.name.startswith(("year=", "month=")) for p in path.iterdir())
    return (f"read_parquet({literal(str(path) + '/**/*.parquet')}, hive_partitioning = {str(hive).lower()}, "
            "union_by_name = true)")


def compare_iso(a: Path, b: Path, iso: str, column_names: set[str] = frozenset()) -> list[Difference]:
    """Every output of `iso` under data directory `a` compared with the same output under `b`. `column_names`: extra
    names no text value may equal (the ISO's source columns)."""
    rollup_a, rollup_b = a / f"{iso}_data" / "rollup_files", b / f"{iso}_data" / "rollup_files"
    names_a, names_b = outputs(rollup_a), outputs(rollup_b)
    results = []
    for name in sorted(set(names_a) | set(names_b)):
        diff = Difference(name)
        results.append(diff)
        if name not in names_a or name not in names_b:
            diff.problems.append(f"only under {'a' if name in names_a else 'b'}")
            continue
        with duckdb.connect() as con:
            con.execute("set TimeZone = 'UTC'")
            _compare(con, reader(rollup_a / name), reader(rollup_b / name), diff, column_names,
                     tolerant=name.startswith("combined/"))
    return results


def _compare(con: duckdb.DuckDBPyConnection, ra: str, rb: str, diff: Difference, column_names: set[str],
             tolerant: bool) -> None:
    types_a = {r[0]: r[1] for r in con.execute(f"describe select * from {ra}").fetchall()}
    types_b = {r[0]: r[1] for r in con.execute(f"describe select * from {rb}").fetchall()}
    if types_a != types_b:
        diff.problems.append("columns or types differ: "
                             + str({k: (types_a.get(k), types_b.get(k)) for k in types_a.keys() | types_b.keys()
                                    if types_a.get(k) != types_b.get(k)}))
        return
    diff.rows = con.execute(f"select count(*) from {ra}").fetchone()[0]
    if diff.rows != con.execute(f"select count(*) from {rb}").fetchone()[0]:
        diff.problems.append("row counts differ")
    aggregates = [c for c, t in types_a.items() if t == "DOUBLE" and tolerant]
    exact = [c for c in types_a if c not in aggregates]
    cols = ", ".join(_q(c) for c in exact)
    diff.only_a = con.execute(f"select count(*) from (select {cols} from {ra} except all select {cols} from {rb})").fetchone()[0]
    diff.only_b = con.execute(f"select count(*) from (select {cols} from {rb} except all select {cols} from {ra})").fetchone()[0]
    if diff.only_a or diff.only_b:
        diff.problems.append(f"{diff.only_a} row(s) only in a, {diff.only_b} only in b")
    if aggregates:
        if "datetime" not in types_a:
            diff.problems.append("aggregate columns without a datetime to match rows on")
        else:
            for c in aggregates:
                q = _q(c)
                bad = con.execute(
                    f"select count(*) from {ra} as x full join {rb} as y using (datetime) "
                    f"where (x.{q} is null) <> (y.{q} is null) "
                    f"or abs(x.{q} - y.{q}) > {AGGREGATE_TOLERANCE} * greatest(1, abs(x.{q}))").fetchone()[0]
                if bad:
                    diff.problems.append(f"{c}: {bad} value(s) differ beyond {AGGREGATE_TOLERANCE} relative")
    names = sorted(set(types_a) | set(column_names))
    in_names = ", ".join(literal(n) for n in names)
    for c, t in types_b.items():
        if t == "VARCHAR":
            hits_a, hits_b = (con.execute(f"select count(*) from {r} where {_q(c)} in ({in_names})").fetchone()[0]
                              for r in (ra, rb))
            if hits_b > hits_a:
                diff.problems.append(f"text column {c} holds a column name as its value in {hits_b - hits_a} more "
                                     "row(s) than the reference")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
