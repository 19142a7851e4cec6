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
  roll-up through yesterday.
- RT_AS_prices: the RTBM MCP daily roll-up `rtbm-mcp` `/YYYY/MM/By_Day/RTBM-MCP-DAILY-YYYYMMDD.csv` (gridstatus'
  path, inferred like RT_prices').
- RT_prices and RT_AS_prices, a closed day whose roll-up is not out yet (404: it lags about 5 days): its 5-minute
  interval files instead, `rtbm-lmp-by-location` `/YYYY/MM/By_Interval/DD/RTBM-LMP-SL-YYYYMMDDHHMM.csv` (`rtbm-mcp`
  `.../RTBM-MCP-YYYYMMDDHHMM.csv`; HHMM the local interval
  end; the interval ending at 00:00 is in the operating day's folder under the next day's date: 288 files, 276 on the
  spring-forward day), two at a time like the day files. The day is landed and recorded once all its files arrived (a
  404 for any: the day is asked for again, whole, by the next run) and its roll-up is then not asked for: one day is
  never landed from both. The fall-back day is left to its roll-up: which of its repeated hour's files carry SPP's
  `d` suffix (`0105d`..`0155d`, and whether `0100d`) is known only from third-party code, so its file names would be
  a guess (noted in the summary). Each file is landed as soon as it is complete (landing checks its header) and recorded
  with its day in `download_state.json`, so a rerun asks only for days not yet held.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from .. import reports
from ..http import Downloaded, HttpClient, HttpError
from ..spp_names import interval_names
from .base import DownloadError, DownloadSummary, Job, base_url, report_of
from .daily import csv_check, fetch_ahead, run_daily

log = logging.getLogger(__name__)
FILE_BROWSER_BASE = "https://portal.spp.org/file-browser-api/download"


@dataclass(frozen=True)
class Remote:
    folder: str  # the file browser's folder
    path: str  # strftime pattern of the file's path in it
    format: str  # the landed format (seeds/iso_reports.csv)
    after_the_day: bool  # published once the day is over
    #: 5-minute datasets: the interval files' name prefix and format (a day's files while its roll-up is not out)
    interval: tuple[str, str] | None = None


REMOTES = {
    "DA_prices": Remote("da-lmp-by-location", "/%Y/%m/By_Day/DA-LMP-SL-%Y%m%d0100.csv", "da_lmp_sl_baa", False),
    "RT_prices": Remote("rtbm-lmp-by-location", "/%Y/%m/By_Day/RTBM-LMP-DAILY-SL-%Y%m%d.csv", "rtbm_lmp_daily_sl", True,
                        ("RTBM-LMP-SL-", "rtbm_lmp_sl")),
    "AS_prices": Remote("da-mcp", "/%Y/%m/DA-MCP-%Y%m%d0100.csv", "da_mcp", False),
    "RT_AS_prices": Remote("rtbm-mcp", "/%Y/%m/By_Day/RTBM-MCP-DAILY-%Y%m%d.csv", "rtbm_mcp_daily", True,
                           ("RTBM-MCP-", "rtbm_mcp")),
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

    fallback = None
    if remote.interval:  # RT_prices, RT_AS_prices: while a closed day's roll-up is not out, its 5-minute files
        prefix, fmt = remote.interval
        fallback = (fmt, lambda day: fetch_intervals(job, url, remote, day, prefix, fmt))
    return run_daily(job, "SPP", remote.format, remote.after_the_day, locate, check_file, fallback=fallback)


def interval_paths(day: dt.date, prefix: str) -> list[str] | None:
    """The paths of an operating day's interval files (ingest/spp_names.py), in time order; None on the fall-back
    day (module docs: the repeated hour's `d` names are not certain)."""
    names = [name for _, name in interval_names(day, prefix)]
    if any(name.endswith("d") for name in names):
        return None
    return [f"/{day:%Y/%m}/By_Interval/{day:%d}/{name}.csv" for name in names]


def fetch_intervals(job: Job, url: str, remote: Remote, day: dt.date, prefix: str, fmt: str) -> bool:
    """Download a day's interval files, then land them and record the day as one entry; False when one of them is
    not published (404) or the day is the fall-back day: the day is asked for again, whole, by the next run."""
    paths = interval_paths(day, prefix)
    if paths is None:
        job.summary.notes.append(f"{day} (the fall-back day) waits for its daily roll-up: the names of its repeated "
                                 "hour's interval files are not certain")
        return False
    raw = job.raw

    def download(client: HttpClient, path: str) -> Downloaded:
        return client.download(f"{url}/{remote.folder}?path={path}", raw, name=path.rsplit("/", 1)[-1],
                               validate=check_file)

    got: list[Downloaded] = []
    with job.bar(f"{day} interval files", len(paths)) as bar:
        for path, result in fetch_ahead("SPP", paths, download, job.should_stop):
            if isinstance(result, HttpError):
                if result.status == 404:
                    job.summary.empty += 1
                    log.info("SPP has not published %s (404): %s waits for the next run", path, day)
                    return False
                job.fail([day], path.rsplit("/", 1)[-1], str(result))
                return True
            got.append(result)
            bar.update(1)
    if len(got) < len(paths):  # the run was stopped
        return False
    job.succeeded(sum(d.bytes for d in got))
    entry = {"selector": fmt, "first": day.isoformat(), "last": day.isoformat(),
             "days": [day.isoformat()], "files": len(got)}
    job.land([d.path for d in got], f"{url}/{remote.folder}?path=/{day:%Y/%m}/By_Interval/{day:%d}/",
             [("windows", f"{fmt}|{day}", entry, [day])], dt.datetime.now(dt.UTC))
    return True
