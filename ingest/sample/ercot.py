"""A deterministic ERCOT sample: raw MIS zips byte-compatible with the real ones (see shared FORMATS.md, ERCOT).

    generate_ercot(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of zip paths

Four reports, one zip per publication holding one CSV (CRLF line endings, exact headers):

- DA_prices  NP4-190-CD (12331) `DAMSPNP4190`, one file per operating day, published the day before at 12:30:05.
- RT_prices  NP6-788-CD (12300) `LMPSROSNODENP6788_<YYYYMMDD>_<HHMMSS>[xhr]`, one file per SCED run: one run in every
  5-minute interval at a seeded 10..50 s past its start, plus EXTRA_SCED_RUNS_PER_DAY event-driven runs a day that
  share an interval with a regular run. Published 2 s after the SCED timestamp.
- RT_SPP     NP6-905-CD (12301) `SPPHLZNP6905_<YYYYMMDD>_<HHMM>[xhr]`, one file per 15-minute interval, named by the
  interval end's wall clock (the day's last interval is `<next day>_0000`). As in the real file
  (tests/python/fixtures/real_samples/ercot/rickdgray_ErcotAutomation): every load zone twice, typed `LZ` and `LZEW`
  (energy weighted; the two prices differ by a cent about half the time), every DC tie twice, `LZ_DC` and `LZ_DCEW`;
  the pair's order varies from interval to interval; combined-cycle nodes typed `LCCRN`; prices without trailing
  zeros (`2.7`, `-0.98`).
- AS_prices  NP4-188-CD (12329) `DAMCPCNP4188`, one file per operating day, published the day before at 12:30:02.

DST: every series is built by stepping through UTC from local midnight to the next local midnight, so the fall-back
day has 25 hours (the second 01:00-02:00 is flagged `Y`) and the spring-forward day 23 (no HE 03:00).
`xhr` is appended to the friendly-name time of the second (flag `Y`) occurrence of a repeated wall time, so the two
01:40:18 SCED runs of a fall-back day get different names (the cdr publish part of their names is identical).

Prices come from one deterministic model (point base x daily factor x intraday shape): DA and RT share it but draw
different noise; RT_SPP is the mean of the three 5-minute RT states of its interval, so the reports are related.
Every random draw comes from `random.Random("<seed>:<what>:<when>")`, so a dataset's files do not depend on which
other datasets are generated.

`n_nodes` (default 5, the five real resource nodes) sets how many resource nodes the files carry: beyond five,
deterministic synthetic ERCOT-style names are added (`resource_nodes`), e.g. `n_nodes=1081` gives the ~1,100
points of a real NP4-190-CD / NP6-788-CD file (benchmarks/ uses it). The default output is unchanged byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..catalog import timezone

CENTRAL = timezone("ERCOT")
UTC = dt.UTC

HUBS: tuple[str, ...] = ("HB_BUSAVG", "HB_HOUSTON", "HB_HUBAVG", "HB_NORTH", "HB_PAN", "HB_SOUTH", "HB_WEST")
LOAD_ZONES: tuple[str, ...] = (
    "LZ_AEN", "LZ_CPS", "LZ_HOUSTON", "LZ_LCRA", "LZ_NORTH", "LZ_RAYBN", "LZ_SOUTH", "LZ_WEST",
)
DC_TIES: tuple[str, ...] = ("DC_E", "DC_L", "DC_N", "DC_R")
RESOURCE_NODES: tuple[str, ...] = ("7RNCHSLR_ALL", "A4_DGR1_RN", "ABINDUST_RN", "AMISTAD_ALL", "BRAUNIG_AVR1")

DEFAULT_N_NODES = len(RESOURCE_NODES)

# Synthetic resource node names (n_nodes > 5): <stem>_<suffix> like the real ones (AMISTAD_ALL, A4_DGR1_RN).
_NODE_SUFFIXES: tuple[str, ...] = ("RN", "ALL", "UNIT1", "UNIT2", "G1", "CC1", "ESR1", "SLR", "WND1", "PV1")
_NODE_LETTERS = "ABCDEFGHIJKLMNOPRSTUVWY"


def resource_nodes(n_nodes: int = DEFAULT_N_NODES) -> tuple[str, ...]:
    """The first `n_nodes` resource nodes: the five real names of RESOURCE_NODES, then deterministic synthetic
    ERCOT-style names (the same list for every seed; a longer list extends a shorter one)."""
    if n_nodes < 0:
        raise ValueError("n_nodes must be >= 0")
    if n_nodes <= len(RESOURCE_NODES):
        return RESOURCE_NODES[:n_nodes]
    names = list(RESOURCE_NODES)
    seen = set(names) | set(HUBS) | set(LOAD_ZONES) | set(DC_TIES)
    i = 0
    while len(names) < n_nodes:
        rng = random.Random(f"node-name:{i}")
        i += 1
        stem = "".join(rng.choice(_NODE_LETTERS) for _ in range(rng.randint(4, 8)))
        if rng.random() < 0.4:
            stem += str(rng.randint(1, 9))
        name = f"{stem}_{rng.choice(_NODE_SUFFIXES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return tuple(names)


def points_for(n_nodes: int = DEFAULT_N_NODES) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(every point of the DA and SCED files in ERCOT's alphabetical row order, the (name, type) rows of the SPP
    file: load zones and DC ties twice, under their own type and the energy-weighted one)."""
    all_points = tuple(sorted(HUBS + LOAD_ZONES + DC_TIES + resource_nodes(n_nodes)))
    return all_points, tuple((p, t) for p in all_points for t in settlement_point_types(p))


def settlement_point_types(name: str) -> tuple[str, ...]:
    """NP6-905-CD SettlementPointType(s) of a point: HU hubs (SH for HB_BUSAVG, AH for HB_HUBAVG); load zones LZ and
    LZEW, DC ties LZ_DC and LZ_DCEW (one row each); combined-cycle nodes (`*_CC1`) LCCRN; RN the rest."""
    if name == "HB_BUSAVG":
        return ("SH",)
    if name == "HB_HUBAVG":
        return ("AH",)
    if name.startswith("HB_"):
        return ("HU",)
    if name.startswith("LZ_"):
        return ("LZ", "LZEW")
    if name.startswith("DC_"):
        return ("LZ_DC", "LZ_DCEW")
    if name.endswith("_CC1"):
        return ("LCCRN",)
    return ("RN",)


#: Every point of the DA (NP4-190-CD) and SCED (NP6-788-CD) files, in ERCOT's (alphabetical) row order, and the
#: (name, type) rows of the 15-minute SPP file (NP6-905-CD).
ALL_POINTS, SPP_ROWS = points_for(DEFAULT_N_NODES)

ANCILLARY_TYPES: tuple[str, ...] = ("REGDN", "REGUP", "RRS", "NSPIN", "ECRS")
ECRS_FROM = dt.date(2023, 6, 10)  # first delivery day with an ECRS clearing price

EXTRA_SCED_RUNS_PER_DAY = 3
DATASETS: tuple[str, ...] = ("DA_prices", "RT_prices", "RT_SPP", "AS_prices")
DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7


@dataclass(frozen=True)
class MisReport:
    dataset: str
    report_id: str
    type_id: int
    friendly: str  # the fixed part of the FriendlyName
    header: str


REPORTS: dict[str, MisReport] = {
    "DA_prices": MisReport("DA_prices", "NP4-190-CD", 12331, "DAMSPNP4190",
                           "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag"),
    "RT_prices": MisReport("RT_prices", "NP6-788-CD", 12300, "LMPSROSNODENP6788",
                           "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP"),
    "RT_SPP": MisReport("RT_SPP", "NP6-905-CD", 12301, "SPPHLZNP6905",
                        "DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,"
                        "SettlementPointPrice,DSTFlag"),
    "AS_prices": MisReport("AS_prices", "NP4-188-CD", 12329, "DAMCPCNP4188",
                           "DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag"),
}

DA_PUBLISH_TIME = dt.time(12, 30, 5)  # local, the day before the operating day
AS_PUBLISH_TIME = dt.time(12, 30, 2)
SCED_PUBLISH_DELAY = dt.timedelta(seconds=2)
SPP_PUBLISH_DELAY_SECONDS = (95, 175)  # seeded, after the interval end

EOL = "\r\n"
# Space padding of the price columns, as in the real rows: NP4-190-CD `, 23.94,` and NP6-788-CD `,       27.15`.
DA_PRICE_WIDTH = 6
SCED_LMP_WIDTH = 12


# --------------------------------------------------------------------------------------------- calendar

def day_bounds_utc(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight of `day` and of the next day (Central midnight is never ambiguous)."""
    start = dt.datetime.combine(day, dt.time(0), CENTRAL).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CENTRAL).astimezone(UTC)
    return start, end


def day_steps(day: dt.date, minutes: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(utc, local) starts of every `minutes`-long interval of the operating day; local carries `fold`."""
    t, end = day_bounds_utc(day)
    step = dt.timedelta(minutes=minutes)
    while t < end:
        yield t, t.astimezone(CENTRAL)
        t += step


def hours_in_day(day: dt.date) -> int:
    start, end = day_bounds_utc(day)
    return int((end - start) / dt.timedelta(hours=1))


def dst_flag(local: dt.datetime) -> str:
    """`Y` for the second occurrence of a repeated wall time (fall-back day, 01:00-01:59 CST), else `N`."""
    return "Y" if local.fold else "N"


def hour_ending(local_start: dt.datetime) -> str:
    return f"{local_start.hour + 1:02d}:00"


def mdy(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def days_of(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(days)]


# --------------------------------------------------------------------------------------------- publication

def da_publish(day: dt.date) -> dt.datetime:
    """Local publish time of the DAM settlement point prices for operating day `day`."""
    return dt.datetime.combine(day - dt.timedelta(days=1), DA_PUBLISH_TIME, CENTRAL)


def as_publish(day: dt.date) -> dt.datetime:
    """Local publish time of the DAM ancillary clearing prices for operating day `day`."""
    return dt.datetime.combine(day - dt.timedelta(days=1), AS_PUBLISH_TIME, CENTRAL)


def sced_publish(sced_utc: dt.datetime) -> dt.datetime:
    return (sced_utc + SCED_PUBLISH_DELAY).astimezone(CENTRAL)


def cdr_stem(type_id: int, publish_local: dt.datetime, friendly_name: str) -> str:
    """`cdr.<type id>.0000000000000000.<YYYYMMDD>.<HHMMSS>.<FriendlyName>`; the time is the local wall clock."""
    return f"cdr.{type_id:08d}.0000000000000000.{publish_local:%Y%m%d}.{publish_local:%H%M%S}.{friendly_name}"


def zip_name(type_id: int, publish_local: dt.datetime, friendly_name: str) -> str:
    return cdr_stem(type_id, publish_local, friendly_name) + "_csv.zip"


def xhr(local: dt.datetime) -> str:
    return "xhr" if local.fold else ""


# --------------------------------------------------------------------------------------------- prices

_BASE: dict[str, float] = {
    "HB_BUSAVG": 30.0, "HB_HOUSTON": 29.6, "HB_HUBAVG": 30.2, "HB_NORTH": 29.8, "HB_PAN": 27.2,
    "HB_SOUTH": 30.6, "HB_WEST": 28.1,
    "LZ_AEN": 32.1, "LZ_CPS": 32.4, "LZ_HOUSTON": 31.8, "LZ_LCRA": 32.0, "LZ_NORTH": 31.6,
    "LZ_RAYBN": 32.2, "LZ_SOUTH": 32.7, "LZ_WEST": 30.9,
    "DC_E": 29.1, "DC_L": 26.4, "DC_N": 29.5, "DC_R": 27.6,
    "7RNCHSLR_ALL": 23.8, "A4_DGR1_RN": 27.4, "ABINDUST_RN": 33.6, "AMISTAD_ALL": 26.1, "BRAUNIG_AVR1": 35.2,
}
# Nodes that now and then clear negative (renewables behind congestion): per-interval probability.
_NEGATIVE_PRONE: dict[str, float] = {"7RNCHSLR_ALL": 0.04, "A4_DGR1_RN": 0.03, "AMISTAD_ALL": 0.01}
# Intraday shape by local hour (value at hh:00, linear in between): low at night, peak 15:00-20:00.
_SHAPE: tuple[float, ...] = (
    0.78, 0.74, 0.71, 0.70, 0.72, 0.78, 0.88, 0.95, 0.94, 0.92, 0.93, 0.97,
    1.02, 1.08, 1.18, 1.35, 1.52, 1.68, 1.74, 1.62, 1.38, 1.15, 0.98, 0.86,
)
_AS_BASE: dict[str, float] = {"REGDN": 2.4, "REGUP": 4.1, "RRS": 3.2, "NSPIN": 1.9, "ECRS": 1.2}


_SYNTHETIC_BASE: dict[str, float] = {}


def base_price(point: str) -> float:
    """A point's price level: the table above, or a deterministic draw for a synthetic resource node."""
    got = _BASE.get(point) or _SYNTHETIC_BASE.get(point)
    if got is None:
        got = _SYNTHETIC_BASE[point] = round(random.Random(f"node-base:{point}").uniform(22.0, 36.0), 1)
    return got


def negative_prone(points: tuple[str, ...]) -> dict[str, float]:
    """Per-interval probability of clearing negative: the real nodes above, then synthetic solar / wind nodes."""
    out = dict(_NEGATIVE_PRONE)
    for p in points:
        if p not in out and p not in _BASE and p.endswith(("_SLR", "_WND1", "_PV1")):
            out[p] = 0.02
    return out


def shape(local: dt.datetime) -> float:
    h = local.hour + local.minute / 60.0
    i = int(h)
    frac = h - i
    return _SHAPE[i] * (1.0 - frac) + _SHAPE[(i + 1) % 24] * frac


def _rng(seed: int, what: str, key: object) -> random.Random:
    return random.Random(f"{seed}:{what}:{key}")


def day_factor(seed: int, day: dt.date) -> float:
    return _rng(seed, "day", day.isoformat()).uniform(0.82, 1.25)


def fmt_short(v: float) -> str:
    """Two decimals at most, trailing zeros dropped, as NP6-905-CD writes prices (`2.7`, `-0.98`, `5`)."""
    s = f"{round(v, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt2(v: float, width: int = 0) -> str:
    """Two decimals (never `-0.00`), right-aligned and space-padded to `width`."""
    s = f"{round(v, 2):.2f}"
    return ("0.00" if s == "-0.00" else s).rjust(width)


def _da_values(seed: int, day: dt.date, points: tuple[str, ...] = ALL_POINTS
               ) -> list[tuple[dt.datetime, list[float]]]:
    """Per hour of the operating day: (local start, DA price per point of `points`)."""
    rng = _rng(seed, "da", day.isoformat())
    bases = [base_price(p) for p in points]
    prone = negative_prone(points)
    factor = day_factor(seed, day)
    out = []
    for _utc, local in day_steps(day, 60):
        mid = local.replace(minute=30)
        common = rng.gauss(0.0, 0.04)
        spike = rng.random() < (0.012 if 15 <= local.hour <= 19 else 0.0)
        spike_mult = rng.uniform(3.5, 9.0)
        values = []
        for p, base in zip(points, bases):
            v = base * factor * shape(mid) * (1.0 + common) + rng.gauss(0.0, 0.6)
            if rng.random() < prone.get(p, 0.0) * 0.5:
                v = rng.uniform(-5.0, -1.0)
            elif spike:
                v *= spike_mult
            values.append(round(v, 2))
        out.append((local, values))
    return out


class _RtModel:
    """The 5-minute real-time price state, one value per point of `points`, cached per interval."""

    def __init__(self, seed: int, points: tuple[str, ...] = ALL_POINTS):
        self.seed = seed
        self.points = points
        self._bases = [base_price(p) for p in points]
        self._prone = negative_prone(points)
        self._cache: dict[int, list[float]] = {}

    def state(self, interval_utc: dt.datetime) -> list[float]:
        key = int(interval_utc.timestamp())
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._draw(interval_utc)
        return got

    def _draw(self, interval_utc: dt.datetime) -> list[float]:
        local = interval_utc.astimezone(CENTRAL)
        rng = _rng(self.seed, "rt", int(interval_utc.timestamp()))
        factor = day_factor(self.seed, local.date())
        level = factor * shape(local)
        common = rng.gauss(0.0, 0.09)
        spike = rng.random() < 0.0015
        spike_mult = rng.uniform(4.0, 9.0)
        negative = self._negative(interval_utc)
        values = []
        for p, base in zip(self.points, self._bases):
            v = base * level * (1.0 + common) + rng.gauss(0.0, 1.1)
            if p in negative:
                v = negative[p] + rng.gauss(0.0, 0.3)
            elif spike:
                v *= spike_mult
            values.append(v)
        return values

    def _negative(self, interval_utc: dt.datetime) -> dict[str, float]:
        """Negative-prone nodes that clear negative in this 5-minute interval's 15-minute block (so the
        15-minute SPP goes negative too), with their level."""
        block = int(interval_utc.timestamp()) // 900 * 900
        rng = _rng(self.seed, "negative", block)
        return {p: rng.uniform(-4.7, -1.3) for p, prob in self._prone.items() if rng.random() < prob}

    def forget(self) -> None:
        self._cache.clear()

    def sced(self, sced_utc: dt.datetime) -> list[float]:
        """LMPs of one SCED run: its 5-minute interval's state plus a little run-level noise."""
        floor = sced_utc - dt.timedelta(seconds=int(sced_utc.timestamp()) % 300)
        rng = _rng(self.seed, "sced", int(sced_utc.timestamp()))
        return [round(v + rng.gauss(0.0, 0.25), 2) for v in self.state(floor)]

    def spp(self, interval_utc: dt.datetime) -> list[float]:
        """15-minute settlement point prices: mean of the three 5-minute states (plus a small adder)."""
        states = [self.state(interval_utc + dt.timedelta(minutes=5 * k)) for k in range(3)]
        adder = _rng(self.seed, "adder", int(interval_utc.timestamp())).choice((0.0, 0.0, 0.0, 0.01, 0.03))
        return [round(sum(col) / 3.0 + adder, 2) for col in zip(*states)]


# --------------------------------------------------------------------------------------------- SCED runs

def sced_runs(day: dt.date, seed: int) -> list[tuple[dt.datetime, bool]]:
    """(utc timestamp, is_extra) of every SCED run of the operating day, in time order (whole seconds).

    One regular run per 5-minute interval at a seeded 10..50 s past the interval start, plus
    EXTRA_SCED_RUNS_PER_DAY event-driven runs, each later within the interval of a distinct regular run.
    """
    rng = _rng(seed, "sced-times", day.isoformat())
    regular = [utc + dt.timedelta(seconds=rng.randint(10, 50)) for utc, _local in day_steps(day, 5)]
    runs = [(t, False) for t in regular]
    for i in sorted(rng.sample(range(len(regular)), EXTRA_SCED_RUNS_PER_DAY)):
        t = regular[i]
        used = int(t.timestamp()) % 300
        runs.append((t + dt.timedelta(seconds=rng.randint(20, 299 - used)), True))
    return sorted(runs)


# --------------------------------------------------------------------------------------------- counts

def expected_counts(start: dt.date = DEFAULT_START, days: int = DEFAULT_DAYS,
                    n_nodes: int = DEFAULT_N_NODES) -> dict[str, dict[str, int]]:
    """Files and data rows (header excluded) per dataset that `generate_ercot(..., start, days, n_nodes=...)`
    writes, from the calendar alone."""
    all_points, spp_rows = points_for(n_nodes)
    out = {ds: {"files": 0, "rows": 0} for ds in DATASETS}
    for day in days_of(start, days):
        hours = hours_in_day(day)
        out["DA_prices"]["files"] += 1
        out["DA_prices"]["rows"] += hours * len(all_points)
        runs = hours * 12 + EXTRA_SCED_RUNS_PER_DAY
        out["RT_prices"]["files"] += runs
        out["RT_prices"]["rows"] += runs * len(all_points)
        out["RT_SPP"]["files"] += hours * 4
        out["RT_SPP"]["rows"] += hours * 4 * len(spp_rows)
        n_types = len(ANCILLARY_TYPES) if day >= ECRS_FROM else len(ANCILLARY_TYPES) - 1
        out["AS_prices"]["files"] += 1
        out["AS_prices"]["rows"] += hours * n_types
    return out


# --------------------------------------------------------------------------------------------- writing

def write_mis_zip(out_dir: Path, type_id: int, publish_local: dt.datetime, friendly_name: str,
                  header: str, rows: list[str]) -> Path:
    """One MIS zip holding one CSV (CRLF), every byte fixed by the arguments."""
    stem = cdr_stem(type_id, publish_local, friendly_name)
    payload = (header + EOL + "".join(r + EOL for r in rows)).encode("ascii")
    info = zipfile.ZipInfo(stem + ".csv", date_time=publish_local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    path = out_dir / (stem + "_csv.zip")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return path


def _write_da(out_dir: Path, day: dt.date, seed: int, points: tuple[str, ...] = ALL_POINTS) -> list[Path]:
    rep = REPORTS["DA_prices"]
    rows = []
    for local, values in _da_values(seed, day, points):
        he, flag = hour_ending(local), dst_flag(local)
        rows.extend(f"{mdy(day)},{he},{p},{fmt2(v, DA_PRICE_WIDTH)},{flag}" for p, v in zip(points, values))
    return [write_mis_zip(out_dir, rep.type_id, da_publish(day), rep.friendly, rep.header, rows)]


def _write_as(out_dir: Path, day: dt.date, seed: int) -> list[Path]:
    rep = REPORTS["AS_prices"]
    rng = _rng(seed, "as", day.isoformat())
    types = ANCILLARY_TYPES if day >= ECRS_FROM else tuple(t for t in ANCILLARY_TYPES if t != "ECRS")
    rows = []
    for _utc, local in day_steps(day, 60):
        he, flag = hour_ending(local), dst_flag(local)
        s = shape(local.replace(minute=30))
        for t in types:
            v = _AS_BASE[t] * s * rng.lognormvariate(0.0, 0.45)
            if rng.random() < 0.01:
                v *= rng.uniform(3.0, 8.0)
            v = min(30.0, max(0.01, v))
            rows.append(f"{mdy(day)},{he},{t},{fmt2(v)},{flag}")
    return [write_mis_zip(out_dir, rep.type_id, as_publish(day), rep.friendly, rep.header, rows)]


def _write_sced(out_dir: Path, day: dt.date, seed: int, model: _RtModel) -> list[Path]:
    rep = REPORTS["RT_prices"]
    paths = []
    for utc, _extra in sced_runs(day, seed):
        local = utc.astimezone(CENTRAL)
        stamp = f"{local:%m/%d/%Y %H:%M:%S}"
        flag = dst_flag(local)
        rows = [f"{stamp},{flag},{p},{fmt2(v, SCED_LMP_WIDTH)}" for p, v in zip(model.points, model.sced(utc))]
        friendly = f"{rep.friendly}_{local:%Y%m%d}_{local:%H%M%S}{xhr(local)}"
        paths.append(write_mis_zip(out_dir, rep.type_id, sced_publish(utc), friendly, rep.header, rows))
    return paths


def _write_spp(out_dir: Path, day: dt.date, seed: int, model: _RtModel) -> list[Path]:
    rep = REPORTS["RT_SPP"]
    rng = _rng(seed, "spp-publish", day.isoformat())
    paths = []
    for utc, local in day_steps(day, 15):
        end_utc = utc + dt.timedelta(minutes=15)
        end_local = end_utc.astimezone(CENTRAL)
        publish = (end_utc + dt.timedelta(seconds=rng.randint(*SPP_PUBLISH_DELAY_SECONDS))).astimezone(CENTRAL)
        hour, interval, flag = local.hour + 1, local.minute // 15 + 1, dst_flag(local)
        rows = [f"{mdy(day)},{hour},{interval},{p},{t},{fmt_short(v)},{flag}"
                for p, t, v in _spp_rows(seed, utc, model)]
        friendly = f"{rep.friendly}_{end_local:%Y%m%d}_{end_local:%H%M}{xhr(end_local)}"
        paths.append(write_mis_zip(out_dir, rep.type_id, publish, friendly, rep.header, rows))
    return paths


def _spp_rows(seed: int, interval_utc: dt.datetime, model: _RtModel) -> list[tuple[str, str, float]]:
    """(name, type, price) rows of one NP6-905-CD interval. The energy-weighted row of a load zone is its LZ price
    give or take a cent (equal for DC ties, as in the real file); the pair's order is drawn per interval."""
    rng = _rng(seed, "spp-ew", int(interval_utc.timestamp()))
    out = []
    for p, v in zip(model.points, model.spp(interval_utc)):
        types = settlement_point_types(p)
        if len(types) == 1:
            out.append((p, types[0], v))
            continue
        own, weighted = types
        ew = round(v + (rng.choice((-0.01, 0.0, 0.01)) if p.startswith("LZ_") else 0.0), 2)
        pair = [(p, own, v), (p, weighted, ew)]
        out.extend(pair if rng.random() < 0.5 else pair[::-1])
    return out


def generate_ercot(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
    n_nodes: int = DEFAULT_N_NODES,
) -> list[Path]:
    """Write the sample's MIS zips (flat) into `out_dir` and return their paths, sorted.

    Same arguments give byte-identical files; each dataset's files are the same whichever others are asked for.
    `n_nodes` resource nodes (see `resource_nodes`) appear in every DA, SCED and SPP file.
    """
    unknown = [d for d in datasets if d not in REPORTS]
    if unknown:
        raise ValueError(f"unknown ERCOT dataset(s) {unknown}: expected some of {', '.join(DATASETS)}")
    if days < 0:
        raise ValueError("days must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    points = points_for(n_nodes)[0]
    model = _RtModel(seed, points)
    paths: list[Path] = []
    for day in days_of(start, days):
        if "DA_prices" in datasets:
            paths += _write_da(out_dir, day, seed, points)
        if "RT_prices" in datasets:
            paths += _write_sced(out_dir, day, seed, model)
        if "RT_SPP" in datasets:
            paths += _write_spp(out_dir, day, seed, model)
        if "AS_prices" in datasets:
            paths += _write_as(out_dir, day, seed)
        model.forget()  # a finished day's states are not needed again
    return sorted(paths)
