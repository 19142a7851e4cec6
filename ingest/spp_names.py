"""SPP's clock labels and file names of interval ends: one rule for the names the downloader asks SPP's file
browser for and the sample generator writes (the SQL side of the label rule: macros/time/spp_time.sql)."""

from __future__ import annotations

import datetime as dt

from .catalog import timezone

CENTRAL = timezone("SPP")  # America/Chicago, from seeds/isos.csv


def local_end_time(utc_end: dt.datetime) -> dt.datetime:
    """SPP's local time (naive) of an interval END: the Central wall clock, except at the instant the clock changes,
    where SPP writes the daylight-time name (real DA-MCP files: 2025-11-02 07:00 GMT is `02:00:00`, not 01:00 CST;
    2025-03-09 08:00 GMT is `03:00:00`): the later of the two wall-clock names of that instant."""
    local = utc_end.astimezone(CENTRAL)
    before = (utc_end - dt.timedelta(seconds=1)).astimezone(CENTRAL) + dt.timedelta(seconds=1)
    return max(local.replace(tzinfo=None), before.replace(tzinfo=None))


def day_intervals(day: dt.date, minutes: int) -> list[dt.datetime]:
    """UTC interval ENDS of a Central operating day: 24*60/minutes of them, 23 or 25 hours' worth on DST days."""
    start = dt.datetime.combine(day, dt.time(0), CENTRAL).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CENTRAL).astimezone(dt.UTC)
    n = int((end - start).total_seconds() // 60 // minutes)
    return [start + dt.timedelta(minutes=minutes * (i + 1)) for i in range(n)]


def interval_names(day: dt.date, prefix: str) -> list[tuple[dt.datetime, str]]:
    """(UTC end, file name without `.csv`) of each 5-minute interval file of operating day `day`, in time order:
    `<prefix>YYYYMMDDHHMM` of its local end (local_end_time); on the fall-back day the repeated hour's second files
    get a `d` suffix (gridstatus #357 and this rule; no real `d` file seen)."""
    out, seen = [], set()
    for utc_end in day_intervals(day, 5):
        name = f"{prefix}{local_end_time(utc_end):%Y%m%d%H%M}"
        out.append((utc_end, name + ("d" if name in seen else "")))
        seen.add(name)
    return out
