"""A deterministic NYISO sample: MIS public CSVs in the layout of the real LBMP files (FORMATS_MORE.md, NYISO; the
real files in tests/python/fixtures/real_samples/nyiso/).

    generate_nyiso(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of paths

Written as MIS serves them, `<out_dir>/<folder>/<YYYYMMDD><folder><suffix>.csv`, one file per operating day:

- DA_prices: `damlbmp/YYYYMMDDdamlbmp_zone.csv` and `..._gen.csv`, hourly, `Time Stamp` = hour beginning
  `MM/DD/YYYY HH:MM`;
- RT_prices: `realtime/YYYYMMDDrealtime_zone.csv` and `..._gen.csv`, 5-minute, `Time Stamp` = interval END
  `MM/DD/YYYY HH:MM:SS`: a day file runs 00:05:00 .. next day 00:00:00;
- RT_hourly: `rtlbmp/YYYYMMDDrtlbmp_zone.csv` and `..._gen.csv`, hour beginning as DA, quoted as the real-time
  files (inferred); each component is the mean of the hour's twelve on-grid 5-minute values, rounded to the cent
  (the hourly integration is inferred);
- AS_prices: `damasp/YYYYMMDDdamasp.csv`, hourly DA reserve and regulation prices, hour beginning `MM/DD/YYYY HH:MM`
  (see below);
- RT_AS_prices: `rtasp/YYYYMMDDrtasp.csv`, the same per interval END `MM/DD/YYYY HH:MM:SS` (00:05:00 .. next day
  00:00:00, and the day's two off-grid RTD ends) plus `NYCA Regulation Movement ($/MW)` last;
- months that end before `zip_before` (default none) are written as MIS archives them instead:
  `<folder>/<YYYYMM01><folder><suffix>_csv.zip` holding that month's daily CSVs (of the days generated).

Seen in real files (tests/python/fixtures/real_samples/nyiso/): the six-column LBMP header, CRLF line ends;
real-time files quote the header cells and the rows' `Time Stamp` and `Name` but not the numbers
(`"11/06/2022 00:05:00","CAPITL",61757,72.36,-0.37,-82.46`), day-ahead files quote nothing
(`11/05/2017 01:00,CAPITL,61757,24.31,...`: 730 real daily files); real-time files also hold extra RTD intervals
ending off the 5-minute grid (written here: two ending 78 s and 6 s before 20:15 each day); two decimals always;
local prevailing Eastern wall clock with no time-zone column; rows sorted by time, then name; the 15 zone rows (11
NYCA zones and the proxies H Q, NPX, O H, PJM) with their real PTIDs; the sign convention LBMP = energy + losses -
congestion (a positive "Marginal Cost Congestion" lowers the price), exact at two decimals here; the fall-back day's
25 hours with the repeated hour written twice with the same stamps, in time order (every name at the first 01:00,
then every name at the second; real-time: the ends 01:00:00 .. 01:55:00 twice); the spring-forward day's 23 hours
without 02:00 stamps (real-time: 01:55:00 followed by 03:00:00).

Seen in the real damasp and rtasp files of 2024-04-13 (tests/python/fixtures/real_samples/nyiso/Rick10119_*): the
header `Time Stamp,Time Zone,Name,PTID,10 Min Spinning Reserve ($/MWHr),10 Min Non-Synchronous Reserve ($/MWHr),
30 Min Operating Reserve ($/MWHr),NYCA Regulation Capacity ($/MWHr)` (rtasp: `,NYCA Regulation Movement ($/MW)`
last), nothing quoted (`04/13/2024 00:00,EDT,CAPITL,61757,5.00,5.00,2.99,5.00`), the 11 NYCA zones only (no proxy
buses) by name; damasp stamps are hour beginnings without seconds, rtasp stamps interval ends with seconds, and
rtasp holds off-grid RTD ends as the realtime files do (13:06:38, 13:09:32); regulation capacity and movement one
price for every zone; the western zones (CENTRL, GENESE, MHK VL, NORTH, WEST) priced alike. Those files came
through git with LF line ends (NYISO's originals may have had CRLF, as its realtime zips do): CRLF is kept here.

Inferred (no real file seen): the rtlbmp layout (as damlbmp); the DST days of damasp / rtasp (the Time Zone column
EST on the repeated hour's second pass); the reserve region of each eastern zone (East, SENY, NYC, Long Island; the
real day priced LONGIL as DUNWOD throughout). Made up: the generator names and PTIDs of the `_gen` files and
`NYISO_LBMP_REFERENCE`'s PTID (the reference bus itself is real: it carries the energy price, with zero losses and
congestion); all prices.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..catalog import timezone

DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
EASTERN = timezone("NYISO")  # America/New_York, from seeds/isos.csv
UTC = dt.UTC
HOUR_STAMP = "%m/%d/%Y %H:%M"
INTERVAL_STAMP = "%m/%d/%Y %H:%M:%S"
HEADER = ('"Time Stamp","Name","PTID","LBMP ($/MWHr)","Marginal Cost Losses ($/MWHr)",'
          '"Marginal Cost Congestion ($/MWHr)"')
#: damasp and rtasp quote nothing, header included (real 2024-04-13 files)
HEADER_ASP = ("Time Stamp,Time Zone,Name,PTID,10 Min Spinning Reserve ($/MWHr),10 Min Non-Synchronous Reserve ($/MWHr),"
              "30 Min Operating Reserve ($/MWHr),NYCA Regulation Capacity ($/MWHr)")
HEADER_RTASP = HEADER_ASP + ",NYCA Regulation Movement ($/MW)"
#: dataset -> MIS folder, file suffixes (the formats are `<folder><suffix>`)
FOLDERS = {"DA_prices": ("damlbmp", ("_zone", "_gen")), "RT_prices": ("realtime", ("_zone", "_gen")),
           "RT_hourly": ("rtlbmp", ("_zone", "_gen")), "AS_prices": ("damasp", ("",)),
           "RT_AS_prices": ("rtasp", ("",))}
DATASETS = tuple(FOLDERS)
ZIP_TIME = (2024, 12, 1, 0, 0, 0)  # member times of the generated archives (fixed: deterministic bytes)


@dataclass(frozen=True)
class Location:
    name: str
    ptid: int
    loss_factor: float  # marginal losses as a share of the energy price
    congestion: float  # typical congestion in the peak hours when it binds, $/MWh (positive lowers the LBMP)


#: the 15 rows of a zone file, in the real file's order (by Name); PTIDs real, factors shaped on the real rows
ZONES: tuple[Location, ...] = (
    Location("CAPITL", 61757, 0.045, 0.0),
    Location("CENTRL", 61754, -0.002, -1.2),
    Location("DUNWOD", 61760, 0.065, 0.0),
    Location("GENESE", 61753, -0.025, 11.0),
    Location("H Q", 61844, -0.01, 0.0),
    Location("HUD VL", 61758, 0.045, 0.0),
    Location("LONGIL", 61762, 0.05, -2.5),
    Location("MHK VL", 61756, 0.025, 0.0),
    Location("MILLWD", 61759, 0.06, 0.0),
    Location("N.Y.C.", 61761, 0.07, -1.5),
    Location("NORTH", 61755, -0.01, 0.0),
    Location("NPX", 61845, 0.045, 0.0),
    Location("O H", 61846, -0.06, 9.5),
    Location("PJM", 61847, -0.015, 3.3),
    Location("WEST", 61752, -0.06, 9.0),
)
#: the rows of a generator file (names and PTIDs made up, but the reference bus), by Name
GENERATORS: tuple[Location, ...] = (
    Location("ELK_RIDGE___CC1", 323901, -0.03, 8.0),
    Location("GRANITE_FALLS___HY2", 323902, -0.012, 0.0),
    Location("HARBOR_POINT___GT3", 323903, 0.072, -1.5),
    Location("NORTH_PINES___WIND", 323904, -0.02, 0.0),
    Location("NYISO_LBMP_REFERENCE", 24008, 0.0, 0.0),
    Location("SALT_MEADOW___ST4", 323905, 0.055, -2.5),
)
#: damasp rows: NYCA load zone -> reserve region (inferred); region -> price levels of the three reserves, $/MWh
ASP_REGIONS = {"CAPITL": "EAST", "CENTRL": "WEST", "DUNWOD": "SENY", "GENESE": "WEST", "HUD VL": "SENY",
               "LONGIL": "LI", "MHK VL": "WEST", "MILLWD": "SENY", "N.Y.C.": "NYC", "NORTH": "WEST", "WEST": "WEST"}
ASP_LEVELS = {"WEST": (3.0, 1.0, 0.5), "EAST": (5.0, 2.5, 1.0), "SENY": (5.5, 2.8, 1.0),
              "NYC": (6.0, 3.0, 1.2), "LI": (6.0, 3.0, 1.5)}
REGULATION = 9.0  # NYCA Regulation Capacity, $/MWh: one price for every zone (real files)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(f"{seed}|" + "|".join(str(p) for p in parts))


def instants(day: dt.date, minutes: int) -> list[dt.datetime]:
    """UTC interval STARTS of an Eastern operating day: 24 hours' worth, 23 or 25 on DST days."""
    start = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), EASTERN).astimezone(UTC)
    return [start + dt.timedelta(minutes=minutes * i) for i in range(int((end - start).total_seconds()) // 60 // minutes)]


def cents(c: int) -> str:
    return f"{c / 100:.2f}"


def _components(seed: int, market: str, day: dt.date, starts: list[dt.datetime],
                loc: Location) -> list[tuple[int, int, int]]:
    """(energy, losses, congestion) in cents at each interval start: one energy price a market and instant, a
    location's losses and its congestion in the peak hours now and then."""
    system, node = _rng(seed, market, day), _rng(seed, market, day, loc.name)
    noise = 2.0 if market == "DA" else 7.0
    out = []
    for t in starts:
        hour = t.astimezone(EASTERN).hour
        shape = 32 + 12 * math.sin((hour - 9) / 24 * 2 * math.pi) + (9 if 16 <= hour <= 20 else 0)
        energy = round(100 * (shape + system.uniform(-noise, noise)))
        loss = round(energy * loc.loss_factor + 100 * node.uniform(-0.04, 0.04)) if loc.loss_factor else 0
        binds = loc.congestion and 7 <= hour <= 21 and node.random() < 0.6
        congestion = round(100 * loc.congestion * node.uniform(0.5, 1.5)) if binds else 0
        out.append((energy, loss, congestion))
    return out


def _price_rows(stamps: list[str], per_location: list[tuple[Location, list[tuple[int, int, int]]]],
                quoted: bool = True) -> list[str]:
    rows = []
    q = '"' if quoted else ""
    for i, stamp in enumerate(stamps):  # by time, then name
        for loc, values in per_location:
            energy, loss, congestion = values[i]
            lbmp = energy + loss - congestion
            rows.append(f'{q}{stamp}{q},{q}{loc.name}{q},{loc.ptid},{cents(lbmp)},{cents(loss)},{cents(congestion)}')
    return rows


def _text(header: str, rows: list[str]) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def _locations(suffix: str) -> tuple[Location, ...]:
    return ZONES if suffix == "_zone" else GENERATORS


def da_file(day: dt.date, suffix: str = "_zone", seed: int = DEFAULT_SEED) -> str:
    """A damlbmp file: hour beginning stamps, every location each hour."""
    starts = instants(day, 60)
    stamps = [t.astimezone(EASTERN).strftime(HOUR_STAMP) for t in starts]
    return _text(HEADER.replace('"', ""), _price_rows(stamps, [(loc, _components(seed, "DA", day, starts, loc))
                                                               for loc in _locations(suffix)], quoted=False))


def rtd_ends(starts: list[dt.datetime]) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """The UTC ends of a real-time day's 5-minute intervals, and of the extra RTD intervals ending off the 5-minute
    grid that real files hold (realtime 2022-11-06: 20:13:42 and 20:14:54 before 20:15:00; rtasp 2024-04-13:
    13:06:38 and 13:09:32): two here, 78 s and 6 s before 20:15 local, the same RTD runs in the realtime and the
    rtasp file of a day."""
    ends = [t + dt.timedelta(minutes=5) for t in starts]
    grid = next((e for e in ends if e.astimezone(EASTERN).strftime("%H:%M") == "20:15"), None)
    return ends, [grid - dt.timedelta(seconds=78), grid - dt.timedelta(seconds=6)] if grid is not None else []


def realtime_file(day: dt.date, suffix: str = "_zone", seed: int = DEFAULT_SEED) -> str:
    """A realtime (RTD) file: 5-minute interval END stamps, 00:05:00 .. next day 00:00:00."""
    starts = instants(day, 5)
    ends, extra = rtd_ends(starts)
    order = sorted(ends + extra)
    per_location = []
    for loc in _locations(suffix):
        values = dict(zip(ends, _components(seed, "RT", day, starts, loc), strict=True))
        values.update(zip(extra, _components(seed, "RT_extra", day, [e - dt.timedelta(minutes=5) for e in extra], loc),
                          strict=True))
        per_location.append((loc, [values[e] for e in order]))
    stamps = [e.astimezone(EASTERN).strftime(INTERVAL_STAMP) for e in order]
    return _text(HEADER, _price_rows(stamps, per_location))


def rtlbmp_file(day: dt.date, suffix: str = "_zone", seed: int = DEFAULT_SEED) -> str:
    """An rtlbmp file: hour beginning stamps, each component the mean of the hour's 5-minute values."""
    starts, fine = instants(day, 60), instants(day, 5)
    stamps = [t.astimezone(EASTERN).strftime(HOUR_STAMP) for t in starts]
    per_location = []
    for loc in _locations(suffix):
        values = _components(seed, "RT", day, fine, loc)
        hourly = [tuple(round(sum(v[k] for v in values[12 * h:12 * h + 12]) / 12) for k in range(3))
                  for h in range(len(starts))]
        per_location.append((loc, hourly))
    return _text(HEADER, _price_rows(stamps, per_location))


def damasp_file(day: dt.date, seed: int = DEFAULT_SEED, minutes: int = 60) -> str:
    """A damasp file: one row per NYCA load zone and hour, the reserves priced as the zone's reserve region
    (inferred), regulation one NYCA-wide price; with `minutes=5` the rtasp file: interval END stamps
    `MM/DD/YYYY HH:MM:SS` (00:05:00 .. next day 00:00:00), the regulation movement price last, and the two extra RTD
    intervals ending off the 5-minute grid that the day's realtime files hold (rtd_ends; priced from their own
    random stream, so the grid intervals keep their values). Nothing quoted (the real 2024-04-13 files)."""
    starts = instants(day, minutes)
    if minutes == 60:
        ends, extra = starts, []  # hour beginning
    else:
        ends, extra = rtd_ends(starts)
    rows = []
    for end in sorted(ends + extra):
        local = end.astimezone(EASTERN)
        stamp = local.strftime(HOUR_STAMP if minutes == 60 else INTERVAL_STAMP)
        t = end if minutes == 60 else end - dt.timedelta(minutes=minutes)
        stream = "ASP" if minutes == 60 else "RTASP_extra" if end in extra else "RTASP"
        rng = _rng(seed, stream, t.isoformat())
        shape = 1 + 0.6 * math.sin((local.hour - 8) / 24 * 2 * math.pi)
        reserves = {region: [round(100 * level * shape * rng.uniform(0.8, 1.2)) for level in levels]
                    for region, levels in ASP_LEVELS.items()}
        regulation = [round(100 * REGULATION * rng.uniform(0.9, 1.1))]  # NYCA-wide, as the column says
        movement = [] if minutes == 60 else [round(100 * rng.uniform(0.05, 0.4))]  # NYCA-wide too (real)
        for zone in ZONES:
            if zone.name in ASP_REGIONS:
                rows.append(f"{stamp},{local.tzname()},{zone.name},{zone.ptid},"
                            + ",".join(map(cents, reserves[ASP_REGIONS[zone.name]] + regulation + movement)))
    return _text(HEADER_ASP if minutes == 60 else HEADER_RTASP, rows)


def day_file(dataset: str, suffix: str, day: dt.date, seed: int = DEFAULT_SEED) -> str:
    if dataset == "DA_prices":
        return da_file(day, suffix, seed)
    if dataset == "RT_prices":
        return realtime_file(day, suffix, seed)
    if dataset == "RT_hourly":
        return rtlbmp_file(day, suffix, seed)
    if dataset == "RT_AS_prices":
        return damasp_file(day, seed, minutes=5)
    return damasp_file(day, seed)


def file_name(folder: str, suffix: str, day: dt.date) -> str:
    """MIS's name of a day's file: `20241103damlbmp_zone.csv`."""
    return f"{day:%Y%m%d}{folder}{suffix}.csv"


def zip_name(folder: str, suffix: str, month: dt.date) -> str:
    """MIS's name of a month's archive: `20241001damlbmp_zone_csv.zip`."""
    return f"{month:%Y%m}01{folder}{suffix}_csv.zip"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip of these members with fixed times, so the same members give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def generate_nyiso(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
    zip_before: dt.date | None = None,
) -> list[Path]:
    """Write the sample under `out_dir` and return the paths written, sorted. Days of months that end before
    `zip_before` go into the month's MIS archive instead of daily CSVs. Same arguments give byte-identical files."""
    unknown = [d for d in datasets if d not in FOLDERS]
    if unknown:
        raise ValueError(f"unknown NYISO dataset(s) {unknown}: expected some of {', '.join(DATASETS)}")
    if days < 0:
        raise ValueError("days must be >= 0")
    out_dir = Path(out_dir)
    files: dict[str, bytes] = {}
    archives: dict[str, dict[str, bytes]] = {}
    for dataset in datasets:
        folder, suffixes = FOLDERS[dataset]
        for suffix in suffixes:
            for i in range(days):
                day = start + dt.timedelta(days=i)
                name, data = file_name(folder, suffix, day), day_file(dataset, suffix, day, seed).encode("ascii")
                month_last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
                if zip_before is not None and month_last < zip_before:
                    archives.setdefault(f"{folder}/{zip_name(folder, suffix, day)}", {})[name] = data
                else:
                    files[f"{folder}/{name}"] = data
    files.update({rel: zip_bytes(members) for rel, members in archives.items()})
    paths = []
    for rel, data in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return sorted(paths)
