"""One public file per operating day, anonymous, landed as received: the MISO market reports and the SPP
Marketplace files share this loop (each module says where a day's file is and what a good body looks like).

- 404 means "not published for that day" (not yet, or not any more): counted as without data, never retried within
  the run, asked again by the next run, whose start it holds (the last day held without a hole before it).
- Other HTTP errors fail the day (rerun to retry); a body the check refuses (BadContent) is asked for again by the
  client, then failed.
- Each file is landed as soon as it is complete and recorded with its day in `download_state.json` under `selector`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from ..http import BadContent, HttpClient, HttpError
from ..textfile import looks_like_markup
from .base import DAY, DownloadSummary, Job, days, describe_file

log = logging.getLogger(__name__)

#: day -> (URL, file name) of that day's file
Locate = Callable[[dt.date], tuple[str, str]]


def csv_check(what: str) -> Callable[[Path], None]:
    """A body check: BadContent (asked again) for an empty body or an HTML page instead of `what`."""
    def check(path: Path) -> None:
        with open(path, "rb") as fh:
            head = fh.read(512)
        if not head.strip():
            raise BadContent("empty body")
        if looks_like_markup(head.decode("utf-8", errors="replace")):
            raise BadContent(f"an HTML page, not {what} ({describe_file(path)})")
    return check


def run_daily(job: Job, service: str, selector: str, after_the_day: bool, locate: Locate,
              validate: Callable[[Path], None], unit: str = "operating days") -> DownloadSummary:
    """Fetch and land one file per day of the job's range: through tomorrow for day-ahead files, through the last
    closed day for files published after the day (`after_the_day`)."""
    available = job.closed_through_intraday() if after_the_day else job.today + DAY
    window = plan_range(job, available, unit)
    if window is None:
        return job.finish(available)
    start, end = window
    covered = job.skip_done_windows(selector, start, end)
    plan = [d for d in days(start, end) if d not in covered]
    job.summary.listed = job.summary.skipped + len(plan)
    unpublished: list[dt.date] = []
    with HttpClient(service) as client, job.bar(unit, len(plan)) as bar:
        for day in plan:
            if job.should_stop():
                break
            if not fetch_day(job, client, service, selector, locate, validate, day):
                unpublished.append(day)
            bar.update(1)
    return job.finish(closed_through(available, unpublished))


def plan_range(job: Job, available: dt.date, unit: str = "operating days") -> tuple[dt.date, dt.date] | None:
    """The job's range of days cut at `available` (the last day the ISO has published), each cut said in the
    summary's notes; None when nothing is left to ask for."""
    start, end = job.resolve_range()
    if end > available:
        job.summary.notes.append(f"{unit} after {available} are not published yet: not asked for")
        end = available
    if start > end:
        job.summary.notes.append(f"nothing to fetch before {start}")
        return None
    return start, end


def closed_through(available: dt.date, unpublished: list[dt.date]) -> dt.date:
    """The day a run holds complete: a day not published yet holds the next run's start before it (published later,
    it is asked for then)."""
    return min([available, *(d - DAY for d in unpublished)])


def fetch_day(job: Job, client: HttpClient, service: str, selector: str, locate: Locate,
              validate: Callable[[Path], None], day: dt.date) -> bool:
    """Download and land one day's file; False when the ISO has not published it (404)."""
    source, name = locate(day)
    try:
        got = client.download(source, job.raw, name=name, validate=validate)
    except HttpError as exc:
        if exc.status == 404:
            job.summary.empty += 1
            log.info("%s has not published %s (404)", service, name)
            return False
        job.fail([day], name, str(exc))
        return True
    job.succeeded(got.bytes)
    entry = {"selector": selector, "first": day.isoformat(), "last": day.isoformat(),
             "days": [day.isoformat()], "file": got.path.name}
    job.land([got.path], source, [("windows", f"{selector}|{day}", entry, [day])], dt.datetime.now(dt.UTC))
    return True
