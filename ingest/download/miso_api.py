"""MISO Data Exchange Pricing API: the real-time ex-post 5-minute LMPs of the days the weekly archives do not hold yet.

    GET <MISO_PRICING_API_BASE_URL>/real-time/<YYYY-MM-DD>/lmp-expost?preliminaryFinal=Final&timeResolution=5min
        &pageNumber=<n>
    header Ocp-Apim-Subscription-Key: <MISO_PRICING_API_KEY>           (default https://apim.misoenergy.org/pricing/v1)

- Used by `iso-pipeline download miso --dataset RT_prices` when MISO_PRICING_API_KEY is set (a free subscription on
  MISO's Data Exchange), for the market days after the last published weekly archive through yesterday: the archive
  comes out 8 to 14 days after a day, the API's final prices sooner. Without a key those days wait for their archive.
- What is known of the API is second hand (FORMATS_MORE.md: gridstatus' miso_api, and another project's client, agree):
  JSON `{"data": [...], "page": {"pageNumber": n, "lastPage": bool, ...}}`, paged with `pageNumber` from 1 until
  `lastPage`; records `{"node", "lmp", "mec", "mcc", "mlc", "timeInterval": {"start", "end"}}` with EST wall times
  without offset. Checked strictly, as nothing here was seen in a real answer: a record without those fields, a time
  that is not an ISO 8601 local time, an interval that is not 5 minutes on the 5-minute grid of the day asked for, a
  page of records without `page.lastPage`, or paging that does not end fails the day (nothing landed; asked again
  by the next run).
- Written to `raw_downloads/<YYYYMMDD>_pricing_rt_lmp_expost.csv` (csv module, LF): `interval_start_est,
  interval_end_est,node,lmp,mec,mcc,mlc`, times as the API gives them, then landed like any MISO report (format
  `pricing_rt_lmp_expost` of RT_prices, recognised by its name). A day with no records is "not published yet".
- 401 is a refused key (the run stops, saying so); 429 and 5xx are retried by the one HTTP client, requests spaced by
  `ISO_DOWNLOAD_MIN_INTERVAL_MISO_API` (default 0.6 s: the API allows 100 calls a minute, two projects report).
- A day filled from the API is recorded like an archive's day and not asked for again; its archive, when asked for
  (`--start`), lands beside it and Stage 2 keeps the later delivery (both are final ex-post prices).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from typing import Any

import requests

from .. import reports
from ..files import part_for, place, writing
from ..http import BadContent, HttpClient, HttpError
from .base import DAY, Job, SubscriptionKey, base_url, days, iso_local_time

log = logging.getLogger(__name__)

API_BASE = "https://apim.misoenergy.org/pricing/v1"
KEY_ENV = "MISO_PRICING_API_KEY"
SERVICE = "MISO_API"
SELECTOR = "pricing_api"
COLUMNS = ("interval_start_est", "interval_end_est", "node", "lmp", "mec", "mcc", "mlc")
MAX_PAGES = 5000


class MisoApiError(Exception):
    """An answer of the Pricing API that is not what the module says it is."""


def json_page(resp: requests.Response, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        head = body[:60].decode("utf-8", "replace").strip()
        raise BadContent(f"not JSON ({len(body)} bytes starting {head!r})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise MisoApiError(f"the answer is not an object with a `data` list: {str(data)[:200]}")
    return data


def local_time(value: Any) -> dt.datetime:
    t = iso_local_time(value)
    if t is None:
        raise MisoApiError(f"timeInterval {str(value)[:40]!r} is not an ISO 8601 EST wall time without offset")
    return t


def number(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MisoApiError(f"{field} {str(value)[:40]!r} of {record.get('node')!r} is not a number")
    return repr(value) if isinstance(value, float) else str(value)


def page_rows(data: dict[str, Any], day: dt.date) -> list[list[str]]:
    """The CSV rows of one page, each record checked (module docs)."""
    rows = []
    for record in data["data"]:
        if not isinstance(record, dict) or not isinstance(record.get("node"), str) or "lmp" not in record \
                or not isinstance(record.get("timeInterval"), dict):
            raise MisoApiError(f"a record without node, lmp and timeInterval: {str(record)[:200]}")
        start = local_time(record["timeInterval"].get("start"))
        end = local_time(record["timeInterval"].get("end"))
        if start.date() != day or end - start != dt.timedelta(minutes=5) or start.minute % 5 or start.second:
            raise MisoApiError(f"{record['node']}: interval {start}..{end} is not a 5-minute interval of {day}")
        rows.append([start.isoformat(), end.isoformat(), record["node"],
                     *(number(record, f) for f in ("lmp", "mec", "mcc", "mlc"))])
    return rows


def fetch_day(job: Job, client: HttpClient, auth: SubscriptionKey, url: str, report: reports.Report, day: dt.date) -> bool:
    """Fetch every page of one market day and land it; False when the API has no record of it yet."""
    name = f"{day:%Y%m%d}{report.name_token}.csv"
    label = f"{report.report_id} {day}"
    endpoint = f"{url}/real-time/{day:%Y-%m-%d}/lmp-expost"
    params: dict[str, Any] = {"preliminaryFinal": "Final", "timeResolution": "5min"}
    part = part_for(job.raw / name, download=True)
    rows = 0
    try:
        with writing(part, "w", fsync=False, encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            for page in range(1, MAX_PAGES + 1):
                data = client.fetch("GET", endpoint, params={**params, "pageNumber": page}, auth=auth,
                                    check=json_page)
                found = page_rows(data, day)
                writer.writerows(found)
                rows += len(found)
                info = data.get("page")
                if not found:
                    break
                if not isinstance(info, dict) or not isinstance(info.get("lastPage"), bool):
                    raise MisoApiError(f"page {page} has no page.lastPage: whether more pages follow is unknown")
                if info["lastPage"]:
                    break
            else:
                raise MisoApiError(f"paging does not end after {MAX_PAGES} pages")
    except (HttpError, MisoApiError) as exc:  # the part file is gone (files.writing)
        if isinstance(exc, HttpError) and exc.status == 404:
            rows = 0
        else:
            job.fail([day], label, str(exc))
            return True
    if rows == 0:
        part.unlink(missing_ok=True)
        job.summary.empty += 1
        log.info("the MISO Pricing API has no final 5-minute prices of %s yet", day)
        return False
    path = place(part, job.raw / name)
    job.succeeded(path.stat().st_size)
    entry = {"selector": SELECTOR, "first": day.isoformat(), "last": day.isoformat(), "days": [day.isoformat()],
             "file": path.name, "rows": rows}
    job.land([path], endpoint, [("windows", f"{SELECTOR}|{day}", entry, [day])], dt.datetime.now(dt.UTC))
    return True


def run_days(job: Job, key: str, report: reports.Report, first: dt.date) -> dt.date | None:
    """Fetch the market days from `first` (the day after the last archive out) through the job's end and yesterday;
    returns the day they are held complete through (None when no day was asked for)."""
    start, end = job.resolve_range()
    last = min(end, job.closed_through_intraday())
    plan_from = max(start, first)
    if plan_from > last:
        return None
    covered = job.skip_done_windows(SELECTOR, plan_from, last)
    plan = [d for d in days(plan_from, last) if d not in covered]
    job.summary.listed += len(plan)
    auth = SubscriptionKey(key, f"the MISO Pricing API refused {KEY_ENV} (HTTP 401): check the key (MISO Data "
                                f"Exchange, Profile / Subscriptions, the Pricing product's primary key)")
    url = base_url("MISO_PRICING_API_BASE_URL", API_BASE)
    unpublished = job.fetch_days(SERVICE, plan, "days (Pricing API)",
                                 lambda client, day: fetch_day(job, client, auth, url, report, day))
    return min([last, *(d - DAY for d in unpublished)])
