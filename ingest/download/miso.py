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
- RT_prices: the weekly archive `<YYYYMMDD>_5MIN_LMP.zip`, named after the Monday two weeks after the Monday its
  week starts (`20240318_5MIN_LMP.zip` holds 2024-03-04..10; gridstatus, and a 2026 project that probed it: other
  weekdays 404). The archives of every week with a day in the range are asked for (a week is never split); a week
  is published once its archive's Monday has come, and recorded with its seven days.
- Days: market days on MISO's clock (EST). Day-ahead reports are asked for through tomorrow (published the day
  before), the real-time final report through yesterday. Each file is landed as soon as it is complete (landing
  checks its preamble, ingest/preambles.py) and recorded with its day in `download_state.json`, so a rerun asks only
  for days not yet held, and the next run without --start begins after the last day held without a hole before it.
"""

from __future__ import annotations

import datetime as dt

from .. import reports
from ..http import Downloaded, HttpClient
from . import miso_api
from .base import DAY, DownloadSummary, Job, base_url, check_zip, days, env, report_of
from .daily import closed_through, csv_check, fetch_ahead, record_day, run_daily

REPORTS_BASE = "https://docs.misoenergy.org/marketreports"
#: Reports published once the market day is over; the others before it (day-ahead).
AFTER_THE_DAY = {"rt_lmp_final"}
#: weekly archives: (format, days from the Monday the week starts to the Monday the archive is named after)
WEEKLY = {"rt_5min_lmp": 14}
#: the RT_prices format written from the Pricing API's answers (ingest/download/miso_api.py)
API_FORMAT = "pricing_rt_lmp_expost"


def report_for(dataset: str) -> reports.Report:
    return report_of("MISO", dataset)


def file_name(report: reports.Report, day: dt.date) -> str:
    """MISO's name for a report's file of one market day: `20260714_da_expost_lmp.csv`."""
    return f"{day:%Y%m%d}{report.name_token}.csv"


#: A body that is not a MISO report (empty, or an HTML page) is BadContent: asked for again.
check_report = csv_check("a MISO report")


def run_weekly(job: Job, report: reports.Report, url: str) -> DownloadSummary:
    """The weekly archives holding the job's market days, every week whole; then, with MISO_PRICING_API_KEY, the days
    after the last archive out from the Pricing API (ingest/download/miso_api.py)."""
    lag = dt.timedelta(days=WEEKLY[report.format])
    newest = job.today - dt.timedelta(days=job.today.weekday())  # the last Monday an archive can be out by
    available = newest - lag + 6 * DAY  # the Sunday of its week
    closed = fetch_weeks(job, report, url, lag, available)
    key = env(miso_api.KEY_ENV)
    if key and not job.should_stop():
        api = next(r for r in reports.reports_for("MISO") if r.dataset == report.dataset and r.format == API_FORMAT)
        after = miso_api.run_days(job, key, api, available + DAY)
        closed = after if closed >= available and after is not None else closed  # a week missing holds the start
    elif job.resolve_range()[1] > available:
        job.summary.notes.append(f"market days after {available} wait for their weekly archive (set "
                                 f"{miso_api.KEY_ENV} to fetch them from the Pricing API)")
    return job.finish(closed)


def fetch_weeks(job: Job, report: reports.Report, url: str, lag: dt.timedelta, available: dt.date) -> dt.date:
    """Fetch and land the archives of the weeks holding the job's days through `available`; returns the day the run
    holds complete through."""
    start, end = job.resolve_range()
    end = min(end, available)
    if start > end:
        return available
    covered = job.skip_done_windows(report.format, start, end)
    plan = sorted({d - dt.timedelta(days=d.weekday()) for d in days(start, end) if d not in covered})
    job.summary.listed = job.summary.skipped + len(plan)

    def locate(monday: dt.date) -> tuple[str, str]:
        name = f"{monday + lag:%Y%m%d}{report.name_token}.zip"
        return f"{url}/{name}", name

    def download(client: HttpClient, monday: dt.date) -> Downloaded:
        source, name = locate(monday)
        return client.download(source, job.raw, name=name, validate=check_zip)

    unpublished: list[dt.date] = []
    with job.bar("weeks", len(plan)) as bar:
        for monday, got in fetch_ahead("MISO", plan, download, job.should_stop):
            week = days(monday, monday + 6 * DAY)
            if not record_day(job, "MISO", report.format, locate, monday, got, held=week):
                unpublished.append(monday)
            bar.update(1)
    return closed_through(available, unpublished)


def run(job: Job) -> DownloadSummary:
    report = report_for(job.dataset)
    url = base_url("MISO_REPORTS_BASE_URL", REPORTS_BASE)
    if report.format in WEEKLY:
        return run_weekly(job, report, url)

    def locate(day: dt.date) -> tuple[str, str]:
        name = file_name(report, day)
        return f"{url}/{name}", name

    return run_daily(job, "MISO", report.format, report.format in AFTER_THE_DAY, locate, check_report, "market days")
