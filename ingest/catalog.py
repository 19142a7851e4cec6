"""The registry of ISOs and datasets: `seeds/isos.csv` and `seeds/datasets.csv`, read here by Python and by dbt as seeds.

Every fact about an ISO (time zone, time convention, CLI name, dbt tag) and about a dataset (native grain, key and
value columns, its role in the Stage 4 tables) lives in those two files; the report formats that feed a dataset are
the rows of `seeds/iso_reports.csv` naming it (ingest/reports.py). Nothing else in the project lists ISOs or time
zones: the CLI, the downloaders, monitoring and alerts ask here, dbt macros ask the seeds (macro `iso_setting`), and
`iso-pipeline scaffold` writes an ISO's Stage 2-4 models from here (docs/adding_an_iso.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"

#: The ISO's local times: `local_flag` (local wall clock plus a repeated-hour flag), `utc_column` (the files carry a
#: UTC/GMT time; local columns are derived), `fixed_offset` (a wall clock at a fixed UTC offset all year, no DST: the
#: registry's time zone is then a fixed-offset zone such as `Etc/GMT+5` = UTC-5, MISO's Eastern Standard Time; every
#: local day has 24 hours), `local_order` (a local wall clock with no flag: the repeated fall-back hour is told apart
#: by row order within each location, or by a label such as ISO-NE's `02X`, at landing: ingest/repeated_hour.py).
#: A new convention is a new time macro and a new value here.
TIME_CONVENTIONS = ("local_flag", "utc_column", "fixed_offset", "local_order")
#: A dataset's place in the Stage 4 tables: the DA, AS and RT columns, an `extra` hourly series (ALL_markets), or none.
COMBINED_ROLES = ("da", "as", "rt", "extra", "")


def _split(cell: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in (cell or "").split(",") if c.strip())


@dataclass(frozen=True)
class Iso:
    iso: str
    cli_name: str
    dbt_tag: str
    timezone: str
    time_convention: str
    description: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def fixed_offset(self) -> dt.timedelta | None:
        """The zone's UTC offset when it is the same all year (a fixed-offset zone, no DST), else None."""
        offsets = {dt.datetime(2024, month, 15, 12, tzinfo=self.zone).utcoffset() for month in range(1, 13)}
        return offsets.pop() if len(offsets) == 1 else None


@dataclass(frozen=True)
class Dataset:
    iso: str
    dataset: str
    grain_minutes: int
    key_columns: tuple[str, ...]  # Stage 2 key besides datetime, in Stage 2's column order
    value_columns: tuple[str, ...]  # the first is the price Stage 3 pivots and every check ranges
    wide_columns: str  # how a Stage 3 column is named: `<settlement_point>`, `<as_product>_<as_region>`
    combined_role: str
    combined_prefix: str
    stage2_input: str  # the model Stage 2 selects from, when not the landed rows (CAISO: the components pivoted)
    duplicate_key: str  # landed key when a landed row is one part of a Stage 2 row (CAISO: one row per component)
    landed_columns: tuple[str, ...]  # set: `scaffold` writes the landed-rows model too; empty: the ISO writes it
    description: str

    @property
    def value_column(self) -> str:
        return self.value_columns[0]

    @property
    def wide_key(self) -> str:
        """The SQL expression that names a Stage 3 column (`<as_product>_<as_region>` -> as_product || '_' || as_region)."""
        parts = [p for p in re.split(r"(<\w+>)", self.wide_columns) if p]
        return " || ".join(p[1:-1] if p.startswith("<") else "'" + p + "'" for p in parts)

    @property
    def has_points(self) -> bool:
        return self.key_columns == ("settlement_point",)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_seed(name: str, seeds: Path = SEEDS) -> list[dict[str, str]]:
    """The rows of another registry seed (e.g. report_cadences), as text."""
    return _read(seeds / f"{name}.csv")


@lru_cache(maxsize=4)
def load_isos(seeds: Path = SEEDS) -> dict[str, Iso]:
    """ISO (upper case) -> its registry row, in the seed's order. A malformed row is an error naming it."""
    out: dict[str, Iso] = {}
    for row in _read(seeds / "isos.csv"):
        iso = Iso(**{k: (row.get(k) or "").strip() for k in Iso.__dataclass_fields__})
        if iso.iso != iso.iso.upper() or not iso.cli_name or iso.iso in out:
            raise ValueError(f"seeds/isos.csv: bad or repeated ISO row {row}")
        if iso.time_convention not in TIME_CONVENTIONS:
            raise ValueError(f"seeds/isos.csv: {iso.iso} time_convention {iso.time_convention!r} is not one of "
                             f"{', '.join(TIME_CONVENTIONS)}")
        if iso.dbt_tag != iso.iso.lower():
            raise ValueError(f"seeds/isos.csv: {iso.iso} dbt_tag {iso.dbt_tag!r} must be {iso.iso.lower()!r}: the "
                             "row-count tests tag themselves with their ISO argument in lower case "
                             "(tests/generic/rows_match_registry.sql)")
        iso.zone  # noqa: B018 - an unknown time zone fails here, naming it
        if iso.time_convention == "fixed_offset" and iso.fixed_offset is None:
            raise ValueError(f"seeds/isos.csv: {iso.iso} time_convention fixed_offset needs a time zone without DST "
                             f"(e.g. Etc/GMT+5 for UTC-5), not {iso.timezone}")
        out[iso.iso] = iso
    return out


@lru_cache(maxsize=4)
def load_datasets(seeds: Path = SEEDS) -> tuple[Dataset, ...]:
    """Every dataset of every ISO, in the seed's order; each names a registered ISO and a known role."""
    isos = load_isos(seeds)
    out = []
    for row in _read(seeds / "datasets.csv"):
        text = {k: (v or "").strip() for k, v in row.items()}
        d = Dataset(iso=text["iso"], dataset=text["dataset"], grain_minutes=int(text["grain_minutes"]),
                    key_columns=_split(text["key_columns"]), value_columns=_split(text["value_columns"]),
                    wide_columns=text["wide_columns"], combined_role=text.get("combined_role", ""),
                    combined_prefix=text.get("combined_prefix", ""), stage2_input=text.get("stage2_input", ""),
                    duplicate_key=text.get("duplicate_key", ""), landed_columns=_split(text.get("landed_columns", "")),
                    description=text.get("description", ""))
        if d.iso not in isos:
            raise ValueError(f"seeds/datasets.csv: {d.dataset} names ISO {d.iso!r}, not in seeds/isos.csv")
        named = set(re.findall(r"<(\w+)>", d.wide_columns))
        if d.combined_role not in COMBINED_ROLES or not d.key_columns or not d.value_columns or named != set(d.key_columns):
            raise ValueError(f"seeds/datasets.csv: bad row {row} (wide_columns must name every key column once)")
        out.append(d)
    return tuple(out)


def isos() -> dict[str, Iso]:
    return load_isos()


def datasets(iso: str | None = None) -> tuple[Dataset, ...]:
    return tuple(d for d in load_datasets() if iso is None or d.iso == iso.upper())


def timezone(iso: str) -> ZoneInfo:
    """The ISO's prevailing local time zone (seeds/isos.csv)."""
    return isos()[iso.upper()].zone
