"""When each ISO report is published, hence which intervals (slots) must be in the warehouse by a given time.

A report publishes one file per *slot*: a whole operating day (ERCOT DAM, one file a day), or one interval (ERCOT
SCED: one file per 5-minute run, SPP: one per 15 minutes). CAISO OASIS and PJM Data Miner are queried for ranges,
so there the slot is the report's interval and "a file" is the interval's rows. Expected slots per local day follow
from the ISO's time zone: a 5-minute report has 288 on a normal day, 276 on the spring-forward day and 300 on the
fall-back day; a 15-minute one 96, 92 and 100.

Due times: a day-ahead report is published the day before its operating day; all its slots count as missing from
`lag` after the operating day starts. A real-time slot counts as missing from `lag` after it ends.
Reports not listed here (yearly archives) have no cadence and are not checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .. import catalog

UTC = dt.UTC


@dataclass(frozen=True)
class Cadence:
    slot_minutes: int  # 1440: one file per operating day; else one per interval of this length
    day_ahead: bool  # published before the operating day
    lag: dt.timedelta  # how long after the operating day starts (day-ahead) / the slot ends (real-time) it is due
    label: str  # what one slot is, for messages

    def slots_due(self, day: dt.date, tz: ZoneInfo, as_of: dt.datetime) -> list[int]:
        """Slot keys of local `day` due by `as_of`: the day's ordinal for daily reports, else the UTC epoch
        second of each interval start."""
        start = dt.datetime.combine(day, dt.time(), tz).astimezone(UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(UTC)
        if self.day_ahead and as_of < start + self.lag:
            return []
        if self.slot_minutes >= 1440:
            due = self.day_ahead or end + self.lag <= as_of
            return [day.toordinal()] if due else []
        step = dt.timedelta(minutes=self.slot_minutes)
        out: list[int] = []
        t = start
        while t < end:
            if self.day_ahead or t + step + self.lag <= as_of:
                out.append(int(t.timestamp()))
            t += step
        return out

    def describe_slot(self, key: int, tz: ZoneInfo) -> dt.datetime:
        """The local start of a slot key."""
        if self.slot_minutes >= 1440:
            return dt.datetime.combine(dt.date.fromordinal(key), dt.time(), tz)
        return dt.datetime.fromtimestamp(key, UTC).astimezone(tz)


def load_cadences() -> dict[tuple[str, str], Cadence]:
    """(ISO, report format) -> cadence, from the registry seed seeds/report_cadences.csv. Day-ahead reports are due
    `due_after_minutes` after the operating day starts (02:00: they are published around 13:00-14:00 the day
    before); real-time ones that long after the slot ends (the freshness warn thresholds of the sources YAML)."""
    return {(r["iso"], r["format"]): Cadence(int(r["slot_minutes"]), r["day_ahead"].strip().lower() == "true",
                                             dt.timedelta(minutes=int(r["due_after_minutes"])), r["label"])
            for r in catalog.read_seed("report_cadences")}


CADENCES: dict[tuple[str, str], Cadence] = load_cadences()


def timezone(iso: str) -> ZoneInfo:
    return catalog.timezone(iso)


def expected_per_day(iso: str, fmt: str, day: dt.date) -> int:
    """Slots of a whole operating day (e.g. ERCOT SCED: 288, 276 or 300)."""
    cadence = CADENCES[(iso, fmt)]
    far_future = dt.datetime(9999, 1, 1, tzinfo=UTC)
    return len(cadence.slots_due(day, timezone(iso), far_future))
