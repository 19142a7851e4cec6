"""PJM Data Miner 2: JSON pages, written to CSV in the Data Miner export layout, one CSV per query window.

    GET <PJM_API_BASE_URL>/da_hrl_lmps?rowCount=50000&startRow=1
        &datetime_beginning_ept=10/21/2024 00:00to10/27/2024 23:59&row_is_current=TRUE
    header Ocp-Apim-Subscription-Key: <PJM_API_KEY>

- Datasets: every PJM row of seeds/iso_reports.csv, the feed being its report id (DA_prices da_hrl_lmps,
  RT_prices rt_fivemin_hrl_lmps, RT_hourly rt_hrl_lmps, ...). Columns are written in the order of that row's
  header; a page whose items lack one of them fails (the feed changed: nothing is landed).
- Paging: `startRow`/`rowCount`, following the answer's `links` `next` (only to the same host, so the key never
  goes elsewhere), until `totalRows` rows are in; a window is landed only when all of them are.
- CSV: CRLF, times as the CSV export writes them (`5/1/2025 4:00:00 AM`, from the API's ISO 8601), booleans
  `True`/`False`, named `<feed>_<first YYYYMMDD>_<last YYYYMMDD>.csv` (landing recognises the feed in the name).
  It is streamed to `raw_downloads/<name>.part` page by page and renamed once complete.
- Windows: EPT operating days; hourly feeds a calendar week (Monday to Sunday) per query, five-minute feeds a day.
  Real-time days are asked for once over (yesterday, after 01:00 Eastern). Rows are filtered only by
  `PJM_API_FILTER` if set (extra query parameters, e.g. `type=HUB` or `pnode_id=51217;51288`; archived data,
  older than 186/731 days, ignores pnode filters), and `row_is_current=TRUE` where the feed has that column.
- An answer with no rows is "no data" (not an error; asked again next run). Windows are recorded with the EPT days
  their rows hold, per filter, so nothing is fetched twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .. import reports
from ..files import part_for, place, writing
from ..http import BadContent, HttpClient, HttpError, redact_url, with_params
from .base import DAY, DownloadError, DownloadSummary, Job, base_url, days, env, require_env, windows

log = logging.getLogger(__name__)

API_BASE = "https://api.pjm.com/api/v1"
ROW_COUNT = 50000  # Data Miner's maximum rows per page
#: Real-time feeds: an operating day is complete only once it is over.
REALTIME = {"rt_fivemin_hrl_lmps", "rt_hrl_lmps", "reserve_market_results"}
#: Feeds asked for one day per query (five-minute grain); the others one week.
DAILY = {"rt_fivemin_hrl_lmps", "reserve_market_results"}
ISO_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")


class PjmError(Exception):
    """An answer Data Miner gave that is not data (its `errors`, a short or endless paging)."""


class PjmKey:
    def __init__(self, key: str):
        self._key = key

    def headers(self) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": self._key}

    def refresh(self) -> None:
        raise DownloadError("the PJM API refused PJM_API_KEY (HTTP 401): check the key "
                            "(Data Miner 2, My Account / API keys)")


def report_for(dataset: str) -> reports.Report:
    rows = [r for r in reports.reports_for("PJM") if r.dataset == dataset]
    if not rows:
        known = sorted({r.dataset for r in reports.reports_for("PJM")})
        raise DownloadError(f"PJM has no downloadable dataset {dataset!r}: choose one of {', '.join(known)}")
    return rows[0]


def export_time(value: str) -> str:
    """`2025-05-01T04:00:00(.000)` -> `5/1/2025 4:00:00 AM`, as Data Miner's CSV export writes it."""
    m = ISO_TIME.match(value.strip())
    if not m:
        return value
    y, mo, d, h, mi, s = (int(g or 0) for g in m.groups())
    return f"{mo}/{d}/{y} {h % 12 or 12}:{mi:02d}:{s:02d} {'AM' if h < 12 else 'PM'}"


def ept_day(value: Any) -> dt.date | None:
    m = ISO_TIME.match(str(value or "").strip())
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text.lower() else text
    text = str(value)
    return export_time(text) if column.startswith("datetime_") else text


def json_page(resp: requests.Response, body: bytes) -> tuple[dict[str, Any], int]:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        head = body[:60].decode("utf-8", "replace").strip()
        raise BadContent(f"not JSON ({len(body)} bytes starting {head!r})") from None
    if not isinstance(data, dict):
        raise BadContent("not a JSON object")
    if data.get("errors"):
        raise PjmError(f"Data Miner answered errors: {str(data['errors'])[:300]}")
    return data, len(body)


def write_window(client: HttpClient, auth: PjmKey, url: str, params: dict[str, Any], header: tuple[str, ...],
                 part: Path) -> tuple[int, set[dt.date], int]:
    """Fetch every page of one window into `part` (removed again when anything fails): (rows, EPT days held, bytes
    received)."""
    origin = urlsplit(url)[:2]
    rows = nbytes = pages = 0
    held: set[dt.date] = set()
    next_url, next_params = url, dict(params)
    with writing(part, "w", fsync=False, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        while True:
            data, size = client.fetch("GET", next_url, params=next_params, auth=auth, check=json_page)
            nbytes += size
            pages += 1
            items = data.get("items") or []
            total = data.get("totalRows")
            if items:
                missing = [c for c in header if c not in items[0]]
                if missing:
                    raise PjmError(f"the JSON items lack {', '.join(missing)} (the feed changed?)")
            for item in items:
                writer.writerow([cell(c, item.get(c)) for c in header])
                day = ept_day(item.get("datetime_beginning_ept"))
                if day:
                    held.add(day)
            rows += len(items)
            if not items or (isinstance(total, int) and rows >= total):
                break
            link = next((lk.get("href") for lk in data.get("links") or []
                         if isinstance(lk, dict) and lk.get("rel") == "next" and lk.get("href")), None)
            if link and urlsplit(link)[:2] == origin:
                next_url, next_params = link, None
            elif isinstance(total, int) or link:
                next_url, next_params = url, {**params, "startRow": int(params["startRow"]) + rows}
            else:
                break
            if pages > 10 + (total or 0) // max(1, len(items)):
                raise PjmError(f"paging does not end after {pages} pages")
        if isinstance(total, int) and rows != total:
            raise PjmError(f"got {rows} of {total} rows")
    return rows, held, nbytes


def run(job: Job) -> DownloadSummary:
    report = report_for(job.dataset)
    feed = report.report_id
    start, end = job.resolve_range()
    available = job.closed_through_intraday() if feed in REALTIME else job.today + DAY
    if end > available:
        job.summary.notes.append(f"operating days after {available} are not complete yet: not asked for")
        end = available
    if start > end:
        job.summary.notes.append(f"nothing to fetch before {start}")
        return job.finish(available)
    (key,) = require_env(["PJM_API_KEY"], "the PJM Data Miner 2 API needs a subscription key "
                                          "(free, at https://dataminer2.pjm.com)")
    auth = PjmKey(key)
    url = f"{base_url('PJM_API_BASE_URL', API_BASE)}/{feed}"
    extra = dict(parse_qsl(env("PJM_API_FILTER") or "", keep_blank_values=False))
    selector = "&".join(f"{k}={v}" for k, v in sorted(extra.items())) or "all"
    covered = job.skip_done_windows(selector, start, end)
    plan = windows([d for d in days(start, end) if d not in covered], weekly=feed not in DAILY)
    job.summary.listed = job.summary.skipped + len(plan)

    with HttpClient("PJM") as client, job.bar("windows", len(plan)) as bar:
        for window in plan:
            if job.should_stop():
                break
            fetch_window(job, client, auth, url, report, extra, selector, window)
            bar.update(1)
    return job.finish(available)


def fetch_window(job: Job, client: HttpClient, auth: PjmKey, url: str, report: reports.Report,
                 extra: dict[str, str], selector: str, window: list[dt.date]) -> None:
    first, last = window[0], window[-1]
    params: dict[str, Any] = {"rowCount": ROW_COUNT, "startRow": 1,
                              "datetime_beginning_ept": f"{first:%m/%d/%Y} 00:00to{last:%m/%d/%Y} 23:59"}
    if "row_is_current" in report.header:
        params["row_is_current"] = "TRUE"
    params.update(extra)
    name = f"{report.report_id}_{first:%Y%m%d}_{last:%Y%m%d}.csv"
    label = f"{report.report_id} {first}..{last}"
    part = part_for(job.raw / name)
    try:
        rows, held, nbytes = write_window(client, auth, url, params, report.header, part)
    except (HttpError, PjmError) as exc:  # the part file is gone (files.writing)
        job.fail(window, label, str(exc))
        return
    if rows == 0:
        part.unlink()
        job.summary.bytes += nbytes
        job.summary.empty += 1
        log.info("PJM has no rows for %s", label)
        return
    path = place(part, job.raw / name)
    job.succeeded(nbytes)
    held &= set(window)
    source = redact_url(with_params(url, {k: v for k, v in params.items() if k not in ("rowCount", "startRow")}))
    entry = {"selector": selector, "first": first.isoformat(), "last": last.isoformat(),
             "days": sorted(d.isoformat() for d in held), "file": path.name, "rows": rows}
    job.land([path], source, [("windows", f"{report.report_id}|{selector}|{first}|{last}", entry, held)],
             dt.datetime.now(dt.UTC))
