"""The evaluation clock, read-only warehouse connections, and how the monitor's text is drawn (rich, humanize)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import humanize
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

NOW_ENV = "ISO_PIPELINE_NOW"
UTC = dt.UTC


class WarehouseUnavailable(Exception):
    """No warehouse yet, or another process (a dbt run, a landing) holds it."""


def parse_time(text: str) -> dt.datetime:
    """`2024-11-10`, `2024-11-10T12:00`, `2024-11-10 12:00:00-06:00`, ... as an aware UTC datetime (naive = UTC)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date or time: {text!r} (expected e.g. 2024-11-10T12:00 or 2024-11-10T12:00-06:00)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def evaluation_time(as_of: str | dt.datetime | None = None) -> dt.datetime:
    """The time alerts and ages are judged at: `as_of`, else $ISO_PIPELINE_NOW, else now (UTC)."""
    if isinstance(as_of, dt.datetime):
        return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
    if as_of:
        return parse_time(as_of)
    if os.environ.get(NOW_ENV, "").strip():
        return parse_time(os.environ[NOW_ENV])
    return dt.datetime.now(UTC)


def engine_notice() -> str | None:
    """What a reader of the DuckDB warehouse must know when dbt builds on another engine (DBT_TARGET=spark): the
    landing registry is current, but the run history, test results and built relations are DuckDB builds' only."""
    target = os.environ.get("DBT_TARGET", "").strip()
    if target in ("", "dev"):
        return None
    return (f"note: DBT_TARGET={target}: this reads the DuckDB warehouse, where landing is recorded but builds on "
            f"{target} are not (no run history, test results or built relations of theirs); the parquet they wrote "
            "under <ISO>_data/rollup_files/ can be read with read_parquet(). See docs/running_on_a_cluster.md.")


def connect(base: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    notice = engine_notice()
    if notice:
        print(notice, file=sys.stderr)
    warehouse = base / "warehouse.duckdb"
    if not warehouse.exists():
        raise WarehouseUnavailable(f"no warehouse at {warehouse}: nothing landed or built yet")
    try:
        con = duckdb.connect(str(warehouse), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseUnavailable(f"the warehouse {warehouse} is in use by another process (a dbt run or a "
                                   f"landing?); try again when it has finished ({exc})") from None
    con.execute("set TimeZone = 'UTC'")
    return con


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0] > 0


def summary_last_interval(con: duckdb.DuckDBPyConnection, schema: str, dataset: str) -> dt.datetime | None:
    """The dataset's last interval in the fill rule's summary (`<iso>.fill_stats`, kept by every build), None
    without one: a bound for reads of the latest days that must not cost a scan of all history. The summary can lag
    or lead the rows (a build that stopped half-way): a reader checks that what it found lies well after the
    bound, and reads every row otherwise."""
    if not relation_exists(con, schema, "fill_stats"):
        return None
    (last,) = con.execute(f'select max(last_interval) from "{schema}".fill_stats where dataset = ?',
                          [dataset]).fetchone()
    return last.replace(tzinfo=UTC) if last is not None and last.tzinfo is None else last


#: Each hub's daily mean value (local operating day, non-NULL values) from a Stage 2 model's day summaries: the sum
#: and count of its values per day, key and settlement type (main._day_keys), the HUB rows only. Parameter: the model.
HUB_DAY_MEANS = ("select key, day, sum(value_sum) / sum(value_count) as mean from main._day_keys "
                 "where model = ? and key_type = 'HUB' group by all having sum(value_count) > 0")


def day_summary_model(con: duckdb.DuckDBPyConnection, schema: str, name: str, key: str | None = None,
                      value: str | None = None) -> str | None:
    """The model name under which main._day_keys summarizes the Stage 2 relation `schema.name` per local day (and
    `key`, with the sum of `value`, when given; kept by each export, macro day_keys_statements), when that summary is
    complete (`summarized_at`); None otherwise - no summary, one by an earlier version (no value sums) or by other
    columns, a build stopped before the first export made it - and the caller reads the rows."""
    if not relation_exists(con, "main", "_day_keys") or "summary_value" not in columns_of(con, "main", "_export_state"):
        return None
    # dbt names the model "<database>"."<schema>"."<name>"; a copy of the warehouse file opens under another database
    found = con.execute("select model from main._export_state where ends_with(model, ?) and summarized_at is not null "
                        "and summary_key = coalesce(?, summary_key) and summary_value = coalesce(?, summary_value)",
                        [f'."{schema}"."{name}"', key, value]).fetchall()
    return found[0][0] if len(found) == 1 else None


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, name]).fetchall()]


def fmt_time(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    if value is None:
        return "-"
    return value.astimezone(tz or UTC).strftime("%Y-%m-%d %H:%M")


def fmt_age(delta: dt.timedelta | None) -> str:
    """An age as people say it: `40 minutes`, `2 hours`, `3 days` (humanize.naturaldelta)."""
    return "-" if delta is None else humanize.naturaldelta(delta)


def fmt_duration(delta: dt.timedelta | None) -> str:
    """A setting, exactly and in hours or less: `30 minutes`, `36 hours` (humanize.precisedelta; naturaldelta would
    say `a day` for 36 hours)."""
    return "-" if delta is None else humanize.precisedelta(delta, suppress=("days",), format="%0.0f")


def fmt_bytes(n: int | float | None) -> str:
    """`1.2 kB`, `3.4 GB` (humanize.naturalsize, SI units as disks and ISOs count)."""
    return "-" if n is None else humanize.naturalsize(n)


# -- drawing --------------------------------------------------------------------------------------------------------
STYLES = {"error": "bold red", "fail": "bold red", "warn": "yellow", "pass": "green", "success": "green"}
NO_WRAP = 10_000  # the console width off a terminal: lines are never wrapped, so one row stays one line


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, cut: dict[str, int] | None = None,
          indent: int = 2, header: bool = True) -> RenderableType:
    """A plain table: no borders, two spaces between columns, numeric columns right-aligned, None shown as `-`,
    status words (error, warn, pass, ...) coloured on a terminal. `cut`: column -> most characters (then `…`)."""
    if not rows:
        return Text(" " * indent + "none recorded yet")
    cells = [["-" if c is None else str(c) for c in r] for r in rows]
    out = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold", show_header=header)
    for i, name in enumerate(headers):
        numeric = i > 0 and all(_numeric(r[i]) for r in cells if r[i] not in ("-", ""))
        width = (cut or {}).get(name)
        out.add_column(name, justify="right" if numeric else "left", max_width=width, no_wrap=width is not None,
                       overflow="ellipsis" if width else "fold")
    for r in cells:
        out.add_row(*(Text(c, style=STYLES.get(c, "")) for c in r))
    return Padding(out, (0, 0, 0, indent), expand=False)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("%", "").replace("-", "").replace("/", "").strip().isdigit()


def to_text(parts: Iterable[str | RenderableType], color: bool | None = None) -> str:
    """Lines and tables as text. On a terminal (`color` None: when stdout is one) in colour and fitted to its width;
    anywhere else plain text: no ANSI codes, never wrapped, no trailing spaces, the same every time."""
    terminal = sys.stdout.isatty() if color is None else color
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=terminal, color_system="auto" if terminal else None,
                      width=shutil.get_terminal_size().columns if terminal else NO_WRAP,
                      highlight=False, markup=False, emoji=False)
    for part in parts:
        if isinstance(part, str):
            console.print(part, soft_wrap=True)
        else:
            console.print(part)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())
