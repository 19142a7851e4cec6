"""What every contender shares: the landed CSVs it reads, the Stage 2 / Stage 3 contract it writes, and how a
measured step reports back (one JSON line on stdout, prefixed RESULT)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.catalog import isos

TZ = isos()["ERCOT"].timezone  # from the registry (seeds/isos.csv)
FFILL_MAX_GAP_MINUTES = 60  # dbt var ffill_max_gap_minutes


@dataclass(frozen=True)
class Dataset:
    name: str     # DA_prices ...
    folder: str   # csv_files/<dataset>/<format>, relative to the ISO folder
    grain: int    # minutes
    key: str      # settlement_point or as_product
    value: str    # price column of Stage 2
    report: str   # what the delivered MIS zips' names carry (cdr.<type>...<friendly name>NP6788_..._csv.zip)


DATASETS: tuple[Dataset, ...] = (
    Dataset("RT_prices", "csv_files/RT_prices/np6_788_cd", 5, "settlement_point", "rt_lmp", "NP6788"),
    Dataset("RT_SPP", "csv_files/RT_SPP/np6_905_cd", 15, "settlement_point", "rt_lmp", "NP6905"),
    Dataset("DA_prices", "csv_files/DA_prices/np4_190_cd", 60, "settlement_point", "da_lmp", "NP4190"),
    Dataset("AS_prices", "csv_files/AS_prices/np4_188_cd", 60, "as_product", "as_price", "NP4188"),
)

# ERCOT AncillaryType -> our product (seeds/as_products.csv)
AS_PRODUCTS = {"REGUP": "REG_UP", "REGDN": "REG_DOWN", "RRS": "RRS", "NSPIN": "NSRS", "ECRS": "ECRS"}
# NP6-905-CD SettlementPointType -> settlement_type (seeds/settlement_point_types.csv); others by name prefix
ISO_TYPES = {"HU": "HUB", "SH": "HUB", "AH": "HUB", "LZ": "ZONE", "LZEW": "ZONE", "LZ_DC": "NODE", "LZ_DCEW": "NODE",
             "RN": "NODE", "PCCRN": "NODE", "LCCRN": "NODE", "PUN": "NODE"}
# NP6-905-CD publishes each load zone (DC tie) twice, as LZ and LZEW (LZ_DC and LZ_DCEW): the energy-weighted row's
# name gets a suffix (seeds/settlement_point_types.csv name_suffix), so LZ_HOUSTON and LZ_HOUSTON_EW are two series
NAME_SUFFIXES = {"LZEW": "_EW", "LZ_DCEW": "_EW"}


def iso_root(data_dir: Path) -> Path:
    return Path(data_dir) / "ERCOT_data"


def csv_files(data_dir: Path, ds: Dataset) -> list[Path]:
    return sorted((iso_root(data_dir) / ds.folder).glob("*.csv"))


def delivered_zips(folders: list[Path], ds: Dataset) -> list[Path]:
    """The delivered MIS zips of one dataset in `folders` (the corpus's day folders), by name."""
    return sorted(z for f in folders for z in Path(f).glob(f"*{ds.report}*.zip"))


def contender_args(argv: list[str]) -> tuple[Path | None, Path, list[Path] | None]:
    """`DATA_DIR OUT_DIR` (read the landed CSVs) or `--zips OUT_DIR FOLDER...` (read the delivered zips):
    (data_dir, out_dir, zip folders)."""
    if argv[0] == "--zips":
        return None, Path(argv[1]), [Path(a) for a in argv[2:]]
    return Path(argv[0]), Path(argv[1]), None


def emit(result: dict) -> None:
    """The last line a step prints: what the parent records besides wall time and RSS."""
    sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


class Timer:
    """Named phase timings inside one contender: `with t("stage2"): ...`."""

    def __init__(self):
        self.phases: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Phase:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.phases[name] = timer.phases.get(name, 0.0) + time.perf_counter() - self.t0

        return _Phase()


def duckdb_settings() -> list[str]:
    """The same DuckDB resources the pipeline's on-run-start macro applies (DUCKDB_MEMORY_LIMIT / _THREADS)."""
    out = ["set TimeZone = 'UTC'", "set preserve_insertion_order = false"]
    if os.environ.get("DUCKDB_MEMORY_LIMIT"):
        out.append(f"set memory_limit = '{os.environ['DUCKDB_MEMORY_LIMIT']}'")
    if os.environ.get("DUCKDB_THREADS"):
        out.append(f"set threads = {int(os.environ['DUCKDB_THREADS'])}")
    if os.environ.get("DUCKDB_TEMP_DIRECTORY"):
        out.append(f"set temp_directory = '{os.environ['DUCKDB_TEMP_DIRECTORY']}'")
    return out


def tree_bytes(path: Path, pattern: str = "*") -> int:
    path = Path(path)
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob(pattern) if f.is_file())
