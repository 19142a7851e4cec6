"""NYISO MIS public CSVs: one file per operating day and format, or a month's archive of them, anonymous, landed as
received.

    GET <NYISO_MIS_BASE_URL>/<folder>/<YYYYMMDD><folder><suffix>.csv          a day   (default http://mis.nyiso.com/public/csv)
    GET <NYISO_MIS_BASE_URL>/<folder>/<YYYYMM01><folder><suffix>_csv.zip      a month: that month's daily CSVs

- Datasets: NYISO's rows of seeds/iso_reports.csv, a file being `<YYYYMMDD><name_token>.csv` in the dataset's MIS
  folder (FOLDERS): DA_prices `damlbmp` (`damlbmp_zone` and `damlbmp_gen`), RT_prices `realtime` (5-minute),
  RT_hourly `rtlbmp`, AS_prices `damasp`, RT_AS_prices `rtasp` (FORMATS_MORE.md, NYISO). A dataset with two formats fetches both, each
  with its own record.
- Days or months: a month that is over before the current one (and whose last day is published) and of which
  more than one day is needed comes as its monthly zip, every other day as its daily CSV (gridstatus fetches zips
  for anything older than a week; how long MIS keeps daily CSVs is not known). The zip is landed whole (landing
  reads its members; members landed before are skipped by content) and recorded with the days its members name;
  needed days it lacks are asked for as daily CSVs. A 404 on a zip (not built yet, or not kept) falls back to the
  month's daily CSVs, with a note; any other failure of a zip fails its month's needed days (the next run asks for
  the zip again).
- No account and no key. The client says who it is in its User-Agent (ingest/http.py). One request at a time, at
  most one a second by default (`ISO_DOWNLOAD_MIN_INTERVAL_NYISO`; NYISO publishes no limit); 429 and 5xx are
  retried with backoff like every service.
- 404 on a daily CSV means "not published for that day" (counted as without data, asked again by the next run,
  whose start it holds). An HTML page instead of a CSV or zip (status 200) is asked for again, then failed.
- Days: Eastern operating days. Day-ahead files (damlbmp, damasp) are asked for through tomorrow, real-time ones
  (realtime, rtlbmp) through yesterday. Each file is landed as soon as it is complete and recorded with its days in
  `download_state.json`, so a rerun asks only for days not yet held.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re

from .. import reports
from ..http import HttpClient, HttpError
from .base import DAY, DownloadError, DownloadSummary, Job, base_url, check_zip, days, report_of
from .daily import closed_through, csv_check, fetch_day, plan_range

log = logging.getLogger(__name__)

MIS_BASE = "http://mis.nyiso.com/public/csv"
SERVICE = "NYISO"
#: dataset -> its MIS folder (the `<folder>` of the URLs and file names)
FOLDERS = {"DA_prices": "damlbmp", "RT_prices": "realtime", "RT_hourly": "rtlbmp", "AS_prices": "damasp",
           "RT_AS_prices": "rtasp"}
#: folders published once the operating day is over; the others the day before (day-ahead)
AFTER_THE_DAY = {"realtime", "rtlbmp", "rtasp"}

#: A body that is not a NYISO CSV (empty, or an HTML page) is BadContent: asked for again.
check_csv = csv_check("a NYISO MIS CSV")


def report_for(dataset: str) -> reports.Report:
    report = report_of(SERVICE, dataset)
    if dataset not in FOLDERS:
        raise DownloadError(f"NYISO has no downloader for {dataset!r}: choose one of {', '.join(FOLDERS)}")
    return report


def formats_of(dataset: str) -> list[reports.Report]:
    """The dataset's formats (rows of seeds/iso_reports.csv), e.g. damlbmp_zone and damlbmp_gen."""
    report_for(dataset)
    first: dict[str, reports.Report] = {}  # a format has a row per known header: one of each
    for r in reports.reports_for(SERVICE):
        if r.dataset == dataset:
            first.setdefault(r.format, r)
    return list(first.values())


def by_zip(month: dt.date, needed: int, today: dt.date, available: dt.date) -> bool:
    """Whether a month's needed days come as its zip: the month is over before the current one, its last day is
    published, and more than one of its days is needed."""
    end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return needed > 1 and end < today.replace(day=1) and end <= available


def run(job: Job) -> DownloadSummary:
    folder = FOLDERS[job.dataset]
    formats = formats_of(job.dataset)
    url = base_url("NYISO_MIS_BASE_URL", MIS_BASE)
    available = job.closed_through_intraday() if folder in AFTER_THE_DAY else job.today + DAY
    window = plan_range(job, available)
    if window is None:
        return job.finish(available)
    start, end = window
    plans = {}
    for report in formats:
        covered = job.skip_done_windows(report.format, start, end)
        plans[report.name_token] = [d for d in days(start, end) if d not in covered]
    job.summary.listed = job.summary.skipped + sum(len(p) for p in plans.values())
    unpublished: list[dt.date] = []
    with HttpClient(SERVICE) as client, job.bar("operating days", job.summary.listed - job.summary.skipped) as bar:
        for report in formats:
            token, plan = report.name_token, plans[report.name_token]

            def locate(day: dt.date, token: str = token) -> tuple[str, str]:
                name = f"{day:%Y%m%d}{token}.csv"
                return f"{url}/{folder}/{name}", name

            months: dict[dt.date, list[dt.date]] = {}
            for day in plan:
                months.setdefault(day.replace(day=1), []).append(day)
            for month, needed in months.items():
                if job.should_stop():
                    break
                if by_zip(month, len(needed), job.today, available):
                    rest = fetch_month(job, client, report.format, f"{url}/{folder}", token, month, needed)
                    bar.update(len(needed) - len(rest))
                    needed = rest
                for day in needed:
                    if job.should_stop():
                        break
                    if not fetch_day(job, client, SERVICE, report.format, locate, check_csv, day):
                        unpublished.append(day)
                    bar.update(1)
    return job.finish(closed_through(available, unpublished))


def fetch_month(job: Job, client: HttpClient, selector: str, folder_url: str, token: str, month: dt.date,
                needed: list[dt.date]) -> list[dt.date]:
    """Download and land one month's MIS zip; returns the needed days left for daily CSVs: those the zip lacks, or
    all of them after a 404 (none after another failure, which fails them: the next run asks again)."""
    name = f"{month:%Y%m}01{token}_csv.zip"
    source = f"{folder_url}/{name}"
    try:
        got = client.download(source, job.raw, name=name, validate=check_zip)
    except HttpError as exc:
        if exc.status != 404:
            job.fail(needed, name, str(exc))
            return []
        job.summary.notes.append(f"{name} is not on MIS (404): that month's daily CSVs were asked for instead")
        log.info("NYISO has no %s (404): daily files instead", name)
        return needed
    member = re.compile(rf"^(\d{{8}}){re.escape(token)}\.csv$")
    held = set()
    for m in map(member.match, (n.rsplit("/", 1)[-1] for n in check_zip(got.path))):
        if m and m.group(1).startswith(f"{month:%Y%m}"):
            held.add(dt.datetime.strptime(m.group(1), "%Y%m%d").date())
    job.succeeded(got.bytes)
    entry = {"selector": selector, "first": min(held, default=month).isoformat(),
             "last": max(held, default=month).isoformat(), "days": sorted(d.isoformat() for d in held),
             "file": got.path.name}
    job.land([got.path], source, [("windows", f"{selector}|{month:%Y-%m}", entry, held)], dt.datetime.now(dt.UTC))
    return [d for d in needed if d not in held]
