"""MISO market reports: one public CSV per market day and report, anonymous, landed as received.

    GET <MISO_REPORTS_BASE_URL>/<YYYYMMDD>_da_expost_lmp.csv      (default https://docs.misoenergy.org/marketreports)

- Datasets: MISO's rows of seeds/iso_reports.csv, the file being `<YYYYMMDD><name_token>.csv`: DA_prices
  `_da_expost_lmp`, RT_hourly `_rt_lmp_final`, AS_prices `_asm_expost_damcp` (FORMATS_MORE.md, MISO).
- No account and no key. The client says who it is in its User-Agent (ingest/http.py, `iso-pipeline/<version>`):
  projects report that MISO throttles anonymous scripts' default agents. Two files at a time (`ISO_DOWNLOAD_PARALLEL_MISO`),
  requests started at most one a second by default (`ISO_DOWNLOAD_MIN_INTERVAL_MISO`); 429 and 5xx are retried
  with backoff like every service.
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

from .. import reports
from .base import DownloadSummary, Job, base_url, report_of
from .daily import csv_check, run_daily

REPORTS_BASE = "https://docs.misoenergy.org/marketreports"
#: Reports published once the market day is over; the others before it (day-ahead).
AFTER_THE_DAY = {"rt_lmp_final"}


def report_for(dataset: str) -> reports.Report:
    return report_of("MISO", dataset)


def file_name(report: reports.Report, day: dt.date) -> str:
    """MISO's name for a report's file of one market day: `20260714_da_expost_lmp.csv`."""
    return f"{day:%Y%m%d}{report.name_token}.csv"


#: A body that is not a MISO report (empty, or an HTML page) is BadContent: asked for again.
check_report = csv_check("a MISO report")


def run(job: Job) -> DownloadSummary:
    report = report_for(job.dataset)
    url = base_url("MISO_REPORTS_BASE_URL", REPORTS_BASE)

    def locate(day: dt.date) -> tuple[str, str]:
        name = file_name(report, day)
        return f"{url}/{name}", name

    return run_daily(job, "MISO", report.format, report.format in AFTER_THE_DAY, locate, check_report, "market days")
