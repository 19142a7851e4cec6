"""The comparison, in DuckDB: their rows (read by layouts.py) against our Stage 2, on (UTC interval start, point).

1. Their times become UTC instants. A naive local time has one instant, none (the skipped hour of a spring-forward
   day: reported) or two (the repeated hour of a fall-back day). Of two, the file decides when it can: a flag
   (ERCOT's DSTFlag / RepeatedHourFlag), or its order, when the same point and local time occur exactly twice in a
   file (the first is daylight time). Otherwise the rows are reported as ambiguous and not compared: never guessed.
2. Where the source supersedes rows by its own rule (ERCOT SCED: the latest run; PJM: the current, highest
   version_nbr) only the winner is compared; every other key that occurs twice on either side is a reported
   duplicate and is left out of the comparison (both sides), never resolved by choosing one.
3. Our rows are those of the local operating days their data spans (all with `all_days`), optionally of their points.
4. A full outer join gives the rows only in ours, only in theirs, and per value column the differences beyond the
   tolerance (a value on one side and none on the other is a difference too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ..catalog import Dataset
from ..sqltext import sql_literal
from .errors import ReconcileError
from .inputs import quoted
from .layouts import Detected, point_sql

LIST_LIMIT = 500  # rows of each list kept in the summary (counts are always complete)
LARGEST = 20
UTC_TEXT = "strftime(timezone('UTC', {}), '%Y-%m-%dT%H:%M:%SZ')"


def _utc_text(expr: str) -> str:
    return UTC_TEXT.format(expr)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def load_theirs(con: duckdb.DuckDBPyConnection, found: list[Detected], values: list[str]) -> dict:
    """Table `theirs`: (utc, point, values, _file, _how); returns what the time resolution and versions did."""
    parts = []
    for d in found:
        zone = sql_literal(d.zone)
        cols = ", ".join(quoted(v) if v in d.values else f"null::double as {quoted(v)}" for v in values)
        # a local time's instants (0, 1 or 2), once per distinct local time: u - 1 h, u and u + 1 h whose wall
        # clock in the zone is that local time
        parts.append(f"""
            with n as ({d.sql}),
            instants as (
                select local, list_filter([u - interval 1 hour, u, u + interval 1 hour],
                                          lambda c: timezone({zone}, c) = local) as _cands
                from (select local, timezone({zone}, local) as u
                      from (select distinct local from n where utc is null and local is not null))
            )
            select _file, _row, utc, local, fold, point, _version, {cols},
                   case when utc is null and local is null then _time_text end as _time_text, _cands
            from n left join instants using (local)""")
    con.execute("create temp table theirs_c as " + "\nunion all\n".join(f"({p})" for p in parts))
    for d in found:
        con.execute(f"drop table {d.group.name}")
    con.execute("""
        create temp table theirs_r as
        with plain as (
            select *, null::bigint as _same, null::bigint as _nth
            from theirs_c where coalesce(len(_cands), 0) <> 2 or fold in (0, 1)
        ),
        repeated as (
            select *,
                count(*) over (partition by _file, point, local) as _same,
                row_number() over (partition by _file, point, local order by _row) as _nth
            from theirs_c where len(_cands) = 2 and fold is null
        ),
        both_parts as (select * from plain union all select * from repeated)
        select * exclude (_cands, _same, _nth),
            case when utc is not null then utc
                 when len(_cands) = 1 then _cands[1]
                 when len(_cands) = 2 and fold in (0, 1) then _cands[fold + 1]
                 when len(_cands) = 2 and _same = 2 then _cands[_nth]
            end as key_utc,
            case when utc is not null then 'instant'
                 when local is null then 'unreadable'
                 when len(_cands) = 1 then 'local'
                 when len(_cands) = 0 then 'nonexistent'
                 when fold in (0, 1) then 'flag'
                 when _same = 2 then 'order'
                 else 'ambiguous'
            end as _how
        from both_parts""")
    con.execute("drop table theirs_c")
    bad = con.execute("""select _file, _time_text, count(*) over () from theirs_r where _how = 'unreadable'
                         limit 1""").fetchone()
    if bad:
        raise ReconcileError(f"{bad[0]}: cannot read the time {bad[1]!r} ({bad[2]} rows like it)")
    versions = _scalar(con, "select count(*) from theirs_r where _version is not null and key_utc is not null")
    value_cols = ", ".join(quoted(v) for v in values)
    con.execute(f"""
        create temp table theirs as
        select key_utc as utc, point, {value_cols}, _file, _how
        from theirs_r
        where key_utc is not null
        {"qualify _version is null or rank() over (partition by key_utc, point order by _version desc) = 1"
         if versions else ""}""")
    how = dict(con.execute("select _how, count(*) from theirs_r group by 1").fetchall())
    return {"rows_read": sum(how.values()), "resolved_by": how,
            "superseded": _scalar(con, "select count(*) from theirs_r where key_utc is not null")
            - _scalar(con, "select count(*) from theirs")}


def load_ours(con: duckdb.DuckDBPyConnection, ds: Dataset, folder: Path, values: list[str]) -> None:
    files = sorted(folder.glob("*/*.parquet"))
    if not files:
        raise ReconcileError(f"no Stage 2 files for {ds.iso} {ds.dataset} under {folder}: build it first "
                             f"(`dbt build --select tag:{ds.iso.lower()}`, or set ISO_DATA_DIR)")
    glob = sql_literal(str(folder / "*" / "*.parquet"))
    cols = ", ".join(f"cast({quoted(v)} as double) as {quoted(v)}" for v in values)
    con.execute(f"""create temp view ours_all as
        select datetime as utc, {point_sql(ds, quoted)} as point, {cols}, source_file as _file
        from read_parquet({glob}, hive_partitioning = true)""")


def dst_days(zone: ZoneInfo, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The days in [first, last] whose local clock changes: 'spring-forward (23 h)' or 'fall-back (25 h)'."""
    out = {}
    day = first
    while day <= last:
        start = dt.datetime.combine(day, dt.time(), zone).utcoffset()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).utcoffset()
        if start != end:
            hours = 24 - (end - start).total_seconds() / 3600
            out[day] = f"{'spring-forward' if end > start else 'fall-back'} ({hours:g} h)"
        day += dt.timedelta(days=1)
    return out


def _range(con: duckdb.DuckDBPyConnection, zone: ZoneInfo, all_days: bool) -> tuple[dt.date, dt.date, str]:
    """(first, last local day, SQL condition on `utc` for our rows): the days their rows span, or every day."""
    lo, hi, lo_local, hi_local = con.execute("""select (select min(utc) from theirs), (select max(utc) from theirs),
        min(local), max(local) from theirs_r where key_utc is null""").fetchone()
    days = [t.astimezone(zone).date() for t in (lo, hi) if t is not None]
    days += [t.date() for t in (lo_local, hi_local) if t is not None]
    if not days:
        raise ReconcileError("their files hold no rows")
    first, last = min(days), max(days)
    if all_days:
        lo, hi = con.execute("select min(utc), max(utc) from ours_all").fetchone()
        days = [t.astimezone(zone).date() for t in (lo, hi) if t is not None]
        return min([first, *days]), max([last, *days]), "true"
    start = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return first, last, f"utc >= '{start.isoformat()}' and utc < '{end.isoformat()}'"


def _join(con: duckdb.DuckDBPyConnection, values: list[str], tolerance: float) -> None:
    """Tables `dup` (keys twice on one side, with their files) and `jd` (the full outer join of the other keys, with
    `d_<column>`: the values differ beyond the tolerance, or one is missing)."""
    con.execute("""create temp table dup as
        with keys as (
            select 'ours' as side, utc, point, count(*) as n from ours group by utc, point having count(*) > 1
            union all
            select 'theirs', utc, point, count(*) from theirs group by utc, point having count(*) > 1
        ),
        rows as (
            select 'ours' as side, utc, point, _file from ours semi join keys using (utc, point)
            union all
            select 'theirs', utc, point, _file from theirs semi join keys using (utc, point)
        )
        select side, utc, point, any_value(n) as n, string_agg(distinct _file, ', ') as files
        from keys join rows using (side, utc, point) group by side, utc, point""")
    o_cols = ", ".join(f"o.{quoted(v)} as {quoted('o_' + v)}" for v in values)
    t_cols = ", ".join(f"t.{quoted(v)} as {quoted('t_' + v)}" for v in values)
    differs = ", ".join(
        f"o.utc is not null and t.utc is not null and o.{quoted(v)} is distinct from t.{quoted(v)} and "
        f"coalesce(abs(o.{quoted(v)} - t.{quoted(v)}) > {float(tolerance)!r}, true) as {quoted('d_' + v)}"
        for v in values)
    con.execute(f"""create temp table jd as
        with o as (select * from ours anti join dup using (utc, point)),
             t as (select * from theirs anti join dup using (utc, point))
        select coalesce(o.utc, t.utc) as utc, coalesce(o.point, t.point) as point,
               o.utc is not null as in_ours, t.utc is not null as in_theirs, {o_cols}, {t_cols}, {differs}
        from o full outer join t on o.utc = t.utc and o.point = t.point""")


def _by_day(con: duckdb.DuckDBPyConnection, zone: str, any_diff: str) -> dict[str, dict]:
    """Per local day: rows on each side and every kind of issue (counted per 15 minutes first: one time zone
    conversion per bucket, not per row)."""
    by_day = {r["day"]: r for r in _rows(con, f"""
        with buckets as (
            select time_bucket(interval 15 minute, utc) as b,
                   count(*) filter (where in_ours) as ours, count(*) filter (where in_theirs) as theirs,
                   count(*) filter (where in_ours and not in_theirs) as only_ours,
                   count(*) filter (where in_theirs and not in_ours) as only_theirs,
                   count(*) filter (where {any_diff}) as differ
            from jd group by b
        )
        select cast(cast(timezone({zone}, b) as date) as varchar) as day, sum(ours)::bigint as ours,
               sum(theirs)::bigint as theirs, sum(only_ours)::bigint as only_ours,
               sum(only_theirs)::bigint as only_theirs, sum(differ)::bigint as differ
        from buckets group by day order by day""")}
    for side, day, n in con.execute(f"""select side, cast(cast(timezone({zone}, utc) as date) as varchar), count(*)
                                        from dup group by all""").fetchall():
        by_day.setdefault(day, {"day": day})[f"duplicates_{side}"] = n
    for day, n in con.execute("""select cast(cast(local as date) as varchar), count(*) from theirs_r
                                 where _how in ('ambiguous', 'nonexistent') group by 1""").fetchall():
        by_day.setdefault(day, {"day": day})["unresolved"] = n
    return by_day


ISSUES = ("only_ours", "only_theirs", "differ", "duplicates_ours", "duplicates_theirs", "unresolved")


def compare(con: duckdb.DuckDBPyConnection, ds: Dataset, iso_zone: str, values: list[str], tolerance: float, *,
            only_their_points: bool, all_days: bool) -> dict:
    """Join `theirs` and `ours_all`; the summary (counts complete, lists up to LIST_LIMIT rows)."""
    zone = sql_literal(iso_zone)
    first, last, in_range = _range(con, ZoneInfo(iso_zone), all_days)
    points = " and point in (select point from theirs)" if only_their_points else ""
    con.execute(f"create temp table ours as select * from ours_all where {in_range}{points}")
    _join(con, values, tolerance)
    any_diff = " or ".join(quoted("d_" + v) for v in values)
    ours_n, theirs_n, matched, only_ours, only_theirs, differ, *per_column = con.execute(f"""select
        (select count(*) from ours), (select count(*) from theirs),
        count(*) filter (where in_ours and in_theirs and not ({any_diff})),
        count(*) filter (where in_ours and not in_theirs), count(*) filter (where in_theirs and not in_ours),
        count(*) filter (where {any_diff}),
        {", ".join(f"count(*) filter (where {quoted('d_' + v)})" for v in values)}
        from jd""").fetchone()
    local_text = f"strftime(timezone({zone}, utc), '%Y-%m-%d %H:%M')"
    unresolved = _rows(con, f"""
        select _how as problem, _file as file, strftime(local, '%Y-%m-%d %H:%M') as local_time, point,
               count(*) as rows, {quoted(values[0])} as value
        from theirs_r where _how in ('ambiguous', 'nonexistent')
        group by all order by local_time, point limit {LIST_LIMIT}""")
    dup_rows = _rows(con, f"""select side, {_utc_text('utc')} as utc, {local_text} as local_time, point, n as rows,
            files from dup order by side, utc, point limit {LIST_LIMIT}""")
    only = _rows(con, f"""select side, cast(day as varchar) as day, point, count(*) as rows,
            {_utc_text('min(utc)')} as first_utc, {_utc_text('max(utc)')} as last_utc
        from (select case when in_ours then 'ours' else 'theirs' end as side,
                     cast(timezone({zone}, utc) as date) as day, point, utc
              from jd where in_ours <> in_theirs)
        group by all order by side, day, point limit {LIST_LIMIT}""")
    only_points = _rows(con, f"""select point, case when o then 'ours' else 'theirs' end as side from (
            select point, bool_or(in_ours) as o, bool_or(in_theirs) as t from jd group by point)
        where not (o and t) order by side, point limit {LIST_LIMIT}""")
    largest = _rows(con, " union all ".join(
        f"""select {_utc_text('utc')} as utc, {local_text} as local_time, point,
               '{v}' as "column", {quoted('o_' + v)} as ours, {quoted('t_' + v)} as theirs,
               abs({quoted('o_' + v)} - {quoted('t_' + v)}) as difference
        from jd where {quoted('d_' + v)}""" for v in values) + f" order by difference desc nulls last limit {LARGEST}")
    by_day = _by_day(con, zone, any_diff)
    dst = []
    for day, kind in dst_days(ZoneInfo(iso_zone), first, last).items():
        row = {k: 0 for k in ("ours", "theirs", *ISSUES)} | by_day.get(str(day), {})
        if row["ours"] or row["theirs"] or any(row[k] for k in ISSUES):  # a DST day one side has data for
            dst.append({**row, "day": str(day), "kind": kind, "clean": not any(row[k] for k in ISSUES)})
    dup_counts = dict(con.execute("select side, count(*) from dup group by side").fetchall())
    return {
        "range": {"first_day": str(first), "last_day": str(last), "all_days": all_days,
                  "only_their_points": only_their_points},
        "rows": {"ours": ours_n, "theirs": theirs_n, "matched": matched, "only_ours": only_ours,
                 "only_theirs": only_theirs, "differ": differ,
                 "duplicate_keys_ours": dup_counts.get("ours", 0), "duplicate_keys_theirs": dup_counts.get("theirs", 0),
                 "unresolved_theirs": _scalar(con, "select count(*) from theirs_r where _how in ('ambiguous', "
                                                   "'nonexistent')")},
        "differences_by_column": dict(zip(values, per_column)),
        "largest_differences": largest,
        "only": only,
        "points_on_one_side": only_points,
        "duplicates": dup_rows,
        "unresolved": unresolved,
        "days_with_issues": [r for r in by_day.values() if any(r.get(k) for k in ISSUES)][:LIST_LIMIT],
        "dst_days": dst,
    }
