"""The report table: which ISO report a file is, from its name or its header.

The table itself is data: `seeds/iso_reports.csv` (also a dbt seed, so the docs site shows it).
A new report is one row there; nothing here changes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import PROJECT_ROOT

REPORTS_CSV = PROJECT_ROOT / "seeds" / "iso_reports.csv"


@dataclass(frozen=True)
class Report:
    iso: str
    dataset: str
    format: str
    report_id: str
    type_id: str
    name_token: str
    header: tuple[str, ...]
    row_key: tuple[str, ...]  # raw columns that identify one row of a file (no two rows of a file share them)
    description: str


def normalise_header(cells: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Header cells as compared: trimmed, case-insensitive, BOM dropped."""
    return tuple(c.strip().lstrip("\ufeff").lower() for c in cells)


def columns(joined: str) -> tuple[str, ...]:
    """`"a, b"` -> `("a", "b")`: a comma-joined list of column names (a seed cell), trimmed; empty -> ()."""
    return tuple(c.strip() for c in joined.split(",") if c.strip())


@lru_cache(maxsize=4)
def load_reports(path: Path = REPORTS_CSV) -> tuple[Report, ...]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Report(
            iso=r["iso"],
            dataset=r["dataset"],
            format=r["format"],
            report_id=r["report_id"],
            type_id=r["type_id"],
            name_token=r["name_token"],
            header=tuple(c.strip() for c in r["header"].split(",")),
            row_key=columns(r.get("row_key") or ""),
            description=r["description"],
        )
        for r in rows
    )


def reports_for(iso: str) -> list[Report]:
    return [r for r in load_reports() if r.iso == iso]


def by_name(iso: str, file_name: str, header: list[str] | tuple[str, ...] | None = None) -> Report | None:
    """The report whose name token occurs in the file name (longest token wins). Where one file name is published
    under two formats (SPP's `DA-LMP-SL-...` before and after the 2026 `BAA` column), the row whose header is
    `header` wins among the longest tokens; without a match, the first of them (landing then refuses the header)."""
    name = file_name.upper()
    hits = [r for r in reports_for(iso) if r.name_token.upper() in name]
    if not hits:
        return None
    longest = max(len(r.name_token) for r in hits)
    hits = [r for r in hits if len(r.name_token) == longest]
    if header is not None:
        wanted = normalise_header(header)
        return next((r for r in hits if normalise_header(r.header) == wanted), hits[0])
    return hits[0]


def by_header(iso: str, header: list[str]) -> Report | None:
    """The report whose registered header equals this one (trimmed, case-insensitive); None when no report or more
    than one format has it (MISO's DA and RT reports, NYISO's zonal and generator files, ISO-NE's DA and RT reports
    share their headers: only the file name can tell them apart)."""
    wanted = normalise_header(header)
    hits = [r for r in reports_for(iso) if normalise_header(r.header) == wanted]
    return hits[0] if len({r.format for r in hits}) == 1 else None


def known_headers(iso: str, fmt: str) -> set[tuple[str, ...]]:
    return {normalise_header(r.header) for r in reports_for(iso) if r.format == fmt}


def row_key(iso: str, fmt: str) -> tuple[str, ...]:
    """The row key of a report format (seed column `row_key`); () when the format is unknown or has none."""
    return next((r.row_key for r in reports_for(iso) if r.format == fmt and r.row_key), ())


def formats_of(iso: str) -> dict[str, Report]:
    """One representative row per format (the first, i.e. the widest header by convention)."""
    out: dict[str, Report] = {}
    for r in reports_for(iso):
        out.setdefault(r.format, r)
    return out
