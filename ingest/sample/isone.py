"""A deterministic ISO New England sample: the static "histRpts" CSVs in the record layout of the real files
(FORMATS_MORE.md, ISO-NE; the real excerpt in /work/shared/real_samples/isone/).

    generate_isone(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of CSV paths

Written as ISO-NE's folders hold them (`<folder>/<file>`), with every quirk of the real files:

- every line starts with a quoted record type: four `"C"` lines (title, `Filename: <name>`, `Report for: MM/DD/YYYY -
  MM/DD/YYYY`, `Report generated: MM/DD/YYYY HH:MM:SS EDT|EST`), two `"H"` lines (the names, then the types), the
  `"D"` rows, and a last `"T","<n> lines"` with n = the number of D lines and no newline after it; LF line endings
  as stored (whether ISO-NE serves CRLF is not known);
- DA_prices: `da-lmp/WW_DALMP_ISO_YYYYMMDD.csv`, generated the day before (seen); D rows quote every cell but the
  numbers: `"D","06/04/2026","01","4000",".H.INTERNAL_HUB","HUB",47.82,47.56,0.0,0.26` (seen);
- RT_hourly: `rt-lmp/lmp_rt_final_YYYYMMDD.csv`, identical except that Hour Ending is not quoted
  (`"D","06/02/2026",01,"4000",...`; seen); its title and its generation RT_FINAL_LAG days after the day are
  inferred, and so is `02X` being unquoted too;
- RT_prices: six 4-hour files a day, `5min-rt-prelim/lmp_5min_YYYYMMDD_HH-HH.csv` (00-04 ... 20-24; names from
  gridstatus). Their layout is inferred (no real file seen): the same C/H/D/T records, header `Local Time`,
  `Location ID`, ..., `Marginal Loss Component`, `Local Time` the interval BEGINNING as `HH:MM` local wall clock
  (the date only in the file name and the C lines), the 4 hours cut on the local wall clock; written for the days
  in `five_minute_days` (default: the DST days of the range and its last day, to keep the demo small);
- time: Date + Hour Ending `01`..`24`, local prevailing Eastern; on a fall-back day 25 hours, the repeated hour
  written `02X` after `02` (`02` = 01:00-02:00 EDT, `02X` = 01:00-02:00 EST; gridstatus' code, no real file seen);
  on a spring-forward day 23 hours without `03` (inferred); in the 5-minute files the repeated hour's stamps
  01:00..01:55 appear twice, in time order, without a marker, and 02:00..02:55 are missing on a spring-forward day;
- rows by hour (interval), then Location ID ascending (as the real file); numbers unpadded (`0.0`, `34.2`), LMP =
  energy + congestion + loss exactly at two decimals (seen); the energy component is system-wide, the same at every
  location of an hour (seen), congestion mostly `0.0`.

Locations: the real hub `.H.INTERNAL_HUB` (4000), the 8 real load zones (4001..4008) and a few real EXT. NODE,
HUB NODE, DRRAZ and NETWORK NODE names and IDs copied from the real DA file of 2026-06-04, with their embedded and
trailing spaces; the same set every day and in every dataset (a real file has about 1,200).

AS_prices: the final five-minute reserve zone
prices, one file a day `fiveminreserveprice/fiveminreserveprice_final_YYYYMMDD.csv` (ISO-NE serves them from
`transform/csv/fiveminreserveprice?type=final&start=..&end=..`; the file name, the title, the record layout, the type
line, `Local Time` as `MM/DD/YYYY HH:MM` interval beginning and the zones ROS 7000, SWCT 7001, CT 7002, NEMABSTN
7003 are inferred), the card's header order (gridstatus' names; the leading spaces it strips are not written);
prices nested as reserve products are (ten-minute spinning >= ten-minute >= thirty-minute "Total"), mostly `0.0`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable
from pathlib import Path

from ..catalog import timezone

DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
DATASETS = ("DA_prices", "RT_hourly", "RT_prices", "AS_prices")
ALL_DATASETS = DATASETS
EASTERN = timezone("ISONE")  # America/New_York, from seeds/isos.csv
UTC = dt.UTC
#: days between an operating day and its final real-time hourly report (inferred)
RT_FINAL_LAG = 3
HOUR = dt.timedelta(hours=1)

NAMES = ('"Location ID","Location Name","Location Type","Locational Marginal Price","Energy Component",'
         '"Congestion Component","Marginal Loss Component"')
TYPES = '"String","String","String","Number","Number","Number","Number"'
#: (title, folder, file-name pattern, first header columns, their types)
DA = ("Day-Ahead Energy Market Hourly LMP Report", "da-lmp", "WW_DALMP_ISO_{day:%Y%m%d}.csv",
      '"Date","Hour Ending"', '"Date","HE"')
RT = ("Real-Time Energy Market Hourly Final LMP Report", "rt-lmp", "lmp_rt_final_{day:%Y%m%d}.csv",
      '"Date","Hour Ending"', '"Date","HE"')
FIVE = ("Five-Minute Real-Time Preliminary LMP Report", "5min-rt-prelim", "lmp_5min_{day:%Y%m%d}_{chunk}.csv",
        '"Local Time"', '"Time"')
RESERVE = ("Five-Minute Reserve Zone Final Prices Report", "fiveminreserveprice",
           "fiveminreserveprice_final_{day:%Y%m%d}.csv", '"Local Time","Reserve Zone ID","Reserve Zone Name"',
           '"Date","Number","String"')
RESERVE_NAMES = ('"Ten-Minute Spinning Requirement","Ten-Minute Requirement","Total Requirement",'
                 '"Ten Minute Spinning Reserve Designated MW","Ten Minute Non Spinning Reserve Designated MW",'
                 '"Thirty Minute OperatingReserve Designated MW","Ten-Minute Spinning Reserve Clearing Price",'
                 '"Ten-Minute Reserve Clearing Price","Total Reserve Clearing Price"')
#: (zone ID, name, share of the system requirement) (inferred)
RESERVE_ZONES = ((7000, "ROS", 1.0), (7001, "SWCT", 0.0), (7002, "CT", 0.35), (7003, "NEMABSTN", 0.2))
CHUNKS = tuple(f"{h:02d}-{h + 4:02d}" for h in range(0, 24, 4))

#: (Location ID, Location Name, Location Type, loss factor, congestion weight), in ID order as published
LOCATIONS: tuple[tuple[int, str, str, float, float], ...] = (
    (321, "UN.FRNKLNSQ13.810CC", "NETWORK NODE", -0.008, 0.0),
    (327, "UN.EDDY    34.5AMOS", "NETWORK NODE", 0.001, 0.0),
    (331, "UN.ROXBURY 34.5AZIS", "NETWORK NODE", -0.07, 1.0),
    (4000, ".H.INTERNAL_HUB", "HUB", 0.005, 0.0),
    (4001, ".Z.MAINE", "LOAD ZONE", -0.026, 0.6),
    (4002, ".Z.NEWHAMPSHIRE", "LOAD ZONE", 0.003, 0.0),
    (4003, ".Z.VERMONT", "LOAD ZONE", 0.009, 0.0),
    (4004, ".Z.CONNECTICUT", "LOAD ZONE", -0.028, -0.3),
    (4005, ".Z.RHODEISLAND", "LOAD ZONE", 0.002, 0.0),
    (4006, ".Z.SEMASS", "LOAD ZONE", 0.021, 0.0),
    (4007, ".Z.WCMASS", "LOAD ZONE", 0.005, 0.0),
    (4008, ".Z.NEMASSBOST", "LOAD ZONE", 0.019, -0.4),
    (4010, ".I.SALBRYNB345 1", "EXT. NODE", -0.05, 1.0),
    (4011, ".I.ROSETON 345 1", "EXT. NODE", -0.03, 0.0),
    (4014, ".I.SHOREHAM138 99", "EXT. NODE", -0.03, -0.5),
    (6352, "HC.AYER    115", "HUB NODE", 0.008, 0.0),
    (6380, "HC.VERNONHL13.8    ", "HUB NODE", 0.014, 0.0),
    (7600, "DR.CT_Eastern", "DRRAZ", -0.027, -0.3),
    (7602, "DR.CT_Norwalk-Stamford", "DRRAZ", -0.033, -0.3),
    (77616, "UN.CONGRESS13.8CSFC", "NETWORK NODE", -0.039, 0.0),
)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(f"{seed}|" + "|".join(str(p) for p in parts))


def number(cents: int) -> str:
    """ISO-NE's unpadded number: 4782 -> `47.82`, 0 -> `0.0`, 3420 -> `34.2`."""
    return str(cents / 100)


def q(text: str) -> str:
    return f'"{text}"'


def utc_steps(day: dt.date, minutes: int) -> list[dt.datetime]:
    """UTC interval BEGINNINGS of an Eastern operating day (23, 24 or 25 hours' worth)."""
    start = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), EASTERN).astimezone(UTC)
    return [start + dt.timedelta(minutes=minutes * i) for i in range(int((end - start) / dt.timedelta(minutes=minutes)))]


def hour_endings(day: dt.date) -> list[tuple[str, dt.datetime]]:
    """(Hour Ending, UTC hour start) of an operating day: `01`..`24`, the fall-back repeat `02X`, no `03` in spring."""
    out: list[tuple[str, dt.datetime]] = []
    for start in utc_steps(day, 60):
        label = f"{start.astimezone(EASTERN).hour + 1:02d}"
        out.append((label + "X" if any(lab == label for lab, _ in out) else label, start))
    return out


def components(seed: int, market: str, start: dt.datetime, loc: tuple) -> tuple[int, int, int, int]:
    """(LMP, energy, congestion, loss) in cents at the interval beginning `start`; LMP their exact sum."""
    loc_id, _, _, loss_factor, weight = loc
    local = start.astimezone(EASTERN)
    hour = local.hour + local.minute / 60
    system = _rng(seed, market, start.isoformat())
    energy = round(100 * (34 + 11 * math.sin((hour - 10) / 24 * 2 * math.pi) + system.uniform(-4, 4)))
    congested = weight and system.random() < 0.25
    node = _rng(seed, market, loc_id, start.isoformat())
    congestion = round(100 * weight * node.uniform(1, 6)) if congested else 0
    loss = round(energy * loss_factor + node.uniform(-4, 4))
    return energy + congestion + loss, energy, congestion, loss


def report(kind: tuple, day: dt.date, generated: dt.datetime, rows: list[str], names: str = NAMES, types: str = TYPES,
           **name: str) -> tuple[str, str]:
    """(relative path, text) of one report: C lines, H lines, D rows and the trailer without a final newline."""
    title, folder, pattern, first, first_types = kind
    file = pattern.format(day=day, **name)
    generated = generated.astimezone(EASTERN)
    lines = [f'"C",{q(title)}', f'"C","Filename: {file}"', f'"C","Report for: {day:%m/%d/%Y} - {day:%m/%d/%Y}"',
             f'"C","Report generated: {generated:%m/%d/%Y %H:%M:%S} {generated.tzname()}"',
             f'"H",{first},{names}', f'"H",{first_types},{types}', *rows, f'"T","{len(rows)} lines"']
    return f"{folder}/{file}", "\n".join(lines)


def _cells(loc: tuple, values: tuple[int, ...]) -> str:
    return ",".join([q(str(loc[0])), q(loc[1]), q(loc[2]), *map(number, values)])


def hourly_file(day: dt.date, seed: int = DEFAULT_SEED, final: bool = False) -> tuple[str, str]:
    """The DA file (everything but the numbers quoted) or the RT final file (Hour Ending unquoted) of `day`."""
    market = "RT" if final else "DA"
    rows = [f'"D","{day:%m/%d/%Y}",{he if final else q(he)},' + _cells(loc, components(seed, market, start, loc))
            for he, start in hour_endings(day) for loc in LOCATIONS]
    midday = dt.datetime.combine(day, dt.time(12), EASTERN)
    offset = dt.timedelta(days=RT_FINAL_LAG) if final else -dt.timedelta(days=1)
    jitter = dt.timedelta(seconds=_rng(seed, market, "generated", day).randrange(3600))
    return report(RT if final else DA, day, midday + offset + jitter, rows)


def five_minute_files(day: dt.date, seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """The six 4-hour files of `day`, cut on the local wall clock (a DST day's 00-04 file holds 3 or 5 hours)."""
    out = []
    steps = utc_steps(day, 5)
    for chunk in CHUNKS:
        lo, hi = (int(h) for h in chunk.split("-"))
        mine = [s for s in steps if lo <= s.astimezone(EASTERN).hour < hi]
        rows = [f'"D",{q(f"{s.astimezone(EASTERN):%H:%M}")},' + _cells(loc, components(seed, "RT5", s, loc))
                for s in mine for loc in LOCATIONS]
        generated = mine[-1] + dt.timedelta(minutes=5 + _rng(seed, "RT5", "generated", day, chunk).randrange(1, 9))
        out.append(report(FIVE, day, generated, rows, chunk=chunk))
    return out


def reserve_file(day: dt.date, seed: int = DEFAULT_SEED) -> tuple[str, str]:
    """The final five-minute reserve zone prices of `day` (AS_prices; layout inferred, see the module docstring)."""
    rows = []
    for s in utc_steps(day, 5):
        system = _rng(seed, "RSV", s.isoformat())
        tmor = round(100 * system.uniform(1, 30)) if system.random() < 0.05 else 0
        tmnsr = tmor + (round(100 * system.uniform(1, 15)) if system.random() < 0.15 else 0)
        tmsr = tmnsr + (round(100 * system.uniform(0.5, 10)) if system.random() < 0.4 else 0)
        for zone_id, zone, share in RESERVE_ZONES:
            need = [round(100 * share * mw) for mw in (700, 1750, 2600)]  # TMSR, TMR, total requirement
            held = [round(n * system.uniform(1.0, 1.3)) for n in need]
            prices = (tmsr, tmnsr, tmor) if share else (0, 0, 0)
            rows.append(f'"D","{s.astimezone(EASTERN):%m/%d/%Y %H:%M}","{zone_id}","{zone}",'
                        + ",".join(map(number, (*need, *held, *prices))))
    generated = dt.datetime.combine(day, dt.time(14), EASTERN) + dt.timedelta(days=RT_FINAL_LAG)
    types = ",".join(['"Number"'] * 9)
    return report(RESERVE, day, generated, rows, names=RESERVE_NAMES, types=types)


def dst_days(days: Iterable[dt.date]) -> list[dt.date]:
    return [d for d in days if len(utc_steps(d, 60)) != 24]


def generate_isone(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
    five_minute_days: Iterable[dt.date] | None = None,
) -> list[Path]:
    """Write the sample under `out_dir`; returns the CSV paths, sorted. RT_prices files are written for the days of
    `five_minute_days` within the range (default: its DST days and its last day)."""
    out_dir = Path(out_dir)
    all_days = [start + dt.timedelta(days=i) for i in range(days)]
    fives = set(dst_days(all_days) + all_days[-1:] if five_minute_days is None else five_minute_days)
    files: list[tuple[str, str]] = []
    for day in all_days:
        if "DA_prices" in datasets:
            files.append(hourly_file(day, seed))
        if "RT_hourly" in datasets:
            files.append(hourly_file(day, seed, final=True))
        if "AS_prices" in datasets:
            files.append(reserve_file(day, seed))
        if "RT_prices" in datasets and day in fives:
            files += five_minute_files(day, seed)
    paths = []
    for rel, text in files:
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return sorted(paths)
