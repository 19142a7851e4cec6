"""`iso-pipeline status [ISO]`: one screen per ISO - freshness per dataset, last run per stage, error rates,
storage and its trend, open alerts. Reads the warehouse only (read-only connection)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import psutil

from ..config import data_dir
from . import freshness
from .alerts import evaluate, isos_with_data, stage2_relation
from .common import connect, evaluation_time, fmt_age, fmt_bytes, fmt_time
from .history import PIPELINE_COMMANDS, has_history

RECENT_RUNS = 10  # error rates over this many recent runs
TREND_DAYS = 7  # storage compared with this many days before
STAGES = [("staging", "staging"), ("intermediate", "intermediate"), ("rollup", "rollup (2)"),
          ("flattened", "flattened (3)"), ("combined", "combined (4)")]


def _table(headers: list[str], rows: list[list], indent: str = "  ") -> list[str]:
    if not rows:
        return [indent + "none recorded yet"]
    cells = [[str(c) for c in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = []
    for r in cells:
        out.append(indent + "  ".join(c.ljust(w) if i == 0 or not _numeric(c) else c.rjust(w)
                                      for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return out


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("%", "").replace("-", "").strip().isdigit()


def _freshness(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime) -> list[str]:
    through: dict[str, dt.datetime | None] = {}
    rows = []
    for f in freshness.evaluate(con, as_of, iso):
        ds = f.feed.dataset
        if ds not in through:
            rel = stage2_relation(con, iso, ds)
            through[ds] = con.execute(f"select max(interval_end) from {rel}").fetchone()[0] if rel else None
        rows.append([ds, f.feed.format, f"{f.files:,}", fmt_time(f.last_landed) if f.last_landed else "never landed",
                     fmt_age(f.age) if f.age is None or f.age.total_seconds() >= 0 else "after as-of",
                     f.feed.thresholds.render() if f.feed.thresholds else "-", f.status,
                     fmt_time(through[ds])])
    return (["Freshness (newest landed file per format vs the `dbt source freshness` thresholds; data through = "
             "last interval end in Stage 2)"]
            + _table(["dataset", "format", "files", "last landed (UTC)", "age", "warn / error", "status",
                      "data through (UTC)"], rows))


def _last_runs(con: duckdb.DuckDBPyConnection, iso: str) -> list[str]:
    rows = []
    land = con.execute(
        "select r.run_id, r.started_at, r.ended_at, r.status, sum(d.files_landed), sum(d.files_skipped), "
        "sum(d.files_quarantined), sum(d.rows_landed) from monitoring.runs r "
        "left join monitoring.run_datasets d using (run_id) where r.kind = 'land' and r.isos = ? "
        "group by all order by r.started_at desc limit 1", [iso]).fetchone()
    if land:
        _, start, end, status, landed, skipped, quarantined, n_rows = land
        rows.append(["landing (1)", fmt_time(start), "land", status, f"{landed or 0:,} files",
                     f"{(end - start).total_seconds():.1f}", f"{n_rows or 0:,}",
                     f"{skipped or 0:,} skipped, {quarantined or 0:,} quarantined"])
    stage_rows = {r[0]: r for r in con.execute(
        "select stage, run_started_at, command, nodes, seconds, started_at, completed_at, errors, warnings, rows "
        "from (select *, row_number() over (partition by stage order by run_started_at desc) as rn "
        "      from monitoring.run_stages where iso = ? and resource_type = 'model') where rn = 1", [iso]).fetchall()}
    for stage, label in STAGES + [(s, s) for s in sorted(stage_rows) if s not in dict(STAGES)]:
        r = stage_rows.get(stage)
        if r is None:
            rows.append([label, "never", "", "", "", "", "", ""])
            continue
        _, when, command, nodes, _secs, start, end, errors, warnings, n_rows = r
        status = "error" if errors else ("warn" if warnings else "success")
        wall = (end - start).total_seconds() if start and end else None
        rows.append([label, fmt_time(when), command, status, f"{nodes} models",
                     f"{wall:.1f}" if wall is not None else "-", f"{int(n_rows):,}" if n_rows is not None else "-", ""])
    tests = con.execute(
        "select r.started_at, r.command, n.status, count(*) from monitoring.run_nodes n join monitoring.runs r "
        "using (run_id) where n.iso = ? and n.resource_type = 'test' and run_id = ("
        "  select n2.run_id from monitoring.run_nodes n2 join monitoring.runs r2 using (run_id) "
        "  where n2.iso = ? and n2.resource_type = 'test' order by r2.started_at desc limit 1) group by all",
        [iso, iso]).fetchall()
    if tests:
        counts = {s: c for _, _, s, c in tests}
        secs = con.execute(
            "select max(completed_at) - min(started_at) from monitoring.run_nodes where iso = ? and "
            "resource_type = 'test' and run_id = (select n2.run_id from monitoring.run_nodes n2 join monitoring.runs r2 "
            "using (run_id) where n2.iso = ? and n2.resource_type = 'test' order by r2.started_at desc limit 1)",
            [iso, iso]).fetchone()[0]
        bad = counts.get("fail", 0) + counts.get("error", 0)
        verdict = "fail" if bad else ("warn" if counts.get("warn") else "pass")
        rows.append(["tests", fmt_time(tests[0][0]), tests[0][1], verdict,
                     f"{sum(counts.values())} tests", f"{secs.total_seconds():.1f}" if secs else "-", "",
                     ", ".join(f"{c} {s}" for s, c in sorted(counts.items()))])
    fresh = con.execute(
        "select started_at, status, warnings, errors from monitoring.runs where command = 'freshness' "
        "and list_contains(string_split(coalesce(isos, ''), ','), ?) order by started_at desc limit 1", [iso]).fetchone()
    if fresh:
        rows.append(["source freshness", fmt_time(fresh[0]), "freshness", fresh[1], "", "", "",
                     f"{fresh[2] or 0} warn, {fresh[3] or 0} error"])
    return ["Last run per stage (run history: monitoring.runs, monitoring.run_stages)"] + _table(
        ["stage", "last run (UTC)", "command", "status", "nodes", "seconds", "rows after", "note"], rows)


def _error_rates(con: duckdb.DuckDBPyConnection, iso: str) -> list[str]:
    commands = ", ".join(f"'{c}'" for c in PIPELINE_COMMANDS)
    tests = dict((ds, (n, bad)) for ds, n, bad in con.execute(
        f"with recent as (select run_id from monitoring.runs where kind = 'dbt' and command in ({commands}) "
        f"  and list_contains(string_split(coalesce(isos, ''), ','), ?) order by started_at desc limit {RECENT_RUNS}) "
        "select coalesce(dataset, '(other)'), count(*), count(*) filter (where status in ('fail', 'error')) "
        "from monitoring.run_nodes where run_id in (select run_id from recent) and iso = ? and resource_type = 'test' "
        "group by all", [iso, iso]).fetchall())
    files = dict((ds, (seen, q)) for ds, seen, q in con.execute(
        f"with recent as (select run_id from monitoring.runs where kind = 'land' and isos = ? "
        f"  order by started_at desc limit {RECENT_RUNS}) "
        "select coalesce(dataset, '(unrecognised)'), sum(files_landed + files_skipped + files_quarantined), "
        "sum(files_quarantined) from monitoring.run_datasets where run_id in (select run_id from recent) and iso = ? "
        "group by all", [iso, iso]).fetchall())

    def rate(bad: int, n: int) -> str:
        return f"{100 * bad / n:.1f}%" if n else "-"

    rows = []
    for ds in sorted(set(tests) | set(files)):
        n, bad = tests.get(ds, (0, 0))
        seen, q = files.get(ds, (0, 0))
        rows.append([ds, f"{n:,}", f"{bad:,}", rate(bad, n), f"{int(seen):,}", f"{int(q):,}", rate(q, seen)])
    return ([f"Error rates (failed tests over the last {RECENT_RUNS} dbt runs; quarantined files over the last "
             f"{RECENT_RUNS} landings)"]
            + _table(["dataset", "tests run", "failed", "rate", "files in", "quarantined", "rate"], rows))


def _storage(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime) -> list[str]:
    # latest snapshot per (area, dataset), now and TREND_DAYS before as_of
    sql = ("select area, count(distinct dataset), sum(files), sum(bytes) from ("
           "  select *, row_number() over (partition by area, dataset order by measured_at desc) as rn "
           "  from monitoring.storage where iso = ? and measured_at <= ?) where rn = 1 group by area")
    now = {a: (d, f, b) for a, d, f, b in con.execute(sql, [iso, as_of]).fetchall()}
    before = {a: b for a, _, _, b in con.execute(sql, [iso, as_of - dt.timedelta(days=TREND_DAYS)]).fetchall()}
    if not now:  # as_of before any snapshot (evaluating the past): show the latest
        latest = dt.datetime.max.replace(tzinfo=dt.UTC)
        now = {a: (d, f, b) for a, d, f, b in con.execute(sql, [iso, latest]).fetchall()}
    order = ["landed_csv", "quarantine", "stage2", "stage3", "stage4"]
    rows = []
    for area in sorted(now, key=lambda a: order.index(a) if a in order else 99):
        datasets, files, size = now[area]
        old = before.get(area)
        change = "-" if old is None else f"{'+' if size >= old else '-'}{fmt_bytes(abs(size - old))}"
        rows.append([area, datasets, f"{int(files or 0):,}", fmt_bytes(size), fmt_bytes(old), change])
    total = sum(v[2] or 0 for v in now.values())
    return ([f"Storage (latest measurement per area; {TREND_DAYS} days earlier for the trend) - total {fmt_bytes(total)}"]
            + _table(["area", "datasets", "files", "size", f"{TREND_DAYS}d ago", "change"], rows))


def render_status(iso: str | None = None, as_of: str | dt.datetime | None = None, base: Path | None = None) -> str:
    base = base or data_dir()
    when = evaluation_time(as_of)
    con = connect(base)  # WarehouseUnavailable: the CLI says it in one line and exits 2, as `check` does
    try:
        isos = [iso] if iso else isos_with_data(con)
        lines = [f"iso-pipeline status{' ' + iso if iso else ''} as of {when:%Y-%m-%d %H:%M UTC}  (data: {base})"]
        if not isos:
            lines.append("nothing landed yet: `iso-pipeline land ISO PATH...` or `iso-pipeline demo`")
        history = has_history(con)
        for one in isos:
            lines += ["", f"== {one} " + "=" * 60] + _freshness(con, one, when)
            if history:
                lines += [""] + _last_runs(con, one) + [""] + _error_rates(con, one) + [""] + _storage(con, one, when)
            else:
                lines += ["", "No run history yet (it starts with the next landing or dbt run)."]
        alerts = evaluate(con, base, isos, when)
    finally:
        con.close()
    usage = psutil.disk_usage(str(base if base.exists() else base.parent))
    lines += ["", f"Disk: {fmt_bytes(usage.free)} free of {fmt_bytes(usage.total)} ({100 - usage.percent:.0f}% free)"]
    lines += ["", f"Open alerts ({len(alerts)}; `iso-pipeline check{' ' + iso if iso else ''}` exits non-zero when any)"]
    lines += [f"  {a.severity:<5} {a.kind:<15} {a.iso or '-':<6} {a.where}  since {a.since:%Y-%m-%d %H:%M %Z}"
              for a in alerts] or ["  none"]
    return "\n".join(lines)
