"""ISO New England static reports: the public CSVs of ISO Express, one (or six) per operating day, landed as received.

    GET <ISONE_SITE_BASE_URL>/isoexpress/web/reports/pricing/-/tree/lmps-da-hourly     (once a run: the cookie)
    GET <ISONE_STATIC_BASE_URL>/da-lmp/WW_DALMP_ISO_<YYYYMMDD>.csv                      (Referer: that page)
    (defaults https://www.iso-ne.com and https://www.iso-ne.com/static-transform/csv/histRpts)

- Datasets (FORMATS_MORE.md, ISO-NE): DA_prices `da-lmp/WW_DALMP_ISO_YYYYMMDD.csv`; RT_hourly the final real-time
  hourly report `rt-lmp/lmp_rt_final_YYYYMMDD.csv` (the file name is seen, its folder assumed); RT_prices the
  preliminary five-minute LMPs, six 4-hour files a day `5min-rt-prelim/lmp_5min_YYYYMMDD_HH-HH.csv` (00-04 ...
  20-24; gridstatus); AS_prices the final five-minute reserve zone prices, one query a day
  `<site>/transform/csv/fiveminreserveprice?type=final&start=YYYYMMDD&end=YYYYMMDD`, saved as
  `fiveminreserveprice_final_YYYYMMDD.csv` (its layout and its lag are inferred). The paths are the card's, not tried
  here against the live site.
- A browser-like session (inferred: gridstatus visits a report page before each file; the site is said to answer
  an HTML page with status 200 to a client without its session cookie): each run first GETs the dataset's ISO
  Express report page (the page names are inferred) and asks for the files with its cookies (kept by the client's
  requests Session) and that page as Referer. An HTML page instead of a CSV is BadContent: the report page is
  visited again (a fresh cookie) and the file asked again, within the client's retries; then the day fails.
- No account and no key, except AS_prices with ISONE_API_USERNAME and ISONE_API_PASSWORD set: then ISO-NE's own
  final hourly reserve prices come from its web services instead (ingest/download/isone_api.py). The
  client says who it is in its User-Agent (ingest/http.py). One request at a time, at most one a second by default
  (`ISO_DOWNLOAD_MIN_INTERVAL_ISONE`; no published limit found); 429 and 5xx are retried with backoff.
- 404 means "not published for that day": counted as without data, asked again by the next run, whose start it holds.
- Days: Eastern operating days. DA files are asked for through tomorrow (published the day before); the final RT
  hourly report through FINAL_AFTER days before today (inferred: about three days after the day; a day asked too
  early is a 404, asked again); the 5-minute files through the last closed day: a day's six files are landed once
  all six arrived and recorded as one entry of `download_state.json` (a 404 for any: the day is not published yet).
- Each day is landed as soon as it is complete and recorded with its day, so a rerun asks only for days not yet held.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import reports
from ..http import BadContent, HttpClient, HttpError
from . import isone_api
from .base import DAY, DownloadError, DownloadSummary, Job, base_url, days, env, report_of
from .daily import closed_through, csv_check, fetch_day, plan_range

log = logging.getLogger(__name__)

SERVICE = "ISONE"
STATIC_BASE = "https://www.iso-ne.com/static-transform/csv/histRpts"
SITE_BASE = "https://www.iso-ne.com"
REPORT_PAGES = "/isoexpress/web/reports/pricing/-/tree/"
Check = Callable[[Path], None]
#: the final real-time hourly report is asked for this many days after its operating day (inferred)
FINAL_AFTER = 3


@dataclass(frozen=True)
class Remote:
    folder: str  # under histRpts/
    names: tuple[str, ...]  # strftime patterns of one day's files
    page: str  # the ISO Express report page giving the cookies and the Referer (inferred names)
    days_after: int | None  # published this many days after the day (None: the day before, day-ahead)
    #: a report served by a query instead of a static file: strftime pattern of its path under the site (the file is
    #: saved under `names[0]`)
    query: str | None = None


REMOTES = {
    "DA_prices": Remote("da-lmp", ("WW_DALMP_ISO_%Y%m%d.csv",), "lmps-da-hourly", None),
    "RT_hourly": Remote("rt-lmp", ("lmp_rt_final_%Y%m%d.csv",), "lmps-rt-hourly-final", FINAL_AFTER),
    "RT_prices": Remote("5min-rt-prelim", tuple(f"lmp_5min_%Y%m%d_{h:02d}-{h + 4:02d}.csv" for h in range(0, 24, 4)),
                        "lmps-rt-five-minute-prelim", 1),
    "AS_prices": Remote("", ("fiveminreserveprice_final_%Y%m%d.csv",), "reserve-zone-prices-five-minute-final",
                        FINAL_AFTER, "/transform/csv/fiveminreserveprice?type=final&start=%Y%m%d&end=%Y%m%d"),
}


def report_for(dataset: str) -> reports.Report:
    report = report_of(SERVICE, dataset)
    if dataset not in REMOTES:
        raise DownloadError(f"ISONE has no downloader for {dataset!r}: choose one of {', '.join(REMOTES)}")
    return report


def open_session(client: HttpClient, page: str) -> bool:
    """GET the report page: its cookies stay in the client's session, and it becomes the Referer of what follows."""
    try:
        client.fetch("GET", page)
    except HttpError as exc:
        log.warning("ISO-NE report page %s failed: %s (the files may answer an HTML page)", exc.url, exc.reason)
        return False
    client.session.headers["Referer"] = page
    return True


def session_check(client: HttpClient, page: str) -> Check:
    """A body that is not an ISO-NE report (empty, or an HTML page: the session cookie missing or expired) is
    BadContent, asked for again after a fresh visit of the report page."""
    check = csv_check("an ISO-NE report")

    def validate(path: Path) -> None:
        try:
            check(path)
        except BadContent:
            open_session(client, page)
            raise
    return validate


def run(job: Job) -> DownloadSummary:
    selector = report_for(job.dataset).format  # the landed format (seeds/iso_reports.csv)
    remote = REMOTES[job.dataset]
    folder = f"{base_url('ISONE_STATIC_BASE_URL', STATIC_BASE)}/{remote.folder}"
    page = f"{base_url('ISONE_SITE_BASE_URL', SITE_BASE)}{REPORT_PAGES}{remote.page}"
    account = [env(isone_api.USER_ENV), env(isone_api.PASSWORD_ENV)] if job.dataset == "AS_prices" else []
    if account and any(account) and not all(account):
        missing = isone_api.PASSWORD_ENV if account[0] else isone_api.USER_ENV
        raise DownloadError(f"{missing} is not set: the ISO-NE web services need both {isone_api.USER_ENV} and "
                            f"{isone_api.PASSWORD_ENV} (or neither, for the public five-minute reserve price CSV)")
    available = job.today + DAY if remote.days_after is None else \
        min(job.closed_through_intraday(), job.today - remote.days_after * DAY)
    window = plan_range(job, available)
    if window is None:
        return job.finish(available)
    start, end = window
    # a day held from either reserve price source is not asked for again: one day never lands from both
    selectors = [selector, isone_api.FORMAT] if job.dataset == "AS_prices" else [selector]
    covered = set().union(*(job.skip_done_windows(s, start, end) for s in selectors))
    plan = [d for d in days(start, end) if d not in covered]
    job.summary.listed = job.summary.skipped + len(plan)
    if account and all(account):
        return job.finish(closed_through(available, isone_api.run_days(job, *account, plan)))
    unpublished: list[dt.date] = []

    site = base_url("ISONE_SITE_BASE_URL", SITE_BASE)

    def locate(day: dt.date) -> tuple[str, str]:  # a day's one file
        name = day.strftime(remote.names[0])
        return (f"{site}{day.strftime(remote.query)}" if remote.query else f"{folder}/{name}"), name

    with HttpClient(SERVICE) as client, job.bar("operating days", len(plan)) as bar:
        if plan:
            open_session(client, page)
        check = session_check(client, page)
        for day in plan:
            if job.should_stop():
                break
            if len(remote.names) == 1:  # daily.py's step: one file, one entry
                published = fetch_day(job, client, SERVICE, selector, locate, check, day)
            else:
                published = fetch_files(job, client, selector, remote, folder, check, day)
            if not published:
                unpublished.append(day)
            bar.update(1)
    return job.finish(closed_through(available, unpublished))


def fetch_files(job: Job, client: HttpClient, selector: str, remote: Remote, folder: str, check: Check,
                day: dt.date) -> bool:
    """Download a day's files (the six 4-hour files), then land them and record the day as one entry; False when
    ISO-NE has not published one of them (404): the day is asked for again, whole, by the next run."""
    got = []
    for name in (day.strftime(n) for n in remote.names):
        try:
            got.append((f"{folder}/{name}", client.download(f"{folder}/{name}", job.raw, name=name, validate=check)))
        except HttpError as exc:
            if exc.status == 404:
                job.summary.empty += 1
                log.info("ISO-NE has not published %s (404)", name)
                return False
            job.fail([day], name, str(exc))
            return True
    job.succeeded(sum(d.bytes for _, d in got))
    entry = {"selector": selector, "first": day.isoformat(), "last": day.isoformat(), "days": [day.isoformat()],
             "files": [d.path.name for _, d in got]}
    now = dt.datetime.now(dt.UTC)
    for source, d in got[:-1]:
        job.land([d.path], source, [], now)
    job.land([got[-1][1].path], got[-1][0], [("windows", f"{selector}|{day}", entry, [day])], now)
    return True
