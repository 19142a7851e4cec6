"""Stage 1 downloads: fetch a dataset's operating days from the ISO, then land them.

    run_download("ERCOT", "DA_prices", date(2024, 10, 21), date(2024, 10, 23)) -> DownloadSummary

One module per ISO (`ercot`, `caiso`, `pjm`, `miso`, `spp`, `nyiso`, `isone`: MODULES), one HTTP client for all
(`ingest.http`), the download record in
`<ISO>_data/download_state.json` (`state`). Every file is streamed to `raw_downloads/<name>.part`, checked, renamed
to its original name, then landed with `ingest.landing.land` batch by batch; a batch is recorded as done only after
it landed, so an interrupted run loses at most one batch and the rerun fetches only what is missing.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

from ..http import ConfigError
from .base import DownloadError, DownloadSummary, Job

#: ISO -> its downloader module in this package (each has `report_for(dataset)` and `run(job)`).
MODULES = {"ERCOT": "ercot", "CAISO": "caiso", "PJM": "pjm", "MISO": "miso", "SPP": "spp", "NYISO": "nyiso", "ISONE": "isone"}

__all__ = ["DownloadError", "DownloadSummary", "run_download"]


def run_download(iso: str, dataset: str, start: dt.date | None, end: dt.date | None, *, base: Path | None = None,
                 progress: bool = True) -> DownloadSummary:
    """Download `dataset` of `iso` (an ISO of the registry, e.g. "ERCOT") for operating days `start`..`end` (inclusive, ISO local
    time) and land it under `base` (default: the data directory).

    `start` defaults to the day after the last operating day completely landed by earlier runs, `end` to today.
    Raises DownloadError when the run cannot go on (unknown dataset, missing or rejected credential, ...);
    failures of single documents or windows are counted in the summary instead (rerun to retry them).
    """
    from ..config import normalise_iso

    try:
        iso = normalise_iso(iso)
    except ValueError as exc:
        raise DownloadError(str(exc)) from exc
    if start and end and start > end:
        raise DownloadError(f"--start {start} is after --end {end}")
    if iso not in MODULES:
        raise DownloadError(f"{iso} has no downloader (downloaders: {', '.join(MODULES)})")
    module = importlib.import_module(f".{MODULES[iso]}", __name__)
    module.report_for(dataset)  # an unknown dataset fails before anything is touched
    job = Job(iso, dataset, start, end, base, progress)
    try:
        return module.run(job)
    except ConfigError as exc:
        raise DownloadError(str(exc)) from exc
