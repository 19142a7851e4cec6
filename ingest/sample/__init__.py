"""Deterministic sample generators writing raw files in each ISO's real formats (the demo's embedded data)."""

from collections.abc import Callable
from pathlib import Path

from .ercot import expected_counts, generate_ercot

# ISO -> generator(out_dir) -> files written. The demo lands every entry.
GENERATORS: dict[str, Callable[[Path], list[Path]]] = {
    "ERCOT": generate_ercot,
}

__all__ = ["GENERATORS", "expected_counts", "generate_ercot"]
