"""rollup_files/quality_report.html: the visual quality report every build writes next to quality_report.md.

Per ISO, one self-contained HTML file (no script, no stylesheet or font to fetch: it opens offline, from disk or
mail). Per dataset a coverage heatmap (local day x local hour, colour = share of the expected rows present, DST
days marked) beside the gaps the Stage 3 fill rule forward-filled or left NULL per day; the hubs' daily DA and RT
prices with the latest day's unusual prices ringed (the `unusual_price` alert itself, ingest/monitor/alerts.py);
the stage timings of the last dbt runs (the run history, ingest/monitor/history.py).

Why matplotlib rendered to inline SVG: it draws in-process (the report is written inside `dbt build`, by the
project's dbt-duckdb plugin), needs no JavaScript and no network at view time, and is small and quick. On the demo
a page is 150-210 KB and takes 0.3-0.6 s (plus matplotlib's import, ~0.3 s, once per build): under 10% of the
demo's `dbt build` (benchmarks/quality_report.py, BENCHMARKS.md). The same figures as base64 PNG (100 dpi) make
460-630 KB pages, take ~2.5x longer to write (Agg) and blur when zoomed; SVG keeps text as text. Plotly would embed
its 3-5 MB JavaScript bundle in every page to work offline, and Altair needs vl-convert (a native wheel of tens of
MB with its own JavaScript engine) to render without a browser.

What "expected" means: the complete time index of the fill rule (macro fill_gaps): for each settlement point (or
AS product), every interval at the dataset's grain from its first value to the dataset's last interval. The
expected rows of each local day and hour are counted on the UTC index mapped to the ISO's time zone (seeds/isos.csv),
so a spring-forward day has 23 hours (its skipped hour expects nothing: grey) and a fall-back day 25 (its repeated
hour expects twice the rows). Missing = the `int_<iso>__<dataset>_gaps` cells; first/last intervals per column come
from `<iso>.fill_stats`: the report reads these summaries, not the raw rows. The hub prices are the only raw read
(Stage 2 hub rows, the last PRICE_DAYS days, bounded by fill_stats' last interval: hub_prices).

Off switch: ISO_QUALITY_HTML=0 (docs/configuration.md); the page is then removed rather than left stale.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass

import duckdb
import numpy as np

from . import catalog

REPORT_NAME = "quality_report.html"
SWITCH = "ISO_QUALITY_HTML"
PRICE_DAYS = 366  # days of hub prices drawn (the latest ones)
HISTORY_RUNS = 12  # runs in the stage-timing chart
LISTED_DAYS = 12  # incomplete days listed under a heatmap


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass
class Coverage:
    grain: int
    days: list[dt.date]
    day_hours: list[int]  # length of each local day in hours: 23, 24, 25
    expected: np.ndarray  # days x 24 local hours: cells the complete time index expects
    missing: np.ndarray  # days x 24: of those, cells without a value (the gaps table)
    filled_by_day: list[int]  # missing cells the fill rule forward-filled, per day
    null_by_day: list[int]  # and left NULL
    stats: tuple  # fill_stats totals: columns, filled gaps, gaps left NULL, filled cells, NULL cells

    @property
    def share(self) -> np.ndarray:
        """days x 24: present / expected, NaN where nothing is expected."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.expected > 0, (self.expected - self.missing) / self.expected, np.nan)


def _q(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    from .monitor.common import relation_exists

    return relation_exists(con, schema, name)


def day_length_hours(day: dt.date, tz: dt.tzinfo) -> int:
    """23, 24 or 25: the local day's length, by the time zone's DST rule."""
    start = dt.datetime.combine(day, dt.time(), tz).timestamp()
    return round((dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).timestamp() - start) / 3600)


def coverage(con: duckdb.DuckDBPyConnection, iso: str, ds: catalog.Dataset) -> Coverage | str:
    """The heatmap's numbers for one dataset, or why there are none."""
    schema, gaps = iso.lower(), f"int_{iso.lower()}__{ds.dataset.lower()}_gaps"
    if not (_exists(con, schema, "fill_stats") and _exists(con, schema, gaps)):
        return "not built: the fill rule (Stage 3 and its int_*_gaps model) is not in the warehouse yet"
    spans = _q(con, f'select epoch(first_interval)::bigint // 60, epoch(last_interval)::bigint // 60 '
                    f'from "{schema}".fill_stats where dataset = ?', [ds.dataset])
    if not spans:
        return "no data: nothing of this dataset has reached Stage 3"
    stats = _q(con, f'select count(*), sum(filled_gaps), sum(unfilled_gaps), sum(filled_cells), sum(null_cells) '
                    f'from "{schema}".fill_stats where dataset = ?', [ds.dataset])[0]
    tz, g = catalog.timezone(iso), ds.grain_minutes
    firsts = np.sort(np.array([s[0] for s in spans]))
    lasts = np.sort(np.array([s[1] for s in spans]))
    minutes = np.arange(firsts[0], lasts[-1] + 1, g)
    active = np.searchsorted(firsts, minutes, "right") - np.searchsorted(lasts, minutes, "left")
    h0, h1 = int(minutes[0] // 60), int(minutes[-1] // 60)
    expected_by_hour = np.bincount(minutes // 60 - h0, weights=active, minlength=h1 - h0 + 1)
    missing_by_hour = np.zeros(h1 - h0 + 1)
    for hour, n in _q(con, f'select epoch(datetime)::bigint // 3600, count(*) from "{schema}"."{gaps}" group by 1'):
        if h0 <= hour <= h1:
            missing_by_hour[hour - h0] += n
    local = [dt.datetime.fromtimestamp(h * 3600, tz) for h in range(h0, h1 + 1)]
    first_day = local[0].date()
    days = [first_day + dt.timedelta(days=i) for i in range((local[-1].date() - first_day).days + 1)]
    cell = np.array([(t.date() - first_day).days * 24 + t.hour for t in local])
    expected = np.bincount(cell, weights=expected_by_hour, minlength=len(days) * 24).reshape(len(days), 24)
    missing = np.bincount(cell, weights=missing_by_hour, minlength=len(days) * 24).reshape(len(days), 24)
    by_day = {d: (f, n) for d, f, n in _q(con, f'select datetime_local::date, count(*) filter (where filled), '
                                                f'count(*) filter (where not filled) from "{schema}"."{gaps}" group by 1')}
    return Coverage(g, days, [day_length_hours(d, tz) for d in days], expected, missing,
                    [by_day.get(d, (0, 0))[0] for d in days], [by_day.get(d, (0, 0))[1] for d in days], stats)


def hub_prices(con: duckdb.DuckDBPyConnection, iso: str, ds: catalog.Dataset) -> dict[str, list[tuple[dt.date, float]]]:
    """Daily mean price per hub (local operating day), the latest PRICE_DAYS days: the measure unusual_price judges.
    From the Stage 2 model's day summaries (main._day_keys: the sum and count of each hub's values per day) when they
    are complete, a few thousand summary rows; otherwise from the hub rows since a bound taken from the fill rule's
    summary (`<iso>.fill_stats`: the dataset's last interval, less PRICE_DAYS + 3 days), so a longer history costs no
    more, and from the whole history when that summary is missing or does not match the rows (nothing after the
    bound, or the window starts before it). The same means each way (tested)."""
    from .monitor.common import HUB_DAY_MEANS, day_summary_model

    schema, name = iso.lower(), ds.dataset.lower()
    if not _exists(con, schema, name):
        return {}
    summary = day_summary_model(con, schema, name, "settlement_point", ds.value_column)
    if summary:
        rows = _q(con, f"with hub as ({HUB_DAY_MEANS}) select key, day, mean from hub "
                       f"where day > (select max(day) from hub) - {PRICE_DAYS} order by 1, 2", [summary])
    else:
        rows = _hub_prices_from_rows(con, schema, name, ds)
    out: dict[str, list[tuple[dt.date, float]]] = {}
    for point, day, mean in rows:
        out.setdefault(point, []).append((day, mean))
    return out


def _hub_prices_from_rows(con: duckdb.DuckDBPyConnection, schema: str, name: str,
                          ds: catalog.Dataset) -> list[tuple[str, dt.date, float]]:
    """hub_prices' (point, day, mean) from the Stage 2 rows: since the fill rule's bound, or all of them."""
    hub = (f'select settlement_point, datetime_local::date as day, {ds.value_column} as v from "{schema}"."{name}" '
           f"where settlement_type = 'HUB' and {ds.value_column} is not null")
    latest = (f'with hub as ({{}}) select settlement_point, day, avg(v) from hub '
              f'where day > (select max(day) from hub) - {PRICE_DAYS} group by all order by 1, 2')
    since = _summary_bound(con, schema, ds)
    rows = _q(con, latest.format(hub + " and datetime >= ?"), [since]) if since else []
    # the window (days after the last one less PRICE_DAYS) starts at least a day after the bound, or read it all
    if not rows or since.date() > max(day for _, day, _ in rows) - dt.timedelta(days=PRICE_DAYS + 1):
        rows = _q(con, latest.format(hub))
    return rows


def _summary_bound(con: duckdb.DuckDBPyConnection, schema: str, ds: catalog.Dataset) -> dt.datetime | None:
    """The dataset's last interval in the fill rule's summary less PRICE_DAYS + 3 days, or None without one."""
    from .monitor.common import summary_last_interval

    last = summary_last_interval(con, schema, ds.dataset)
    return last - dt.timedelta(days=PRICE_DAYS + 3) if last else None


def unusual(con: duckdb.DuckDBPyConnection, iso: str,
            panels: list[tuple[str, dict[str, list[tuple[dt.date, float]]]]] = ()) -> list[dict]:
    """The `unusual_price` alerts as `iso-pipeline check` would raise them now (or as of $ISO_PIPELINE_NOW), judged
    from the daily means of `panels` (hub_prices: the latest PRICE_DAYS days) where they cover the trailing window."""
    from .monitor import alerts
    from .monitor.common import evaluation_time

    known = {}
    for dataset, series in panels:
        last = max(d for values in series.values() for d, _ in values)
        known[dataset] = (last - dt.timedelta(days=PRICE_DAYS - 1), last,
                          {point: dict(values) for point, values in series.items()})
    s = alerts.settings()
    found = alerts.unusual_prices(con, iso, evaluation_time(), s["trailing_days"], s["price_z"], known)
    return [{**a.details, "what": a.what} for a in found]


def stage_history(con: duckdb.DuckDBPyConnection, iso: str, current: dict) -> list[dict]:
    """The last HISTORY_RUNS dbt runs touching the ISO, newest first, each {label, stages: {stage: seconds}}; this
    run's stages come from the hook (`current`), as the history records them only after the reports are written."""
    from .monitor.history import has_history, latest_pipeline_runs

    runs = latest_pipeline_runs(con, iso, limit=HISTORY_RUNS) if has_history(con) else []
    ids = [r["run_id"] for r in runs]
    seconds: dict[str, dict[str, float]] = {}
    if ids:
        for run_id, kind, stage, s in _q(con, "select run_id, resource_type, stage, sum(seconds) from "
                                              "monitoring.run_stages where iso = ? and list_contains(?, run_id) "
                                              "group by all", [iso, ids]):
            label = "tests" if kind == "test" else (stage or kind)
            seconds.setdefault(run_id, {})[label] = seconds.get(run_id, {}).get(label, 0.0) + (s or 0.0)
    out = []
    if current.get("invocation_id") not in ids:
        runs.insert(0, {"run_id": current.get("invocation_id"), "command": current.get("command", "build"),
                        "started_at": None, "status": "running"})
        runs = runs[:HISTORY_RUNS]
    for r in runs:
        this = r["run_id"] == current.get("invocation_id")
        when = r["started_at"].strftime("%m-%d %H:%M") if r["started_at"] else ""
        out.append({"label": f"{r['command']}, this run" if this else f"{when} {r['command']} ({r['status']})",
                    "stages": current.get("stages", {}) if this else seconds.get(r["run_id"], {})})
    return out


# -- the page -------------------------------------------------------------------------------------------------------
CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1000px;
       padding: 0 16px; color: #222; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #ddd; }
h3 { margin: 28px 0 4px; } .meta, figcaption, .note { color: #555; font-size: 13px; }
figure.chart { margin: 8px 0 16px; } figure.chart svg { width: 100%; height: auto; display: block; }
.notice { background: #fff3cd; border: 1px solid #e0c36c; padding: 10px 14px; border-radius: 4px; }
.warn { color: #b00; } .legend .key { white-space: nowrap; margin-left: 12px; }
.legend i { display: inline-block; width: 14px; height: 14px; margin-right: 4px; vertical-align: -2px;
            border: 1px solid #999; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _chart(key: str, kind: str, svg: str, caption: str, **data: object) -> str:
    attrs = "".join(f' data-{k.replace("_", "-")}="{_e(v)}"' for k, v in data.items())
    return (f'<figure class="chart" id="figure-{_e(key)}" data-kind="{kind}"{attrs}>{svg}'
            f'<figcaption>{caption}</figcaption></figure>')


def _coverage_legend() -> str:
    from .quality_charts import COVERAGE_LEGEND

    keys = "".join(f'<span class="key"><i style="background:{c}"></i>{_e(label)}</span>' for c, label in COVERAGE_LEGEND)
    return f'<p class="legend">Share of the expected rows present, per local day and hour: {keys}</p>'


def _coverage_section(iso: str, cov: Coverage | str, ds: catalog.Dataset) -> str:
    from .quality_charts import coverage_svg

    head = f'<h3 id="{_e(ds.dataset)}">{_e(ds.dataset)}</h3><p class="note">{_e(ds.description)}</p>'
    if isinstance(cov, str):
        return head + f'<p class="notice">{_e(ds.dataset)}: {_e(cov)}.</p>'
    key = f"{iso}-{ds.dataset}"
    columns, filled_gaps, null_gaps, filled_cells, null_cells = cov.stats
    expected, missing = int(cov.expected.sum()), int(cov.missing.sum())
    share = 100.0 * (expected - missing) / expected if expected else 100.0
    incomplete = []
    for i, day in enumerate(cov.days):
        hours = [h for h in range(24) if cov.missing[i, h] > 0]
        if hours:
            present = 1 - cov.missing[i].sum() / cov.expected[i].sum()
            incomplete.append(f"{day} ({cov.day_hours[i]} h): hours {', '.join(f'{h:02d}' for h in hours[:8])}"
                              + (" ..." if len(hours) > 8 else "") + f", day {100 * present:.1f}% present")
    svg = coverage_svg(key, cov.days, cov.day_hours, cov.share, cov.filled_by_day, cov.null_by_day, cov.grain)
    dst = [f"{d} ({h} h)" for d, h in zip(cov.days, cov.day_hours, strict=True) if h != 24]
    listed = "".join(f"<li>{_e(x)}</li>" for x in incomplete[:LISTED_DAYS])
    more = f"<li>and {len(incomplete) - LISTED_DAYS} more day(s)</li>" if len(incomplete) > LISTED_DAYS else ""
    return head + (
        f"<p>{expected - missing:,} of {expected:,} expected cells present ({share:.2f}%) over "
        f"{len(cov.days)} local days and {columns} Stage 3 column(s). Fill rule: {filled_gaps or 0} gap(s) forward-filled "
        f"({filled_cells or 0:,} cells), {null_gaps or 0} left NULL ({null_cells or 0:,} cells).</p>"
        + _chart(key, "coverage", svg,
                 "Rows: local operating days; columns: local hour. Grey: no row expected (before a column's first "
                 "value, or the hour a spring-forward day skips). Dashed outline and bold label: DST days "
                 f"({_e(', '.join(dst) or 'none in this range')}). Right: missing cells per day, forward-filled "
                 "(blue) or left NULL (red).",
                 first_day=cov.days[0], days=len(cov.days), hours=24, grain=cov.grain)
        + (f'<p class="warn">Days below 100%:</p><ul>{listed}{more}</ul>' if incomplete
           else "<p>Every expected row is present.</p>"))


def _prices_section(con: duckdb.DuckDBPyConnection, iso: str) -> str:
    from .quality_charts import prices_svg

    panels = [(ds.dataset, hub_prices(con, iso, ds)) for ds in catalog.datasets(iso)
              if ds.combined_role in ("da", "rt") and ds.has_points]
    panels = [(name, series) for name, series in panels if series]
    if not panels:
        return '<p class="notice">No hub prices built yet (Stage 2 DA / RT).</p>'
    alerts = unusual(con, iso, panels)
    last = max(d for _, series in panels for values in series.values() for d, _ in values)
    listed = "".join(f"<li>{_e(a['dataset'])} {_e(a['point'])}: {_e(a['what'])}</li>" for a in alerts)
    svg = prices_svg(f"{iso}-prices", panels, alerts)
    return (_chart(f"{iso}-prices", "prices", svg,
                   "Daily mean of each hub's price over the local operating day (Stage 2). Ringed in red: the latest "
                   "day's unusual prices, by the rule of the <code>unusual_price</code> alert (<code>iso-pipeline "
                   "check</code>): a daily mean more than ALERT_PRICE_Z standard deviations from the hub's "
                   "ALERT_TRAILING_DAYS days before.", unusual=len(alerts), last_day=last)
            + (f'<p class="warn">Unusual prices on the latest day:</p><ul>{listed}</ul>' if alerts
               else f"<p>No unusual hub price on the latest day ({last}).</p>"))


def _history_section(con: duckdb.DuckDBPyConnection, iso: str, current: dict) -> str:
    from .quality_charts import history_svg

    runs = stage_history(con, iso, current)
    return _chart(f"{iso}-history", "history", history_svg(f"{iso}-history", runs),
                  "Node seconds per stage of each dbt run touching this ISO (summed over dbt's threads; "
                  "monitoring.run_stages). Stage 2: long parquet, Stage 3: wide, Stage 4: combined.", runs=len(runs))


def render_page(con: duckdb.DuckDBPyConnection, iso: str, current: dict) -> str:
    """The whole page for one ISO. `current`: this dbt invocation (invocation_id, command, written_at, stages)."""
    landed = (_q(con, "select count(*) from landing.landed_files where iso = ?", [iso])[0][0]
              if _exists(con, "landing", "landed_files") else 0)
    datasets = catalog.datasets(iso)
    toc = "".join(f'<a href="#{_e(ds.dataset)}">{_e(ds.dataset)}</a> · ' for ds in datasets)
    parts = [
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(iso)} quality report</title>"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{CSS}</style></head><body>",
        f"<h1>{_e(iso)} quality report</h1>",
        f'<p class="meta">Written by <code>dbt {_e(current.get("command", "build"))}</code> at '
        f'{_e(current.get("written_at", ""))} (invocation <code>{_e(current.get("invocation_id", ""))}</code>). '
        f'The tables behind it: <a href="quality_report.md">quality_report.md</a>, '
        f'<a href="gaps_report.md">gaps_report.md</a>.</p>',
    ]
    if not landed:
        parts.append(f'<p class="notice" id="no-data"><strong>No data landed for {_e(iso)}</strong>: nothing below was '
                     f"checked. Land files first (<code>iso-pipeline land {_e(iso.lower())} PATH</code>), then build "
                     f"again.</p>")
    parts.append(f'<p class="meta">Contents: {toc}<a href="#prices">prices</a> · <a href="#history">run history</a></p>')
    parts.append("<h2>Coverage and the fill rule</h2>")
    parts.append(_coverage_legend())
    parts += [_coverage_section(iso, coverage(con, iso, ds), ds) for ds in datasets]
    parts.append('<h2 id="prices">Hub prices</h2>')
    parts.append(_prices_section(con, iso))
    parts.append('<h2 id="history">Run history</h2>')
    parts.append(_history_section(con, iso, current))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def error_page(iso: str, error: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(iso)} quality report</title>"
            f"<style>{CSS}</style></head><body><h1>{_e(iso)} quality report</h1><p class=\"notice\">The report could not "
            f"be drawn in this build: <code>{_e(error)}</code>. The build itself is unaffected; quality_report.md has "
            f"the tables.</p></body></html>\n")


def render_or_error(con: duckdb.DuckDBPyConnection, iso: str, current: dict) -> tuple[str, str | None]:
    """(page, None), or (a page saying the report could not be drawn, the error): never raises."""
    try:
        return render_page(con, iso, current), None
    except Exception as exc:  # noqa: BLE001 - a report must never fail the build it reports on
        return error_page(iso, f"{type(exc).__name__}: {exc}"), f"{type(exc).__name__}: {exc}"
