"""`iso-pipeline status [ISO]`: what state the warehouse is in. Reads the warehouse only (read-only connection).

Two depths:
    summary  (`status`, the default for all ISOs) one screen: per ISO a short header (last landing, last dbt run,
             tests, alerts, storage) and one row per dataset (files landed, freshness, data through, last Stage 2
             write, Stage 2 size, failed tests, quarantined files); the open alerts grouped by kind.
    detail   (`status ISO`, or `status --verbose`) every feed / format with its thresholds, the last run per stage,
             error rates per dataset (Stage 3/4 ones too), storage per area and its trend, every open alert.
Drawn with rich (ingest/monitor/common.py `table`, `to_text`): on a terminal in colour and fitted to its width; in a
pipe or a file plain text, no ANSI codes, one line per row, the same every time. Sizes and ages by humanize.
Each ISO's quality report (`rollup_files/quality_report.html`, and `.md` in the detail) is named when it exists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import psutil
from rich.console import RenderableType
from rich.text import Text

from ..config import IsoPaths, data_dir
from . import freshness
from .alerts import evaluate, isos_with_data, stage2_relation
from .common import connect, evaluation_time, fmt_age, fmt_bytes, fmt_time, table, to_text
from .history import PIPELINE_COMMANDS, has_history, latest_pipeline_runs

RECENT_RUNS = 10  # error rates over this many recent runs
TREND_DAYS = 7  # storage compared with this many days before
WHERE_WIDTH = 56  # characters of an alert group's "where" (then `…`): an alert line stays within 120 columns
#: worst first: the freshness of a dataset is that of its worst report format (a format never landed counts as fresh)
FRESHNESS_ORDER = ("error", "warn", "pass", "never landed", "not checked")
STAGES = [("staging", "staging"), ("intermediate", "intermediate"), ("rollup", "rollup (2)"),
          ("flattened", "flattened (3)"), ("combined", "combined (4)")]


Parts = list[str | RenderableType]


def _freshness(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime) -> Parts:
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
            + [table(["dataset", "format", "files", "last landed (UTC)", "age", "warn / error", "status",
                      "data through (UTC)"], rows)])


def _last_runs(con: duckdb.DuckDBPyConnection, iso: str) -> Parts:
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
    return ["Last run per stage (run history: monitoring.runs, monitoring.run_stages)", table(
        ["stage", "last run (UTC)", "command", "status", "nodes", "seconds", "rows after", "note"], rows)]


def _error_rates(con: duckdb.DuckDBPyConnection, iso: str) -> Parts:
    tests, files = _recent_failures(con, iso)

    def rate(bad: int, n: int) -> str:
        return f"{100 * bad / n:.1f}%" if n else "-"

    rows = []
    for ds in sorted(set(tests) | set(files)):
        n, bad = tests.get(ds, (0, 0))
        seen, q = files.get(ds, (0, 0))
        rows.append([ds, f"{n:,}", f"{bad:,}", rate(bad, n), f"{int(seen):,}", f"{int(q):,}", rate(q, seen)])
    return ([f"Error rates (failed tests over the last {RECENT_RUNS} dbt runs; quarantined files over the last "
             f"{RECENT_RUNS} landings)"]
            + [table(["dataset", "tests run", "failed", "rate", "files in", "quarantined", "rate"], rows)])


def _storage(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime) -> Parts:
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
            + [table(["area", "datasets", "files", "size", f"{TREND_DAYS}d ago", "change"], rows)])


def _alert_counts(alerts: list) -> str:
    kinds: dict[str, int] = {}
    for a in alerts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    return f"{len(alerts)}" + (" (" + ", ".join(f"{k} {n}" for k, n in kinds.items()) + ")" if kinds else "")


def _storage_total(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime) -> str:
    sql = ("select sum(bytes) from (select *, row_number() over (partition by area, dataset order by measured_at desc) "
           "as rn from monitoring.storage where iso = ? and measured_at <= ?) where rn = 1")
    now = con.execute(sql, [iso, as_of]).fetchone()[0]
    if now is None:  # as_of before any snapshot (evaluating the past): the latest
        now = con.execute(sql, [iso, dt.datetime.max.replace(tzinfo=dt.UTC)]).fetchone()[0]
    before = con.execute(sql, [iso, as_of - dt.timedelta(days=TREND_DAYS)]).fetchone()[0]
    if now is None:
        return "-"
    change = "-" if before is None else f"{'+' if now >= before else '-'}{fmt_bytes(abs(now - before))}"
    return f"{fmt_bytes(now)} ({TREND_DAYS}d: {change})"


def _summary_runs(con: duckdb.DuckDBPyConnection, iso: str) -> list[str]:
    """Two lines: the last landing and the last dbt build / run / test of the ISO."""
    out = []
    land = con.execute(
        "select r.started_at, r.status, sum(d.files_landed), sum(d.files_skipped), sum(d.files_quarantined) "
        "from monitoring.runs r left join monitoring.run_datasets d using (run_id) "
        "where r.kind = 'land' and r.isos = ? group by all order by r.started_at desc limit 1", [iso]).fetchone()
    if land:
        start, st, landed, skipped, quarantined = land
        out.append(f"  landing  {fmt_time(start)}  {st}  {landed or 0:,} landed, {skipped or 0:,} skipped, "
                   f"{quarantined or 0:,} quarantined")
    else:
        out.append("  landing  none recorded yet")
    runs = latest_pipeline_runs(con, iso, 1)
    if not runs:
        out.append("  dbt      none recorded yet (`iso-pipeline dbt build`)")
        return out
    run = runs[0]
    nodes = dict(((t, s), n) for t, s, n in con.execute(
        "select resource_type, status, count(*) from monitoring.run_nodes where run_id = ? and iso = ? group by all",
        [run["run_id"], iso]).fetchall())
    models = sum(n for (t, _), n in nodes.items() if t == "model")
    tests = {s: n for (t, s), n in nodes.items() if t == "test"}
    failed_stages = [s for (s,) in con.execute(
        "select stage from monitoring.run_stages where run_id = ? and iso = ? and errors > 0 order by stage",
        [run["run_id"], iso]).fetchall()]
    took = (f", {(run['ended_at'] - run['started_at']).total_seconds():.0f} s"
            if run["ended_at"] and run["started_at"] else "")
    line = (f"  dbt      {fmt_time(run['started_at'])}  {run['command']} {run['status']}  {models:,} models, "
            + (f"{sum(tests.values()):,} tests (" + ", ".join(f"{n:,} {s}" for s, n in sorted(tests.items())) + ")"
               if tests else "no tests") + took)
    if failed_stages:
        line += "  errors in: " + ", ".join(failed_stages)
    out.append(line)
    return out


def _summary_datasets(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime, history: bool) -> RenderableType:
    """One row per dataset of the ISO: its report formats summed up."""
    by_ds: dict[str, list[freshness.FeedFreshness]] = {}
    for f in freshness.evaluate(con, as_of, iso):
        by_ds.setdefault(f.feed.dataset, []).append(f)
    written: dict[str, dt.datetime] = {}
    size: dict[str, int] = {}
    tests: dict[str, tuple[int, int]] = {}
    files: dict[str, tuple[int, int]] = {}
    if history:
        written = dict(con.execute(
            "select dataset, max(completed_at) from monitoring.run_nodes where iso = ? and stage = 'rollup' "
            "and resource_type = 'model' and status = 'success' group by all", [iso]).fetchall())
        sql = ("select dataset, bytes from (select *, row_number() over (partition by dataset order by "
               "measured_at desc) as rn from monitoring.storage where iso = ? and area = 'stage2' "
               "and measured_at <= ?) where rn = 1")
        size = dict(con.execute(sql, [iso, as_of]).fetchall()) or dict(  # before any snapshot: the latest
            con.execute(sql, [iso, dt.datetime.max.replace(tzinfo=dt.UTC)]).fetchall())
        tests, files = _recent_failures(con, iso)
    for ds in files:  # landed or quarantined but not a source of the project (e.g. "(unrecognised)")
        by_ds.setdefault(ds, [])
    rows = []
    for ds, feeds in by_ds.items():
        landed = sum(f.files for f in feeds)
        worst = min(feeds, default=None, key=lambda f: (
            FRESHNESS_ORDER.index(f.status) if f.status in FRESHNESS_ORDER else 0,
            -(f.age.total_seconds() if f.age is not None else -1e18)))
        state = worst.status if worst else "-"
        age = worst.age if worst else None
        rel = stage2_relation(con, iso, ds) if feeds else None
        through = con.execute(f"select max(interval_end) from {rel}").fetchone()[0] if rel else None
        n, bad = tests.get(ds, (0, 0))
        seen, q = files.get(ds, (0, 0))
        rows.append([ds, f"{landed:,}", state,
                     fmt_age(age) if age is None or age.total_seconds() >= 0 else "after as-of",
                     fmt_time(through), fmt_time(written.get(ds)), fmt_bytes(size.get(ds)),
                     f"{bad:,}/{n:,}" if n else "-", f"{q:,}/{seen:,}" if seen else "-"])
    return table(["dataset", "files", "freshness", "age", "data through", "stage 2 written", "stage 2 size",
                  "failed tests", "quarantined"], rows)


def _recent_failures(con: duckdb.DuckDBPyConnection, iso: str) -> tuple[dict, dict]:
    """dataset -> (tests run, failed) over the last RECENT_RUNS dbt runs; dataset -> (files in, quarantined) over the
    last RECENT_RUNS landings."""
    commands = ", ".join(f"'{c}'" for c in PIPELINE_COMMANDS)
    tests = {ds: (n, bad) for ds, n, bad in con.execute(
        f"with recent as (select run_id from monitoring.runs where kind = 'dbt' and command in ({commands}) "
        f"  and list_contains(string_split(coalesce(isos, ''), ','), ?) order by started_at desc limit {RECENT_RUNS}) "
        "select coalesce(dataset, '(other)'), count(*), count(*) filter (where status in ('fail', 'error')) "
        "from monitoring.run_nodes where run_id in (select run_id from recent) and iso = ? and resource_type = 'test' "
        "group by all", [iso, iso]).fetchall()}
    files = {ds: (int(seen or 0), int(q or 0)) for ds, seen, q in con.execute(
        f"with recent as (select run_id from monitoring.runs where kind = 'land' and isos = ? "
        f"  order by started_at desc limit {RECENT_RUNS}) "
        "select coalesce(dataset, '(unrecognised)'), sum(files_landed + files_skipped + files_quarantined), "
        "sum(files_quarantined) from monitoring.run_datasets where run_id in (select run_id from recent) and iso = ? "
        "group by all", [iso, iso]).fetchall()}
    return tests, files


def _summary(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime, alerts: list, history: bool,
             base: Path) -> Parts:
    mine = [a for a in alerts if a.iso == iso]
    head = f"== {iso}  alerts: {_alert_counts(mine)}"
    if history:
        head += f"  storage: {_storage_total(con, iso, as_of)}"
    lines: Parts = ["", Text(head, style="bold")]
    if history:
        lines += _summary_runs(con, iso)
    else:
        lines.append("  no run history yet (it starts with the next landing or dbt run)")
    return lines + [_summary_datasets(con, iso, as_of, history)] + _quality_reports(iso, base, detail=False)


def _quality_reports(iso: str, base: Path, detail: bool) -> list[str]:
    """The ISO's quality reports that exist (dbt build writes them next to its outputs): in the detail the HTML page
    and the Markdown, a line each; in the summary one line, the HTML page (else the Markdown)."""
    folder = IsoPaths.of(iso, base).rollup_files
    found = [folder / name for name in ("quality_report.html", "quality_report.md") if (folder / name).is_file()]
    return [f"  quality report: {path}" for path in (found if detail else found[:1])]


def _alert_rows(alerts: list, grouped: bool) -> list[list]:
    """One row per alert, or per severity, kind and ISO (`grouped`: where as many as fit, since the earliest)."""
    if not grouped:
        return [[a.severity, a.kind, a.iso or "-", a.where, f"since {a.since:%Y-%m-%d %H:%M %Z}"] for a in alerts]
    groups: dict[tuple, list] = {}
    for a in alerts:
        groups.setdefault((a.severity, a.kind, a.iso or "-"), []).append(a)
    return [[severity, kind, iso, f"{len(group)}", ", ".join(a.where for a in group),
             f"since {min(a.since for a in group):%Y-%m-%d %H:%M %Z}"]
            for (severity, kind, iso), group in groups.items()]


def render_status(iso: str | None = None, as_of: str | dt.datetime | None = None, base: Path | None = None,
                  verbose: bool | None = None, color: bool | None = None) -> str:
    """The status text. `verbose` (default: when an ISO is named) gives every detail instead of the summary;
    `color` (default: when stdout is a terminal) draws it for a terminal, else plain text (common.to_text)."""
    base = base or data_dir()
    when = evaluation_time(as_of)
    detail = bool(iso) if verbose is None else verbose
    con = connect(base)  # WarehouseUnavailable: the CLI says it in one line and exits 2, as `check` does
    try:
        isos = [iso] if iso else isos_with_data(con)
        lines: Parts = [f"iso-pipeline status{' ' + iso if iso else ''} as of {when:%Y-%m-%d %H:%M UTC}  "
                        f"({'' if detail else 'times in UTC; '}data: {base})"]
        if not isos:
            lines.append("nothing landed yet: `iso-pipeline land ISO PATH...` or `iso-pipeline demo`")
        history = has_history(con)
        alerts = evaluate(con, base, isos, when)
        for one in isos:
            if not detail:
                lines += _summary(con, one, when, alerts, history, base)
                continue
            lines += ["", Text(f"== {one} " + "=" * 60, style="bold")] + _freshness(con, one, when)
            if history:
                lines += [""] + _last_runs(con, one) + [""] + _error_rates(con, one) + [""] + _storage(con, one, when)
            else:
                lines += ["", "No run history yet (it starts with the next landing or dbt run)."]
            reports = _quality_reports(one, base, detail=True)
            lines += [""] + reports if reports else []
    finally:
        con.close()
    usage = psutil.disk_usage(str(base if base.exists() else base.parent))
    lines += ["", f"Disk: {fmt_bytes(usage.free)} free of {fmt_bytes(usage.total)} ({100 - usage.percent:.0f}% free)"]
    check = f"`iso-pipeline check{' ' + iso if iso else ''}`"
    if detail:
        lines += ["", f"Open alerts ({len(alerts)}; {check} exits non-zero when any)"]
        lines.append(table(["severity", "kind", "iso", "where", "since"], _alert_rows(alerts, grouped=False))
                     if alerts else "  none")
    else:
        lines += [f"Open alerts: {len(alerts)}" + (f" ({check} lists them and exits 1; `status ISO` or --verbose for "
                                                     "every detail)" if alerts else
                                                     " (`status ISO` or --verbose for every detail)")]
        if alerts:
            lines.append(table(["severity", "kind", "iso", "count", "where", "since"],
                               _alert_rows(alerts, grouped=True), cut={"where": WHERE_WIDTH}, header=False))
    return to_text(lines, color)
