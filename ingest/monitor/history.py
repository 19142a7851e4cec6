"""The run history in the warehouse (schema `monitoring`), kept across runs because it lives in the DuckDB file.

    monitoring.runs          one row per landing (kind 'land') and per dbt build / run / test / seed / snapshot /
                             source freshness (kind 'dbt'): start, end, status, counts
    monitoring.run_nodes     per dbt node of a run: ISO, stage, dataset, status, timing, rows afterwards (null for a view), failing rows
    monitoring.run_datasets  per landing and dataset: files landed / skipped / quarantined, rows landed
    monitoring.storage       per run: files and bytes per ISO, area (landed_csv, quarantine, stage2, stage3, stage4)
                             and dataset
    monitoring.run_stages    view: run_nodes summed per run, ISO, stage and resource type

dbt writes its rows from macros/monitoring/run_history.sql (same DDL, kept equal by a test); landing writes here.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from typing import TYPE_CHECKING

import duckdb

from ..config import IsoPaths
from ..registry import quarantine_records

if TYPE_CHECKING:  # pragma: no cover
    from ..landing import LandingSummary

log = logging.getLogger(__name__)

DDL = """
create schema if not exists monitoring;
create table if not exists monitoring.runs (
  run_id varchar, kind varchar, command varchar, isos varchar, args varchar,
  started_at timestamptz, ended_at timestamptz, status varchar,
  nodes integer, errors integer, failed_tests integer, warnings integer, message varchar
);
create table if not exists monitoring.run_nodes (
  run_id varchar, unique_id varchar, name varchar, resource_type varchar, iso varchar, stage varchar,
  dataset varchar, status varchar, started_at timestamptz, completed_at timestamptz, seconds double,
  rows bigint, failures bigint, message varchar
);
create table if not exists monitoring.run_datasets (
  run_id varchar, iso varchar, dataset varchar, files_landed integer, files_skipped integer,
  files_quarantined integer, rows_landed bigint
);
create table if not exists monitoring.storage (
  run_id varchar, measured_at timestamptz, iso varchar, area varchar, dataset varchar, files bigint, bytes bigint
);
create or replace view monitoring.run_stages as
select n.run_id, r.command, r.started_at as run_started_at, n.iso, n.stage, n.resource_type,
       count(*) as nodes, sum(n.seconds) as seconds, min(n.started_at) as started_at,
       max(n.completed_at) as completed_at,
       count(*) filter (where n.status in ('error', 'fail', 'runtime error')) as errors,
       count(*) filter (where n.status = 'warn') as warnings, sum(n.rows) as rows
from monitoring.run_nodes as n
join monitoring.runs as r using (run_id)
group by all
"""

#: dbt commands that build or test (a freshness check is recorded too, but is not a pipeline run).
PIPELINE_COMMANDS = ("build", "run", "test", "seed", "snapshot")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def has_history(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = 'monitoring' "
                       "and table_name = 'runs'").fetchone()[0] > 0


def record_landing(paths: IsoPaths, summary: LandingSummary, ended_at: dt.datetime | None = None) -> str | None:
    """Append one landing to the history: the run, files per dataset, landed CSV and quarantine storage.

    Called at the end of `land()`. Monitoring never fails a landing: any problem is logged and ignored.
    Returns the run id (None when nothing could be written).
    """
    try:
        return _record_landing(paths, summary, ended_at or dt.datetime.now(dt.UTC))
    except Exception as exc:  # noqa: BLE001 - the landing itself succeeded; history is best effort
        log.warning("could not record the landing in the run history: %s", exc)
        return None


def _record_landing(paths: IsoPaths, summary: LandingSummary, ended_at: dt.datetime) -> str:
    run_id = f"land-{uuid.uuid4()}"
    started_at = ended_at - dt.timedelta(seconds=summary.seconds)
    by_name = {r["name"]: r.get("dataset") for r in quarantine_records(paths)}
    quarantined: Counter = Counter(by_name.get(name) for name, _ in summary.quarantined)
    datasets = sorted(set(summary.landed) | set(summary.skipped) | {d for d in quarantined if d},
                      key=str) + ([None] if quarantined.get(None) else [])
    q_files = [p for p in paths.quarantine.iterdir() if p.is_file()] if paths.quarantine.exists() else []
    q_data = [p for p in q_files if not p.name.endswith(".reason.json")]

    with duckdb.connect(str(paths.warehouse())) as con:
        con.execute("set TimeZone = 'UTC'")
        ensure_tables(con)
        con.execute("begin")
        con.execute(
            "insert into monitoring.runs values (?, 'land', 'land', ?, ?, ?, ?, 'success', ?, 0, 0, ?, ?)",
            [run_id, paths.iso, f"{summary.inputs} input file(s)", started_at, ended_at,
             summary.inputs, len(summary.quarantined), summary.render().splitlines()[0]],
        )
        rows = [[run_id, paths.iso, ds, summary.landed[ds], summary.skipped[ds], quarantined[ds], summary.rows[ds]]
                for ds in datasets]
        if rows:
            con.executemany("insert into monitoring.run_datasets values (?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            "insert into monitoring.storage select ?, ?, iso, 'landed_csv', dataset, count(*), sum(bytes) "
            "from landing.landed_files where iso = ? group by all",
            [run_id, ended_at, paths.iso],
        )
        con.execute("insert into monitoring.storage values (?, ?, ?, 'quarantine', null, ?, ?)",
                    [run_id, ended_at, paths.iso, len(q_data), sum(p.stat().st_size for p in q_data)])
        con.execute("commit")
    return run_id


def latest_pipeline_runs(con: duckdb.DuckDBPyConnection, iso: str | None, limit: int = 20) -> list[dict]:
    """dbt builds / runs / tests / seeds, newest first, that touched `iso` (or whose ISOs are unknown because they
    never finished); all of them when `iso` is None."""
    if not has_history(con):
        return []
    sql = ("select run_id, command, isos, args, started_at, ended_at, status, nodes, errors, failed_tests, warnings "
           "from monitoring.runs where kind = 'dbt' and command in ({}) ").format(
        ", ".join(f"'{c}'" for c in PIPELINE_COMMANDS))
    params: list = []
    if iso:
        sql += "and (isos is null or isos = '' or list_contains(string_split(isos, ','), ?)) "
        params.append(iso)
    sql += "order by started_at desc limit ?"
    params.append(limit)
    cols = ["run_id", "command", "isos", "args", "started_at", "ended_at", "status", "nodes", "errors",
            "failed_tests", "warnings"]
    return [dict(zip(cols, r)) for r in con.execute(sql, params).fetchall()]


def failing_nodes(con: duckdb.DuckDBPyConnection, run_id: str, iso: str | None) -> list[tuple[str, str, str]]:
    """(status, node name, message) of the nodes of a run that errored or failed, for `iso` (and ISO-less nodes)."""
    sql = ("select status, name, message from monitoring.run_nodes where run_id = ? "
           "and status in ('error', 'fail', 'runtime error')")
    params: list = [run_id]
    if iso:
        sql += " and (iso is null or iso = ?)"
        params.append(iso)
    return con.execute(sql + " order by resource_type, name", params).fetchall()
