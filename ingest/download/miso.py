"""MISO market reports: one public CSV per market day and report, anonymous, landed as received.

    GET <MISO_REPORTS_BASE_URL>/<YYYYMMDD>_da_expost_lmp.csv      (default https://docs.misoenergy.org/marketreports)

- Datasets: MISO's rows of seeds/iso_reports.csv, the file being `<YYYYMMDD><name_token>.csv`: DA_prices
  `_da_expost_lmp`, RT_hourly `_rt_lmp_final`, AS_prices `_asm_expost_damcp` (FORMATS_MORE.md, MISO).
- No account and no key. The client says who it is in its User-Agent (ingest/http.py, `iso-pipeline/<version>`):
  projects report that MISO throttles anonymous scripts' default agents. One request at a time, at most one a second
  by default (`ISO_DOWNLOAD_MIN_INTERVAL_MISO`); 429 and 5xx are retried with backoff like every service.
- 404 means "not published for that day" (not yet, e.g. the real-time final report about 5 days after the day, or
  not any more: daily files from 2023 on): counted as without data, never retried within the run, asked again by the
  next run. An HTML page instead of a CSV (an error page with status 200) is asked for again, then failed.
- Days: market days on MISO's clock (EST). Day-ahead reports are asked for through tomorrow (published the day
  before), the real-time final report through yesterday. Each file is landed as soon as it is complete (landing
  checks its preamble, ingest/preambles.py) and recorded with its day in `download_state.json`, so a rerun asks only
  for days not yet held, and the next run without --start begins after the last day held without a hole before it.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from .. import reports
from ..http import BadContent, HttpClient, HttpError
from ..textfile import looks_like_markup
from .base import DAY, DownloadSummary, Job, base_url, days, describe_file, report_of

log = logging.getLogger(__name__)

REPORTS_BASE = "https://docs.misoenergy.org/marketreports"
#: Reports published once the market day is over; the others before it (day-ahead).
AFTER_THE_DAY = {"rt_lmp_final"}


def report_for(dataset: str) -> reports.Report:
    return report_of("MISO", dataset)


def file_name(report: reports.Report, day: dt.date) -> str:
    """MISO's name for a report's file of one market day: `20260714_da_expost_lmp.csv`."""
    return f"{day:%Y%m%d}{report.name_token}.csv"


def check_report(path: Path) -> None:
    """BadContent (asked again) for a body that is not a MISO report: empty, or an HTML page."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head.strip():
        raise BadContent("empty body")
    if looks_like_markup(head.decode("utf-8", errors="replace")):
        raise BadContent(f"an HTML page, not a MISO report ({describe_file(path)})")


def run(job: Job) -> DownloadSummary:
    report = report_for(job.dataset)
    start, end = job.resolve_range()
    available = job.closed_through_intraday() if report.format in AFTER_THE_DAY else job.today + DAY
    if end > available:
        job.summary.notes.append(f"market days after {available} are not published yet: not asked for")
        end = available
    if start > end:
        job.summary.notes.append(f"nothing to fetch before {start}")
        return job.finish(available)
    covered = job.skip_done_windows(report.format, start, end)
    plan = [d for d in days(start, end) if d not in covered]
    job.summary.listed = job.summary.skipped + len(plan)
    url = base_url("MISO_REPORTS_BASE_URL", REPORTS_BASE)
    unpublished: list[dt.date] = []
    with HttpClient("MISO") as client, job.bar("market days", len(plan)) as bar:
        for day in plan:
            if job.should_stop():
                break
            if not fetch_day(job, client, url, report, day):
                unpublished.append(day)
            bar.update(1)
    # a day not published yet holds the next run's start before it (published later, it is asked for then)
    closed = min([available, *(d - DAY for d in unpublished)])
    return job.finish(closed)


def fetch_day(job: Job, client: HttpClient, url: str, report: reports.Report, day: dt.date) -> bool:
    """Download and land one market day's file; False when MISO has not published it (404)."""
    name = file_name(report, day)
    source = f"{url}/{name}"
    try:
        got = client.download(source, job.raw, name=name, validate=check_report)
    except HttpError as exc:
        if exc.status == 404:
            job.summary.empty += 1
            log.info("MISO has not published %s (404)", name)
            return False
        job.fail([day], name, str(exc))
        return True
    job.succeeded(got.bytes)
    entry = {"selector": report.format, "first": day.isoformat(), "last": day.isoformat(),
             "days": [day.isoformat()], "file": got.path.name}
    job.land([got.path], source, [("windows", f"{report.format}|{day}", entry, [day])], dt.datetime.now(dt.UTC))
    return True
