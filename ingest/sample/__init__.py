"""Deterministic sample raw files in the ISOs' real formats (no network needed)."""

from .ercot import expected_counts, generate_ercot

__all__ = ["expected_counts", "generate_ercot"]
