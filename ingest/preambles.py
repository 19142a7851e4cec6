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
the preamble land as any CSV, a quoted number with thousands separators (`"1,234.56"`, seen once in scarcity prices)
written plain.

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

The weekly real-time 5-minute LMP archive (`YYYYMMDD_5MIN_LMP.zip`, one CSV inside) is long, read by column name:

    <4 preamble lines>                                        <- contents not seen (gridstatus skips 4 lines)
    PNODENAME,MKTHOUR_EST,LMP,CON_LMP,LOSS_LMP                <- names from gridstatus; their order not seen
    ILLINOIS.HUB,01/02/2023 00:05,24.5,-.3,.12                <- one row per node and 5-minute interval (EST start)
    <a footer line>                                           <- not seen (gridstatus skips 1 line, MISOReports 2)

Only what two independent readers agree on is taken as fact, and the rest is checked instead of assumed: the header
is the fifth line and holds exactly those five names, in any order (landed in the registered order); no preamble
line names a clock other than EST; at most two lines after the rows are not rows (the footer, dropped); every row
starts a 5-minute interval (`M/D/YYYY H:MM`, seconds optional and zero) inside the week the archive's name implies
(the week starting two weeks before its date, FORMATS_MORE.md). Anything else quarantines the file, saying which.
The CSV inside is recognised by its own name or, when that names no report or day, by the archive's (and lands
under the archive's name).

MISO's DA and RT LMP reports share one header, so a MISO file is recognised by its name only (the report's name
token, seeds/iso_reports.csv), never by its header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
    #: long reports read by column name: (the interval-start column, the grain in minutes, the days before the
    #: name's date where the rows' week starts); the header is the registered one in any order
    named: tuple[str, int, int] | None = None
    footer: int = 0  # how many lines after the rows may be a footer (dropped)


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
    # inferred (gridstatus, MISOReports: 4 lines skipped, the column names, a footer; no real file seen)
    ("MISO", "rt_5min_lmp"): Layout(("any",) * 4, None, named=("MKTHOUR_EST", 5, 14), footer=2),
}
#: a preamble line of the 5-minute archive may say anything but name another clock than EST
OTHER_CLOCK = re.compile(r"\b(EDT|CDT|CST|CPT|EPT|prevailing|daylight|central|GMT|UTC)\b", re.I)
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
STAMP = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$")


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


def report_name(iso: str, name: str, chain: tuple[str, ...] = ()) -> str:
    """The name a MISO file is recognised (and landed) by: its own when that names a report and a day, else that of
    the innermost archive holding it that does (`20230116_5MIN_LMP.zip` -> `20230116_5MIN_LMP.csv`), else its own."""
    for candidate in (name, *reversed(chain[:-1])):
        base = candidate.replace("\\", "/").rsplit("/", 1)[-1]
        if reports.by_name(iso.upper(), base) is not None and market_day(base) is not None:
            return base if candidate == name else base.rsplit(".", 1)[0] + ".csv"
    return name


def without_preamble(iso: str, name: str, data: bytes, chain: tuple[str, ...] = ()) -> bytes:
    """`data` from its header on, once the preamble checked out (a two-table report: its tables as one CSV; a report
    read by column name: its columns in the registered order); BadPreamble(reason) otherwise. `chain`: the archives
    holding the file, outermost first, the file last (a member's name may not say which report it is)."""
    name = report_name(iso, name, chain)
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
    if layout.named is not None:
        return _plain_numbers(_named_table(report, layout, name, lines)).encode("utf-8")
    _check_preamble(report, layout, name, lines)
    body = lines[len(layout.lines):]
    if layout.tables is None:
        _check_values(report, layout, body)
        return _plain_numbers("\n".join(body)).encode("utf-8")
    return _plain_numbers(_two_tables(report, layout, body)).encode("utf-8")


def _plain_numbers(text: str) -> str:
    """`text` with every quoted number written with thousands separators (`"1,234.56"`: a scarcity price, reported by
    one project reading MISO's reports) as a plain number (`1234.56`); anything else as it was. A separator outside
    quotes splits the cell, and the row's width gives it away at landing (quarantined)."""
    if '"' not in text:
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for cells in csv.reader(io.StringIO(text)):
        writer.writerow([c.replace(",", "") if THOUSANDS.match(c) else c for c in cells])
    return out.getvalue()


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


def _named_table(report: reports.Report, layout: Layout, name: str, lines: list[str]) -> str:
    """A long report read by column name (MISO's weekly 5-minute archive), checked as the module says: its rows
    under the registered header, the columns in the registered order, preamble and footer dropped."""
    assert layout.named is not None
    rid, stamp_column, (grain, days_before) = report.report_id, layout.named[0], layout.named[1:]
    skip = len(layout.lines)
    if len(lines) <= skip:
        raise BadPreamble(f"{rid}: the file ends inside its {skip}-line preamble")
    for n, line in enumerate(lines[:skip], start=1):
        if OTHER_CLOCK.search(line):
            raise BadPreamble(f"{rid}: preamble line {n} names another clock than EST ({line.strip()[:120]!r}); "
                              f"{stamp_column} is read as Eastern Standard Time, fixed UTC-5")
    wanted = tuple(report.header)
    header = _cells(lines[skip])
    if sorted(c.upper() for c in header) != sorted(wanted):
        missing = [c for c in wanted if c not in {h.upper() for h in header}]
        extra = [h for h in header if h.upper() not in wanted]
        raise BadPreamble(f"{rid}: line {skip + 1} must be the header, the columns {', '.join(wanted)} in any "
                          f"order (names from gridstatus: no real file of this report has been seen, so no other "
                          f"column is guessed at); got {','.join(header)[:300]}"
                          + (f"; missing {', '.join(missing)}" if missing else "")
                          + (f"; not known: {', '.join(extra)}" if extra else ""))
    order = [[h.upper() for h in header].index(c) for c in wanted]
    at = order[0] if wanted[0] == stamp_column else [h.upper() for h in header].index(stamp_column)
    rows = lines[skip + 1:]
    while rows and not rows[-1].strip(" ,"):
        rows.pop()
    footer = 0
    while rows and footer < layout.footer and not _is_row(rows[-1], len(header), at):
        rows.pop()
        footer += 1
        while rows and not rows[-1].strip(" ,"):
            rows.pop()
    if not rows:
        raise BadPreamble(f"{rid}: no rows under the header")
    week = market_day(name)
    if week is None:
        raise BadPreamble(f"{rid}: the week a {name} holds is read from its name (YYYYMMDD{report.name_token}, "
                          f"the Monday {days_before} days after the week starts); this name has no date")
    first = dt.datetime.combine(week - dt.timedelta(days=days_before), dt.time())
    last = first + dt.timedelta(days=7)
    seen: set[str] = set()
    for n, line in enumerate(rows, start=skip + 2):
        cells = next(csv.reader([line])) if '"' in line else line.split(",")
        if len(cells) != len(header):
            raise BadPreamble(f"{rid}: line {n} has {len(cells)} cells, the header {len(header)} (a second footer "
                              f"line, or a row cut short?): {line[:160]}")
        stamp = cells[at].strip()
        if stamp in seen:
            continue
        match = STAMP.match(stamp)
        if not match:
            raise BadPreamble(f"{rid}: line {n}: {stamp_column} {stamp!r} is not M/D/YYYY H:MM: {line[:160]}")
        month, day, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            start = dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise BadPreamble(f"{rid}: line {n}: {stamp_column} {stamp!r} is not a time") from None
        if minute % grain or second:
            raise BadPreamble(f"{rid}: line {n}: {stamp_column} {stamp!r} does not start a {grain}-minute interval")
        if not first <= start < last:
            raise BadPreamble(f"{rid}: line {n}: {stamp_column} {stamp!r} is outside the week {first:%Y-%m-%d} to "
                              f"{last - dt.timedelta(days=1):%Y-%m-%d} that the name {name} implies (the archive "
                              f"holds the week starting {days_before} days before its date)")
        seen.add(stamp)
    if order == list(range(len(wanted))):
        return "\n".join([",".join(wanted), *rows]) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(wanted)
    for cells in csv.reader(rows):
        writer.writerow([cells[i] for i in order])
    return out.getvalue()


def _is_row(line: str, width: int, at: int) -> bool:
    """Whether a line is a data row of a named report (as many cells as the header, a time where the stamp is)."""
    cells = _cells(line)
    return len(cells) == width and STAMP.match(cells[at]) is not None
