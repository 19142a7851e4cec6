"""dbt-duckdb plugin: small SQL functions the project needs and DuckDB lacks.

- `iso_mkdirs(path)`: create a folder and its parents (COPY needs its target folder to exist).
- `iso_write_text(path, text)`: write a UTF-8 text file atomically (the Markdown reports).
- `iso_remove_tree(path)`: delete a scratch folder (and everything in it) if it exists.
- `iso_publish_day_files(scratch, location, full)`: move the day (or month) files written into `scratch`
  (`year=YYYY/data_YYYYMMDD.parquet`, `data_YYYYMM.parquet`) to the same place under `location`, replacing the old
  files of those days
  (with `full`: removing every other parquet file under `location`). Each file is moved with an atomic rename, so
  a reader sees a day's old file or its new one, never a half-written one.

Registered on every dbt connection via `plugins:` in profiles.yml.
"""

from __future__ import annotations

import os
import re
import shutil
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


def iso_remove_tree(path: str) -> bool:
    shutil.rmtree(path, ignore_errors=True)
    return True


_DAY_FILE = re.compile(r"^year=\d{4}/data_(\d{8}|\d{6})\.parquet$")  # a day's or a month's file


def iso_publish_day_files(scratch: str, location: str, full: bool) -> int:
    """Move scratch/year=YYYY/data_YYYYMMDD[/MM].parquet to location/year=YYYY/ (an atomic rename each), replacing
    the old file of that day or month; with `full`, remove every other parquet file under `location` (and empty
    folders)."""
    src, dst = Path(scratch), Path(location)
    published: set[Path] = set()
    for f in sorted(src.glob("year=*/*.parquet")) if src.is_dir() else []:
        rel = f.relative_to(src).as_posix()
        if not _DAY_FILE.match(rel):
            raise ValueError(f"unexpected file in {scratch}: {rel}")
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, target)
        published.add(target)
    if full:
        for p in dst.glob("**/*.parquet"):
            if p not in published:
                p.unlink()
        for d in sorted((d for d in dst.glob("**/*") if d.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
    shutil.rmtree(src, ignore_errors=True)
    return len(published)


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        for name, fn, args, ret in (
            ("iso_mkdirs", iso_mkdirs, [VARCHAR], BOOLEAN),
            ("iso_write_text", iso_write_text, [VARCHAR, VARCHAR], BIGINT),
            ("iso_remove_tree", iso_remove_tree, [VARCHAR], BOOLEAN),
            ("iso_publish_day_files", iso_publish_day_files, [VARCHAR, VARCHAR, BOOLEAN], BIGINT),
        ):
            try:
                conn.create_function(name, fn, args, ret, side_effects=True)
            except Exception as exc:  # already registered on this connection
                if "already exists" not in str(exc):
                    raise
