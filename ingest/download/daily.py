"""One public file per operating day, anonymous, landed as received: the MISO market reports and the SPP
Marketplace files share this loop (each module says where a day's file is and what a good body looks like).

- 404 means "not published for that day" (not yet, or not any more): counted as without data, never retried within
  the run, asked again by the next run, whose start it holds (the last day held without a hole before it).
- Other HTTP errors fail the day (rerun to retry); a body the check refuses (BadContent) is asked for again by the
  client, then failed.
- Each file is landed as soon as it is complete and recorded with its day in `download_state.json` under `selector`.
- Bounded parallelism: `ISO_DOWNLOAD_PARALLEL_<SERVICE>` files are fetched at once (default 2 for MISO and SPP,
  ingest/http.py `PARALLEL`), each worker thread through its own client; the service's rate limit, shared by them,
  still spaces the requests' starts. Files are landed and recorded one at a time, in day order, by the calling
  thread, exactly as one at a time would; after a stop (failures in a row) what is already in flight is still landed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..http import BadContent, Downloaded, HttpClient, HttpError, Policy
from ..textfile import looks_like_markup
from .base import DAY, DownloadSummary, Job, days, describe_file

log = logging.getLogger(__name__)

#: day -> (URL, file name) of that day's file
Locate = Callable[[dt.date], tuple[str, str]]
T = TypeVar("T")


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
              validate: Callable[[Path], None], unit: str = "operating days",
              fallback: tuple[str, Callable[[dt.date], bool]] | None = None) -> DownloadSummary:
    """Fetch and land one file per day of the job's range: through tomorrow for day-ahead files, through the last
    closed day for files published after the day (`after_the_day`). `fallback` = (its selector, fetch): a day whose
    file is not published (404) is handed to `fetch` after the others (SPP: the day's interval files while its
    roll-up is not out), False when that fails too; days recorded under its selector are not asked for again."""
    available = job.closed_through_intraday() if after_the_day else job.today + DAY
    window = plan_range(job, available, unit)
    if window is None:
        return job.finish(available)
    start, end = window
    covered = job.skip_done_windows(selector, start, end)
    if fallback:
        covered |= job.skip_done_windows(fallback[0], start, end)
    plan = [d for d in days(start, end) if d not in covered]
    job.summary.listed = job.summary.skipped + len(plan)
    unpublished: list[dt.date] = []
    missing: list[dt.date] = []
    raw = job.raw

    def download(client: HttpClient, day: dt.date) -> Downloaded:
        url, name = locate(day)
        return client.download(url, raw, name=name, validate=validate)

    with job.bar(unit, len(plan)) as bar:
        for day, got in fetch_ahead(service, plan, download, job.should_stop):
            if fallback and isinstance(got, HttpError) and got.status == 404:
                missing.append(day)
            elif not record_day(job, service, selector, locate, day, got):
                unpublished.append(day)
            bar.update(1)
    # a day the run stopped before counts as unpublished: it holds the next run's start
    unpublished += [day for day in missing if job.should_stop() or not fallback[1](day)]
    return job.finish(closed_through(available, unpublished))


def fetch_ahead(service: str, plan: list[T], download: Callable[[HttpClient, T], Downloaded],
                stop: Callable[[], bool]) -> Iterator[tuple[T, Downloaded | HttpError]]:
    """Each planned day (or file) with its download (or the HttpError it ended in), in plan order, while up to the service's
    `parallel` downloads run ahead in worker threads (one HttpClient each). `stop()` is asked before each new
    download starts; downloads already started are still handed back."""
    parallel = Policy.for_service(service).parallel
    local = threading.local()
    clients: list[HttpClient] = []
    lock = threading.Lock()

    def work(day: T) -> Downloaded | HttpError:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = HttpClient(service)
            with lock:
                clients.append(client)
        try:
            return download(client, day)
        except HttpError as exc:
            return exc

    todo = iter(plan)
    pending: deque[tuple[T, Future[Downloaded | HttpError]]] = deque()
    with ThreadPoolExecutor(parallel, thread_name_prefix=f"download-{service}") as pool:
        try:
            while True:
                while len(pending) < parallel and not stop() and (day := next(todo, None)) is not None:
                    pending.append((day, pool.submit(work, day)))
                if not pending:
                    return
                day, future = pending.popleft()
                yield day, future.result()
        finally:
            for _, future in pending:
                future.cancel()  # an interrupted run: what has not started never starts
            pool.shutdown(wait=True)
            for client in clients:
                client.close()


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
        got: Downloaded | HttpError = client.download(source, job.raw, name=name, validate=validate)
    except HttpError as exc:
        got = exc
    return record_day(job, service, selector, locate, day, got)


def record_day(job: Job, service: str, selector: str, locate: Locate, day: dt.date,
               got: Downloaded | HttpError, held: list[dt.date] | None = None) -> bool:
    """Land one day's downloaded file and record the days it holds (`held`, default the day itself: a weekly archive
    holds seven), or count its error; False when the ISO has not published it (404)."""
    held = held or [day]
    source, name = locate(day)
    if isinstance(got, HttpError):
        if got.status == 404:
            job.summary.empty += 1
            log.info("%s has not published %s (404)", service, name)
            return False
        job.fail(held, name, str(got))
        return True
    job.succeeded(got.bytes)
    entry = {"selector": selector, "first": held[0].isoformat(), "last": held[-1].isoformat(),
             "days": [d.isoformat() for d in held], "file": got.path.name}
    job.land([got.path], source, [("windows", f"{selector}|{day}", entry, held)], dt.datetime.now(dt.UTC))
    return True
