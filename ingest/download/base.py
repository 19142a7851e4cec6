"""What every downloader shares: the error type, the summary, and `Job` (one run: range, state, landing, bars)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import os
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import humanize

from .. import reports
from ..catalog import timezone
from ..config import IsoPaths, data_dir
from ..http import BadContent, HttpClient, describe_bytes
from ..landing import LandingSummary, land
from .state import DownloadState, StateError

log = logging.getLogger("ingest.download")

#: A run stops after this many failures in a row (the service is down; the next run resumes).
MAX_CONSECUTIVE_FAILURES = 5
DAY = dt.timedelta(days=1)


class DownloadError(Exception):
    """A download that cannot go on: bad arguments, a missing credential (the message names the variable), a
    rejected credential, or an answer of a shape the downloader does not know."""


def iso_local_time(value: object) -> dt.datetime | None:
    """An API's ISO 8601 time without offset (`2025-05-01T04:00:00`, `.000` or not); None for anything else (a
    time with an offset included: the APIs that use this write wall-clock times)."""
    if not isinstance(value, str):
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return t if t.tzinfo is None else None


class Credentials:
    """Fixed credentials of an API, sent as headers; a 401 means they were refused: the run stops with `refused`
    (what to check)."""

    def __init__(self, headers: dict[str, str], refused: str):
        self._headers = headers
        self._refused = refused

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    def refresh(self) -> None:
        raise DownloadError(self._refused)


class SubscriptionKey(Credentials):
    """An API key sent as the `Ocp-Apim-Subscription-Key` header (the Azure API Management gateways of PJM Data Miner
    2 and MISO's Data Exchange)."""

    def __init__(self, key: str, refused: str):
        super().__init__({"Ocp-Apim-Subscription-Key": key}, refused)


class BasicAuth(Credentials):
    """A user name and password sent as HTTP basic authentication (ISO-NE's web services)."""

    def __init__(self, user: str, password: str, refused: str):
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        super().__init__({"Authorization": f"Basic {token}"}, refused)


def report_of(iso: str, dataset: str) -> reports.Report:
    """The first row of seeds/iso_reports.csv for this ISO and dataset; DownloadError naming the ones there are."""
    rows = [r for r in reports.reports_for(iso) if r.dataset == dataset]
    if not rows:
        known = sorted({r.dataset for r in reports.reports_for(iso)})
        raise DownloadError(f"{iso} has no downloadable dataset {dataset!r}: choose one of {', '.join(known)}")
    return rows[0]


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def require_env(names: Iterable[str], why: str) -> list[str]:
    """The values of these variables; a DownloadError naming every one that is unset."""
    names = list(names)
    missing = [n for n in names if not env(n)]
    if missing:
        one = len(missing) == 1
        raise DownloadError(f"{', '.join(missing[:-1]) + ' and ' if not one else ''}{missing[-1]} "
                            f"{'is' if one else 'are'} not set: {why}. Set {'it' if one else 'them'} in the "
                            f"environment ({'it is' if one else 'they are'} never written to disk or logs).")
    return [env(n) or "" for n in names]


def base_url(name: str, default: str) -> str:
    return (env(name) or default).rstrip("/")


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + i * DAY for i in range((last - first).days + 1)] if first <= last else []


def runs(sorted_days: list[dt.date]) -> list[list[dt.date]]:
    """Consecutive stretches of sorted days."""
    out: list[list[dt.date]] = []
    for d in sorted_days:
        if out and d - out[-1][-1] == DAY:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def windows(needed: Iterable[dt.date], weekly: bool) -> list[list[dt.date]]:
    """Query windows over the needed days: one per day, or one per calendar week (Monday to Sunday) holding
    consecutive needed days. Aligned to the calendar, so the same days always give the same windows."""
    out: list[list[dt.date]] = []
    for run in runs(sorted(set(needed))):
        for d in run:
            if weekly and out and out[-1][-1] == d - DAY and d.weekday() != 0:
                out[-1].append(d)
            else:
                out.append([d])
    return out


def check_zip(path: Path) -> list[str]:
    """Member names of a complete, readable zip; BadContent for anything else (an HTML error page served with
    status 200, a transfer cut short, a damaged member)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError) as exc:
        raise BadContent(f"not a readable zip ({describe_file(path)}): {exc}") from None
    if bad is not None:
        raise BadContent(f"corrupt zip member {bad}")
    if not names:
        raise BadContent("empty zip")
    return names


def describe_file(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(80)
    return describe_bytes(head, path.stat().st_size)


@dataclass
class DownloadSummary:
    iso: str
    dataset: str
    start: dt.date | None = None
    end: dt.date | None = None
    listed: int = 0  # documents (ERCOT) or query windows (CAISO, PJM) in the range
    downloaded: int = 0
    skipped: int = 0  # already downloaded and landed by an earlier run
    failed: int = 0
    empty: int = 0  # answered "no data" (not published yet, or none exists): not an error, asked again next time
    bytes: int = 0
    landing: LandingSummary | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last_day: dt.date | None = None
    seconds: float = 0.0

    def render(self) -> str:
        span = f"{self.start}..{self.end}" if self.start and self.end and self.start <= self.end else "nothing to do"
        lines = [f"{self.iso} {self.dataset} operating days {span}: {self.listed} listed, {self.downloaded} downloaded "
                 f"({humanize.naturalsize(self.bytes)}), {self.skipped} skipped (already downloaded), {self.failed} failed, "
                 f"{self.empty} without data, in {self.seconds:.1f}s"]
        if self.last_day:
            lines.append(f"  complete through {self.last_day} "
                         f"(the next run without --start begins {self.last_day + DAY})")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for name, reason in self.failures[:10]:
            lines.append(f"  failed {name}: {reason}")
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more failures (see the log)")
        if self.failed:
            lines.append("  rerun the same command to fetch what failed (finished work is not repeated)")
        if self.landing is not None:
            lines.append(self.landing.render())
        return "\n".join(lines)


def _merge(total: LandingSummary, part: LandingSummary) -> None:
    total.inputs += part.inputs
    total.landed.update(part.landed)
    total.skipped.update(part.skipped)
    total.rows.update(part.rows)
    total.quarantined.extend(part.quarantined)
    total.seconds += part.seconds


class _NoBar:
    def update(self, n: int, current_item: Any = None) -> None:
        pass


class Job:
    """One `download` run for one ISO and dataset."""

    def __init__(self, iso: str, dataset: str, start: dt.date | None, end: dt.date | None,
                 base: Path | None, progress: bool):
        self.paths = IsoPaths.of(iso, base or data_dir())
        self.iso = self.paths.iso
        self.dataset = dataset
        self.base = self.paths.root.parent
        self.progress = progress
        self.tz = timezone(self.iso)
        self.now = dt.datetime.now(self.tz)
        self.today = self.now.date()
        try:
            self.state = DownloadState.load(self.paths)
        except StateError as exc:
            raise DownloadError(str(exc)) from exc
        self.summary = DownloadSummary(self.iso, dataset)
        self._started = time.monotonic()
        self._requested = (start, end)
        self.got_days: set[dt.date] = set()
        self.failed_days: set[dt.date] = set()
        self._in_a_row = 0

    # -- the range ---------------------------------------------------------------------------------------
    def resolve_range(self) -> tuple[dt.date, dt.date]:
        start, end = self._requested
        end = end or self.today
        if start is None:
            last = self.state.last_day(self.dataset)
            if last is None:
                raise DownloadError(
                    f"no earlier download of {self.iso} {self.dataset} is recorded in {self.state.path}: "
                    f"give --start YYYY-MM-DD (the first operating day to fetch)")
            start = last + DAY
        self.summary.start, self.summary.end = start, end
        return start, end

    def closed_through_intraday(self) -> dt.date:
        """The last operating day whose real-time intervals are all published: yesterday once it is past 01:00."""
        return (self.now - dt.timedelta(hours=1)).date() - DAY

    # -- raw files ---------------------------------------------------------------------------------------
    @property
    def raw(self) -> Path:
        self.paths.raw_downloads.mkdir(parents=True, exist_ok=True)
        return self.paths.raw_downloads

    # -- bookkeeping -------------------------------------------------------------------------------------
    def skipped(self, day_list: Iterable[dt.date]) -> None:
        self.summary.skipped += 1
        self.got_days.update(day_list)

    def skip_done_windows(self, selector: str, start: dt.date, end: dt.date) -> set[dt.date]:
        """Count the recorded windows of this selector (query + nodes/filter) holding days of the range as skipped;
        return the days they hold, which are never asked for again."""
        covered: set[dt.date] = set()
        for w in self.state.windows(self.dataset).values():
            if w.get("selector") != selector:
                continue
            held = {d for d in map(dt.date.fromisoformat, w.get("days", [])) if start <= d <= end}
            if held:
                self.skipped(held)
                covered |= held
        return covered

    def fail(self, day_list: Iterable[dt.date], name: str, reason: str) -> None:
        self.summary.failed += 1
        self.summary.failures.append((name, reason))
        self.failed_days.update(day_list)
        self._in_a_row += 1
        log.error("%s %s: %s failed: %s", self.iso, self.dataset, name, reason)

    def succeeded(self, nbytes: int) -> None:
        self.summary.downloaded += 1
        self.summary.bytes += nbytes
        self._in_a_row = 0

    def should_stop(self) -> bool:
        if self._in_a_row >= MAX_CONSECUTIVE_FAILURES:
            note = f"stopped after {MAX_CONSECUTIVE_FAILURES} failures in a row; rerun later to resume"
            if note not in self.summary.notes:
                self.summary.notes.append(note)
            return True
        return False

    def land(self, files: list[Path], source: str, records: list[tuple[str, str, dict[str, Any], Iterable[dt.date]]],
             downloaded_at: dt.datetime) -> None:
        """Land one batch of complete files, then record what it held (kind "documents" or "windows", key, entry,
        operating days) in the state file. Nothing is recorded for a batch that did not land."""
        if files:
            part = land(self.iso, files, base=self.base, source=source, downloaded_at=downloaded_at)
            if self.summary.landing is None:
                self.summary.landing = LandingSummary(self.iso)
            _merge(self.summary.landing, part)
        for kind, key, entry, day_list in records:
            getattr(self.state, kind)(self.dataset)[key] = entry
            self.got_days.update(day_list)
        self.state.save()

    def finish(self, closed_through: dt.date) -> DownloadSummary:
        """Advance `last_day` over the days obtained without a failure before them, save, and summarise."""
        limit = min(self.failed_days) - DAY if self.failed_days else None
        good = [d for d in self.got_days if d <= closed_through and (limit is None or d <= limit)]
        old = self.state.last_day(self.dataset)
        if good and (old is None or max(good) > old):
            self.state.set_last_day(self.dataset, max(good))
        self.state.save()
        self.summary.last_day = self.state.last_day(self.dataset)
        self.summary.seconds = time.monotonic() - self._started
        return self.summary

    def fetch_days(self, service: str, plan: list[dt.date], label: str,
                   fetch: Callable[[HttpClient, dt.date], bool]) -> list[dt.date]:
        """`fetch(client, day)` for each planned day, one at a time through one client, while the run goes on;
        returns the days it found not published yet (fetch returned False)."""
        unpublished: list[dt.date] = []
        with HttpClient(service) as client, self.bar(label, len(plan)) as bar:
            for day in plan:
                if self.should_stop():
                    break
                if not fetch(client, day):
                    unpublished.append(day)
                bar.update(1)
        return unpublished

    # -- progress ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def bar(self, label: str, length: int) -> Iterator[Any]:
        if not self.progress or length == 0:
            yield _NoBar()
            return
        import click

        with click.progressbar(length=length, label=f"{self.iso} {self.dataset} {label}", show_pos=True,
                               file=sys.stderr) as bar:
            yield bar
