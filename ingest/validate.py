"""Stage 1 validation: a CSV lands only when its dbt source reads every row of it, typed, without contradiction.

    Validator().validate(iso, report_format, csv_path, rows)      # raises Invalid(reason); one connection, many files
    validate(iso, report_format, csv_bytes_or_path, rows)         # the same, on a connection of its own
    write_if_valid(validator, iso, report_format, target, data, rows)   # landing: validated, then renamed into place

DuckDB reads the landed (normalised) CSV with the very `read_csv` options and column types of the dbt source table
of its format: they are parsed out of that table's `meta.external_location` in
models/staging/<iso>/_<iso>__sources.yml, never restated here. One query per file:

(a) converts every column: a value the declared type cannot hold (`N/A` or `"1,234.5"` in a DOUBLE, a line cut in
    two by a stray carriage return) is an error naming the line and the value, as DuckDB reports it;
(b) counts the rows, which must equal the records `normalise` counted: what the source cannot see would be
    registered at landing and missing from the intermediate tables;
(c) counts distinct row keys (seed iso_reports `row_key`: raw source columns, compared as DuckDB types them), which
    must equal the rows: two rows of one file for the same point and interval contradict each other (a fall-back
    day whose repeated hour is flagged N twice). Only then a second query names the first duplicated key.

A file that passes builds, and the rows registered for it are the rows the intermediate tables get from it (the dbt
test rows_match_registry checks that after every build).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from . import reports
from .config import PROJECT_ROOT
from .sqltext import sql_literal

SOURCES_GLOB = "models/staging/*/_*__sources.yml"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
SHOWN_CHARS = 160  # longest piece of a CSV line or value quoted in a reason

#: DuckDB errors that mean "this CSV cannot be read as declared" (anything else is ours to fix, and raised).
CSV_ERRORS = (duckdb.DataError, duckdb.InvalidInputException, duckdb.NotImplementedException)


class Invalid(ValueError):
    """The CSV would not build: the reason names the line and value, the row counts or the duplicated key."""


# -- the dbt sources ---------------------------------------------------------------------------------------------
def _scan_arguments(text: str, start: int) -> tuple[list[int], int]:
    """Positions of the top-level commas of the call whose arguments begin at `start`, and of its closing paren.

    Brackets of every kind nest; '...' and "..." are opaque (a doubled quote closes and reopens, which is the same).
    """
    depth, quote, commas = 0, "", []
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return commas, i
            depth -= 1
        elif c == "," and depth == 0:
            commas.append(i)
    raise ValueError(f"unbalanced read_csv(...) call: {text[:80]}...")


def read_csv_options(external_location: str) -> str:
    """`read_csv(<files>, header = true, ..., columns = {...})` -> `header = true, ..., columns = {...}`.

    The options are taken as written: the file argument (a Jinja template) is the only part replaced.
    """
    call = "read_csv("
    sql = JINJA.sub("\x00", external_location)  # a template's quotes and brackets are not SQL's
    if call not in sql:
        raise ValueError(f"not a read_csv(...) location: {external_location[:80]}...")
    start = sql.index(call) + len(call)
    commas, end = _scan_arguments(sql, start)
    if not commas:
        raise ValueError(f"read_csv(...) without options (types must be declared): {external_location[:80]}...")
    options = sql[commas[0] + 1:end].strip()
    if "\x00" in options:
        raise ValueError(f"read_csv options must be plain SQL (Jinja only in the file argument): {options[:80]}...")
    return options


def _source_tables(doc: dict) -> Iterator[dict]:
    for source in doc.get("sources") or []:
        yield from source.get("tables") or []


@lru_cache(maxsize=4)
def source_options(project_root: Path = PROJECT_ROOT) -> dict[tuple[str, str], str]:
    """(iso, format) -> the read_csv options of the dbt source table whose `meta.format` is that format."""
    out: dict[tuple[str, str], str] = {}
    for path in sorted(project_root.glob(SOURCES_GLOB)):
        for table in _source_tables(yaml.safe_load(path.read_text(encoding="utf-8")) or {}):
            meta = table.get("meta") or (table.get("config") or {}).get("meta") or {}
            if meta.get("iso") and meta.get("format") and meta.get("external_location"):
                out[(meta["iso"], meta["format"])] = read_csv_options(meta["external_location"])
    return out


# -- SQL ---------------------------------------------------------------------------------------------------------
def identifier(name: str) -> str:
    """A column name as a quoted SQL identifier (`a"b` -> `"a""b"`)."""
    return '"' + name.replace('"', '""') + '"'


def check_sql(options: str, key: tuple[str, ...]) -> str:
    """Rows, distinct row keys, then a count of every column: that makes DuckDB convert every value (it converts
    only the columns a query uses). Distinct keys are counted as distinct key hashes in one list: a hash table per
    query (count(distinct ...), group by) costs more than reading a small file."""
    keys = f"list_unique(list(hash({', '.join(identifier(c) for c in key)})))" if key else "count(*)"
    return f"select count(*), {keys}, count(columns(*)) from read_csv($1, {options})"


def duplicate_sql(options: str, key: tuple[str, ...]) -> str:
    """The first duplicated key (in key order) as text, its row count and how many keys are duplicated."""
    columns = ", ".join(identifier(c) for c in key)
    shown = ", ".join(f"cast({identifier(c)} as varchar)" for c in key)
    return (f"select {shown}, count(*) as n, count(*) over () as keys from read_csv($1, {options}) "
            f"group by {columns} having count(*) > 1 order by {columns} limit 1")


# -- reasons -----------------------------------------------------------------------------------------------------
def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def duckdb_reason(exc: Exception) -> str:
    """DuckDB's CSV error on one line: what failed on which line, the line (shortened); no hints, no option dump."""
    lines = []
    for line in str(exc).split("\n\n", 1)[0].splitlines():
        if line.startswith("Possible"):  # DuckDB's advice on relaxing the reader: not ours to take
            break
        if line.strip():
            lines.append(shorten(line.strip()))
    return "; ".join(lines)


# -- validation --------------------------------------------------------------------------------------------------
class Validator:
    """Validates landed CSVs on one in-memory DuckDB connection (one per Lander: a connection is not free)."""

    def __init__(self, project_root: Path = PROJECT_ROOT):
        self.project_root = project_root
        self.con = duckdb.connect(":memory:")
        self.prepared: dict[tuple[str, str], str] = {}  # (iso, format) -> prepared check statement

    def check(self, iso: str, report_format: str, options: str, key: tuple[str, ...], path: str) -> tuple:
        """check_sql's row for one file, from a statement prepared once per format (saves ~20% a file)."""
        name = self.prepared.get((iso, report_format))
        if name is None:
            name = f"check_{len(self.prepared)}"
            self.con.execute(f"prepare {name} as {check_sql(options, key)}")
            self.prepared[(iso, report_format)] = name
        return self.con.execute(f"execute {name}({sql_literal(path)})").fetchone()

    def close(self) -> None:
        self.con.close()

    def options(self, iso: str, report_format: str) -> str:
        try:
            return source_options(self.project_root)[(iso, report_format)]
        except KeyError:
            raise Invalid(f"no dbt source declares format {report_format} of {iso} "
                          f"(meta.format in {SOURCES_GLOB}): it could not be built") from None

    def validate(self, iso: str, report_format: str, csv: Path, rows: int) -> None:
        """Raise Invalid unless the dbt source of this format reads `rows` typed rows from `csv`, none repeating the
        format's row key."""
        options = self.options(iso, report_format)
        key = reports.row_key(iso, report_format)
        path = str(csv)
        try:
            read, keys, *_ = self.check(iso, report_format, options, key, path)
        except CSV_ERRORS as exc:
            raise Invalid(self.unreadable(exc, options, path)) from None
        if read != rows:
            raise Invalid(f"the dbt source reads {read:,} row(s) where the CSV has {rows:,} record(s): "
                          f"{abs(rows - read):,} row(s) would be registered but not loaded (or loaded unregistered)")
        if keys != read:  # a 64-bit hash collision is a false alarm: the second query decides
            self.raise_duplicate(options, key, path)

    def unreadable(self, exc: Exception, options: str, path: str) -> str:
        """The reason for a CSV DuckDB cannot read. DuckDB's parallel reader gives up on some files (a line longer
        than its buffer) without naming the line: a single-threaded read names it."""
        if isinstance(exc, duckdb.NotImplementedException):
            try:
                self.con.execute(f"select count(columns(*)) from read_csv($1, {options}, parallel = false)", [path])
            except CSV_ERRORS as single:
                return (f"the dbt source cannot read it (DuckDB's parallel CSV reader gives up on it; "
                        f"single-threaded: {duckdb_reason(single)})")
        return f"the dbt source cannot read it: {duckdb_reason(exc)}"

    def raise_duplicate(self, options: str, key: tuple[str, ...], path: str) -> None:
        """Raise Invalid naming the first duplicated key; return when there is none (a hash collision)."""
        found = self.con.execute(duplicate_sql(options, key), [path]).fetchone()
        if found is None:
            return
        *values, n, keys = found
        named = ", ".join(f"{c}={shorten(str(v), 60)}" for c, v in zip(key, values))
        more = f" ({keys - 1:,} more key(s) repeated)" if keys > 1 else ""
        raise Invalid(f"{n} rows for one row key ({', '.join(key)}): {named}{more}. "
                      f"Two rows of one file for the same point and interval contradict each other")


def validate(iso: str, report_format: str, csv: bytes | Path, rows: int) -> None:
    """Validator.validate on a connection of its own; `csv` may also be the landed bytes (written to a temp file)."""
    validator = Validator()
    try:
        if isinstance(csv, (bytes, bytearray)):
            fd, name = tempfile.mkstemp(suffix=".csv")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(csv)
                validator.validate(iso, report_format, Path(name), rows)
            finally:
                os.unlink(name)
        else:
            validator.validate(iso, report_format, Path(csv), rows)
    finally:
        validator.close()


def write_if_valid(validator: Validator, iso: str, report_format: str, target: Path, data: bytes, rows: int,
                   present: bool = False) -> None:
    """Put a normalised CSV at `target` only if it validates; raise Invalid otherwise, leaving nothing behind.

    The bytes go to a hidden `.part` file next to the target (a name without glob characters: DuckDB would expand
    those of a member's name), are validated there - DuckDB reads exactly the bytes that land, no second copy - and
    are renamed into place. `present`: the target already holds these bytes, unregistered (a run stopped before its
    registry was written); it is moved to the part file and validated the same way, so an invalid one is removed
    (the dbt source's glob would read it).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".landing-{secrets.token_hex(8)}.part")  # a killed run's is removed by clean_partials
    if present:
        os.replace(target, part)
    else:
        part.write_bytes(data)
    try:
        validator.validate(iso, report_format, part, rows)
    except Invalid:
        part.unlink()
        raise
    except BaseException:  # an error of ours (a wrong row key, a broken source): leave things as they were
        if present:
            os.replace(part, target)
        else:
            part.unlink()
        raise
    os.replace(part, target)
