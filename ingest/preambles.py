"""Lines above the header: the preamble of MISO's market reports, checked strictly and dropped before landing.

    without_preamble(iso, name, data) -> bytes   # raises BadPreamble(reason): the file goes to quarantine

A MISO market report (FORMATS_MORE.md, MISO) opens with four lines before its header. The LMP reports
(`YYYYMMDD_da_expost_lmp.csv` and `YYYYMMDD_rt_lmp_final.csv`, both seen in real files):

    Day Ahead Market ExPost LMPs                              <- title (the report's own words; RT: `Realtime Market LMPs`)
    07/14/2026                                                <- the market day, MM/DD/YYYY (2019's RT files: `3/10/2019`)
                                                              <- blank
    ,,,All Hours-Ending are Eastern Standard Time (EST)        <- the time convention
    Node,Type,Value,HE 1,HE 2,...,HE 24                       <- the header (seeds/iso_reports.csv)

The preamble is what says how to read the hours, so it is checked, not skipped: a file lands only when it says
"All Hours-Ending are Eastern Standard Time (EST)" (the registry's fixed UTC-5 for MISO rests on it), its date line
is a date, its blank lines are blank, its title is the report's (where a source showed it) and its file name starts
with that same market day (`YYYYMMDD_`): staging takes the day from the landed file's name, the preamble being gone.
Anything else is quarantined with the reason, as is a row whose `Value` is not LMP, MCC or MLC. The lines after
the preamble land as any CSV.

The day-ahead ancillary service MCP report (`YYYYMMDD_asm_expost_damcp.csv`) has another preamble and two tables
(inferred from third-party notes and code, no real file seen; FORMATS_MORE.md):

    Dayahead Market MCPs.
                                                              <- blank
    07/14/2026,,All Hours-Ending are Eastern Standard Time (EST)
                                                              <- blank
    ,,MCP Type, HE 1,HE 2,...,HE 24                           <- table 1: MISO-wide, one row per MCP type
    MISO Wide,-,DEMREGMCP,10.97,7.57,...
                                                              <- blank line(s)
    Zone,Pnode,MCP Type,HE 1,...,HE 24                        <- table 2: per reserve zone
    1,<pnode>,GENREGMCP,...

It is parsed strictly into one CSV: table 2's header (the one that names every column), then table 1's rows, then
table 2's rows, each as written. A first table whose header or rows are not the above, a missing second table, a
third one, or an MCP type seed as_products does not list, quarantines the file, saying which.

MISO's DA and RT LMP reports share one header, so a MISO file is recognised by its name only (the report's name
token, seeds/iso_reports.csv), never by its header.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from . import reports
from .catalog import read_seed

EST_NOTE = "All Hours-Ending are Eastern Standard Time (EST)"
NAME_DAY = re.compile(r"^(\d{8})_")
HOURS = tuple(f"HE {h}" for h in range(1, 25))


class BadPreamble(ValueError):
    """The preamble (or the layout after it) is not the one the report's layout expects (the message says how)."""


@dataclass(frozen=True)
class Layout:
    #: what each preamble line holds: "title", "day" (M/D/YYYY alone, zero-padded or not), "blank", "note" (the EST sentence), or
    #: "day+note" (the day in the first cell and the EST sentence in a later one)
    lines: tuple[str, ...]
    title: str | None  # the exact title where a source showed it; None: any title (not seen)
    #: two-table reports: (table 1's header, table 1's first cell on every row, table 2's header); None: one table
    tables: tuple[tuple[str, ...], str, tuple[str, ...]] | None = None
    #: one-table reports: (column, the values it may hold): MISO's LMP reports' `Value` is LMP, MCC or MLC
    values: tuple[str, tuple[str, ...]] | None = None


LMP = ("title", "day", "blank", "note")
LMP_VALUES = ("Value", ("LMP", "MCC", "MLC"))
#: (iso, format) -> its preamble. An ISO listed here has every file recognised by its name.
LAYOUTS: dict[tuple[str, str], Layout] = {
    ("MISO", "da_expost_lmp"): Layout(LMP, "Day Ahead Market ExPost LMPs", values=LMP_VALUES),  # seen in a real file
    # seen in real files (2019-03-10 and 2019-11-03, tests/python/fixtures/real_samples/miso/stompsjo_ne571.project)
    ("MISO", "rt_lmp_final"): Layout(LMP, "Realtime Market LMPs", values=LMP_VALUES),
    ("MISO", "asm_expost_damcp"): Layout(  # inferred (two third-party sources, no real file)
        ("title", "blank", "day+note", "blank"), "Dayahead Market MCPs.",
        (("", "", "MCP Type", *HOURS), "MISO Wide", ("Zone", "Pnode", "MCP Type", *HOURS))),
}


def applies(iso: str) -> bool:
    """Whether the ISO's reports carry a preamble (and are recognised by name)."""
    return any(i == iso.upper() for i, _ in LAYOUTS)


@lru_cache(maxsize=8)
def _products(iso: str) -> frozenset[str]:
    """The ISO's AS product codes of seed as_products."""
    return frozenset(r["iso_product"] for r in read_seed("as_products") if r["iso"] == iso)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([line]), [])]


def _decode(data: bytes) -> str:
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode("cp1252", errors="replace")


def market_day(name: str) -> dt.date | None:
    """The market day a MISO file name starts with (`20260714_da_expost_lmp.csv` -> 2026-07-14), else None."""
    m = NAME_DAY.match(name.replace("\\", "/").rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def _check_preamble(report: reports.Report, layout: Layout, name: str, lines: list[str]) -> None:
    rid = report.report_id
    if len(lines) < len(layout.lines):
        raise BadPreamble(f"{rid}: the file ends inside its {len(layout.lines)}-line preamble")
    cells = [_cells(line) for line in lines[:len(layout.lines)]]
    shown = " | ".join(",".join(c) for c in cells)[:300]
    notes = [i for i, role in enumerate(layout.lines) if "note" in role]
    if not any(EST_NOTE in cells[i] for i in notes):
        where = " / ".join(str(i + 1) for i in notes)
        raise BadPreamble(f"{rid}: preamble line {where} must say \"{EST_NOTE}\" (the hours are read as fixed "
                          f"UTC-5 because of it); the preamble is: {shown}")
    day = None
    for i, (role, line) in enumerate(zip(layout.lines, cells, strict=True)):
        n = i + 1
        if role == "title":
            if not any(line) or (layout.title is not None and [c for c in line if c] != [layout.title]):
                wanted = f' "{layout.title}"' if layout.title else ""
                raise BadPreamble(f"{rid}: preamble line {n} must be the report's title{wanted}; "
                                  f"the preamble is: {shown}")
        elif role == "note":
            if [c for c in line if c] != [EST_NOTE]:
                raise BadPreamble(f"{rid}: preamble line {n} must hold the time note alone; the preamble is: {shown}")
        elif role == "blank":
            if any(line):
                raise BadPreamble(f"{rid}: preamble line {n} must be blank; the preamble is: {shown}")
        elif role in ("day", "day+note"):
            try:
                day = dt.datetime.strptime(line[0] if line else "", "%m/%d/%Y").date()
            except ValueError:
                raise BadPreamble(f"{rid}: preamble line {n} must start with the market day as MM/DD/YYYY; the "
                                  f"preamble is: {shown}") from None
            rest = [c for c in line[1:] if c]
            if rest != ([EST_NOTE] if role == "day+note" else []):
                raise BadPreamble(f"{rid}: preamble line {n} holds more than the market day"
                                  f"{' and the time note' if role == 'day+note' else ''}: {shown}")
    named = market_day(name)
    if named != day:
        raise BadPreamble(f"{rid}: the file name must start with the market day of its preamble "
                          f"({day:%Y%m%d}_...; staging reads the day from the name), got {name.rsplit('/', 1)[-1]}")


def _two_tables(report: reports.Report, layout: Layout, body: list[str]) -> str:
    """The two tables after the preamble as one CSV: table 2's header, table 1's rows, table 2's rows."""
    assert layout.tables is not None
    first_header, first_cell, second_header = layout.tables
    rid = report.report_id
    known = _products(report.iso)
    while body and not body[-1].strip(" ,"):
        body = body[:-1]
    blank = [i for i, line in enumerate(body) if not line.strip(" ,")]
    if not body or tuple(_cells(body[0])) != first_header:
        got = ",".join(_cells(body[0])) if body else "nothing"
        raise BadPreamble(f"{rid}: the first table's header must be {','.join(first_header)} (blank cells "
                          f"first), got {got}"[:400])
    if not blank:
        raise BadPreamble(f"{rid}: no second (zonal) table after the MISO-wide one (expected a blank line, then "
                          f"{','.join(second_header)})")
    first, rest = body[1:blank[0]], body[blank[0]:]
    while rest and not rest[0].strip(" ,"):
        rest = rest[1:]
    if not rest or tuple(_cells(rest[0])) != second_header:
        got = ",".join(_cells(rest[0])) if rest else "nothing"
        raise BadPreamble(f"{rid}: the second table's header must be {','.join(second_header)}, got {got}"[:400])
    second = rest[1:]
    if any(not line.strip(" ,") for line in second):
        raise BadPreamble(f"{rid}: a blank line inside the second table (a third table?): the inferred layout "
                          f"has two")
    if not first:
        raise BadPreamble(f"{rid}: the first (MISO-wide) table has no rows")
    for line in first:
        cells = _cells(line)
        if not cells or cells[0] != first_cell:
            raise BadPreamble(f"{rid}: a row of the first table does not start with {first_cell}: {line[:160]}")
    for line in second:
        if not _cells(line)[0].isdigit():
            raise BadPreamble(f"{rid}: a row of the second table does not start with a reserve zone number: "
                              f"{line[:160]}")
    for line in first + second:
        cells = _cells(line)
        product = cells[2] if len(cells) > 2 else ""
        if product not in known:
            raise BadPreamble(f"{rid}: MCP type {product!r} is not in seeds/as_products.csv for {report.iso} "
                              f"(known: {', '.join(sorted(known))}): {line[:160]}")
    return "\n".join([",".join(second_header), *first, *second]) + "\n"


def without_preamble(iso: str, name: str, data: bytes) -> bytes:
    """`data` from its header on, once the preamble checked out (a two-table report: its tables as one CSV);
    BadPreamble(reason) otherwise."""
    report = reports.by_name(iso.upper(), name)
    if report is None:
        known = ", ".join(f"YYYYMMDD{r.name_token}.csv" for r in reports.reports_for(iso.upper()))
        raise BadPreamble(f"unknown report: {iso.upper()} files are recognised by their name ({known}); "
                          f"the header cannot tell the reports apart")
    layout = LAYOUTS.get((report.iso, report.format))
    if layout is None:
        return data
    text = _decode(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    _check_preamble(report, layout, name, lines)
    body = lines[len(layout.lines):]
    if layout.tables is None:
        _check_values(report, layout, body)
        return "\n".join(body).encode("utf-8")
    return _two_tables(report, layout, body).encode("utf-8")


def _check_values(report: reports.Report, layout: Layout, body: list[str]) -> None:
    """Every row's `layout.values` column holds one of its values (MISO: Value LMP, MCC or MLC)."""
    if layout.values is None or not body:
        return
    column, allowed = layout.values
    header = _cells(body[0])
    if column not in header:
        return  # the header check at landing names the difference
    at = header.index(column)
    for n, line in enumerate(body[1:], start=len(layout.lines) + 2):
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) <= at or cells[at] not in allowed:
            got = cells[at] if len(cells) > at else "nothing"
            raise BadPreamble(f"{report.report_id}: line {n}: {column} must be one of {', '.join(allowed)}, "
                              f"got {got!r}: {line[:160]}")
