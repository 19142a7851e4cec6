"""MISO RT_prices from the Data Exchange Pricing API against a fake apim.misoenergy.org/pricing/v1 on 127.0.0.1: the days
after the last weekly archive out, paged JSON as two third-party clients describe it (`data` records with node, lmp,
mec, mcc, mlc and timeInterval EST wall times; `page.lastPage`), the key in the Ocp-Apim-Subscription-Key header.
Each day is written to one CSV, landed, built, and Stage 2 holds the records' prices at UTC = EST + 5 h."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from zoneinfo import ZoneInfo

import pytest
from werkzeug.wrappers import Request, Response

from conftest import build, landed_entries, query
from fixtures.download.fakes import fast_http, state_of  # noqa: F401  (fast_http is a fixture)
from ingest.download import DownloadError, run_download
from ingest.sample.miso import NODES

pytestmark = pytest.mark.usefixtures("fast_http")
EST = dt.timezone(dt.timedelta(hours=-5))
KEY = "test-pricing-key"
PAGE = 1000


def api_days() -> list[dt.date]:
    """Three market days after the last weekly archive out (the Sunday two weeks before the latest Monday)."""
    today = dt.datetime.now(ZoneInfo("Etc/GMT+5")).date()
    newest = today - dt.timedelta(days=today.weekday())
    return [newest - dt.timedelta(days=14 - 6 - i) for i in range(1, 4)]


def records(day: dt.date) -> list[dict]:
    """A day of 5-minute records: every sample node, 288 intervals, lmp = mec + mcc + mlc."""
    out = []
    for i in range(288):
        start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=5 * i)
        for n, node in enumerate(NODES):
            mec = round(25 + 10 * math.sin(i / 288 * 2 * math.pi), 2)
            mcc, mlc = round(node.congestion + (i % 7) / 10, 2), round(mec * node.loss_factor, 2)
            out.append({"node": node.name, "lmp": round(mec + mcc + mlc, 2), "mec": mec, "mcc": mcc, "mlc": mlc,
                        "timeInterval": {"start": start.isoformat(), "end": (start + dt.timedelta(minutes=5)).isoformat(),
                                         "resolution": "5min"}, "n": n})
    return out


class FakePricingApi:
    def __init__(self, httpserver, published: dict[dt.date, list[dict]], no_paging: set[dt.date] = frozenset()):
        self.published = published
        self.no_paging = no_paging  # days answered without `page`
        self.requests: list[tuple[str, dict, str]] = []  # (path, args, key)
        httpserver.expect_request(re.compile(r"^/pricing/v1/real-time/[0-9-]{10}/lmp-expost$")).respond_with_handler(
            self.answer)
        self.base = httpserver.url_for("/pricing/v1")

    def answer(self, request: Request) -> Response:
        key = request.headers.get("Ocp-Apim-Subscription-Key", "")
        self.requests.append((request.path, dict(request.args), key))
        if key != KEY:
            return Response(json.dumps({"statusCode": 401, "message": "Access denied due to invalid subscription key."}),
                            status=401, content_type="application/json")
        day = dt.date.fromisoformat(request.path.split("/")[-2])
        rows = self.published.get(day, [])
        page = int(request.args.get("pageNumber", "1"))
        chunk = rows[(page - 1) * PAGE: page * PAGE]
        last = page * PAGE >= len(rows)
        body = {"data": [{k: v for k, v in r.items() if k != "n"} for r in chunk],
                "page": {"pageNumber": page, "pageSize": PAGE, "totalElements": len(rows),
                         "totalPages": max(1, math.ceil(len(rows) / PAGE)), "lastPage": last}}
        if day in self.no_paging:
            del body["page"]
        return Response(json.dumps(body), status=200, content_type="application/json")


def test_the_days_after_the_last_archive_come_from_the_pricing_api_paged_and_land_and_build(httpserver, monkeypatch,
                                                                                          tmp_path):
    first, second, third = api_days()
    fake = FakePricingApi(httpserver, {first: records(first), third: records(third)})  # the 2nd not final yet
    monkeypatch.setenv("MISO_PRICING_API_BASE_URL", fake.base)
    monkeypatch.setenv("MISO_PRICING_API_KEY", KEY)
    monkeypatch.setenv("MISO_REPORTS_BASE_URL", httpserver.url_for("/marketreports"))  # no archive is asked for
    base = tmp_path / "data"
    s = run_download("MISO", "RT_prices", first, third, base=base, progress=False)
    assert (s.downloaded, s.empty, s.failed) == (2, 1, 0), s.render()
    asked = [(p.split("/")[-2], a.get("pageNumber"), a.get("preliminaryFinal"), a.get("timeResolution"))
             for p, a, _ in fake.requests]
    pages = math.ceil(288 * len(NODES) / PAGE)
    assert asked == [(first.isoformat(), str(n), "Final", "5min") for n in range(1, pages + 1)] + \
        [(second.isoformat(), "1", "Final", "5min")] + [(third.isoformat(), str(n), "Final", "5min")
                                                        for n in range(1, pages + 1)]
    assert all(path.startswith("/pricing/v1/real-time/") for path, _, _ in fake.requests)
    entries = landed_entries(base, "MISO")
    assert sorted(e["path"] for e in entries) == [
        f"csv_files/RT_prices/pricing_rt_lmp_expost/{d:%Y%m%d}_pricing_rt_lmp_expost.csv" for d in (first, third)]
    assert all(e["rows"] == 288 * len(NODES) for e in entries)
    assert s.last_day == first  # the second day is asked for again by the next run
    assert state_of(base, "MISO")["datasets"]["RT_prices"]["last_day"] == first.isoformat()

    statuses = build(base, "--select", "+miso_rt_prices")  # staging, landed rows and Stage 2, with their tests
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    want = {(dt.datetime.fromisoformat(r["timeInterval"]["start"]).replace(tzinfo=EST).astimezone(dt.UTC), r["node"]):
            (r["lmp"], r["mec"], r["mcc"], r["mlc"]) for r in records(first) + records(third)}
    got = query(base, "select datetime, settlement_point, rt_lmp, rt_energy, rt_congestion, rt_loss, datetime_local "
                      "from miso.rt_prices")
    assert {(t, n): tuple(v) for t, n, *v, _ in got} == want
    assert all(local == t.astimezone(EST).replace(tzinfo=None) for t, *_, local in got)

    # the next run asks for the day not final before, and nothing it holds
    fake.published[second] = records(second)
    fake.requests.clear()
    s = run_download("MISO", "RT_prices", None, third, base=base, progress=False)
    assert {p.split("/")[-2] for p, _, _ in fake.requests} == {second.isoformat()} and s.downloaded == 1
    assert s.last_day == third


def test_a_refused_key_stops_the_run_and_a_malformed_answer_fails_the_day(httpserver, monkeypatch, tmp_path):
    first, second, third = api_days()
    bad = records(first)
    bad[5]["timeInterval"]["start"] = bad[5]["timeInterval"]["start"] + "-05:00"  # an offset: not the documented form
    fake = FakePricingApi(httpserver, {first: bad, second: records(second), third: records(third)}, no_paging={third})
    monkeypatch.setenv("MISO_PRICING_API_BASE_URL", fake.base)
    monkeypatch.setenv("MISO_REPORTS_BASE_URL", httpserver.url_for("/marketreports"))
    base = tmp_path / "data"
    monkeypatch.setenv("MISO_PRICING_API_KEY", "wrong")
    with pytest.raises(DownloadError, match="refused MISO_PRICING_API_KEY"):
        run_download("MISO", "RT_prices", first, second, base=base, progress=False)
    monkeypatch.setenv("MISO_PRICING_API_KEY", KEY)
    s = run_download("MISO", "RT_prices", first, third, base=base, progress=False)
    assert (s.downloaded, s.failed) == (1, 2) and "not an ISO 8601 EST wall time" in s.failures[0][1]
    assert "no page.lastPage: whether more pages follow is unknown" in s.failures[1][1]
    assert [e["path"].rsplit("/", 1)[-1] for e in landed_entries(base, "MISO")] == \
        [f"{second:%Y%m%d}_pricing_rt_lmp_expost.csv"]
    assert s.last_day is None  # nothing complete before the failed day
    assert not list((base / "MISO_data" / "raw_downloads").glob("*.part"))


def test_without_a_key_the_days_after_the_last_archive_wait_for_it(httpserver, monkeypatch, tmp_path):
    first, _, third = api_days()
    monkeypatch.delenv("MISO_PRICING_API_KEY", raising=False)
    monkeypatch.setenv("MISO_REPORTS_BASE_URL", httpserver.url_for("/marketreports"))
    s = run_download("MISO", "RT_prices", first, third, base=tmp_path / "data", progress=False)
    assert s.downloaded == 0 and any("wait for their weekly archive" in n and "MISO_PRICING_API_KEY" in n
                                     for n in s.notes), s.notes
