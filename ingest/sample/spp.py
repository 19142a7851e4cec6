"""A deterministic SPP sample: Marketplace file-browser CSVs in the layouts of the real files (FORMATS_MORE.md, SPP;
the real files in tests/python/fixtures/real_samples/spp/).

    generate_spp(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of CSV paths

Written as SPP's folders hold them, with every quirk of the real files:

- DA_prices: one file per operating day, `da-lmp-by-location/YYYY/MM/By_Day/DA-LMP-SL-YYYYMMDD0100.csv`, header
  `Interval,GMTIntervalEnd,Settlement Location,Pnode,LMP,MLC,MCC,MEC`; from `baa_from` (the 2026 RTO West
  expansion; the exact go-live day is inferred) with `BAA` as the third column and the SWPW (West) rows in a block
  after all SPP rows, so the rows are not time-sorted (as the card's 2026 file; the SPP block is sorted by time,
  then location, as the real excerpts);
- RT_prices, per interval: `rtbm-lmp-by-location/YYYY/MM/By_Interval/DD/RTBM-LMP-SL-YYYYMMDDHHMM.csv`, named by the
  local interval END; the file ending at 00:00 (hour ending 24) sits in its operating day's folder though its
  name carries the next day (`2024/06/By_Interval/30/RTBM-LMP-SL-202407010000.csv`, gridstatus PR #422); on the fall-back day the second
  file of a repeated local name gets a `d` suffix (`RTBM-LMP-SL-202411030105d.csv`; whether SPP's `0100` of the
  repeated hour has one too is not known, here it does); from `baa_from` a `BAA` column appended last (seen once);
- RT_prices, daily roll-up: `rtbm-lmp-by-location/YYYY/MM/By_Day/RTBM-LMP-DAILY-SL-YYYYMMDD.csv` with the real
  roll-up's header, a space after each comma and other names (`GMT Interval`, `Settlement Location Name`,
  `PNODE Name`); written for the days not in `interval_days` (default: the last day gets interval files);
- time: `Interval` is the Central prevailing interval end, `GMTIntervalEnd` the same instant in UTC, both
  `MM/DD/YYYY HH:MM:SS`; hour ending 24 is the next day's `00:00:00`; a fall-back day has 25 hours (local ends
  01:05..01:55 and 02:00 written twice: the end at the clock change, 07:00 GMT, carries the daylight-time name 02:00
  as in SPP's real DA-MCP file of 2025-11-02), a spring-forward day 23;
- AS_prices: one file per operating day, `da-mcp/YYYY/MM/DA-MCP-YYYYMMDD0100.csv` (no By_Day level), header
  `Interval,GMTIntervalEnd,Reserve Zone,RegUP,RegDN,Spin,Supp,RampUP,RampDN,UncUP` and zones 1..5 and SPP, one row
  per zone and hour, as SPP's real 2025 files; before `uncup_from` the same without UncUP, as SPP's real 2022
  files (the change-over day is inferred, see UNCUP_FROM);
- RT_AS_prices: `rtbm-mcp/YYYY/MM/By_Interval/DD/RTBM-MCP-YYYYMMDDHHMM.csv` (BAA last from baa_from) on the interval
  days, `rtbm-mcp/YYYY/MM/By_Day/RTBM-MCP-DAILY-YYYYMMDD.csv` on the others, with the headers one project quotes from
  SPP's own sample files (a space before `RegDNMile` in the daily one), zones 1..5 and SPP;
- numbers with four decimals (`0.0000`); LMP = MEC + MCC + MLC exactly at four decimals; LF line endings.

Locations (LOCATIONS), all real names with their real pnodes (SPP's full DA file of 2022-03-13): the hubs
SPPNORTH_HUB / SPPSOUTH_HUB (SPPNORTH_H / SPPSOUTH_H), AEC and SOCO (both SOUC), interfaces AECI, AMRN and NSP (both
priced at pnode MISO), ERCOTN, AECC_ELKINS (CSWSELKINSUNELKINS_RA), KCPLHUB and NPPD.HUB.PY2021 (HUB in the name,
not trading hubs) and, in BAA files, the real West locations SWPW_HUB (SWPW_HUB_H), CISO and PSCO; in ASCII order
of the name every hour, locations sharing a pnode with the same prices, as the real file. Not reproduced: the hour of 5-minute
data SPP itself lacks on 2024-11-03 (gridstatus PR #470), which would only be a gap here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from ..catalog import timezone
from ..spp_names import day_intervals, interval_names, local_end_time

DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
#: first operating day written in the 2026 layout (BAA column): the RTO West expansion went live in April 2026
#: (inferred; the real 2026 files seen are from June and October)
BAA_FROM = dt.date(2026, 4, 1)
DATASETS = ("DA_prices", "RT_prices", "AS_prices", "RT_AS_prices")
CENTRAL = timezone("SPP")  # America/Chicago, from seeds/isos.csv
UTC = dt.UTC
STAMP = "%m/%d/%Y %H:%M:%S"
HEADER = "Interval,GMTIntervalEnd,Settlement Location,Pnode,LMP,MLC,MCC,MEC"
HEADER_BAA = "Interval,GMTIntervalEnd,BAA,Settlement Location,Pnode,LMP,MLC,MCC,MEC"
HEADER_DAILY = "Interval, GMT Interval, Settlement Location Name, PNODE Name, LMP, MLC, MCC, MEC"
#: DA-MCP as in SPP's real 2025 files (tests/python/fixtures/real_samples/spp/jessicacohen554_market_simulator)
HEADER_MCP = "Interval,GMTIntervalEnd,Reserve Zone,RegUP,RegDN,Spin,Supp,RampUP,RampDN,UncUP"
#: first operating day written with the uncertainty product (UncUP): SPP's real DA-MCP files of 2022-03-12/13 have
#: no UncUP column, those of 2025-03-09 and 2025-11-02 have it, and one project describes the 2023/2024 files as
#: without it; the day in between is not known (inferred: the first day of 2025)
UNCUP_FROM = dt.date(2025, 1, 1)
#: product -> price level $/MW, in the header's order
MCP_LEVELS = (("RegUP", 9.0), ("RegDN", 6.0), ("Spin", 4.0), ("Supp", 1.0), ("RampUP", 0.5), ("RampDN", 0.3),
              ("UncUP", 0.4))
#: RTBM-MCP (RT_AS_prices) as one project quotes SPP's sample files (not seen here); the daily header's space before
#: RegDNMile is in that quote
HEADER_RT_MCP = "Interval,GMTIntervalEnd,Reserve Zone,RegUPService,RegDNService,RegUpMile,RegDNMile,RampUP,RampDN,Spin,Supp,UncUP"
HEADER_RT_MCP_DAILY = HEADER_RT_MCP.replace(",RegDNMile", ", RegDNMile")
RT_MCP_LEVELS = (("RegUPService", 10.0), ("RegDNService", 7.0), ("RegUpMile", 0.2), ("RegDNMile", 0.15),
                 ("RampUP", 0.5), ("RampDN", 0.3), ("Spin", 3.0), ("Supp", 0.8), ("UncUP", 0.4))
#: the real files' reserve zones: 1..5 and the system row SPP, in that order within each hour
RESERVE_ZONES = ("1", "2", "3", "4", "5", "SPP")

#: (BAA, settlement location, pnode, mean congestion $/MWh, loss factor), in ASCII order of the location within each
#: BAA, as SPP's real full DA file lists them every hour (2022-03-13: 1,113 locations). Names and pnodes of the real
#: file: interfaces priced at a shared pnode (AMRN and NSP at `MISO`, AEC and SOCO at `SOUC`: the real file has
#: 1,113 locations on 1,065 pnodes, and locations sharing a pnode carry the same prices), pnode names longer than
#: 10 characters, a dotted name, and names with HUB in them that are not SPP's trading hubs (KCPLHUB,
#: NPPD.HUB.PY2021)
LOCATIONS: tuple[tuple[str, str, str, float, float], ...] = (
    ("SPP", "AEC", "SOUC", 2.5, 0.02),
    ("SPP", "AECC_ELKINS", "CSWSELKINSUNELKINS_RA", 0.9, 0.01),
    ("SPP", "AECI", "AECI", -0.4, -0.01),
    ("SPP", "AMRN", "MISO", 0.1, 0.005),
    ("SPP", "ERCOTN", "ERCOTN", -1.2, -0.02),
    ("SPP", "KCPLHUB", "KCPLHUB_H", 0.3, -0.01),
    ("SPP", "NPPD.HUB.PY2021", "NPPD.HUB.PY2021_H", -0.6, -0.02),
    ("SPP", "NSP", "MISO", 0.1, 0.005),
    ("SPP", "SOCO", "SOUC", 2.5, 0.02),
    ("SPP", "SPPNORTH_HUB", "SPPNORTH_H", 0.8, 0.015),
    ("SPP", "SPPSOUTH_HUB", "SPPSOUTH_H", -1.5, -0.015),
    ("SWPW", "CISO", "CISO", 0.0, -0.01),
    ("SWPW", "PSCO", "PSCO", 0.0, -0.002),
    ("SWPW", "SWPW_HUB", "SWPW_HUB_H", 0.0, -0.01),
)


def spp_stamp(t: dt.datetime) -> str:
    return t.strftime(STAMP)


def local_end(utc_end: dt.datetime) -> str:
    """SPP's `Interval` text of an interval END (local_end_time)."""
    return spp_stamp(local_end_time(utc_end))


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(f"{seed}|" + "|".join(str(p) for p in parts))


def _row_values(seed: int, market: str, utc_end: dt.datetime, loc: tuple) -> tuple[float, float, float, float]:
    """(LMP, MLC, MCC, MEC) at four decimals, LMP their exact sum: the prices of the pnode (locations sharing one
    share them, as in the real file)."""
    baa, _, pnode, congestion, loss_factor = loc
    hour = utc_end.astimezone(CENTRAL).hour
    system = _rng(seed, market, baa, utc_end.isoformat())
    mec = round(22 + 9 * math.sin((hour - 9) / 24 * 2 * math.pi) + system.uniform(-3, 3) + (4 if baa == "SWPW" else 0), 4)
    node = _rng(seed, market, pnode, utc_end.isoformat())
    mcc = round(congestion + node.uniform(-0.5, 0.5), 4) if congestion else 0.0
    mlc = round(mec * loss_factor + node.uniform(-0.05, 0.05), 4)
    return round(mec + mcc + mlc, 4), mlc, mcc, mec


def _cells(values: Iterable[float]) -> list[str]:
    return [f"{v:.4f}" for v in values]


def _locations(day: dt.date, baa_from: dt.date) -> tuple[tuple, ...]:
    return LOCATIONS if day >= baa_from else tuple(loc for loc in LOCATIONS if loc[0] == "SPP")


def da_file(day: dt.date, seed: int = DEFAULT_SEED, baa_from: dt.date = BAA_FROM) -> str:
    """The DA-LMP-SL file of operating day `day`: hour by hour, locations in order; from baa_from with BAA and the
    SWPW block after every SPP row."""
    with_baa = day >= baa_from
    lines = [HEADER_BAA if with_baa else HEADER]
    for block in ("SPP", "SWPW"):
        for utc_end in day_intervals(day, 60):
            for loc in _locations(day, baa_from):
                if loc[0] != block:
                    continue
                stamps = [local_end(utc_end), spp_stamp(utc_end)]
                lines.append(",".join(stamps + ([loc[0]] if with_baa else []) + [loc[1], loc[2]]
                                      + _cells(_row_values(seed, "DA", utc_end, loc))))
    return "\n".join(lines) + "\n"


def rt_rows(day: dt.date, utc_end: dt.datetime, seed: int, baa_from: dt.date) -> list[list[str]]:
    """The rows of one RTBM interval: [local end, GMT end, location, pnode, LMP, MLC, MCC, MEC] (+ BAA)."""
    rows = []
    for loc in _locations(day, baa_from):
        row = [local_end(utc_end), spp_stamp(utc_end), loc[1], loc[2]]
        row += _cells(_row_values(seed, "RT", utc_end, loc))
        rows.append(row + ([loc[0]] if day >= baa_from else []))
    return rows


def interval_files(day: dt.date, folder: str, prefix: str, header: str,
                   rows: Callable[[dt.datetime], list[list[str]]]) -> list[tuple[str, str]]:
    """(relative path, text) of each 5-minute interval file of operating day `day` (288, 276 or 300 files), named
    as SPP names them (ingest/spp_names.py) in the operating day's `By_Interval/DD` folder."""
    out = []
    for utc_end, name in interval_names(day, prefix):
        text = "\n".join([header] + [",".join(r) for r in rows(utc_end)]) + "\n"
        out.append((f"{folder}/{day:%Y/%m}/By_Interval/{day:%d}/{name}.csv", text))
    return out


def rt_interval_files(day: dt.date, seed: int = DEFAULT_SEED,
                      baa_from: dt.date = BAA_FROM) -> list[tuple[str, str]]:
    """(relative path, text) of each RTBM-LMP-SL interval file of operating day `day`."""
    return interval_files(day, "rtbm-lmp-by-location", "RTBM-LMP-SL-", HEADER + (",BAA" if day >= baa_from else ""),
                          lambda utc_end: rt_rows(day, utc_end, seed, baa_from))


def rt_daily_file(day: dt.date, seed: int = DEFAULT_SEED, baa_from: dt.date = BAA_FROM) -> str:
    """The RTBM-LMP-DAILY-SL roll-up of operating day `day` (its own header; no BAA column is known for it)."""
    lines = [HEADER_DAILY]
    for utc_end in day_intervals(day, 5):
        lines += [",".join(r[:8]) for r in rt_rows(day, utc_end, seed, baa_from)]
    return "\n".join(lines) + "\n"


def da_mcp_file(day: dt.date, seed: int = DEFAULT_SEED, uncup_from: dt.date = UNCUP_FROM) -> str:
    """The DA-MCP file of operating day `day` (AS_prices): hour by hour, one row per reserve zone; without the UncUP
    column before `uncup_from`."""
    levels = MCP_LEVELS if day >= uncup_from else MCP_LEVELS[:-1]
    lines = [HEADER_MCP if day >= uncup_from else HEADER_MCP.removesuffix(",UncUP")]
    for utc_end in day_intervals(day, 60):
        hour = utc_end.astimezone(CENTRAL).hour
        for zone in RESERVE_ZONES:
            rng = _rng(seed, "MCP", zone, utc_end.isoformat())
            prices = [level * (1 + 0.5 * math.sin((hour - 8) / 24 * 2 * math.pi)) * rng.uniform(0.8, 1.2)
                      for _, level in levels]
            lines.append(",".join([local_end(utc_end), spp_stamp(utc_end), zone, *_cells(prices)]))
    return "\n".join(lines) + "\n"


def rt_mcp_rows(utc_end: dt.datetime, seed: int, with_baa: bool) -> list[list[str]]:
    """The rows of one RTBM-MCP interval: one per reserve zone, the products in the header's order (+ BAA)."""
    hour = utc_end.astimezone(CENTRAL).hour
    rows = []
    for zone in RESERVE_ZONES:
        rng = _rng(seed, "RTMCP", zone, utc_end.isoformat())
        prices = [level * (1 + 0.6 * math.sin((hour - 8) / 24 * 2 * math.pi)) * rng.uniform(0.7, 1.3)
                  for _, level in RT_MCP_LEVELS]
        rows.append([local_end(utc_end), spp_stamp(utc_end), zone, *_cells(prices)] + (["SPP"] if with_baa else []))
    return rows


def rt_mcp_interval_files(day: dt.date, seed: int = DEFAULT_SEED,
                          baa_from: dt.date = BAA_FROM) -> list[tuple[str, str]]:
    """(relative path, text) of each RTBM-MCP interval file of operating day `day` (RT_AS_prices)."""
    with_baa = day >= baa_from
    return interval_files(day, "rtbm-mcp", "RTBM-MCP-", HEADER_RT_MCP + (",BAA" if with_baa else ""),
                          lambda utc_end: rt_mcp_rows(utc_end, seed, with_baa))


def rt_mcp_daily_file(day: dt.date, seed: int = DEFAULT_SEED) -> str:
    """The RTBM-MCP-DAILY roll-up of operating day `day` (the space before RegDNMile in its header kept)."""
    lines = [HEADER_RT_MCP_DAILY]
    for utc_end in day_intervals(day, 5):
        lines += [",".join(r) for r in rt_mcp_rows(utc_end, seed, False)]
    return "\n".join(lines) + "\n"


def generate_spp(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
    interval_days: Iterable[dt.date] | None = None,
    baa_from: dt.date = BAA_FROM,
    uncup_from: dt.date = UNCUP_FROM,
) -> list[Path]:
    """Write the sample under `out_dir`; returns the CSV paths, sorted. RT days in `interval_days` (default: the
    last day) get the 5-minute interval files, the others the daily roll-up; DA-MCP files before `uncup_from` have
    no UncUP column."""
    out_dir = Path(out_dir)
    all_days = [start + dt.timedelta(days=i) for i in range(days)]
    per_interval = set(all_days[-1:] if interval_days is None else interval_days)
    files: dict[str, str] = {}
    for day in all_days:
        if "RT_AS_prices" in datasets:
            if day in per_interval:
                files.update(rt_mcp_interval_files(day, seed, baa_from))
            else:
                files[f"rtbm-mcp/{day:%Y/%m}/By_Day/RTBM-MCP-DAILY-{day:%Y%m%d}.csv"] = rt_mcp_daily_file(day, seed)
        if "DA_prices" in datasets:
            files[f"da-lmp-by-location/{day:%Y/%m}/By_Day/DA-LMP-SL-{day:%Y%m%d}0100.csv"] = da_file(day, seed, baa_from)
        if "AS_prices" in datasets:
            files[f"da-mcp/{day:%Y/%m}/DA-MCP-{day:%Y%m%d}0100.csv"] = da_mcp_file(day, seed, uncup_from)
        if "RT_prices" in datasets:
            if day in per_interval:
                files.update(rt_interval_files(day, seed, baa_from))
            else:
                files[f"rtbm-lmp-by-location/{day:%Y/%m}/By_Day/RTBM-LMP-DAILY-SL-{day:%Y%m%d}.csv"] = \
                    rt_daily_file(day, seed, baa_from)
    paths = []
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return sorted(paths)
