"""ISO New England's record-type CSVs, checked strictly and turned into a plain CSV before landing.

    as_table(iso, name, data) -> bytes   # raises BadRecords(reason): the file goes to quarantine

Every line of an ISO-NE report starts with its record type (FORMATS_MORE.md, ISO-NE; seen in the real day-ahead
report, tests/python/fixtures/real_samples/isone/):

    "C","Day-Ahead Energy Market Hourly LMP Report"                     <- comments: title, file name, day, generated
    "C","Filename: WW_DALMP_ISO_20260604.csv"
    "C","Report for: 06/04/2026 - 06/04/2026"
    "C","Report generated: 06/03/2026 12:57:12 EDT"
    "H","Date","Hour Ending","Location ID",...                         <- the header (seeds/iso_reports.csv)
    "H","Date","HE","String","String","String","Number",...            <- the column types: dropped
    "D","06/04/2026","01","4000",".H.INTERNAL_HUB","HUB",47.82,...      <- one row per location and hour
    "T","29016 lines"                                                  <- trailer: the number of D lines

Landed: the first H line and the D lines without their record-type cell. Checked, each a reason for quarantine: the
file starts with C lines, then exactly two H lines, then D lines only, then the T line last; every D line has the
header's width; the trailer's count equals the D lines (a file cut short or edited fails here); a `Filename:`
comment names this file (its stem starts the name: a copy may carry a suffix; a renamed report could land as
another: the DA and RT reports share their header, so an ISO-NE file is recognised by its name);
a `Report for:` day range holds every row's `Date`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from .textfile import detect_encoding

ISOS = ("ISONE",)
TRAILER = re.compile(r"^(\d+) lines?$")
REPORT_FOR = re.compile(r"^Report for: (\d\d/\d\d/\d{4}) - (\d\d/\d\d/\d{4})$")


class BadRecords(ValueError):
    """The record lines are not the report layout (the message says which line and how)."""


def applies(iso: str) -> bool:
    """Whether the ISO's reports are record-type CSVs (and recognised by name)."""
    return iso.upper() in ISOS


def as_table(iso: str, name: str, data: bytes) -> bytes:
    """The report as a plain CSV (header, then rows), or BadRecords(reason)."""
    text = data.decode(detect_encoding(data)).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    while lines and not any(c.strip() for c in lines[-1]):
        lines.pop()
    kinds = "".join((cells[0].strip() or "?")[:1] if cells else "?" for cells in lines)
    m = re.fullmatch(r"(C+)(HH)(D*)(T)", kinds)
    if not m:
        raise BadRecords("record types must run C..., H, H, D..., T (comments, header, column types, rows, "
                         f"trailer); got {_runs(kinds)}")
    comments = [",".join(c.strip() for c in cells[1:]) for cells in lines[:m.end(1)]]
    header = [c.strip() for c in lines[m.start(2)][1:]]
    rows = lines[m.start(3):m.end(3)]
    trailer = ",".join(c.strip() for c in lines[-1][1:])
    count = TRAILER.match(trailer)
    if not count:
        raise BadRecords(f"the trailer must say how many D lines the file has (\"T\",\"<n> lines\"), got {trailer!r}")
    if int(count.group(1)) != len(rows):
        raise BadRecords(f"the trailer says {count.group(1)} lines but the file has {len(rows)} D lines: "
                         "cut short or edited")
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    days = None
    for comment in comments:
        said = comment.split(":", 1)[1].strip() if comment.startswith("Filename:") else ""
        if said and not base.lower().startswith(said.rsplit(".", 1)[0].lower()):
            raise BadRecords(f"the report says it is {said} but is named {base}")
        if r := REPORT_FOR.match(comment):
            days = tuple(dt.datetime.strptime(d, "%m/%d/%Y").date() for d in r.groups())
    width = len(header) + 1
    dated = "Date" in header and days is not None
    at = header.index("Date") + 1 if dated else 0
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n, cells in enumerate(rows, start=m.start(3) + 1):
        if len(cells) != width:
            raise BadRecords(f"line {n} has {len(cells) - 1} fields, the header {len(header)}: {','.join(cells)[:160]}")
        if dated:
            try:
                day = dt.datetime.strptime(cells[at].strip(), "%m/%d/%Y").date()
            except ValueError:
                raise BadRecords(f"line {n}: Date {cells[at]!r} is not MM/DD/YYYY") from None
            if not days[0] <= day <= days[1]:
                raise BadRecords(f"line {n}: Date {cells[at].strip()} is outside the report's days "
                                 f"{days[0]:%m/%d/%Y} - {days[1]:%m/%d/%Y}")
        writer.writerow(cells[1:])
    return out.getvalue().encode("utf-8")


def _runs(kinds: str) -> str:
    """`CCCCHHDDDT` -> `4 C, 2 H, 3 D, 1 T` (the first few runs)."""
    runs = [(g[0], len(g)) for g, _ in re.findall(r"((.)\2*)", kinds)[:8]]
    return ", ".join(f"{n} {k}" for k, n in runs) or "nothing"
