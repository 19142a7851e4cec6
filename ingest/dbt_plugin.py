"""dbt-duckdb plugin: two small SQL functions the project needs and DuckDB lacks.

- `iso_mkdirs(path)`: create a folder and its parents (COPY needs its target folder to exist).
- `iso_write_text(path, text)`: write a UTF-8 text file atomically (the Markdown reports).

Registered on every dbt connection via `plugins:` in profiles.yml.
"""

from __future__ import annotations

import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR


def iso_mkdirs(path: str) -> bool:
    Path(path).mkdir(parents=True, exist_ok=True)
    return True


def iso_write_text(path: str, text: str) -> int:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    data = (text or "").encode("utf-8")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return len(data)


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        for name, fn, args, ret in (
            ("iso_mkdirs", iso_mkdirs, [VARCHAR], BOOLEAN),
            ("iso_write_text", iso_write_text, [VARCHAR, VARCHAR], BIGINT),
        ):
            try:
                conn.create_function(name, fn, args, ret, side_effects=True)
            except Exception as exc:  # already registered on this connection
                if "already exists" not in str(exc):
                    raise
