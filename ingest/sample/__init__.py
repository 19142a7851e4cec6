"""Deterministic sample generators writing raw files in each ISO's real formats (the demo's embedded data)."""

from collections.abc import Callable
from pathlib import Path

from .caiso import generate_caiso
from .ercot import expected_counts, generate_ercot
from .isone import generate_isone
from .miso import generate_miso
from .nyiso import generate_nyiso
from .pjm import generate_pjm
from .spp import generate_spp

# ISO -> generator(out_dir) -> files written. The demo lands every entry.
GENERATORS: dict[str, Callable[[Path], list[Path]]] = {
    "ERCOT": generate_ercot,
    "CAISO": generate_caiso,
    "PJM": generate_pjm,
    "MISO": generate_miso,
    "SPP": generate_spp,
    "NYISO": generate_nyiso,
    "ISONE": generate_isone,
}

__all__ = ["GENERATORS", "expected_counts", "generate_caiso", "generate_ercot", "generate_isone", "generate_miso",
           "generate_nyiso", "generate_pjm", "generate_spp"]
