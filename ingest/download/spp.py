"""SPP Marketplace files: one public CSV per operating day and dataset from the file browser, landed as received.

    GET <SPP_FILE_BROWSER_BASE_URL>/<folder>?path=/<YYYY>/<MM>/By_Day/DA-LMP-SL-<YYYYMMDD>0100.csv
    (default base https://portal.spp.org/file-browser-api/download)

- Datasets (FORMATS_MORE.md, SPP): DA_prices `da-lmp-by-location` `/YYYY/MM/By_Day/DA-LMP-SL-YYYYMMDD0100.csv`;
  RT_prices the daily roll-up `rtbm-lmp-by-location` `/YYYY/MM/By_Day/RTBM-LMP-DAILY-SL-YYYYMMDD.csv` (one file a
  day rather than 288 interval files; published about 5 days after the day); AS_prices `da-mcp`
  `/YYYY/MM/DA-MCP-YYYYMMDD0100.csv` (no By_Day level). The paths are the card's (gridstatus), not tried here
  against the live service.
- No account and no key. The client says who it is in its User-Agent (ingest/http.py). Two files at a time
  (`ISO_DOWNLOAD_PARALLEL_SPP`), requests started at most one a second by default (`ISO_DOWNLOAD_MIN_INTERVAL_SPP`;
  SPP publishes no limit); 429 and 5xx are retried
  with backoff like every service.
- 404 means "not published for that day" (not yet, or never: counted as without data, asked again by the next run).
  An HTML page instead of a CSV (status 200) is asked for again, then failed.
- Days: Central operating days. DA and AS files are asked for through tomorrow (published the day before), the RT
  roll-up through yesterday. Each file is landed as soon as it is complete (landing checks its header) and recorded
  with its day in `download_state.json`, so a rerun asks only for days not yet held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import reports
from .base import DownloadError, DownloadSummary, Job, base_url, report_of
from .daily import csv_check, run_daily

FILE_BROWSER_BASE = "https://portal.spp.org/file-browser-api/download"


@dataclass(frozen=True)
class Remote:
    folder: str  # the file browser's folder
    path: str  # strftime pattern of the file's path in it
    format: str  # the landed format (seeds/iso_reports.csv)
    after_the_day: bool  # published once the day is over


REMOTES = {
    "DA_prices": Remote("da-lmp-by-location", "/%Y/%m/By_Day/DA-LMP-SL-%Y%m%d0100.csv", "da_lmp_sl_baa", False),
    "RT_prices": Remote("rtbm-lmp-by-location", "/%Y/%m/By_Day/RTBM-LMP-DAILY-SL-%Y%m%d.csv", "rtbm_lmp_daily_sl", True),
    "AS_prices": Remote("da-mcp", "/%Y/%m/DA-MCP-%Y%m%d0100.csv", "da_mcp", False),
}


def report_for(dataset: str) -> reports.Report:
    report = report_of("SPP", dataset)
    if dataset not in REMOTES:
        raise DownloadError(f"SPP has no downloader for {dataset!r}: choose one of {', '.join(REMOTES)}")
    return report


#: A body that is not an SPP file (empty, or an HTML page) is BadContent: asked for again.
check_file = csv_check("an SPP file")


def run(job: Job) -> DownloadSummary:
    report_for(job.dataset)
    remote = REMOTES[job.dataset]
    url = base_url("SPP_FILE_BROWSER_BASE_URL", FILE_BROWSER_BASE)

    def locate(day: dt.date) -> tuple[str, str]:
        path = day.strftime(remote.path)
        return f"{url}/{remote.folder}?path={path}", path.rsplit("/", 1)[-1]

    return run_daily(job, "SPP", remote.format, remote.after_the_day, locate, check_file)
