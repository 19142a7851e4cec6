"""The evaluation clock and read-only warehouse connections."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

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


def connect(base: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
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


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, name]).fetchall()]


def fmt_time(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    if value is None:
        return "-"
    return value.astimezone(tz or UTC).strftime("%Y-%m-%d %H:%M")


def fmt_age(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = delta.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{sign}{seconds / 60:.0f}m"
    if seconds < 3 * 86400:
        return f"{sign}{seconds / 3600:.1f}".removesuffix(".0") + "h"
    return f"{sign}{seconds / 86400:.0f}d"


def fmt_bytes(n: int | float | None) -> str:
    if n is None:
        return "-"
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover
