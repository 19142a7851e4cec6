"""The repeated fall-back hour of files that do not flag it (time_convention `local_order`: NYISO, ISO-NE), told apart
at landing and written into the landed CSV as one more column, `Occurrence`: 1 for the first (daylight-time) pass of
a local time, 2 for the second (standard-time) pass. Staging hands it to the project's one DST rule (local_to_utc).

    with_occurrence(iso, fmt, name, csv_bytes) -> csv_bytes + the column   # raises Unresolvable(reason): quarantine

Why at landing: the only thing that tells NYISO's two `11/03/2024 01:00` rows of a zone apart is which comes first in
the delivered file (FORMATS_MORE.md, NYISO; pyiso #111 and gridstatus #55 show what guessing does), and row order
exists only in the delivered file (a glob read of many CSVs has none). ISO-NE's hourly reports label the second pass
`02X` (hour ending), so there the label decides and order is not needed.

Rules, per file and location (the columns in RULES: NYISO's PTID, ISO-NE's Location ID), in file order:

- a local time that does not exist (the skipped spring-forward hour) is refused;
- a local time seen for the second time is the second pass only inside the repeated hour; anywhere else, or a third
  time, the file contradicts itself (two rows for one key) and is refused;
- where order decides, each location's times must run forwards once resolved (UTC strictly increasing): a file
  sorted any other way (by price, by name and time with the passes swapped) cannot say which row is which pass, so
  it is refused rather than guessed;
- where a label decides (ISO-NE's `02X`; NYISO damasp's `Time Zone` EDT / EST), the label must sit inside the
  repeated hour of a fall-back day (a time zone must be the clock's at that local time), and a location cannot have
  one label twice.

Every refusal names the line, the location and the local time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from .catalog import load_isos

COLUMN = "Occurrence"
UTC = dt.UTC


class Unresolvable(ValueError):
    """The file's rows cannot be placed in time without guessing (the message says where and why)."""


#: (row, file name) -> (local time as written, what the file states: an occurrence (ISO-NE's `02X` label), a time
#: zone abbreviation (NYISO's damasp `Time Zone`: EDT / EST), or None when order decides)
Reader = Callable[[dict[str, str], str], tuple[dt.datetime, int | str | None]]


def _stamp(text: str) -> dt.datetime:
    """NYISO's `MM/DD/YYYY HH:MM` (hourly) or `MM/DD/YYYY HH:MM:SS` (real-time)."""
    text = text.strip()
    for form in ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            pass
    raise ValueError(f"time stamp {text!r} is not MM/DD/YYYY HH:MM[:SS]")


def nyiso_row(row: dict[str, str], name: str) -> tuple[dt.datetime, int | str | None]:
    return _stamp(row["Time Stamp"]), None


def nyiso_zone_row(row: dict[str, str], name: str) -> tuple[dt.datetime, int | str | None]:
    """damasp's `Time Zone` column (EDT / EST) says which pass a row is: it decides, and must match the clock."""
    return _stamp(row["Time Stamp"]), row["Time Zone"].strip().upper()


HOUR_ENDING = re.compile(r"^(\d{1,2})(X?)$")


def isone_hourly_row(row: dict[str, str], name: str) -> tuple[dt.datetime, int | None]:
    """Date + Hour Ending `01`..`24`, the repeated hour `02X`: the hour's local start and the label's pass."""
    he = row["Hour Ending"].strip()
    m = HOUR_ENDING.match(he)
    if not m or not 1 <= int(m.group(1)) <= 24 or (m.group(2) and m.group(1).lstrip("0") != "2"):
        raise ValueError(f"hour ending {he!r} is not 01..24 or 02X")
    day = dt.datetime.strptime(row["Date"].strip(), "%m/%d/%Y")
    return day + dt.timedelta(hours=int(m.group(1)) - 1), 2 if m.group(2) else 1


FIVE_MIN_NAME = re.compile(r"lmp_5min_(\d{8})_(\d{2})-(\d{2})", re.I)


def isone_five_minute_row(row: dict[str, str], name: str) -> tuple[dt.datetime, int | None]:
    """`Local Time` HH:MM on the day and within the hours the file name gives (`lmp_5min_YYYYMMDD_HH-HH.csv`)."""
    m = FIVE_MIN_NAME.search(name)
    if not m:
        raise ValueError("the file name does not give the day and hours (lmp_5min_YYYYMMDD_HH-HH.csv)")
    day = dt.datetime.strptime(m.group(1), "%Y%m%d")
    clock = dt.datetime.strptime(row["Local Time"].strip(), "%H:%M")
    if not int(m.group(2)) <= clock.hour < int(m.group(3)):
        raise ValueError(f"local time {row['Local Time'].strip()} is outside the file's hours {m.group(2)}-{m.group(3)}")
    return day.replace(hour=clock.hour, minute=clock.minute), None


def isone_reserve_row(row: dict[str, str], name: str) -> tuple[dt.datetime, int | str | None]:
    """The reserve report's `Local Time`, `MM/DD/YYYY HH:MM` (interval start; inferred layout)."""
    return dt.datetime.strptime(row["Local Time"].strip(), "%m/%d/%Y %H:%M"), None


@dataclass(frozen=True)
class Rule:
    location: tuple[str, ...]  # the columns naming a location
    read: Reader
    #: interval-end day files (NYISO real-time): every location must reach the next day's 00:00. A file fetched while
    #: its day runs ends earlier, and its last rows are 15-minute RTC advisory prices, not RTD ones (FORMATS_MORE.md,
    #: NYISO; a live capture in pyiso's tests): refused, to be landed once the day is over.
    whole_day: bool = False


NYISO = Rule(("PTID",), nyiso_row)
RULES: dict[tuple[str, str], Rule] = {
    **{("NYISO", f): NYISO for f in ("damlbmp_zone", "damlbmp_gen", "rtlbmp_zone", "rtlbmp_gen")},
    **{("NYISO", f): Rule(("PTID",), nyiso_row, whole_day=True) for f in ("realtime_zone", "realtime_gen")},
    ("NYISO", "damasp"): Rule(("PTID",), nyiso_zone_row),
    ("NYISO", "rtasp"): Rule(("PTID",), nyiso_zone_row, whole_day=True),
    ("ISONE", "da_lmp"): Rule(("Location ID",), isone_hourly_row),
    ("ISONE", "lmp_rt_final"): Rule(("Location ID",), isone_hourly_row),
    ("ISONE", "lmp_5min"): Rule(("Location ID",), isone_five_minute_row),
    ("ISONE", "fiveminreserveprice"): Rule(("Reserve Zone ID",), isone_reserve_row),
}


def applies(iso: str, fmt: str) -> bool:
    return (iso.upper(), fmt) in RULES


@lru_cache(maxsize=4096)
def passes(local: dt.datetime, zone: str) -> tuple[dt.datetime, ...]:
    """The UTC instants a local wall-clock time stands for: one, two (the repeated hour) or none (the skipped hour)."""
    tz = ZoneInfo(zone)
    out = []
    for fold in (0, 1):
        u = local.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if u.astimezone(tz).replace(tzinfo=None) == local and u not in out:
            out.append(u)
    return tuple(sorted(out))


def with_occurrence(iso: str, fmt: str, name: str, data: bytes) -> bytes:
    """The landed CSV `data` (UTF-8, LF, header first) with the `Occurrence` column appended; Unresolvable(reason)
    when a row cannot be placed in time without guessing."""
    rule = RULES[(iso.upper(), fmt)]
    zone = load_isos()[iso.upper()].timezone
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(rows)
    at = {c.strip(): i for i, c in enumerate(header)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*header, COLUMN])
    seen: dict[tuple, int] = {}
    last: dict[tuple, dt.datetime] = {}
    first_local: dict[tuple, dt.datetime] = {}
    last_local: dict[tuple, dt.datetime] = {}
    for n, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {c: cells[i] if i < len(cells) else "" for c, i in at.items()}
        where = ", ".join(f"{c} {row[c].strip()}" for c in rule.location)
        try:
            local, stated = rule.read(row, name)
        except (ValueError, KeyError) as exc:
            raise Unresolvable(f"line {n}: {exc}") from None
        instants = passes(local, zone)
        shown = f"line {n} ({where}, local time {local:%Y-%m-%d %H:%M})"
        if not instants:
            raise Unresolvable(f"{shown}: that local time does not exist in {zone} (the skipped spring-forward hour)")
        if isinstance(stated, str):  # a time zone abbreviation: the instant whose offset it names
            names = [u.astimezone(ZoneInfo(zone)).tzname() for u in instants]
            if stated not in names:
                raise Unresolvable(f"{shown}: Time Zone {stated} is not the clock's ({' or '.join(names)}) at that "
                                   f"local time")
            stated = names.index(stated) + 1
        key = (tuple(row[c].strip() for c in rule.location), local, stated)
        count = seen[key] = seen.get(key, 0) + 1
        occurrence = stated or count
        if count > 1 and stated is not None:
            raise Unresolvable(f"{shown}: the location has this hour twice under one label")
        if occurrence > len(instants):
            raise Unresolvable(f"{shown}: a second row for this location and local time, which is not in the repeated "
                               f"fall-back hour" if len(instants) == 1 else
                               f"{shown}: a third row for this location and local time (the repeated hour has two)")
        utc = instants[occurrence - 1]
        loc = key[0]
        if stated is None and loc in last and utc <= last[loc]:
            raise Unresolvable(f"{shown}: the location's rows are not in time order, so the file's order cannot say "
                               f"which of the two passes of the repeated fall-back hour a row is")
        last[loc] = utc
        first_local.setdefault(loc, local)
        last_local[loc] = local
        writer.writerow([*cells, occurrence])
    if rule.whole_day:
        for loc, local in last_local.items():
            end = dt.datetime.combine(first_local[loc].date() + dt.timedelta(days=1), dt.time(0))
            if local != end:
                where = ", ".join(f"{c} {v}" for c, v in zip(rule.location, loc, strict=True))
                raise Unresolvable(f"{where}: the day file ends at {local:%m/%d/%Y %H:%M:%S}, not at the next day's "
                                   f"00:00:00: a file fetched before its day was over (its last rows are RTC advisory "
                                   f"prices, not RTD ones); land it once the day is complete")
    return out.getvalue().encode("utf-8")
