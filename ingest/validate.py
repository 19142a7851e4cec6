"""Stage 1 validation: a CSV lands only when its dbt source reads every row of it, typed, without contradiction.

    Validator().validate(iso, report_format, csv_path, rows)      # raises Invalid(reason); one connection, many files
    Validator().validate_many(iso, report_format, [(csv_path, rows), ...])   # the same, many files in one query
    validate(iso, report_format, csv_bytes_or_path, rows)         # the same, on a connection of its own
    PendingBatch(validator)                                       # landing: staged, validated in batches, renamed

DuckDB reads the landed (normalised) CSV with the very `read_csv` options and column types of the dbt source table
of its format: they are parsed out of that table's `meta.external_location` in
models/staging/<iso>/_<iso>__sources.yml, never restated here. The query:

(a) converts every column: a value the declared type cannot hold (`N/A` or `"1,234.5"` in a DOUBLE, a line cut in
    two by a stray carriage return) is an error naming the line and the value, as DuckDB reports it;
(b) counts the rows, which must equal the records `normalise` counted: what the source cannot see would be
    registered at landing and missing from the intermediate tables;
(c) counts distinct row keys (seed iso_reports `row_key`: raw source columns, compared as DuckDB types them), which
    must equal the rows: two rows of one file for the same point and interval contradict each other (a fall-back
    day whose repeated hour is flagged N twice). Only then a second query names the first duplicated key.

One query per file costs more than reading a small file (~2-6 ms), so landing validates in batches: one query reads
up to BATCH_FILES files of a format and counts (b) and (c) per file. A file the batch does not show valid is then
validated alone, and a batch DuckDB cannot read (an error in one file stops the whole query) is split in halves
down to the files that fail alone: every reason reads exactly as a single file's.

Reading a list of files still costs DuckDB ~0.2 ms a file, more than the rows of a small one. A batch whose files are
all *plain* (no quote character, no carriage return, no blank line, every line ended: each line one row, and no
line's parse depends on another's) is read instead as one joined file (`joined_csv`): one header, then every file's
lines, each led by the file's index in the batch as an extra first column. Its rows, keys and conversions are then
exactly each file's alone, under the read_csv options JOINABLE lists (every source's today: nothing that acts on
where a line or a file begins). Anything else, or a joined read DuckDB refuses, goes the list way above.

A file that passes builds, and the rows registered for it are the rows the intermediate tables get from it (the dbt
test rows_match_registry checks that after every build).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from . import reports
from .config import PROJECT_ROOT, read_yaml
from .sqltext import sql_literal

SOURCES_GLOB = "models/staging/*/_*__sources.yml"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
SHOWN_CHARS = 160  # longest piece of a CSV line or value quoted in a reason
BATCH_FILES = 256  # CSVs validated in one query (~0.3-1 ms a file read together, against 2-6 ms alone)
BATCH_BYTES = 32 << 20  # ... or fewer, once their bytes (held in memory until they are landed) reach this

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
        for table in _source_tables(read_yaml(path) or {}):
            meta = table.get("meta") or (table.get("config") or {}).get("meta") or {}
            if meta.get("iso") and meta.get("format") and meta.get("external_location"):
                out[(meta["iso"], meta["format"])] = read_csv_options(meta["external_location"])
    return out


# -- SQL ---------------------------------------------------------------------------------------------------------
def identifier(name: str) -> str:
    """A column name as a quoted SQL identifier (`a"b` -> `"a""b"`)."""
    return '"' + name.replace('"', '""') + '"'


def _distinct_keys(key: tuple[str, ...]) -> str:
    """Distinct row keys, counted as distinct key hashes in one list: a hash table per query (count(distinct ...),
    group by) costs more than reading a small file. A 64-bit collision is a false alarm that duplicate_sql clears."""
    return f"list_unique(list(hash({', '.join(identifier(c) for c in key)})))" if key else "count(*)"


def check_sql(options: str, key: tuple[str, ...]) -> str:
    """Rows, distinct row keys, then a count of every column: that makes DuckDB convert every value (it converts
    only the columns a query uses)."""
    return f"select count(*), {_distinct_keys(key)}, count(columns(*)) from read_csv($1, {options})"


def batch_sql(options: str, key: tuple[str, ...], by: str = "filename") -> str:
    """check_sql for a list of files, one row per file read: `filename` (DuckDB's virtual column, the path as given),
    rows, distinct row keys, a count of every column. Every file's header line is skipped (`header = true` applies to
    each), and with the options' explicit columns and dialect every file is read as it would be alone. `by`: the
    column that tells the files apart (JOINED_INDEX in a joined file)."""
    return (f"select {by}, count(*), {_distinct_keys(key)}, count(columns(*)) from read_csv($1, {options}) "
            f"group by {by}")


def duplicate_sql(options: str, key: tuple[str, ...]) -> str:
    """The first duplicated key (in key order) as text, its row count and how many keys are duplicated."""
    columns = ", ".join(identifier(c) for c in key)
    shown = ", ".join(f"cast({identifier(c)} as varchar)" for c in key)
    return (f"select {shown}, count(*) as n, count(*) over () as keys from read_csv($1, {options}) "
            f"group by {columns} having count(*) > 1 order by {columns} limit 1")


JOINED_INDEX = "__landing_batch_file"  # the joined file's first column: the index of the file a line came from
COLUMNS = re.compile(r"\bcolumns\s*=\s*\{")
# read_csv options under which a plain file's lines read alike alone and joined: these values exactly, or any value
# (None) for those that act on a field, never on where a line or a file begins (`skip`, `comment`, a header
# read as data, another delimiter or quote: the joined read is not taken)
JOINABLE = {"header": "true", "delim": "','", "sep": "','", "quote": "'\"'", "escape": "'\"'", "auto_detect": "false",
            "filename": "true", "null_padding": None, "dateformat": None, "timestampformat": None, "columns": None}


def joined_options(options: str) -> str | None:
    """The read_csv options with JOINED_INDEX as the first declared column; None unless every option is JOINABLE
    (with `header = true` among them) and there is one `columns = {`."""
    commas, _ = _scan_arguments(options + ")", 0)
    given = {}
    for start, end in zip([-1, *commas], [*commas, len(options)]):
        name, _, value = options[start + 1:end].partition("=")
        given[name.strip().lower()] = value.strip()
    for name, value in given.items():
        if name not in JOINABLE or JOINABLE[name] not in (None, value.lower()):
            return None
    if given.get("header") != "true" or len(COLUMNS.findall(options)) != 1:
        return None
    return COLUMNS.sub(lambda m: f"{m.group(0)}'{JOINED_INDEX}': 'INTEGER', ", options, count=1)


def joined_csv(files: Sequence[bytes]) -> bytes | None:
    """One CSV of several plain ones: a header, then each file's lines after its header, led by `<index>,`.

    Plain: no `"` (so no field is quoted and no quote state runs from a line into the next, or from a file into
    the next), no CR (DuckDB ends a line there too), no blank line, the last line ended. Each line of such a file
    is one row read alone exactly as in the joined file, where the prefix only adds the first field; the header
    line is skipped either way (its content is not read: the source declares its columns). None when a file is not
    plain.
    """
    parts = [f"{JOINED_INDEX},header\n".encode()]
    for i, data in enumerate(files):
        if b'"' in data or b"\r" in data or b"\n\n" in data or not data.endswith(b"\n"):
            return None
        body = data[data.index(b"\n") + 1:]
        if body:
            lead = b"%d," % i
            parts.append(lead + body[:-1].replace(b"\n", b"\n" + lead) + b"\n")
    return b"".join(parts)


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
        # one thread: the files of a batch are small, and a second thread costs more than it gains (measured)
        self.con = duckdb.connect(":memory:", config={"threads": 1})
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

    def validate_many(self, iso: str, report_format: str, files: Sequence[tuple[Path, int]]) -> list[Invalid | None]:
        """`validate` for each (csv, rows), the files read together: for each, in order, its Invalid or None.

        A file whose rows and distinct keys the batch query shows equal to its records is valid; any other is
        validated alone, so its reason is exactly `validate`'s (the line and value, both counts, the key)."""
        shown = self.read_together(iso, report_format, [str(csv) for csv, _ in files])
        verdicts: list[Invalid | None] = []
        for csv, rows in files:
            try:
                if shown.get(str(csv)) != (rows, rows):
                    self.validate(iso, report_format, csv, rows)
                verdicts.append(None)
            except Invalid as exc:
                verdicts.append(exc)
        return verdicts

    def read_together(self, iso: str, report_format: str, paths: list[str]) -> dict[str, tuple[int, int]]:
        """path -> (rows, distinct row keys) of the files DuckDB reads, in one query: the files joined into one
        (read_joined) when they are all plain, else the list of them (batch_sql). A file it cannot read fails the
        whole query: the files are then read as a list in two halves, and so on, down to the single files, left out
        (validate names their line and value)."""
        if len(paths) < 2 or (iso, report_format) not in source_options(self.project_root):
            return {}
        joined = self.read_joined(iso, report_format, paths)
        if joined is not None:
            return joined
        return self.read_listed(iso, report_format, paths)

    def read_joined(self, iso: str, report_format: str, paths: list[str]) -> dict[str, tuple[int, int]] | None:
        """read_together over one joined file (joined_csv) written next to the first file as a hidden part file;
        None when a file is not plain, the options have no `columns = {` to add the index to, there is no room
        for the joined file, or DuckDB cannot read it (the list read then finds which file it was)."""
        options = joined_options(self.options(iso, report_format))
        data = joined_csv([Path(p).read_bytes() for p in paths]) if options else None
        if data is None:
            return None
        joined = Path(paths[0]).with_name(f".landing-{secrets.token_hex(8)}.part")  # landing.clean_partials' kind
        try:
            joined.write_bytes(data)
            sql = batch_sql(options, reports.row_key(iso, report_format), by=JOINED_INDEX)
            found = self.con.execute(sql, [str(joined)]).fetchall()
        except (*CSV_ERRORS, OSError):  # OSError: no room for the joined copy; the list read needs none
            return None
        finally:
            joined.unlink(missing_ok=True)
        return {paths[i]: (read, keys) for i, read, keys, *_ in found}

    def read_listed(self, iso: str, report_format: str, paths: list[str]) -> dict[str, tuple[int, int]]:
        """read_together over the list of files (batch_sql), halved on an error."""
        if len(paths) < 2:
            return {}
        sql = batch_sql(self.options(iso, report_format), reports.row_key(iso, report_format))
        try:
            return {path: (read, keys) for path, read, keys, *_ in self.con.execute(sql, [paths]).fetchall()}
        except CSV_ERRORS:
            half = len(paths) // 2
            return (self.read_listed(iso, report_format, paths[:half])
                    | self.read_listed(iso, report_format, paths[half:]))

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


@dataclass(eq=False)
class Staged:
    """A CSV waiting for its batch in a hidden part file next to its target; `item` is the caller's."""

    iso: str
    report_format: str
    target: Path
    part: Path
    rows: int
    present: bool  # the target already held these bytes, unregistered, and was moved to the part file
    item: Any

    def commit(self) -> None:
        """Rename the validated CSV into place."""
        os.replace(self.part, self.target)

    def undo(self) -> None:
        """As before it was staged: a present target is put back, a written part file removed."""
        if self.present:
            os.replace(self.part, self.target)
        else:
            self.part.unlink(missing_ok=True)


class PendingBatch:
    """Landing's CSVs, staged, validated together, renamed into place only once valid.

    `add` writes the bytes to a hidden `.part` file next to the target (a name without glob characters: DuckDB would
    expand those of a member's name; a killed run's are removed by landing.clean_partials), where DuckDB reads
    exactly the bytes that land, no second copy. `present`: the target already holds these bytes, unregistered (a
    run stopped before its registry was written); it is moved to the part file and validated the same way, so an
    invalid one is removed (the dbt source's glob would read it). `validate` validates every staged CSV, one query
    per format, removes the invalid ones' part files and hands back each with its verdict, in the order staged; the
    caller commits the valid ones.
    """

    def __init__(self, validator: Validator, max_files: int = BATCH_FILES, max_bytes: int = BATCH_BYTES):
        self.validator = validator
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.staged: dict[Path, Staged] = {}  # by target, in the order staged
        self.bytes = 0

    def __len__(self) -> int:
        return len(self.staged)

    def __contains__(self, target: Path) -> bool:
        """Whether a staged CSV takes `target`."""
        return target in self.staged

    def add(self, iso: str, report_format: str, target: Path, data: bytes, rows: int, present: bool = False,
            item: Any = None) -> bool:
        """Stage `data` (`rows` records) for `target`; True when the batch is full (validate it then)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".landing-{secrets.token_hex(8)}.part")
        if present:
            os.replace(target, part)
        else:
            part.write_bytes(data)
        self.staged[target] = Staged(iso, report_format, target, part, rows, present, item)
        self.bytes += len(data)
        return len(self.staged) >= self.max_files or self.bytes >= self.max_bytes

    def validate(self) -> list[tuple[Staged, Invalid | None]]:
        """Every staged CSV with its verdict (None: valid), in the order staged; the batch is empty again."""
        staged, self.staged, self.bytes = list(self.staged.values()), {}, 0
        by_format: dict[tuple[str, str], list[Staged]] = {}
        for s in staged:
            by_format.setdefault((s.iso, s.report_format), []).append(s)
        verdicts: dict[Staged, Invalid | None] = {}
        try:
            for (iso, report_format), group in by_format.items():
                found = self.validator.validate_many(iso, report_format, [(s.part, s.rows) for s in group])
                verdicts.update(zip(group, found))
        except BaseException:  # an error of ours (a wrong row key, a broken source): leave things as they were
            for s in staged:
                s.undo()
            raise
        for s in staged:
            if verdicts[s] is not None:
                s.part.unlink()
        return [(s, verdicts[s]) for s in staged]
