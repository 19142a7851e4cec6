"""A deterministic CAISO sample: OASIS SingleZip downloads byte-compatible with the real ones (shared FORMATS.md, CAISO).

    generate_caiso(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of zip paths

Four OASIS queries, each answered the way OASIS answers a named-node query (`resultformat=6`): one zip per request,
named `<start>_<end>_<QUERY>_<MARKET>_<request YYYYMMDD_HH_MM_SS>_v<version>.zip`, holding one CSV per price component
named `<start>_<end>_<QUERY>_<MARKET>_<component>_v<version>.csv` (`<start>`/`<end>`: the Pacific operating days of the
window, end exclusive). Every timestamp in the rows is GMT (`2024-11-03T08:00:00-00:00`); `OPR_DT` is the Pacific
operating day, `OPR_HR` the hour ending within it (1..25 on the fall-back day, 1..23 on the spring-forward day).

- DA_prices  PRC_LMP v12, market DAM, hourly, every point of POINTS; windows of DA_WINDOW_DAYS days. Five CSVs:
             LMP/LMP_PRC, MCE/LMP_ENE_PRC, MCC/LMP_CONG_PRC, MCL/LMP_LOSS_PRC, MGHG/LMP_GHG_PRC (price column `MW`).
- RT_prices  PRC_RTPD_LMP v3, market RTPD, 15-minute (OPR_INTERVAL 1..4), every point; one-day windows (price `PRC`).
- RT_5min    PRC_INTVL_LMP v3, market RTM, 5-minute (OPR_INTERVAL 1..12), trading hubs; one-day windows (price `VALUE`).
- AS_prices  PRC_AS v12, market DAM, hourly, one CSV (`..._PRC_AS_DAM_v12.csv`) of every (ANC_REGION, ANC_TYPE)
             clearing price; rows unsorted, as OASIS returns them.

Prices: LMP = energy + congestion + loss + GHG exactly (five decimals, as OASIS prints them). Energy is one
system-wide value per interval with a duck-curve shape (cheap solar middays, evening ramp peak, some negative
real-time middays); congestion, loss and GHG are per point. Every random draw comes from
`random.Random("<seed>:<what>:<key>")`, so one dataset's files never depend on which others are generated.
DST: the series step through UTC from Pacific midnight to the next Pacific midnight, so 2024-11-03 has 25 hours.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..catalog import timezone

PACIFIC = timezone("CAISO")
UTC = dt.UTC

TRADING_HUBS: tuple[str, ...] = ("TH_NP15_GEN-APND", "TH_SP15_GEN-APND", "TH_ZP26_GEN-APND")
DLAPS: tuple[str, ...] = ("DLAP_PGAE-APND", "DLAP_SCE-APND", "DLAP_SDGE-APND", "DLAP_VEA-APND")
NODES: tuple[str, ...] = ("0096WD_7_N001", "AVENAL_6_N001", "MOSSLD_2_PSP1")
#: The ten named nodes of every LMP query (OASIS allows at most 10 per query).
POINTS: tuple[str, ...] = TRADING_HUBS + DLAPS + NODES
#: The 5-minute query asks for the trading hubs only (keeps the sample small).
INTERVAL_POINTS: tuple[str, ...] = TRADING_HUBS

#: (LMP_TYPE, XML_DATA_ITEM) in the order OASIS packs the component CSVs.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("LMP", "LMP_PRC"), ("MCC", "LMP_CONG_PRC"), ("MCE", "LMP_ENE_PRC"), ("MCL", "LMP_LOSS_PRC"), ("MGHG", "LMP_GHG_PRC"),
)
AS_REGIONS: tuple[str, ...] = ("AS_CAISO_EXP", "AS_NP26_EXP", "AS_SP26_EXP")
#: ANC_TYPE -> XML_DATA_ITEM of its clearing price.
AS_TYPES: dict[str, str] = {
    "RU": "RU_CLR_PRC", "RD": "RD_CLR_PRC", "SR": "SP_CLR_PRC", "NR": "NS_CLR_PRC", "RMU": "RMU_CLR_PRC",
    "RMD": "RMD_CLR_PRC",
}

DATASETS: tuple[str, ...] = ("DA_prices", "RT_prices", "RT_5min", "AS_prices")
DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
DA_WINDOW_DAYS = 7  # DAM and AS requests cover a week (OASIS allows up to 31 days)
EOL = "\n"  # OASIS CSVs use LF


@dataclass(frozen=True)
class OasisQuery:
    dataset: str
    queryname: str
    market: str
    version: int
    minutes: int
    price_column: str
    header: str
    window_days: int


LMP_HEADER = ("INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,OPR_INTERVAL,NODE_ID_XML,NODE_ID,NODE,"
              "MARKET_RUN_ID,LMP_TYPE,XML_DATA_ITEM,PNODE_RESMRID,GRP_TYPE,POS,MW,GROUP")
RTPD_HEADER = ("INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,NODE_ID_XML,NODE_ID,NODE,MARKET_RUN_ID,"
               "LMP_TYPE,XML_DATA_ITEM,PNODE_RESMRID,GRP_TYPE,POS,PRC,OPR_INTERVAL,GROUP")
INTVL_HEADER = RTPD_HEADER.replace(",PRC,", ",VALUE,")
AS_HEADER = ("INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,OPR_INTERVAL,OPR_TYPE,ANC_TYPE,ANC_REGION,"
             "MARKET_RUN_ID,XML_DATA_ITEM,MW,GROUP")

QUERIES: dict[str, OasisQuery] = {
    "DA_prices": OasisQuery("DA_prices", "PRC_LMP", "DAM", 12, 60, "MW", LMP_HEADER, DA_WINDOW_DAYS),
    "RT_prices": OasisQuery("RT_prices", "PRC_RTPD_LMP", "RTPD", 3, 15, "PRC", RTPD_HEADER, 1),
    "RT_5min": OasisQuery("RT_5min", "PRC_INTVL_LMP", "RTM", 3, 5, "VALUE", INTVL_HEADER, 1),
    "AS_prices": OasisQuery("AS_prices", "PRC_AS", "DAM", 12, 60, "MW", AS_HEADER, DA_WINDOW_DAYS),
}


# --------------------------------------------------------------------------------------------- calendar

def day_bounds_utc(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of Pacific midnight of `day` and of the next day."""
    start = dt.datetime.combine(day, dt.time(0), PACIFIC).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), PACIFIC).astimezone(UTC)
    return start, end


def day_steps(day: dt.date, minutes: int) -> Iterator[dt.datetime]:
    """UTC starts of every `minutes`-long interval of the Pacific operating day."""
    t, end = day_bounds_utc(day)
    while t < end:
        yield t
        t += dt.timedelta(minutes=minutes)


def hours_in_day(day: dt.date) -> int:
    start, end = day_bounds_utc(day)
    return int((end - start) / dt.timedelta(hours=1))


def days_of(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(days)]


def windows(start: dt.date, days: int, size: int) -> list[list[dt.date]]:
    all_days = days_of(start, days)
    return [all_days[i:i + size] for i in range(0, len(all_days), size)]


def gmt(t: dt.datetime) -> str:
    """OASIS GMT stamp: `2024-11-03T08:00:00-00:00`."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def opr_fields(t: dt.datetime, minutes: int) -> tuple[str, int, int]:
    """(OPR_DT, OPR_HR, OPR_INTERVAL) of the interval starting at UTC `t`."""
    local = t.astimezone(PACIFIC)
    day = local.date()
    midnight, _ = day_bounds_utc(day)
    hour = int((t - midnight) / dt.timedelta(hours=1)) + 1  # hour ending counted through the day (25 on fall-back)
    interval = 0 if minutes == 60 else local.minute // minutes + 1
    return day.isoformat(), hour, interval


# --------------------------------------------------------------------------------------------- prices

# Duck curve by Pacific hour (value at hh:00): solar pushes middays down, the evening ramp up.
_SHAPE: tuple[float, ...] = (
    0.92, 0.88, 0.86, 0.86, 0.90, 1.00, 1.10, 0.98, 0.78, 0.62, 0.55, 0.52,
    0.50, 0.52, 0.58, 0.72, 0.98, 1.35, 1.62, 1.55, 1.32, 1.15, 1.04, 0.97,
)
_CONGESTION: dict[str, float] = {
    "TH_NP15_GEN-APND": 1.8, "TH_SP15_GEN-APND": -1.2, "TH_ZP26_GEN-APND": 0.4,
    "DLAP_PGAE-APND": 3.6, "DLAP_SCE-APND": -0.6, "DLAP_SDGE-APND": 2.9, "DLAP_VEA-APND": -2.2,
    "0096WD_7_N001": 0.9, "AVENAL_6_N001": -3.4, "MOSSLD_2_PSP1": 2.1,
}
_LOSS_FACTOR: dict[str, float] = {
    "TH_NP15_GEN-APND": 0.011, "TH_SP15_GEN-APND": -0.008, "TH_ZP26_GEN-APND": 0.002,
    "DLAP_PGAE-APND": 0.024, "DLAP_SCE-APND": 0.006, "DLAP_SDGE-APND": 0.031, "DLAP_VEA-APND": -0.015,
    "0096WD_7_N001": 0.018, "AVENAL_6_N001": -0.021, "MOSSLD_2_PSP1": 0.009,
}
_GHG_POINTS: frozenset[str] = frozenset({"DLAP_VEA-APND"})  # GHG is priced at imports (VEA sits in Nevada)
_AS_BASE: dict[str, float] = {"RU": 9.5, "RD": 6.8, "SR": 5.2, "NR": 1.4, "RMU": 0.21, "RMD": 0.34}


def _rng(seed: int, what: str, key: object) -> random.Random:
    return random.Random(f"caiso:{seed}:{what}:{key}")


def shape(t: dt.datetime) -> float:
    local = t.astimezone(PACIFIC)
    h = local.hour + local.minute / 60.0
    i = int(h)
    frac = h - i
    return _SHAPE[i] * (1.0 - frac) + _SHAPE[(i + 1) % 24] * frac


def day_factor(seed: int, day: dt.date) -> float:
    return _rng(seed, "day", day.isoformat()).uniform(0.8, 1.3)


def fmt5(v: float) -> str:
    s = f"{round(v, 5):.5f}"
    return "0.00000" if s == "-0.00000" else s


def components(seed: int, what: str, t: dt.datetime, points: tuple[str, ...], energy: float,
               spread: float) -> dict[str, dict[str, float]]:
    """{point: {LMP, MCE, MCC, MCL, MGHG}} with LMP the exact sum of the (rounded) components."""
    rng = _rng(seed, what + "-nodes", int(t.timestamp()))
    out = {}
    for p in POINTS:  # draw for every point, so a point's price does not depend on the query's point list
        e = round(energy, 5)
        c = round(_CONGESTION[p] * rng.uniform(0.2, 1.8) + rng.gauss(0.0, spread), 5)
        loss = round(energy * _LOSS_FACTOR[p] * rng.uniform(0.7, 1.3), 5)
        g = round(rng.uniform(0.4, 3.2), 5) if p in _GHG_POINTS else 0.0
        out[p] = {"MCE": e, "MCC": c, "MCL": loss, "MGHG": g, "LMP": round(e + c + loss + g, 5)}
    return {p: out[p] for p in points}


def da_prices(seed: int, t: dt.datetime) -> dict[str, dict[str, float]]:
    rng = _rng(seed, "da", int(t.timestamp()))
    mid = t + dt.timedelta(minutes=30)
    energy = 46.0 * day_factor(seed, mid.astimezone(PACIFIC).date()) * shape(mid) * (1.0 + rng.gauss(0.0, 0.04))
    if 17 <= mid.astimezone(PACIFIC).hour <= 20 and rng.random() < 0.015:
        energy *= rng.uniform(2.5, 5.0)
    return components(seed, "da", t, POINTS, energy, 0.4)


@functools.lru_cache(maxsize=4096)
def rtpd_energy(seed: int, t: dt.datetime) -> float:
    rng = _rng(seed, "rtpd", int(t.timestamp()))
    mid = t + dt.timedelta(minutes=7, seconds=30)
    local = mid.astimezone(PACIFIC)
    energy = 44.0 * day_factor(seed, local.date()) * shape(mid) * (1.0 + rng.gauss(0.0, 0.12)) + rng.gauss(0.0, 1.5)
    if 9 <= local.hour <= 14 and rng.random() < 0.06:  # solar oversupply
        energy = rng.uniform(-18.0, -0.5)
    elif rng.random() < 0.003:
        energy *= rng.uniform(3.0, 8.0)
    return energy


def rtpd_prices(seed: int, t: dt.datetime) -> dict[str, dict[str, float]]:
    return components(seed, "rtpd", t, POINTS, rtpd_energy(seed, t), 0.9)


def intvl_prices(seed: int, t: dt.datetime) -> dict[str, dict[str, float]]:
    """5-minute dispatch prices: the RTPD level of the 15-minute block plus dispatch noise."""
    block = t - dt.timedelta(minutes=t.minute % 15)
    rng = _rng(seed, "intvl", int(t.timestamp()))
    energy = rtpd_energy(seed, block) + rng.gauss(0.0, 2.5)
    return components(seed, "intvl", t, INTERVAL_POINTS, energy, 1.3)


def as_prices(seed: int, t: dt.datetime) -> dict[tuple[str, str], float]:
    """{(region, ANC_TYPE): clearing price}. Sub-regions clear at the system price or above it (binding)."""
    rng = _rng(seed, "as", int(t.timestamp()))
    s = shape(t + dt.timedelta(minutes=30))
    out: dict[tuple[str, str], float] = {}
    for anc, base in _AS_BASE.items():
        system = max(0.0, base * (0.6 + 0.4 * s) * rng.lognormvariate(0.0, 0.35))
        out[("AS_CAISO_EXP", anc)] = round(system, 5)
        for region in AS_REGIONS[1:]:
            adder = rng.uniform(0.5, 6.0) if rng.random() < 0.05 else 0.0
            out[(region, anc)] = round(system + adder, 5)
    return out


# --------------------------------------------------------------------------------------------- writing

def request_time(seed: int, query: OasisQuery, window: list[dt.date]) -> dt.datetime:
    """When the sample "downloaded" the window: the morning after it ended (Pacific), at a seeded time."""
    rng = _rng(seed, "request-" + query.queryname, window[0].isoformat())
    after = window[-1] + dt.timedelta(days=1)
    return dt.datetime.combine(after, dt.time(1, 0)) + dt.timedelta(seconds=rng.randint(0, 4 * 3600))


def stems(query: OasisQuery, window: list[dt.date], requested: dt.datetime) -> tuple[str, str]:
    """(zip stem, CSV stem prefix): `20241021_20241028_PRC_LMP_DAM[_20241029_01_23_45]`."""
    span = f"{window[0]:%Y%m%d}_{window[-1] + dt.timedelta(days=1):%Y%m%d}_{query.queryname}_{query.market}"
    return f"{span}_{requested:%Y%m%d_%H_%M_%S}_v{query.version}", span


def write_zip(path: Path, members: list[tuple[str, str]], when: dt.datetime) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zf.writestr(info, text.encode("ascii"), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return path


def _lmp_rows(query: OasisQuery, window: list[dt.date], seed: int) -> dict[str, list[str]]:
    """Rows per component CSV (LMP_TYPE -> rows), each ordered by point, then time, as OASIS orders them."""
    price_fn = {"DA_prices": da_prices, "RT_prices": rtpd_prices, "RT_5min": intvl_prices}[query.dataset]
    points = INTERVAL_POINTS if query.dataset == "RT_5min" else POINTS
    steps = [t for day in window for t in day_steps(day, query.minutes)]
    prices = {t: price_fn(seed, t) for t in steps}
    out: dict[str, list[str]] = {}
    for lmp_type, item in COMPONENTS:
        rows = []
        for group, p in enumerate(points, start=1):
            for t in steps:
                end = t + dt.timedelta(minutes=query.minutes)
                opr_dt, opr_hr, opr_interval = opr_fields(t, query.minutes)
                value = fmt5(prices[t][p][lmp_type])
                if query.dataset == "DA_prices":
                    rows.append(f"{gmt(t)},{gmt(end)},{opr_dt},{opr_hr},{opr_interval},{p},{p},{p},{query.market},"
                                f"{lmp_type},{item},{p},ALL,1,{value},{group}")
                else:
                    rows.append(f"{gmt(t)},{gmt(end)},{opr_dt},{opr_hr},{p},{p},{p},{query.market},{lmp_type},"
                                f"{item},{p},ALL,1,{value},{opr_interval},{group}")
        out[lmp_type] = rows
    return out


def _as_rows(window: list[dt.date], seed: int) -> list[str]:
    rows = []
    for day in window:
        for t in day_steps(day, 60):
            end = t + dt.timedelta(hours=1)
            opr_dt, opr_hr, _ = opr_fields(t, 60)
            for (region, anc), v in as_prices(seed, t).items():
                rows.append(f"{gmt(t)},{gmt(end)},{opr_dt},{opr_hr},0,PRC,{anc},{region},DAM,{AS_TYPES[anc]},"
                            f"{fmt5(v)},1")
    _rng(seed, "as-order", window[0].isoformat()).shuffle(rows)  # OASIS returns AS rows unsorted
    return rows


def _write_query(out_dir: Path, query: OasisQuery, window: list[dt.date], seed: int) -> Path:
    requested = request_time(seed, query, window)
    zip_stem, span = stems(query, window, requested)
    if query.dataset == "AS_prices":
        members = [(f"{span}_v{query.version}.csv", query.header + EOL + EOL.join(_as_rows(window, seed)) + EOL)]
    else:
        per_component = _lmp_rows(query, window, seed)
        members = [(f"{span}_{lmp_type}_v{query.version}.csv", query.header + EOL + EOL.join(rows) + EOL)
                   for lmp_type, rows in per_component.items()]
    return write_zip(out_dir / f"{zip_stem}.zip", members, requested)


# --------------------------------------------------------------------------------------------- counts

def expected_counts(start: dt.date = DEFAULT_START, days: int = DEFAULT_DAYS) -> dict[str, dict[str, int]]:
    """Zips, landed CSVs and data rows per dataset that `generate_caiso(..., start, days)` writes, from the calendar."""
    out = {ds: {"zips": 0, "files": 0, "rows": 0} for ds in DATASETS}
    for ds, q in QUERIES.items():
        for window in windows(start, days, q.window_days):
            hours = sum(hours_in_day(d) for d in window)
            out[ds]["zips"] += 1
            if ds == "AS_prices":
                out[ds]["files"] += 1
                out[ds]["rows"] += hours * len(AS_REGIONS) * len(AS_TYPES)
            else:
                points = INTERVAL_POINTS if ds == "RT_5min" else POINTS
                out[ds]["files"] += len(COMPONENTS)
                out[ds]["rows"] += len(COMPONENTS) * len(points) * hours * (60 // q.minutes)
    return out


def generate_caiso(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
) -> list[Path]:
    """Write the sample's OASIS zips (flat) into `out_dir` and return their paths, sorted. Same arguments give
    byte-identical files; each dataset's files are the same whichever others are asked for."""
    unknown = [d for d in datasets if d not in QUERIES]
    if unknown:
        raise ValueError(f"unknown CAISO dataset(s) {unknown}: expected some of {', '.join(DATASETS)}")
    if days < 0:
        raise ValueError("days must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in datasets:
        q = QUERIES[ds]
        for window in windows(start, days, q.window_days):
            paths.append(_write_query(out_dir, q, window, seed))
    return sorted(paths)
