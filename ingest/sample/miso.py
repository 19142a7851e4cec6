"""A deterministic MISO sample: market report CSVs in the layout of the real Day-Ahead ExPost LMP file and the real
Real-Time ExPost LMP final files (FORMATS_MORE.md, MISO; the real files in tests/python/fixtures/real_samples/miso/).

    generate_miso(out_dir, start=date(2024, 10, 21), days=21, seed=7) -> sorted list of CSV paths

One file per market day and report, named as MISO names it: `YYYYMMDD_da_expost_lmp.csv` (DA_prices) and
`YYYYMMDD_rt_lmp_final.csv` (RT_hourly: the real-time final report, the day-ahead one's layout, as two real 2019 files
show) and `YYYYMMDD_asm_expost_damcp.csv` (AS_prices: two tables, inferred, see as_day_file), and for RT_prices one
weekly `YYYYMMDD_5MIN_LMP.zip` per Monday-to-Sunday week with a day in the window (inferred, see
five_minute_week_file), the LMP reports with every quirk of the real files:

- four preamble lines before the header: the title (`Day Ahead Market ExPost LMPs`), the market day `MM/DD/YYYY`, a
  blank line, `,,,All Hours-Ending are Eastern Standard Time (EST)`;
- the wide header `Node,Type,Value,HE 1,...,HE 24`: 24 hour-ending columns on every day, the DST days included
  (2024-03-10 and 2024-11-03 have 24 hours like any other: MISO's clock is EST all year);
- three rows per node, `Value` LMP, MCC (congestion), MLC (loss), in the real file's order: every node's LMP row,
  then every node's MCC row, then every MLC row (nodes in the same order in each block);
- the day-ahead file as the real 2026 excerpt: the date `07/14/2026` zero-padded, numbers with two decimals at most,
  no trailing zeros and no leading zero (`36.24`, `29`, `.92`, `-.03`, `0`), LF line endings (as stored);
- the real-time final file as the real 2019 files: title `Realtime Market LMPs`, the date not zero-padded
  (`3/10/2019`), every number with two decimals and its leading zero (`0.50`, `-0.77`, `0.00`), CRLF line endings.
  Which of these differences are the report's and which the year's is not known: staging reads both.

Prices: one system energy price per hour for every node, plus each node's congestion and loss, each rounded to the
cent; the LMP is their sum, so LMP - MCC - MLC gives the energy price back (as staging derives it). Nodes: the eight
MISO hubs (ILLINOIS.HUB, INDIANA.HUB, MICHIGAN.HUB as in the real file; the other five spellings inferred, see
FORMATS_MORE.md) and a few load zones, interfaces and generator nodes whose names are made up.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_START = dt.date(2024, 10, 21)
DEFAULT_DAYS = 21
DEFAULT_SEED = 7
DATASETS = ("DA_prices", "RT_hourly", "AS_prices", "RT_prices")
#: dataset -> (file name suffix, title line). The DA title is the real file's; the RT one is inferred (not seen).
REPORTS = {"DA_prices": ("da_expost_lmp", "Day Ahead Market ExPost LMPs"),
           "RT_hourly": ("rt_lmp_final", "Realtime Market LMPs"),
           "AS_prices": ("asm_expost_damcp", "Dayahead Market MCPs."),
           "RT_prices": ("5MIN_LMP", "Real-Time 5-Minute ExPost LMPs")}
#: the weekly 5-minute archive's columns in the order a project that downloads the archives lists them (its README,
#: 2025; seen once: no real file seen here)
FIVE_MIN_HEADER = "MKTHOUR_EST,PNODENAME,LMP,CON_LMP,LOSS_LMP"
#: the footer: a blank line and a disclaimer (MISOReports drops the last two lines, gridstatus one after the blank
#: lines pandas skips, that README a "footer disclaimer"; its words not seen)
FIVE_MIN_FOOTER = ("", "The information contained in this report is provided for informational purposes only.")
#: the archive is named after the Monday this many days after the Monday its week starts (gridstatus; a 2026 memo)
FIVE_MIN_DAYS_AFTER = 14
#: MCP types in the order of the file (third-party notes); the price level of each ($/MW)
MCP_TYPES = (("DEMREGMCP", 9.0), ("GENREGMCP", 9.0), ("DEMSPINMCP", 2.5), ("GENSPINMCP", 2.5),
             ("DEMSUPPMCP", 0.8), ("GENSUPPMCP", 0.8), ("SERREGMCP", 9.0))
#: reserve zone -> the pricing node named on its rows (made up)
RESERVE_ZONES = ((1, "ALTW.ZONE1"), (2, "WEC.ZONE2"), (3, "CIN.ZONE3"), (4, "CONS.ZONE4"))
EST_NOTE = ",,,All Hours-Ending are Eastern Standard Time (EST)"
HEADER = "Node,Type,Value," + ",".join(f"HE {h}" for h in range(1, 25))


@dataclass(frozen=True)
class Node:
    name: str
    type: str  # MISO's node type as written: Hub, Loadzone, Interface, Gennode
    congestion: float  # mean congestion component, $/MWh
    loss_factor: float  # marginal loss component as a share of the energy price


NODES: tuple[Node, ...] = (
    Node("ILLINOIS.HUB", "Hub", 0.6, -0.02),
    Node("INDIANA.HUB", "Hub", -1.8, 0.05),
    Node("MICHIGAN.HUB", "Hub", 4.1, 0.07),
    Node("MINN.HUB", "Hub", -3.2, -0.06),
    Node("ARKANSAS.HUB", "Hub", -0.9, 0.01),
    Node("LOUISIANA.HUB", "Hub", 1.4, 0.03),
    Node("TEXAS.HUB", "Hub", 2.2, 0.04),
    Node("MS.HUB", "Hub", 0.8, 0.02),
    Node("AECI.ALTW", "Loadzone", -2.5, -0.03),
    Node("CIN.DEI", "Loadzone", -1.1, 0.04),
    Node("AECI", "Interface", -4.0, -0.05),
    Node("PJM", "Interface", 1.9, 0.06),
    Node("ALTW.LANSING1", "Gennode", -6.3, -0.08),
    Node("CONS.CAMPBELL3", "Gennode", 5.2, 0.09),
)


def miso_number(x: float) -> str:
    """A price as MISO writes it: at most two decimals, no trailing zeros, no leading zero (`.92`, `-.03`, `29`)."""
    text = f"{round(x, 2):.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def two_decimals(x: float) -> str:
    """A price as the real 2019 real-time files write it: two decimals, leading zero (`0.50`, `-0.77`, `0.00`)."""
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text


def _energy(day: dt.date, he: int, rng: random.Random, spread: float) -> float:
    """System energy price of hour ending `he` (EST): a daily shape (evening peak) with noise."""
    shape = 30.0 + 14.0 * math.sin((he - 7) / 24 * 2 * math.pi) + (8.0 if 17 <= he <= 21 else 0.0)
    return round(shape * (1.0 + 0.1 * math.sin(day.toordinal() / 3)) + rng.uniform(-spread, spread), 2)


def day_file(day: dt.date, seed: int = DEFAULT_SEED, dataset: str = "DA_prices") -> str:
    """The text of one market day's report of `dataset` (`YYYYMMDD_da_expost_lmp.csv`, `..._rt_lmp_final.csv`)."""
    rng = random.Random(f"{seed}-{dataset}-{day.isoformat()}")
    energy = [_energy(day, he, rng, 3.0 if dataset == "DA_prices" else 9.0) for he in range(1, 25)]
    if dataset == "DA_prices":  # as the real 2026 day-ahead excerpt
        date, number, newline = f"{day:%m/%d/%Y}", miso_number, "\n"
    else:  # as the real 2019 real-time final files
        date, number, newline = f"{day.month}/{day.day}/{day.year}", two_decimals, "\r\n"
    rows: dict[str, list[str]] = {"LMP": [], "MCC": [], "MLC": []}
    for node in NODES:
        mcc = [round(node.congestion + rng.uniform(-1.5, 1.5), 2) for _ in energy]
        mlc = [round(e * node.loss_factor + rng.uniform(-0.4, 0.4), 2) for e in energy]
        lmp = [round(e + c + m, 2) for e, c, m in zip(energy, mcc, mlc, strict=True)]
        for value, prices in (("LMP", lmp), ("MCC", mcc), ("MLC", mlc)):
            rows[value].append(f"{node.name},{node.type},{value}," + ",".join(number(p) for p in prices))
    lines = [REPORTS[dataset][1], date, "", EST_NOTE, HEADER, *rows["LMP"], *rows["MCC"], *rows["MLC"]]
    return newline.join(lines) + newline


def as_day_file(day: dt.date, seed: int = DEFAULT_SEED) -> str:
    """The text of one market day's `YYYYMMDD_asm_expost_damcp.csv`, in the inferred layout (FORMATS_MORE.md): its
    own preamble (title, blank, `MM/DD/YYYY,,<EST note>`, blank), the MISO-wide table under the header
    `,,MCP Type, HE 1,...` (note the space before HE 1) with rows `MISO Wide,-,<type>,...`, a blank line, then the
    reserve-zone table `Zone,Pnode,MCP Type,HE 1,...` with one row per zone and type. A zone's price is the MISO-wide
    one except where its own requirement binds (zone 4's spinning reserve in the evening, here)."""
    rng = random.Random(f"{seed}-AS_prices-{day.isoformat()}")
    wide = {t: [round(level * (1.0 + 0.4 * math.sin((he - 8) / 24 * 2 * math.pi)) + rng.uniform(0, 1), 2)
                for he in range(1, 25)] for t, level in MCP_TYPES}
    lines = [REPORTS["AS_prices"][1], "", f"{day:%m/%d/%Y},,All Hours-Ending are Eastern Standard Time (EST)", "",
             ",,MCP Type, " + ",".join(f"HE {h}" for h in range(1, 25))]
    lines += [f"MISO Wide,-,{t}," + ",".join(miso_number(p) for p in wide[t]) for t, _ in MCP_TYPES]
    lines += ["", "Zone,Pnode,MCP Type," + ",".join(f"HE {h}" for h in range(1, 25))]
    for zone, pnode in RESERVE_ZONES:
        for t, _ in MCP_TYPES:
            prices = [p + (4.5 if zone == 4 and "SPIN" in t and 18 <= he <= 21 else 0.0)
                      for he, p in enumerate(wide[t], 1)]
            lines.append(f"{zone},{pnode},{t}," + ",".join(miso_number(p) for p in prices))
    return "\n".join(lines) + "\n"


def five_minute_week_file(monday: dt.date, seed: int = DEFAULT_SEED) -> str:
    """The CSV inside `<monday + 14 days>_5MIN_LMP.zip`: the week of 5-minute ex-post LMPs starting `monday` 00:00
    EST (2,016 intervals, every day 288 on MISO's EST clock), long. Inferred where no real file was seen (its
    module's docs and FORMATS_MORE.md): four preamble lines (title, the week, blank, a note on EST), the header
    FIVE_MIN_HEADER, one row per node and interval (time-major), `MM/DD/YYYY HH:MM` interval starts, MISO's
    numbers without a leading zero, FIVE_MIN_FOOTER. Each interval's LMP = energy + congestion + loss."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday: the archive holds a Monday-to-Sunday week")
    rng = random.Random(f"{seed}-RT_prices-{monday.isoformat()}")
    sunday = monday + dt.timedelta(days=6)
    lines = [REPORTS["RT_prices"][1], f"{monday:%m/%d/%Y} - {sunday:%m/%d/%Y}", "",
             "All intervals are Eastern Standard Time (EST)", FIVE_MIN_HEADER]
    start = dt.datetime.combine(monday, dt.time())
    for i in range(7 * 288):
        t = start + dt.timedelta(minutes=5 * i)
        energy = _energy(t.date(), t.hour + 1, rng, 12.0)
        stamp = f"{t:%m/%d/%Y %H:%M}"
        for node in NODES:
            mcc = round(node.congestion + rng.uniform(-2.0, 2.0), 2)
            mlc = round(energy * node.loss_factor + rng.uniform(-0.4, 0.4), 2)
            lmp = round(energy + mcc + mlc, 2)
            lines.append(f"{stamp},{node.name},{miso_number(lmp)},{miso_number(mcc)},{miso_number(mlc)}")
    lines += FIVE_MIN_FOOTER
    return "\r\n".join(lines) + "\r\n"


def five_minute_archive(path: Path, monday: dt.date, seed: int = DEFAULT_SEED) -> Path:
    """Write the weekly archive of the week starting `monday` into folder `path`, named as MISO names it (the
    Monday 14 days later: `20240318_5MIN_LMP.zip` holds 2024-03-04..10), one CSV of the same name inside."""
    stem = f"{monday + dt.timedelta(days=FIVE_MIN_DAYS_AFTER):%Y%m%d}_5MIN_LMP"
    target = Path(path) / f"{stem}.zip"
    info = zipfile.ZipInfo(f"{stem}.csv", date_time=(monday.year, monday.month, monday.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr(info, five_minute_week_file(monday, seed).encode("ascii"))
    return target


def generate_miso(
    out_dir: Path,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    datasets: tuple[str, ...] = DATASETS,
) -> list[Path]:
    """Write one report file per market day and dataset into `out_dir` and return their paths, sorted. Same
    arguments give byte-identical files; each dataset's files are the same whichever others are asked for."""
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        raise ValueError(f"unknown MISO dataset(s) {unknown}: expected some of {', '.join(DATASETS)}")
    if days < 0:
        raise ValueError("days must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for dataset in datasets:
        if dataset == "RT_prices":  # weekly archives: every week with a day in the window, whole
            first = start - dt.timedelta(days=start.weekday())
            mondays = sorted({first + dt.timedelta(days=7 * w) for w in range((days + start.weekday() + 6) // 7)})
            paths += [five_minute_archive(out_dir, monday, seed) for monday in mondays] if days else []
            continue
        for i in range(days):
            day = start + dt.timedelta(days=i)
            path = out_dir / f"{day:%Y%m%d}_{REPORTS[dataset][0]}.csv"
            text = as_day_file(day, seed) if dataset == "AS_prices" else day_file(day, seed, dataset)
            path.write_bytes(text.encode("ascii"))
            paths.append(path)
    return sorted(paths)
