"""`iso-pipeline sql`: one query against the warehouse, read-only, with the DuckDB the pipeline itself uses.

Why not the `duckdb` command-line shell: it is not part of the Python package (PyPI's `duckdb-cli` lags the library:
1.5 against our 2.0, and an older shell cannot always open a newer database file), so a documented
`duckdb data/warehouse.duckdb -c ...` fails on a fresh machine. This command opens the same warehouse the same way
as `status` (read-only; a clear message when a dbt run holds it) and prints a table, CSV or JSON lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from .config import PROJECT_ROOT, data_dir
from .monitor.common import connect

FORMATS = ("table", "csv", "json")
TABLE_ROWS = 40  # the table format shows this many rows, then says how many more (csv and json print every row)


class QueryError(Exception):
    """DuckDB rejected the query (syntax, unknown table, a write on the read-only warehouse)."""


def run_query(query: str, fmt: str = "table", base: Path | None = None, out: TextIO | None = None,
              max_rows: int = TABLE_ROWS) -> int:
    """Run `query` on the warehouse of data directory `base`, write it to `out` in `fmt`; returns the row count.

    Raises monitor.common.WarehouseUnavailable (no warehouse, or a writer holds it) and QueryError."""
    out = out or sys.stdout
    base = base or data_dir()
    con = connect(base)
    try:
        # relative file paths (read_parquet('ERCOT_data/...') or 'data/ERCOT_data/...') resolve against the data
        # directory, then the project, whatever the working directory
        con.execute("set file_search_path = ?", [f"{base},{PROJECT_ROOT}"])
        try:
            cursor = con.execute(query)
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from None
        if cursor.description is None:  # a statement without a result (e.g. SET)
            return 0
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([[_text(v) for v in row] for row in rows])
    elif fmt == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(names, (_json(v) for v in row)))) + "\n")
    else:
        _table(names, rows, out, max_rows)
    return len(rows)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _json(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _table(names: Sequence[str], rows: Sequence[Iterable], out: TextIO, max_rows: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*names, show_lines=False)
    for row in rows[:max_rows]:
        table.add_row(*("NULL" if v is None else _text(v) for v in row))
    tty = bool(getattr(out, "isatty", lambda: False)())
    # piped: no colours and no wrapping at 80 columns (one row per line, for grep); a terminal keeps its width
    console = Console(file=out, force_terminal=tty, no_color=not tty, width=None if tty else 10_000)
    console.print(table)
    more = len(rows) - max_rows
    hidden = f" ({more:,} not shown: --format csv or json prints every row)" if more > 0 else ""
    console.print(f"{len(rows):,} row{'' if len(rows) == 1 else 's'}{hidden}")
