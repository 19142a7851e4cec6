"""Freshness per landed report format: how long ago its newest file landed, against the thresholds of the sources
YAML (`config: freshness:` of each table of models/staging/<iso>/_<iso>__sources.yml) - the very thresholds
`dbt source freshness` applies through the `landed_at_query()` macro. One definition, two readers: dbt for the
command, this module for `iso-pipeline status` at any `--as-of` time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from ..config import PROJECT_ROOT, read_yaml
from .common import relation_exists

PERIODS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Thresholds:
    warn: dt.timedelta | None
    error: dt.timedelta | None

    def status(self, age: dt.timedelta) -> str:
        """dbt's rule: error when older than error_after, else warn when older than warn_after, else pass."""
        if self.error is not None and age > self.error:
            return "error"
        if self.warn is not None and age > self.warn:
            return "warn"
        return "pass"

    def render(self) -> str:
        from .common import fmt_duration

        return f"{fmt_duration(self.warn)} / {fmt_duration(self.error)}"


@dataclass(frozen=True)
class Feed:
    """One landed source table: a report format of an ISO."""

    iso: str
    dataset: str
    format: str
    source: str  # dbt source name, e.g. ercot_landed.np4_190_cd
    thresholds: Thresholds | None  # None: freshness not checked (e.g. yearly archives)


@dataclass
class FeedFreshness:
    feed: Feed
    files: int
    last_landed: dt.datetime | None
    age: dt.timedelta | None
    status: str  # pass / warn / error / never landed / not checked


def _delta(spec: dict | None) -> dt.timedelta | None:
    if not spec or spec.get("count") is None:
        return None
    return dt.timedelta(seconds=int(spec["count"]) * PERIODS[str(spec["period"])])


def _thresholds(spec: dict | None) -> Thresholds | None:
    if not spec:
        return None
    t = Thresholds(_delta(spec.get("warn_after")), _delta(spec.get("error_after")))
    return t if (t.warn or t.error) else None


@lru_cache(maxsize=4)
def feeds(project_root: Path = PROJECT_ROOT) -> tuple[Feed, ...]:
    """Every landed-CSV source table (meta iso + format) of the project, with its freshness thresholds."""
    out: list[Feed] = []
    for path in sorted(project_root.glob("models/staging/*/_*__sources.yml")):
        doc = read_yaml(path) or {}
        for source in doc.get("sources") or []:
            source_fresh = (source.get("config") or {}).get("freshness", source.get("freshness"))
            for table in source.get("tables") or []:
                meta = {**(table.get("meta") or {}), **((table.get("config") or {}).get("meta") or {})}
                if not (meta.get("iso") and meta.get("format")):
                    continue
                config = table.get("config") or {}
                if "freshness" in config:
                    spec = config["freshness"]
                elif "freshness" in table:
                    spec = table["freshness"]
                else:
                    spec = source_fresh
                out.append(Feed(str(meta["iso"]).upper(), str(meta.get("dataset", "")), str(meta["format"]),
                                f"{source['name']}.{table['name']}", _thresholds(spec)))
    return tuple(out)


def evaluate(con: duckdb.DuckDBPyConnection, as_of: dt.datetime, iso: str | None = None) -> list[FeedFreshness]:
    landed: dict[tuple[str, str], tuple[int, dt.datetime]] = {}
    if relation_exists(con, "landing", "landed_files"):
        for i, fmt, n, last in con.execute(
            "select iso, format, count(*), max(landed_at) from landing.landed_files group by all"
        ).fetchall():
            landed[(i, fmt)] = (n, last)
    out: list[FeedFreshness] = []
    for feed in feeds():
        if iso and feed.iso != iso:
            continue
        n, last = landed.get((feed.iso, feed.format), (0, None))
        age = as_of - last if last else None
        if feed.thresholds is None:
            status = "not checked"
        elif last is None:
            status = "never landed"
        else:
            status = feed.thresholds.status(age)
        out.append(FeedFreshness(feed, n, last, age, status))
    return out
