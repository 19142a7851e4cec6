"""Where things live: the project root, the data directory and each ISO's folders (docs/data_layout.md)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: What a checkout of the project has beside the package: the CLI runs dbt on them and reads the registry from seeds/.
CHECKOUT_FILES = ("dbt_project.yml", "profiles.yml", "seeds", "models", "macros")


def checkout_problem(root: Path = PROJECT_ROOT) -> str | None:
    """None when `root` (where the installed `ingest` package sits) is a checkout of the project; else, in one
    paragraph, why not and what to do. A non-editable install (`pip install .` or a wheel) copies only the Python
    package: the dbt project it drives stays in the repository (tests/python/test_packaging.py)."""
    missing = [name for name in CHECKOUT_FILES if not (root / name).exists()]
    if not missing:
        return None
    return (f"iso-pipeline runs from a checkout of its repository, and the installed package at {root / 'ingest'} "
            f"is not in one (no {', '.join(missing)} beside it): the dbt models, seeds and profile it runs live in "
            "the repository, not in the wheel. Clone the repository and run `make setup` in it (an editable install, "
            "`pip install -e .`), then use that checkout's `.venv/bin/iso-pipeline`.")



def cli_names() -> dict[str, str]:
    """CLI name -> ISO (`ercot` -> `ERCOT`), from the registry (seeds/isos.csv, ingest/catalog.py)."""
    from .catalog import isos
    return {i.cli_name: i.iso for i in isos().values()}


def data_dir() -> Path:
    """`ISO_DATA_DIR`, default `data/` in the project; always absolute. A relative `ISO_DATA_DIR` is relative to the
    project directory, not the working directory: the rule profiles.yml applies for dbt (plain `dbt` included), so
    every command, from any directory, uses the same warehouse."""
    raw = os.environ.get("ISO_DATA_DIR")
    return (PROJECT_ROOT / Path(raw or "data").expanduser()).resolve()


def env_number(name: str, default: float, *, unit: str = "", above_zero: bool = False, whole: bool = False,
               error: type[Exception] = ValueError) -> float:
    """The number in environment variable `name`, or `default` when it is unset or blank: the one reader of numeric
    settings (limits, timeouts, intervals, thresholds).

    Anything `float()` reads is accepted (`4294967296`, `4e9`, `4_294_967_296`); text that is not a number, a
    negative number (or, with `above_zero`, zero), `inf` or `nan` (or, with `whole`, a fraction) raises `error` with
    a message naming the variable (`unit`, e.g. "of seconds", completes it).
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    what = f"a number {unit}".strip()
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name}={raw!r} is not {what}") from None
    if not math.isfinite(value) or value < 0 or (above_zero and value == 0):
        raise error(f"{name}={raw!r} must be {what} {'> 0' if above_zero else '>= 0'}")
    if whole and value != int(value):
        raise error(f"{name}={raw!r} must be a whole number {unit}".strip())
    return value


def normalise_iso(name: str) -> str:
    """`ercot` / `ERCOT` / `Ercot` -> `ERCOT`; anything else is a clear error."""
    names = cli_names()
    key = name.strip().lower()
    if key not in names:
        raise ValueError(f"unknown ISO {name!r}: expected one of {', '.join(names)}")
    return names[key]


@dataclass(frozen=True)
class IsoPaths:
    """The folders of one ISO under the data directory."""

    iso: str
    root: Path

    @classmethod
    def of(cls, iso: str, base: Path | None = None) -> IsoPaths:
        iso = normalise_iso(iso)
        return cls(iso, (base or data_dir()) / f"{iso}_data")

    @property
    def raw_downloads(self) -> Path:
        return self.root / "raw_downloads"

    @property
    def csv_files(self) -> Path:
        return self.root / "csv_files"

    @property
    def metadata_json(self) -> Path:
        return self.csv_files / "metadata.json"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def rollup_files(self) -> Path:
        return self.root / "rollup_files"

    @property
    def schema_registry_json(self) -> Path:
        return self.rollup_files / "schema_registry.json"

    def warehouse(self) -> Path:
        return self.root.parent / "warehouse.duckdb"


def read_yaml(path: Path):
    """A YAML file of the project (dbt sources, dbt_project.yml) as Python objects, safely: with libyaml's C loader
    when PyYAML has it (the pure-Python loader took 0.5 s of every landing reading the sources), else the Python one."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader either way
