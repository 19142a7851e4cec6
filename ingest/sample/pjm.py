"""A deterministic PJM sample: Data Miner 2 CSV exports byte-compatible with the real ones (shared FORMATS.md, PJM;
real exports in tests/python/fixtures/real_samples/pjm/).

    generate_pjm(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of CSV paths

One CSV per feed and window, CRLF line endings, the exact Data Miner header, rows ordered by
`datetime_beginning_utc` then `pnode_id` as Data Miner exports them, times as `M/D/YYYY h:mm:ss AM`:

- DA_prices  `da_hrl_lmps_<first day>_<last day>.csv`, hourly, weekly windows (EPT operating days).
- RT_prices  `rt_fivemin_hrl_lmps_<day>_<day>.csv`, 5-minute, one file per day.
- RT_hourly  `rt_hrl_lmps_<first>_<last>.csv`, hourly (the settlement roll-up of the 5-minute prices), weekly.
- AS_prices  `da_reserve_market_results_<first>_<last>.csv`, hourly, weekly: day-ahead reserve market clearing prices
             per reserve locale and service (PJM RTO Reserve Zone: SR, PR, 30MIN; Mid-Atlantic/Dominion Reserve
             Subzone: SR, PR). The header is reconstructed from FORMATS.md and the public field list (not from a
             real export; see seeds/iso_reports.csv).

`timestamps="iso"` writes the two time columns as the JSON API does (ISO 8601, `2024-11-03T06:00:00`, every
other row with milliseconds) instead: the same data in the other format Stage 2 must parse.

Prices: total_lmp = system_energy_price + congestion_price + marginal_loss_price exactly for DA and 5-minute RT, as in
the real rows (DA energy with two decimals, the rest with six). RT hourly is the mean of the hour's twelve 5-minute
prices, column by column (so its total differs from the sum of its components by rounding, as in the real export).
DST: the EPT wall clock repeats 1:00 AM on 2024-11-03 (two different UTC hours) - the reason to key on UTC.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..catalog import timezone

EASTERN = timezone("PJM")
UTC = dt.UTC


@dataclass(frozen=True)
class Pnode:
    pnode_id: int
    name: str
    type: str
    voltage: str = ""
    equipment: str = ""
    zone: str = ""
    congestion: float = 0.0  # mean congestion component, $/MWh
    loss_factor: float = 0.0  # marginal loss component as a share of the energy price


#: The twelve PJM trading hubs with their real pnode ids (as in the real da_hrl_lmps export).
HUBS: tuple[Pnode, ...] = (
    Pnode(51217, "EASTERN HUB", "HUB", congestion=-3.1, loss_factor=0.004),
    Pnode(51287, "WEST INT HUB", "HUB", congestion=1.2, loss_factor=-0.010),
    Pnode(51288, "WESTERN HUB", "HUB", congestion=-2.4, loss_factor=-0.002),
    Pnode(4669664, "NEW JERSEY HUB", "HUB", congestion=-2.9, loss_factor=-0.011),
    Pnode(33092311, "CHICAGO GEN HUB", "HUB", congestion=-0.2, loss_factor=-0.045),
    Pnode(33092313, "CHICAGO HUB", "HUB", congestion=-0.1, loss_factor=-0.038),
    Pnode(33092315, "N ILLINOIS HUB", "HUB", congestion=-0.1, loss_factor=-0.042),
    Pnode(34497125, "AEP GEN HUB", "HUB", congestion=0.3, loss_factor=-0.019),
    Pnode(34497127, "AEP-DAYTON HUB", "HUB", congestion=0.4, loss_factor=-0.006),
    Pnode(34497151, "OHIO HUB", "HUB", congestion=0.4, loss_factor=-0.006),
    Pnode(35010337, "DOMINION HUB", "HUB", congestion=1.9, loss_factor=0.015),
    Pnode(116013751, "ATSI GEN HUB", "HUB", congestion=-0.3, loss_factor=-0.013),
)
ZONES: tuple[Pnode, ...] = (
    Pnode(1, "PJM-RTO", "ZONE", congestion=-0.3, loss_factor=0.004),
    Pnode(51291, "AECO", "ZONE", congestion=-1.8, loss_factor=0.012),
    Pnode(51292, "BGE", "ZONE", congestion=4.6, loss_factor=0.021),
    Pnode(51297, "PECO", "ZONE", congestion=-2.2, loss_factor=0.006),
    Pnode(51300, "PSEG", "ZONE", congestion=-1.1, loss_factor=0.017),
    Pnode(34964545, "DOM", "ZONE", congestion=2.6, loss_factor=0.019),
)
NODES: tuple[Pnode, ...] = (
    Pnode(32418629, "SUNBURY 13 KV UNIT1", "GEN", "13 KV", "UNIT1", "PPL", congestion=-4.2, loss_factor=-0.015),
    Pnode(2156110734, "BERGEN 345 KV LD1", "LOAD", "345 KV", "LD1", "PSEG", congestion=-1.0, loss_factor=0.018),
    Pnode(1124361945, "PECO_RESID_AGG", "RESIDUAL_METERED_EDC", zone="PECO", congestion=-2.1, loss_factor=0.007),
    Pnode(40243767, "NYIS", "INTERFACE", congestion=-5.3, loss_factor=0.009),
)
#: Every pnode of every LMP file, in Data Miner's export order (pnode_id).
PNODES: tuple[Pnode, ...] = tuple(sorted(HUBS + ZONES + NODES, key=lambda p: p.pnode_id))

#: (locale, service) of the day-ahead reserve market, in export order.
RESERVES: tuple[tuple[str, str], ...] = (
    ("Mid-Atlantic/Dominion Reserve Subzone", "PR"),
    ("Mid-Atlantic/Dominion Reserve Subzone", "SR"),
    ("PJM RTO Reserve Zone", "30MIN"),
    ("PJM RTO Reserve Zone", "PR"),
    ("PJM RTO Reserve Zone", "SR"),
)

LMP_HEADER = ("datetime_beginning_utc,datetime_beginning_ept,pnode_id,pnode_name,voltage,equipment,type,zone,"
              "system_energy_price_{m},total_lmp_{m},congestion_price_{m},marginal_loss_price_{m},row_is_current,"
              "version_nbr")
AS_HEADER = ("datetime_beginning_utc,datetime_beginning_ept,locale,service,mcp,mcp_capped,as_req_mw,total_mw,as_mw,"
             "ss_mw,ircmwt2,dsr_as_mw,nsr_mw")


@dataclass(frozen=True)
class Feed:
    dataset: str
    name: str
    minutes: int
    window_days: int
    header: str


FEEDS: dict[str, Feed] = {
    "DA_prices": Feed("DA_prices", "da_hrl_lmps", 60, 7, LMP_HEADER.format(m="da")),
    "RT_prices": Feed("RT_prices", "rt_fivemin_hrl_lmps", 5, 1, LMP_HEADER.format(m="rt")),
    "RT_hourly": Feed("RT_hourly", "rt_hrl_lmps", 60, 7, LMP_HEADER.format(m="rt")),
    "AS_prices": Feed("AS_prices", "da_reserve_market_results", 60, 7, AS_HEADER),
}
DATASETS: tuple[str, ...] = tuple(FEEDS)
DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
EOL = "\r\n"


# --------------------------------------------------------------------------------------------- calendar

def day_bounds_utc(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), EASTERN).astimezone(UTC)
    return start, end


def day_steps(day: dt.date, minutes: int) -> Iterator[dt.datetime]:
    t, end = day_bounds_utc(day)
    while t < end:
        yield t
        t += dt.timedelta(minutes=minutes)


def hours_in_day(day: dt.date) -> int:
    start, end = day_bounds_utc(day)
    return int((end - start) / dt.timedelta(hours=1))


def windows(start: dt.date, days: int, size: int) -> list[list[dt.date]]:
    all_days = [start + dt.timedelta(days=i) for i in range(days)]
    return [all_days[i:i + size] for i in range(0, len(all_days), size)]


def export_time(t: dt.datetime) -> str:
    """Data Miner CSV export format: `11/3/2024 1:05:00 AM` (no zero padding of month, day, hour)."""
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t.minute:02d}:{t.second:02d} {'AM' if t.hour < 12 else 'PM'}"


def iso_time(t: dt.datetime, millis: bool) -> str:
    """JSON API format: `2024-11-03T01:05:00` (sometimes with milliseconds)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".000" if millis else "")


def time_cells(t_utc: dt.datetime, style: str, row: int) -> tuple[str, str]:
    utc = t_utc.astimezone(UTC).replace(tzinfo=None)
    ept = t_utc.astimezone(EASTERN).replace(tzinfo=None)
    if style == "iso":
        return iso_time(utc, row % 2 == 1), iso_time(ept, row % 2 == 1)
    return export_time(utc), export_time(ept)


# --------------------------------------------------------------------------------------------- prices

# Load shape by EPT hour (value at hh:00): morning and evening peaks of a shoulder season.
_SHAPE: tuple[float, ...] = (
    0.80, 0.76, 0.74, 0.74, 0.77, 0.86, 1.02, 1.14, 1.12, 1.05, 1.00, 0.97,
    0.95, 0.94, 0.95, 0.99, 1.08, 1.25, 1.38, 1.33, 1.22, 1.08, 0.94, 0.85,
)
_RESERVE_BASE: dict[str, float] = {"SR": 3.2, "PR": 1.1, "30MIN": 0.4}


def _rng(seed: int, what: str, key: object) -> random.Random:
    return random.Random(f"pjm:{seed}:{what}:{key}")


def shape(t: dt.datetime) -> float:
    local = t.astimezone(EASTERN)
    h = local.hour + local.minute / 60.0
    i = int(h)
    frac = h - i
    return _SHAPE[i] * (1.0 - frac) + _SHAPE[(i + 1) % 24] * frac


def day_factor(seed: int, day: dt.date) -> float:
    return _rng(seed, "day", day.isoformat()).uniform(0.8, 1.3)


def fmt(v: float, decimals: int) -> str:
    s = f"{round(v, decimals):.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0.0 else s


def components(rng: random.Random, energy: float, spread: float) -> dict[int, tuple[float, float, float, float]]:
    """{pnode_id: (energy, total, congestion, loss)} with total = energy + congestion + loss (six decimals)."""
    out = {}
    for p in PNODES:
        congestion = round(p.congestion * rng.uniform(0.0, 2.0) + rng.gauss(0.0, spread), 6)
        loss = round(energy * p.loss_factor * rng.uniform(0.8, 1.2), 6)
        out[p.pnode_id] = (energy, round(energy + congestion + loss, 6), congestion, loss)
    return out


def da_prices(seed: int, t: dt.datetime) -> dict[int, tuple[float, float, float, float]]:
    rng = _rng(seed, "da", int(t.timestamp()))
    mid = t + dt.timedelta(minutes=30)
    energy = round(34.0 * day_factor(seed, mid.astimezone(EASTERN).date()) * shape(mid) * (1.0 + rng.gauss(0.0, 0.03)), 2)
    return components(rng, energy, 0.5)


def rt5_prices(seed: int, t: dt.datetime) -> dict[int, tuple[float, float, float, float]]:
    rng = _rng(seed, "rt5", int(t.timestamp()))
    mid = t + dt.timedelta(minutes=2, seconds=30)
    energy = 33.0 * day_factor(seed, mid.astimezone(EASTERN).date()) * shape(mid) * (1.0 + rng.gauss(0.0, 0.10))
    if rng.random() < 0.002:  # a shortage interval
        energy *= rng.uniform(4.0, 12.0)
    elif rng.random() < 0.004:
        energy = rng.uniform(-12.0, -0.5)
    return components(rng, round(energy, 6), 1.4)


def rt_hourly_prices(seed: int, hour: dt.datetime) -> dict[int, tuple[float, float, float, float]]:
    """The hourly roll-up: the mean of the twelve 5-minute prices of the hour, each column on its own (so, as in the
    real rt_hrl_lmps, total_lmp differs from the sum of the rounded component means in the last decimals)."""
    fives = [rt5_prices(seed, hour + dt.timedelta(minutes=5 * k)) for k in range(12)]
    return {p.pnode_id: tuple(round(sum(f[p.pnode_id][i] for f in fives) / 12.0, 6) for i in range(4)) for p in PNODES}


def reserve_prices(seed: int, t: dt.datetime) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """{(locale, service): (mcp, requirement MW, total MW, assigned MW)}; the subzone clears at or above the RTO."""
    rng = _rng(seed, "reserve", int(t.timestamp()))
    s = shape(t + dt.timedelta(minutes=30))
    rto = {svc: (max(0.0, base * (s - 0.7) * 3.0 + rng.gauss(0.0, 0.4)) if rng.random() < 0.6 else 0.0)
           for svc, base in _RESERVE_BASE.items()}
    out = {}
    for locale, svc in RESERVES:
        mcp = rto[svc]
        if locale.startswith("Mid-Atlantic") and rng.random() < 0.08:
            mcp += rng.uniform(0.5, 8.0)
        req = {"SR": 3400.0, "PR": 5100.0, "30MIN": 6800.0}[svc] * (0.55 if locale.startswith("Mid") else 1.0)
        total = req * rng.uniform(1.05, 1.6)
        out[(locale, svc)] = (round(mcp, 2), round(req, 1), round(total, 1), round(req + rng.uniform(0, 40), 1))
    return out


# --------------------------------------------------------------------------------------------- writing

def file_name(feed: Feed, window: list[dt.date]) -> str:
    return f"{feed.name}_{window[0]:%Y%m%d}_{window[-1]:%Y%m%d}.csv"


def _lmp_rows(feed: Feed, window: list[dt.date], seed: int, style: str) -> list[str]:
    rows = []
    for day in window:
        for t in day_steps(day, feed.minutes):
            if feed.dataset == "DA_prices":
                prices, energy_decimals = da_prices(seed, t), 2
            elif feed.dataset == "RT_prices":
                prices, energy_decimals = rt5_prices(seed, t), 6
            else:
                prices, energy_decimals = rt_hourly_prices(seed, t), 6
            for p in PNODES:
                utc, ept = time_cells(t, style, len(rows))
                e, total, c, loss = prices[p.pnode_id]
                rows.append(f"{utc},{ept},{p.pnode_id},{p.name},{p.voltage},{p.equipment},{p.type},{p.zone},"
                            f"{fmt(e, energy_decimals)},{fmt(total, 6)},{fmt(c, 6)},{fmt(loss, 6)},True,1")
    return rows


def _as_rows(window: list[dt.date], seed: int, style: str) -> list[str]:
    rows = []
    for day in window:
        for t in day_steps(day, 60):
            for (locale, svc), (mcp, req, total, assigned) in reserve_prices(seed, t).items():
                utc, ept = time_cells(t, style, len(rows))
                rows.append(f"{utc},{ept},{locale},{svc},{fmt(mcp, 2)},{fmt(mcp, 2)},{fmt(req, 1)},{fmt(total, 1)},"
                            f"{fmt(assigned, 1)},0.0,0.0,0.0,0.0")
    return rows


def expected_counts(start: dt.date = DEFAULT_START, days: int = DEFAULT_DAYS) -> dict[str, dict[str, int]]:
    """Files and data rows per dataset that `generate_pjm(..., start, days)` writes, from the calendar alone."""
    out = {ds: {"files": 0, "rows": 0} for ds in DATASETS}
    for ds, feed in FEEDS.items():
        for window in windows(start, days, feed.window_days):
            intervals = sum(hours_in_day(d) for d in window) * (60 // feed.minutes)
            out[ds]["files"] += 1
            out[ds]["rows"] += intervals * (len(RESERVES) if ds == "AS_prices" else len(PNODES))
    return out


def generate_pjm(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
    timestamps: str = "export",
) -> list[Path]:
    """Write the sample's Data Miner CSV exports into `out_dir` and return their paths, sorted. Same arguments give
    byte-identical files; each dataset's files are the same whichever others are asked for."""
    unknown = [d for d in datasets if d not in FEEDS]
    if unknown:
        raise ValueError(f"unknown PJM dataset(s) {unknown}: expected some of {', '.join(DATASETS)}")
    if timestamps not in ("export", "iso"):
        raise ValueError("timestamps must be 'export' (M/D/YYYY h:mm:ss AM) or 'iso' (ISO 8601)")
    if days < 0:
        raise ValueError("days must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in datasets:
        feed = FEEDS[ds]
        for window in windows(start, days, feed.window_days):
            rows = _as_rows(window, seed, timestamps) if ds == "AS_prices" else _lmp_rows(feed, window, seed, timestamps)
            path = out_dir / file_name(feed, window)
            path.write_bytes((feed.header + EOL + "".join(r + EOL for r in rows)).encode("ascii"))
            paths.append(path)
    return sorted(paths)
