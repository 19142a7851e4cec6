"""The automated alerts of `iso-pipeline check`. Each says what happened, where, and since when.

    missing_files   expected publications (per dataset, report format and local day, from cadence.py) absent from
                    the warehouse within the lookback window
    schema_change   files quarantined because their header differs from the registered one (until the new header
                    is registered in seeds/iso_reports.csv)
    unusual_price   a hub's daily mean price on the last day more than Z standard deviations from its trailing days
    vanished_point  settlement points (or AS products) seen in the trailing days but absent on the last day
    run_failed      the last dbt build / run / test / seed touching the ISO failed, or never finished
    low_disk        free space where the data lives under the threshold

Settings (environment): ALERT_LOOKBACK_DAYS (14: days checked for missing files), ALERT_TRAILING_DAYS (14),
ALERT_PRICE_Z (4), ALERT_MIN_FREE_DISK_GB (5).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import psutil

from .. import reports
from ..catalog import isos as registered_isos
from ..config import env_number
from .cadence import CADENCES, timezone
from .common import HUB_DAY_MEANS, UTC, columns_of, day_summary_model, fmt_bytes, relation_exists, summary_last_interval
from .history import failing_nodes, has_history, latest_pipeline_runs


@dataclass
class Alert:
    kind: str
    iso: str | None
    what: str
    where: str
    since: dt.datetime
    severity: str = "error"
    details: dict = field(default_factory=dict)

    def key(self) -> tuple:
        return (self.kind, self.iso, self.where)

    def to_json(self) -> dict:
        out = asdict(self)
        out["since"] = self.since.isoformat()
        return out

    def render(self) -> str:
        since = self.since.strftime("%Y-%m-%d %H:%M %Z") if self.since.tzinfo else self.since.isoformat()
        head = f"[{self.severity.upper()}] {self.kind:<15} {self.iso or '-':<6} {self.where}  (since {since})"
        return f"{head}\n    {self.what}"


def settings() -> dict[str, float]:
    return {
        "lookback_days": int(env_number("ALERT_LOOKBACK_DAYS", 14)),
        "trailing_days": int(env_number("ALERT_TRAILING_DAYS", 14)),
        "price_z": env_number("ALERT_PRICE_Z", 4.0),
        "min_free_gb": env_number("ALERT_MIN_FREE_DISK_GB", 5.0),
    }


def landed_formats(con: duckdb.DuckDBPyConnection, iso: str) -> dict[str, str]:
    """format -> dataset of everything landed for the ISO."""
    if not relation_exists(con, "landing", "landed_files"):
        return {}
    return dict(con.execute("select distinct format, dataset from landing.landed_files where iso = ?",
                            [iso]).fetchall())


def stage2_relation(con: duckdb.DuckDBPyConnection, iso: str, dataset: str) -> str | None:
    """`<iso>.<dataset>` (the Stage 2 view over the parquet), when built."""
    schema, name = iso.lower(), dataset.lower()
    return f'"{schema}"."{name}"' if relation_exists(con, schema, name) else None


# -- missing files --------------------------------------------------------------------------------------------------
def missing_files(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime, lookback_days: int) -> list[Alert]:
    alerts: list[Alert] = []
    tz = timezone(iso)
    today = as_of.astimezone(tz).date()
    for fmt, dataset in sorted(landed_formats(con, iso).items()):
        cadence = CADENCES.get((iso, fmt))
        rel = stage2_relation(con, iso, dataset)
        if cadence is None or rel is None:
            continue
        prefix = f"csv_files/{dataset}/{fmt}/%"
        first, = con.execute(f"select min(datetime_local)::date from {rel} where source_file like ?",
                             [prefix]).fetchone()
        if first is None:
            continue
        start_day = max(first, today - dt.timedelta(days=lookback_days - 1))
        window_start = dt.datetime.combine(start_day, dt.time(), tz).astimezone(UTC)
        if cadence.slot_minutes >= 1440:
            sql = (f"select distinct datetime_local::date from {rel} where source_file like ? "
                   "and datetime >= ? and datetime < ?")
        else:
            width = cadence.slot_minutes * 60
            sql = (f"select distinct (epoch(datetime)::bigint // {width}) * {width} from {rel} "
                   "where source_file like ? and datetime >= ? and datetime < ?")
        rows = con.execute(sql, [prefix, window_start - dt.timedelta(days=1),
                                 as_of + dt.timedelta(days=2)]).fetchall()
        covered = {r[0].toordinal() if isinstance(r[0], dt.date) else int(r[0]) for r in rows}
        days: list[dict] = []
        first_missing: int | None = None
        n_expected = 0
        last_present: int | None = None
        day = start_day
        while day <= today:
            due = cadence.slots_due(day, tz, as_of)
            n_expected += len(due)
            present = [k for k in due if k in covered]
            last_present = present[-1] if present else last_present
            missing = [k for k in due if k not in covered]
            if missing:
                first_missing = missing[0] if first_missing is None else first_missing
                days.append({"day": day.isoformat(), "missing": len(missing), "expected": len(due),
                             "first_missing": cadence.describe_slot(missing[0], tz).isoformat()})
            day += dt.timedelta(days=1)
        if not days:
            continue
        since = cadence.describe_slot(first_missing, tz)
        if days[0]["day"] == start_day.isoformat() and days[0]["missing"] == days[0]["expected"]:
            # missing since before the window: since the slot after the last one present
            last, = con.execute(f"select max(datetime) from {rel} where source_file like ? and datetime < ?",
                                [prefix, window_start]).fetchone()
            if last is not None:
                since = (last + dt.timedelta(minutes=min(cadence.slot_minutes, 1440))).astimezone(tz)
                if cadence.slot_minutes >= 1440:
                    since = dt.datetime.combine(last.astimezone(tz).date() + dt.timedelta(days=1), dt.time(), tz)
        n_missing = sum(d["missing"] for d in days)
        window = f"{start_day} to {today}"
        if last_present is None or last_present < first_missing:  # everything due after some point is missing
            what = (f"nothing since {since:%Y-%m-%d %H:%M %Z}: {n_missing:,} of {n_expected:,} {cadence.label} "
                    f"expected from {window} are missing")
        else:
            listed = ", ".join(f"{d['day']} ({d['missing']} of {d['expected']} missing)" for d in days[:6])
            more = f" and {len(days) - 6} more day(s)" if len(days) > 6 else ""
            what = (f"{n_missing:,} of {n_expected:,} {cadence.label} expected from {window} are missing: "
                    f"{listed}{more}")
        unbuilt = _landed_since_last_build(con, iso, fmt)
        if unbuilt:
            what += (f". {unbuilt:,} file(s) of this format landed after the last successful dbt build: "
                     f"run `dbt build --select tag:{iso.lower()}` first")
        alerts.append(Alert("missing_files", iso, what, f"{dataset} ({fmt})", since,
                            details={"dataset": dataset, "format": fmt, "days": days, "landed_not_built": unbuilt}))
    return alerts


def _landed_since_last_build(con: duckdb.DuckDBPyConnection, iso: str, fmt: str) -> int:
    """Files of a format landed after the last successful dbt build / run (0 without run history)."""
    if not has_history(con):
        return 0
    return con.execute(
        "select count(*) from landing.landed_files where iso = ? and format = ? and landed_at > ("
        "  select coalesce(max(ended_at), '-infinity'::timestamptz) from monitoring.runs"
        "  where kind = 'dbt' and command in ('build', 'run') and status in ('success', 'warn'))",
        [iso, fmt]).fetchone()[0]


# -- schema changes -------------------------------------------------------------------------------------------------
def schema_changes(con: duckdb.DuckDBPyConnection, iso: str) -> list[Alert]:
    if not relation_exists(con, "landing", "quarantined_files"):
        return []
    rows = con.execute(
        "select coalesce(dataset, '?'), coalesce(format, '?'), header, count(*), min(quarantined_at), "
        "list(name order by quarantined_at) from landing.quarantined_files "
        "where iso = ? and header is not null group by all order by 1, 2, 5", [iso]).fetchall()
    alerts = []
    for dataset, fmt, header, n, since, names in rows:
        if reports.normalise_header(header.split(",")) in reports.known_headers(iso, fmt):
            continue  # the header has been registered since: resolved (re-land the quarantined files)
        registered = [",".join(r.header) for r in reports.reports_for(iso) if r.format == fmt]
        alerts.append(Alert(
            "schema_change", iso,
            f"{n} file(s) quarantined with an unregistered header: {header} (registered: "
            f"{' | '.join(registered) or 'none'}); first: {names[0]}. Register the new header in "
            f"seeds/iso_reports.csv (and map its columns) or fix the feed, then land the files again.",
            f"{dataset} ({fmt})", since,
            details={"dataset": dataset, "format": fmt, "header": header, "files": names[:20]},
        ))
    return alerts


# -- unusual data ---------------------------------------------------------------------------------------------------
def _stage2_tables(con: duckdb.DuckDBPyConnection, iso: str) -> list[tuple[str, str, str, str, bool]]:
    """(dataset, relation, key column, value column, has settlement_type) of the ISO's built Stage 2 datasets."""
    out = []
    for dataset in sorted(set(landed_formats(con, iso).values())):
        rel = stage2_relation(con, iso, dataset)
        if rel is None:
            continue
        cols = columns_of(con, iso.lower(), dataset.lower())
        key = next((c for c in ("settlement_point", "as_product") if c in cols), None)
        value = next((c for c in ("da_lmp", "rt_lmp", "as_price") if c in cols), None)
        if key and value and "datetime_local" in cols:
            out.append((dataset, rel, key, value, "settlement_type" in cols))
    return out


#: How far before the summary's last interval _last_day looks first (a day's rows arrive over more than a day).
LAST_DAY_LOOKBACK = dt.timedelta(days=3)


def _last_day(con: duckdb.DuckDBPyConnection, iso: str, dataset: str, rel: str, as_of: dt.datetime,
              tz) -> dt.date | None:
    """The latest local operating day with data, not after the as-of day. From the Stage 2 model's day summaries
    when they are complete (day_summary_model: the days with rows). Otherwise read first from the rows since the fill
    rule's summary says the dataset ends, less LAST_DAY_LOOKBACK (the Stage 2 files before it are skipped by their
    statistics: a longer history costs no more); from every row when that finds no day at least two days after the
    bound (a row before the bound lies at most a day after it in local time, so such a day is the latest one)."""
    today = as_of.astimezone(tz).date()
    summary = day_summary_model(con, iso.lower(), dataset.lower())
    if summary:
        # a local day not after today starts before the as-of time + 2 days: the rows' condition below holds
        return con.execute("select max(day) from main._day_keys where model = ? and day <= ? and row_count > 0",
                           [summary, today]).fetchone()[0]
    sql = f"select max(datetime_local)::date from {rel} where datetime < ? and datetime_local < ?"
    args = [as_of + dt.timedelta(days=2), today + dt.timedelta(days=1)]
    last = summary_last_interval(con, iso.lower(), dataset)
    if last is not None:
        since = last - LAST_DAY_LOOKBACK
        day, = con.execute(sql + " and datetime >= ?", [*args, since]).fetchone()
        if day is not None and day > since.astimezone(tz).date() + dt.timedelta(days=1):
            return day
    day, = con.execute(sql, args).fetchone()
    return day


def hub_daily_means(con: duckdb.DuckDBPyConnection, iso: str, dataset: str, rel: str, key: str, value: str,
                    first: dt.date, last: dt.date, tz) -> dict[str, dict[dt.date, float]]:
    """Each hub's daily mean `value` (local operating day, non-null values) from `first` to `last`: the measure the
    unusual_price alert judges (and the quality report draws). From the Stage 2 model's day summaries when they are
    complete (day_summary_model), else from its rows (`rel`, the Stage 2 relation)."""
    summary = day_summary_model(con, iso.lower(), dataset.lower(), key, value)
    if summary:
        rows = con.execute(f"with hub as ({HUB_DAY_MEANS}) select * from hub where day between ? and ?",
                           [summary, first, last]).fetchall()
    else:
        rows = con.execute(
            f"select {key}, datetime_local::date, avg({value}) from {rel} "
            f"where settlement_type = 'HUB' and datetime >= ? and datetime < ? "
            f"and datetime_local::date between ? and ? and {value} is not null group by all",
            [dt.datetime.combine(first, dt.time(), tz) - dt.timedelta(days=1),
             dt.datetime.combine(last, dt.time(), tz) + dt.timedelta(days=2), first, last]).fetchall()
    by_point: dict[str, dict[dt.date, float]] = {}
    for point, day, mean in rows:
        by_point.setdefault(point, {})[day] = mean
    return by_point


def unusual_prices(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime, trailing_days: int,
                   z_limit: float, known: dict[str, tuple[dt.date, dt.date, dict[str, dict[dt.date, float]]]] | None = None,
                   ) -> list[Alert]:
    """The unusual_price alerts of the latest day with data (not after `as_of`). `known`: daily hub means a caller
    already read, {dataset: (first day, last day, hub_daily_means)}, used instead of reading them again when they
    cover the trailing window (the quality report's year of hub prices)."""
    alerts = []
    tz = timezone(iso)
    for dataset, rel, key, value, typed in _stage2_tables(con, iso):
        if not typed:
            continue  # hubs only (AS products have no settlement type)
        last = _last_day(con, iso, dataset, rel, as_of, tz)
        if last is None:
            continue
        first = last - dt.timedelta(days=trailing_days)
        have = (known or {}).get(dataset)
        if have and have[0] <= first and last <= have[1]:
            by_point = {p: {d: v for d, v in series.items() if first <= d <= last} for p, series in have[2].items()}
        else:
            by_point = hub_daily_means(con, iso, dataset, rel, key, value, first, last, tz)
        for point, series in sorted(by_point.items()):
            if last not in series:
                continue
            history = [v for d, v in series.items() if d < last]
            if len(history) < max(3, trailing_days // 2):
                continue
            mu, sd = statistics.fmean(history), statistics.stdev(history)
            x = series[last]
            z = (x - mu) / sd if sd > 0 else (0.0 if x == mu else float("inf"))
            if abs(z) > z_limit:
                alerts.append(Alert(
                    "unusual_price", iso,
                    f"daily mean {value} {x:,.2f} $/MWh on {last} is {z:+.1f} standard deviations from its "
                    f"trailing {len(history)}-day mean {mu:,.2f} (sd {sd:,.2f}); |z| limit {z_limit:g}",
                    f"{dataset} {point}", dt.datetime.combine(last, dt.time(), tz),
                    severity="warn",
                    details={"dataset": dataset, "point": point, "day": last.isoformat(), "mean": x,
                             "trailing_mean": mu, "trailing_sd": sd, "z": z},
                ))
    return alerts


def vanished_points(con: duckdb.DuckDBPyConnection, iso: str, as_of: dt.datetime,
                    trailing_days: int) -> list[Alert]:
    alerts = []
    tz = timezone(iso)
    for dataset, rel, key, _value, _typed in _stage2_tables(con, iso):
        last = _last_day(con, iso, dataset, rel, as_of, tz)
        if last is None:
            continue
        first = last - dt.timedelta(days=trailing_days)
        rows = con.execute(
            f"select {key}, max(datetime_local::date) as last_seen from {rel} "
            f"where datetime >= ? and datetime < ? and datetime_local::date between ? and ? "
            f"group by all having max(datetime_local::date) < ? order by 2, 1",
            [dt.datetime.combine(first, dt.time(), tz) - dt.timedelta(days=1),
             dt.datetime.combine(last, dt.time(), tz) + dt.timedelta(days=2), first, last, last]).fetchall()
        if not rows:
            continue
        names = ", ".join(f"{p} (last seen {d})" for p, d in rows[:10])
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        since_day = rows[0][1] + dt.timedelta(days=1)
        alerts.append(Alert(
            "vanished_point", iso,
            f"{len(rows)} {key.replace('_', ' ')}(s) seen in the {trailing_days} days before {last} have no rows "
            f"on {last}: {names}{more}",
            dataset, dt.datetime.combine(since_day, dt.time(), tz),
            severity="warn",
            details={"dataset": dataset, "day": last.isoformat(),
                     "points": [{"point": p, "last_seen": d.isoformat()} for p, d in rows]},
        ))
    return alerts


# -- pipeline runs --------------------------------------------------------------------------------------------------
def run_failures(con: duckdb.DuckDBPyConnection, iso: str | None) -> list[Alert]:
    if not has_history(con):
        return []
    runs = latest_pipeline_runs(con, iso, limit=50)
    if not runs:
        return []

    def failed(run: dict) -> list[tuple[str, str, str]] | None:
        """Failing nodes (possibly none listed) when the run failed for this ISO, else None."""
        if run["status"] == "running":
            return []
        if run["status"] != "error":
            return None
        nodes = failing_nodes(con, run["run_id"], iso)
        return nodes if nodes else None

    latest = runs[0]
    nodes = failed(latest)
    if nodes is None:
        return []
    streak = [latest]
    for run in runs[1:]:
        if failed(run) is None:
            break
        streak.append(run)
    since = streak[-1]["started_at"]
    label = f"dbt {latest['command']}" + (f" {latest['args']}" if latest["args"] else "")
    if latest["status"] == "running":
        what = (f"the last {label} (started {latest['started_at']:%Y-%m-%d %H:%M UTC}) never finished: killed or "
                f"crashed before on-run-end (see logs/dbt.log); run it again")
    else:
        listed = "; ".join(f"{s} {n}" + (f": {_gist(m)}" if m else "") for s, n, m in nodes[:5])
        more = f"; and {len(nodes) - 5} more" if len(nodes) > 5 else ""
        what = (f"the last {label} failed: {latest['errors'] or 0} error(s), {latest['failed_tests'] or 0} failed "
                f"test(s). {listed}{more}")
    if len(streak) > 1:
        what += f" ({len(streak)} failed runs in a row)"
    return [Alert("run_failed", iso, what, f"run {latest['run_id']}", since,
                  details={"run_id": latest["run_id"], "command": latest["command"], "args": latest["args"],
                           "failed_runs_in_a_row": len(streak),
                           "nodes": [{"status": s, "name": n} for s, n, _ in nodes]})]


def _gist(message: str, limit: int = 240) -> str:
    """dbt's error message in one line: 'Runtime Error in model x (path)' is followed by the actual error."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    text = " | ".join(lines[1:3] if len(lines) > 1 and " in model " in lines[0] else lines[:2])
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- disk -----------------------------------------------------------------------------------------------------------
def low_disk(base: Path, min_free_gb: float) -> list[Alert]:
    probe = base
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = psutil.disk_usage(str(probe))
    if usage.free / 1e9 >= min_free_gb:
        return []
    return [Alert("low_disk", None,
                  f"{fmt_bytes(usage.free)} free of {fmt_bytes(usage.total)} ({100 - usage.percent:.1f}% free), under "
                  f"ALERT_MIN_FREE_DISK_GB={min_free_gb:g}",
                  str(base), dt.datetime.now(UTC),
                  details={"free_bytes": usage.free, "total_bytes": usage.total, "threshold_gb": min_free_gb})]


# -- all of them ----------------------------------------------------------------------------------------------------
def no_landed_data(con: duckdb.DuckDBPyConnection, iso: str | None, as_of: dt.datetime) -> list[Alert]:
    """An ISO asked about (or, with none asked, every ISO) with no landed file: nothing is checked, which is not
    "no alerts"."""
    n = 0
    if relation_exists(con, "landing", "landed_files"):
        sql = "select count(*) from landing.landed_files" + (" where iso = ?" if iso else "")
        n = con.execute(sql, [iso] if iso else []).fetchone()[0]
    if n:
        return []
    who = iso or "any ISO"
    return [Alert("no_data", iso, f"no file has been landed for {who}: nothing is built or checked "
                  f"(iso-pipeline land {(iso or 'ISO').lower()} PATH, or iso-pipeline download ...)",
                  "landing", as_of)]


def evaluate(con: duckdb.DuckDBPyConnection, base: Path, isos: list[str], as_of: dt.datetime) -> list[Alert]:
    s = settings()
    alerts: list[Alert] = []
    if not isos:
        alerts += no_landed_data(con, None, as_of)
    for iso in isos:
        alerts += no_landed_data(con, iso, as_of)
        if iso in registered_isos():  # operating days need the ISO's time zone
            alerts += missing_files(con, iso, as_of, s["lookback_days"])
            alerts += unusual_prices(con, iso, as_of, s["trailing_days"], s["price_z"])
            alerts += vanished_points(con, iso, as_of, s["trailing_days"])
        alerts += schema_changes(con, iso)
        alerts += run_failures(con, iso)
    alerts += low_disk(base, s["min_free_gb"])
    seen: set = set()
    unique = []
    for a in alerts:  # a run that failed outside any ISO's nodes is reported once
        k = (a.kind, a.where, a.what)
        if k not in seen:
            seen.add(k)
            unique.append(a)
    return unique


def isos_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    found: set[str] = set()
    if relation_exists(con, "landing", "landed_files"):
        found |= {r[0] for r in con.execute("select distinct iso from landing.landed_files").fetchall()}
    if relation_exists(con, "landing", "quarantined_files"):
        found |= {r[0] for r in con.execute("select distinct iso from landing.quarantined_files").fetchall()}
    order = list(registered_isos())  # the registry's order, then unregistered ones by name
    return sorted(found, key=lambda i: (order.index(i) if i in order else len(order), i))


# -- `iso-pipeline check` -------------------------------------------------------------------------------------------
def run_check(iso: str | None = None, as_of: str | dt.datetime | None = None, *, base: Path | None = None,
              as_json: bool = False, echo=print, echo_err=None) -> int:
    """Evaluate every alert; print them; POST them to $ALERT_WEBHOOK_URL when set.

    Exit code: 0 nothing fired, 1 at least one alert fired, 2 the warehouse could not be read.
    """
    import json

    from ..config import data_dir
    from .common import WarehouseUnavailable, connect, evaluation_time
    from .webhook import payload, post

    echo_err = echo_err or echo
    base = base or data_dir()
    when = evaluation_time(as_of)
    try:
        con = connect(base)
    except WarehouseUnavailable as exc:
        echo_err(f"check: {exc}")
        return 2
    try:
        isos = [iso] if iso else isos_with_data(con)
        alerts = evaluate(con, base, isos, when)
    finally:
        con.close()
    body = payload(alerts, iso=iso, as_of=when, base=base)
    if as_json:
        echo(json.dumps(body, indent=1, default=str))
    elif alerts:
        echo(body["text"])
    else:
        echo(f"iso-pipeline check{' ' + iso if iso else ''}: no alerts for {', '.join(isos) or 'no ISO (nothing landed)'}"
             f" as of {when:%Y-%m-%d %H:%M UTC}")
    if alerts:
        problem = post(body)
        if problem:
            echo_err(f"check: {problem}")
    return 1 if alerts else 0
