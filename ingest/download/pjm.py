"""PJM Data Miner 2: JSON pages, written to CSV in the Data Miner export layout, one CSV per query window.

    GET <PJM_API_BASE_URL>/da_hrl_lmps?rowCount=50000&startRow=1
        &datetime_beginning_ept=10/21/2024 00:00to10/27/2024 23:59&row_is_current=TRUE
    header Ocp-Apim-Subscription-Key: <PJM_API_KEY>

- Datasets: every PJM row of seeds/iso_reports.csv, the feed being its report id (DA_prices da_hrl_lmps,
  RT_prices rt_fivemin_hrl_lmps, RT_hourly rt_hrl_lmps, ...). Columns are written in the order of that row's
  header; a page whose items are not objects holding all of them with plain values (times in ISO 8601) fails (the
  feed changed: nothing is landed).
- Paging: `startRow`/`rowCount`, following the answer's `links` `next` (only to the same host, so the key never
  goes elsewhere), until `totalRows` rows are in; a window is landed only when all of them are.
- CSV: written by the csv module, CRLF, times as the CSV export writes them (`5/1/2025 4:00:00 AM`, from the API's
  ISO 8601), booleans `True`/`False`, numbers as JSON gives them (never in exponent form), named
  `<feed>_<first YYYYMMDD>_<last YYYYMMDD>.csv` (landing recognises the feed in the name). It is streamed to
  `raw_downloads/<name>.part` page by page and renamed once complete.
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
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .. import reports
from ..files import part_for, place, writing
from ..http import BadContent, HttpClient, HttpError, redact_url, with_params
from .base import (
    DAY,
    DownloadSummary,
    Job,
    SubscriptionKey,
    base_url,
    days,
    env,
    iso_local_time,
    report_of,
    require_env,
    windows,
)

log = logging.getLogger(__name__)

API_BASE = "https://api.pjm.com/api/v1"
ROW_COUNT = 50000  # Data Miner's maximum rows per page
#: Real-time feeds: an operating day is complete only once it is over.
REALTIME = {"rt_fivemin_hrl_lmps", "rt_hrl_lmps", "reserve_market_results"}
#: Feeds asked for one day per query (five-minute grain); the others one week.
DAILY = {"rt_fivemin_hrl_lmps", "reserve_market_results"}


class PjmError(Exception):
    """An answer Data Miner gave that is not data (its `errors`, a short or endless paging)."""


def report_for(dataset: str) -> reports.Report:
    return report_of("PJM", dataset)


def local_time(column: str, value: str) -> dt.datetime:
    """An ISO 8601 local time of the API (`2025-05-01T04:00:00`, `.000` or not); PjmError for anything else."""
    t = iso_local_time(value)
    if t is None:
        raise PjmError(f"{column} {value[:40]!r} is not an ISO 8601 local time (the feed changed?)")
    return t


def export_time(t: dt.datetime) -> str:
    """`5/1/2025 4:00:00 AM`, as Data Miner's CSV export writes a time (no strftime: %-m and %p depend on the
    platform and the locale)."""
    return f"{t.month}/{t.day}/{t.year} {t.hour % 12 or 12}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def cell(column: str, value: Any) -> str:
    """One CSV cell as the export writes it. By hand, measured against DuckDB `read_json` + `COPY ... TO csv` on a
    Data Miner item: DuckDB writes `true` (the export: `True`), `1e-05` (the export: `0.00001`) and
    `2025-05-01T04:00:00.000` (the export: `5/1/2025 4:00:00 AM`), 3 of 7 cells wrong."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text.lower() else text
    if not isinstance(value, str):
        raise PjmError(f"{column} holds a JSON {type(value).__name__}, not a value (the feed changed?)")
    return export_time(local_time(column, value)) if column.startswith("datetime_") else value


def page_rows(data: dict[str, Any], header: tuple[str, ...]) -> tuple[list[dict[str, str]], set[dt.date]]:
    """The CSV rows of one page (every column of `header`, in its order) and the EPT days they hold; PjmError when
    `items` is not a list of objects holding every column."""
    items = data.get("items")
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PjmError("the JSON `items` are not a list of objects (the feed changed?)")
    missing = [c for c in header if any(c not in item for item in items)]
    if missing:
        raise PjmError(f"the JSON items lack {', '.join(missing)} (the feed changed?)")
    rows = [{c: cell(c, item[c]) for c in header} for item in items]
    days = {local_time("datetime_beginning_ept", item["datetime_beginning_ept"]).date() for item in items
            if isinstance(item.get("datetime_beginning_ept"), str)}
    return rows, days


def json_page(resp: requests.Response, body: bytes) -> tuple[dict[str, Any], int]:
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


def write_window(client: HttpClient, auth: SubscriptionKey, url: str, params: dict[str, Any], header: tuple[str, ...],
                 part: Path) -> tuple[int, set[dt.date], int]:
    """Fetch every page of one window into `part` (removed again when anything fails): (rows, EPT days held, bytes
    received)."""
    origin = urlsplit(url)[:2]
    rows = nbytes = pages = 0
    held: set[dt.date] = set()
    next_url, next_params = url, dict(params)
    with writing(part, "w", fsync=False, encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        while True:
            data, size = client.fetch("GET", next_url, params=next_params, auth=auth, check=json_page)
            nbytes += size
            pages += 1
            items, days = page_rows(data, header)
            writer.writerows(items)
            held |= days
            total = data.get("totalRows")
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
    auth = SubscriptionKey(key, "the PJM API refused PJM_API_KEY (HTTP 401): check the key "
                                "(Data Miner 2, My Account / API keys)")
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


def fetch_window(job: Job, client: HttpClient, auth: SubscriptionKey, url: str, report: reports.Report,
                 extra: dict[str, str], selector: str, window: list[dt.date]) -> None:
    first, last = window[0], window[-1]
    params: dict[str, Any] = {"rowCount": ROW_COUNT, "startRow": 1,
                              "datetime_beginning_ept": f"{first:%m/%d/%Y} 00:00to{last:%m/%d/%Y} 23:59"}
    if "row_is_current" in report.header:
        params["row_is_current"] = "TRUE"
    params.update(extra)
    name = f"{report.report_id}_{first:%Y%m%d}_{last:%Y%m%d}.csv"
    label = f"{report.report_id} {first}..{last}"
    part = part_for(job.raw / name, download=True)
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
