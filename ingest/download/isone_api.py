"""ISO New England web services (ISO Express API, with an account): ISO-NE's own final hourly reserve zone prices.

    GET <ISONE_API_BASE_URL>/hourlyfinalreserveprice/day/<YYYYMMDD>     Accept: application/json, HTTP basic auth
    (default https://webservices.iso-ne.com/api/v1.1; ISONE_API_USERNAME / ISONE_API_PASSWORD: a free ISO Express
    web-services account)

- Used by `iso-pipeline download isone --dataset AS_prices` when both variables are set, instead of the public
  five-minute reserve price CSV (whose hourly means are what AS_prices holds without an account). A day already held
  from either source is never asked for again, so the downloader never lands one day from both.
- The answer, as seen in a real one (ISO-NE's answer for 2025-10-01, recorded by gridstatus; a copy in
  tests/python/fixtures/real_samples/isone/WillKoehrsen_gridstatus):
  `{"FinalHourlyReservePrices": {"FinalHourlyReservePrice": [record, ...]}}`, one record per reserve zone and hour,
  each with exactly the twelve fields of RECORD_FIELDS: `BeginDate` (ISO 8601 with the offset in force,
  `2025-10-01T00:00:00.000-04:00`: the offset tells the two passes of the repeated fall-back hour apart, so no
  guess is needed), `ReserveZoneId` (a JSON integer, 7000..7003), `ReserveZoneName` (ROS, SWCT, CT, NEMABSTN), the
  requirements and designated MW (JSON numbers, not kept) and the clearing prices `TmsrClearingPrice` (ten-minute
  spinning), `TmnsrClearingPrice` (ten-minute non-spinning: the total ten-minute price) and `TmorClearingPrice`
  (thirty-minute operating reserve), $/MWh, JSON numbers (`0`, `0.09`). A single record given as an object instead
  of a one-element list is accepted (the JSON is converted from XML; gridstatus handles that; not seen). Another
  project's client names the root `HourlyFinalReservePrices`: not what the real answer has, so any other root fails
  the day and names the keys it found.
- Checked strictly: every record has exactly those fields (one missing or one more fails the day, naming it); the
  zone id is an integer and every number a JSON number (text is not what the service sends); BeginDate carries an
  offset that is America/New_York's at that instant, falls on the operating day asked for and starts an hour; every
  reserve zone has each hour of the day exactly once (23, 24 or 25 hours). Anything else fails the day (nothing
  landed; asked again by the next run). An empty answer (no records, or the root without its list: the services
  answer `{"<Root>": {}}` when they hold nothing, as seen for two other reserve services) is "not published yet".
- Written to `raw_downloads/hourlyfinalreserveprice_<YYYYMMDD>.csv` in ISO-NE's own record-line layout (`C` comments
  naming the file and the day, the `H` header and types, `D` rows, the `T` trailer counting them), so it lands
  through the same checks as every ISO-NE report (ingest/record_lines.py; format `hourlyfinalreserveprice`).
- 401 is a refused account (the run stops, saying so); 429 and 5xx are retried by the one HTTP client, requests spaced
  by `ISO_DOWNLOAD_MIN_INTERVAL_ISONE_API` (default 2 s; gridstatus waits 5 s between calls, no published limit).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from ..catalog import timezone
from ..files import part_for, place, writing
from ..http import BadContent, HttpClient, HttpError
from .base import DAY, BasicAuth, Job, base_url

log = logging.getLogger(__name__)

API_BASE = "https://webservices.iso-ne.com/api/v1.1"
USER_ENV, PASSWORD_ENV = "ISONE_API_USERNAME", "ISONE_API_PASSWORD"
SERVICE = "ISONE_API"
FORMAT = "hourlyfinalreserveprice"
ROOT, LIST = "FinalHourlyReservePrices", "FinalHourlyReservePrice"
PRICES = ("TmsrClearingPrice", "TmnsrClearingPrice", "TmorClearingPrice")
#: a record's fields, exactly (the real answer's, in its order): the requirements and designated MW are not kept
QUANTITIES = ("TenMinSpinRequirement", "Total10MinRequirement", "Total30MinRequirement", "TmsrDesignatedMw",
              "TmnsrDesignatedMw", "TmorDesignatedMw")
RECORD_FIELDS = ("BeginDate", "ReserveZoneId", "ReserveZoneName", *QUANTITIES, *PRICES)
COLUMNS = ("BeginDate", "ReserveZoneId", "ReserveZoneName", *PRICES)
TYPES = ("Date", "Number", "String", "Number", "Number", "Number")
EASTERN = timezone("ISONE")


class IsoneApiError(Exception):
    """An answer of the web services that is not what the module says it is."""


def json_body(resp: requests.Response, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        head = body[:60].decode("utf-8", "replace").strip()
        raise BadContent(f"not JSON ({len(body)} bytes starting {head!r})") from None


def records_of(data: Any) -> list[dict[str, Any]]:
    """The answer's records ([] when it has none yet); IsoneApiError for any other shape."""
    if not isinstance(data, dict) or ROOT not in data:
        keys = list(data)[:5] if isinstance(data, dict) else type(data).__name__
        raise IsoneApiError(f"the answer is not {{{ROOT!r}: {{{LIST!r}: [...]}}}}: found {keys}")
    inner = data[ROOT]
    if inner in ("", None) or inner == {}:
        return []
    if not isinstance(inner, dict) or set(inner) != {LIST}:
        raise IsoneApiError(f"{ROOT} holds {str(inner)[:120]}, not {LIST!r} alone")
    found = inner[LIST]
    found = [found] if isinstance(found, dict) else found  # one record: an object (converted from XML)
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise IsoneApiError(f"{LIST} is not a list of records: {str(found)[:120]}")
    return found


def hour_start(value: Any, day: dt.date) -> dt.datetime:
    """BeginDate as a UTC instant, checked: an offset that is Eastern time's at that instant, an hour's start on `day`."""
    try:
        t = dt.datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise IsoneApiError(f"BeginDate {str(value)[:40]!r} is not an ISO 8601 time with its offset")
    local = t.astimezone(EASTERN)
    if local.utcoffset() != t.utcoffset():
        raise IsoneApiError(f"BeginDate {value} has offset {t.strftime('%z')}, but Eastern time then is "
                            f"{local.strftime('%z')}")
    if local.date() != day or (t.minute, t.second, t.microsecond) != (0, 0, 0):
        raise IsoneApiError(f"BeginDate {value} is not the start of an hour of operating day {day}")
    return t.astimezone(dt.UTC)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def price(record: dict[str, Any], field: str) -> str:
    """A price as the answer gives it (`0`, `0.09`); IsoneApiError unless it is a JSON number."""
    value = record.get(field)
    if not is_number(value):
        raise IsoneApiError(f"{field} {str(value)[:40]!r} of zone {record.get('ReserveZoneName')!r} at "
                            f"{record.get('BeginDate')} is not a number")
    return repr(value) if isinstance(value, float) else str(value)


def day_hours(day: dt.date) -> list[dt.datetime]:
    """The UTC starts of the operating day's hours (23, 24 or 25)."""
    first = dt.datetime.combine(day, dt.time(), EASTERN).astimezone(dt.UTC)
    last = dt.datetime.combine(day + DAY, dt.time(), EASTERN).astimezone(dt.UTC)
    return [first + dt.timedelta(hours=h) for h in range((last - first) // dt.timedelta(hours=1))]


def day_rows(found: list[dict[str, Any]], day: dt.date) -> list[list[str]]:
    """The D-row cells of one operating day's records, each checked (module docs), sorted by zone and hour."""
    hours = day_hours(day)
    seen: dict[tuple[str, str], set[dt.datetime]] = defaultdict(set)
    rows = []
    for record in found:
        if set(record) != set(RECORD_FIELDS):
            missing, extra = sorted(set(RECORD_FIELDS) - set(record)), sorted(set(record) - set(RECORD_FIELDS))
            raise IsoneApiError(f"a record's fields are not the answer's twelve: missing {missing}, unknown {extra}: "
                                f"{str(record)[:200]}")
        zone_id, zone = record["ReserveZoneId"], record["ReserveZoneName"]
        if not isinstance(zone_id, int) or isinstance(zone_id, bool) or not isinstance(zone, str) or not zone.strip():
            raise IsoneApiError(f"a record without an integer ReserveZoneId and a ReserveZoneName: {str(record)[:200]}")
        for field in QUANTITIES:
            if not is_number(record[field]):
                raise IsoneApiError(f"{field} {str(record[field])[:40]!r} of zone {zone!r} at {record['BeginDate']} "
                                    "is not a number")
        start = hour_start(record.get("BeginDate"), day)
        key = (str(zone_id), zone.strip())
        if start in seen[key]:
            raise IsoneApiError(f"zone {key[1]} has two records for {record['BeginDate']}")
        seen[key].add(start)
        rows.append([record["BeginDate"].strip(), key[0], key[1], *(price(record, f) for f in PRICES)])
    for (_, zone), held in seen.items():
        if len(held) != len(hours):
            raise IsoneApiError(f"zone {zone} has {len(held)} of the {len(hours)} hours of {day}: incomplete")
    return sorted(rows, key=lambda r: (int(r[1]), dt.datetime.fromisoformat(r[0]).astimezone(dt.UTC)))


def write_report(job: Job, name: str, day: dt.date, rows: list[list[str]]) -> Path:
    """The day's rows as an ISO-NE record-line report (module docs), placed in raw_downloads/."""
    part = part_for(job.raw / name, download=True)
    with writing(part, "w", fsync=False, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(["C", "Final Hourly Reserve Zone Prices (ISO-NE web services hourlyfinalreserveprice)"])
        writer.writerow(["C", f"Filename: {name}"])
        writer.writerow(["C", f"Report for: {day:%m/%d/%Y} - {day:%m/%d/%Y}"])
        writer.writerow(["H", *COLUMNS])
        writer.writerow(["H", *TYPES])
        writer.writerows(["D", *r] for r in rows)
        writer.writerow(["T", f"{len(rows)} lines"])
    return place(part, job.raw / name)


def fetch_day(job: Job, client: HttpClient, auth: BasicAuth, url: str, day: dt.date) -> bool:
    """Fetch one operating day and land it; False when the web services have no record of it yet."""
    name = f"{FORMAT}_{day:%Y%m%d}.csv"
    endpoint = f"{url}/{FORMAT}/day/{day:%Y%m%d}"
    try:
        found = records_of(client.fetch("GET", endpoint, headers={"Accept": "application/json"}, auth=auth,
                                        check=json_body))
        rows = day_rows(found, day)
    except (HttpError, IsoneApiError) as exc:
        if not (isinstance(exc, HttpError) and exc.status == 404):
            job.fail([day], f"{FORMAT} {day}", str(exc))
            return True
        rows = []
    if not rows:
        job.summary.empty += 1
        log.info("the ISO-NE web services have no final hourly reserve prices of %s yet", day)
        return False
    path = write_report(job, name, day, rows)
    job.succeeded(path.stat().st_size)
    entry = {"selector": FORMAT, "first": day.isoformat(), "last": day.isoformat(), "days": [day.isoformat()],
             "file": path.name, "rows": len(rows)}
    job.land([path], endpoint, [("windows", f"{FORMAT}|{day}", entry, [day])], dt.datetime.now(dt.UTC))
    return True


def run_days(job: Job, user: str, password: str, plan: list[dt.date]) -> list[dt.date]:
    """Fetch the planned operating days; returns those not published yet."""
    auth = BasicAuth(user, password, f"the ISO-NE web services refused {USER_ENV} / {PASSWORD_ENV} (HTTP 401): "
                                     "check the ISO Express account and its web-services access")
    url = base_url("ISONE_API_BASE_URL", API_BASE)
    return job.fetch_days(SERVICE, plan, "operating days (web services)",
                          lambda client, day: fetch_day(job, client, auth, url, day))
