"""ISO-NE AS_prices from the web services (with an account) against a fake webservices.iso-ne.com/api/v1.1 on
127.0.0.1: `GET /hourlyfinalreserveprice/day/<YYYYMMDD>` with HTTP basic auth and `Accept: application/json`, answered
as gridstatus' isone_api reads it (`FinalHourlyReservePrices.FinalHourlyReservePrice` records with BeginDate and its
offset). Each day is written as an ISO-NE record-line report, landed, built, and Stage 2 holds the records' prices at
the instants their offsets say: 25 hours on the fall-back day, 23 on the spring-forward day, none guessed. ISO-NE's
real answer for 2025-10-01 (fixtures/real_samples/isone/WillKoehrsen_gridstatus, recorded by gridstatus) is served
as it is and must land and build; the generated answers have its twelve fields, in its order and JSON types."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from werkzeug.wrappers import Request, Response

from conftest import REAL, build, landed_entries, query
from fixtures.download.fakes import fast_http, state_of  # noqa: F401  (fast_http is a fixture)
from ingest.download import DownloadError, run_download
from ingest.download.isone_api import RECORD_FIELDS, IsoneApiError, records_of

pytestmark = pytest.mark.usefixtures("fast_http")
EASTERN = ZoneInfo("America/New_York")
USER, PASSWORD = "analyst@example.com", "s3cret:with-colon"
ZONES = [(7000, "ROS"), (7001, "SWCT"), (7002, "CT"), (7003, "NEMABSTN")]
FALL_BACK, SPRING_FORWARD = dt.date(2025, 11, 2), dt.date(2025, 3, 9)
PRODUCTS = {"TmsrClearingPrice": "SPIN_10", "TmnsrClearingPrice": "RESERVE_10", "TmorClearingPrice": "OPERATING_30"}
#: ISO-NE's answer to /hourlyfinalreserveprice/day/20251001 (re-serialised by json.dump: keys, values and order ISO-NE's)
REAL_ANSWER = REAL / "isone" / "WillKoehrsen_gridstatus" / "hourlyfinalreserveprice_day_20251001.json"
REAL_DAY = dt.date(2025, 10, 1)


def hours(day: dt.date) -> list[dt.datetime]:
    """The local hour starts of an Eastern operating day, walked in UTC (so the repeated hour comes twice)."""
    t = dt.datetime.combine(day, dt.time(), EASTERN).astimezone(dt.UTC)
    out = []
    while (local := t.astimezone(EASTERN)).date() == day:
        out.append(local)
        t += dt.timedelta(hours=1)
    return out


def records(day: dt.date) -> list[dict]:
    """Every zone's hours of the day, hour by hour and zone by zone as the real answer lists them, each record with
    the real answer's twelve fields in its order (integer zone ids, JSON numbers, whole numbers as integers as in
    the real `0` and `373`); nested prices (TMSR >= TMNSR >= TMOR), distinct per zone and hour."""
    out = []
    for h, start in enumerate(hours(day)):
        for z, (zone_id, zone) in enumerate(ZONES):
            tmor = round(0.25 * h + z + day.day / 100, 2)
            out.append({"BeginDate": start.isoformat(timespec="milliseconds"), "ReserveZoneId": zone_id,
                        "ReserveZoneName": zone, "TenMinSpinRequirement": 373 if z == 0 else 0,
                        "Total10MinRequirement": 1488.833 if z == 0 else 0, "Total30MinRequirement": 2256.917 - 300 * z,
                        "TmsrDesignatedMw": 711.783 - z, "TmnsrDesignatedMw": 1107.775 - z,
                        "TmorDesignatedMw": 1731.858 - z, "TmsrClearingPrice": round(tmor + 3.5, 2),
                        "TmnsrClearingPrice": round(tmor + 1.25, 2), "TmorClearingPrice": tmor})
    return out


def test_the_generated_records_have_the_real_answers_fields_in_its_order():
    real = json.loads(REAL_ANSWER.read_text())["FinalHourlyReservePrices"]["FinalHourlyReservePrice"]
    assert {tuple(r) for r in real} == {RECORD_FIELDS} == {tuple(r) for r in records(REAL_DAY)}
    assert [(r["BeginDate"], r["ReserveZoneId"], r["ReserveZoneName"]) for r in records(REAL_DAY)] == \
        [(r["BeginDate"], r["ReserveZoneId"], r["ReserveZoneName"]) for r in real]


class FakeWebServices:
    def __init__(self, httpserver, published: dict[dt.date, object]):
        self.published = published  # day -> records, a whole answer (a dict), or an answer's bytes to send as they are
        self.requests: list[tuple[str, str, str]] = []  # (path, authorization, accept)
        httpserver.expect_request(re.compile(r"^/api/v1\.1/hourlyfinalreserveprice/day/\d{8}$")).respond_with_handler(
            self.answer)
        self.base = httpserver.url_for("/api/v1.1")

    def answer(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        self.requests.append((request.path, auth, request.headers.get("Accept", "")))
        if auth != "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode():
            return Response("<html><body>401 Unauthorized</body></html>", status=401, content_type="text/html")
        day = dt.datetime.strptime(request.path.rsplit("/", 1)[-1], "%Y%m%d").date()
        found = self.published.get(day)
        if isinstance(found, bytes):  # a recorded answer, sent byte for byte
            return Response(found, status=200, content_type="application/json")
        body = found if isinstance(found, dict) else \
            {"FinalHourlyReservePrices": {"FinalHourlyReservePrice": found} if found else ""}
        return Response(json.dumps(body), status=200, content_type="application/json")


def account(monkeypatch, fake: FakeWebServices, httpserver, password: str = PASSWORD) -> None:
    monkeypatch.setenv("ISONE_API_BASE_URL", fake.base)
    monkeypatch.setenv("ISONE_API_USERNAME", USER)
    monkeypatch.setenv("ISONE_API_PASSWORD", password)
    monkeypatch.setenv("ISONE_SITE_BASE_URL", httpserver.url_for("/site"))  # the public CSV: never asked for


def test_reserve_prices_come_from_the_web_services_across_both_dst_days_and_land_and_build(httpserver, monkeypatch,
                                                                                       tmp_path):
    days = [FALL_BACK - dt.timedelta(days=1), FALL_BACK, FALL_BACK + dt.timedelta(days=1)]
    fake = FakeWebServices(httpserver, {days[0]: records(days[0]), days[1]: records(days[1]),
                                        SPRING_FORWARD: records(SPRING_FORWARD)})  # days[2]: not final yet
    account(monkeypatch, fake, httpserver)
    base = tmp_path / "data"
    s = run_download("ISONE", "AS_prices", days[0], days[2], base=base, progress=False)
    assert (s.downloaded, s.empty, s.failed) == (2, 1, 0), s.render()
    assert [(p.rsplit("/", 1)[-1], accept) for p, _, accept in fake.requests] == \
        [(f"{d:%Y%m%d}", "application/json") for d in days]
    assert s.last_day == days[1]  # the third day is asked for again by the next run
    s = run_download("ISONE", "AS_prices", SPRING_FORWARD, SPRING_FORWARD, base=base, progress=False)
    assert s.downloaded == 1, s.render()
    entries = landed_entries(base, "ISONE")
    assert sorted(e["path"] for e in entries) == [
        f"csv_files/AS_prices/hourlyfinalreserveprice/hourlyfinalreserveprice_{d:%Y%m%d}.csv"
        for d in sorted([SPRING_FORWARD, *days[:2]])]
    assert {e["rows"] for e in entries} == {23 * 4, 24 * 4, 25 * 4}
    raw = (base / "ISONE_data" / "raw_downloads" / f"hourlyfinalreserveprice_{FALL_BACK:%Y%m%d}.csv").read_text()
    assert raw.startswith('"C",') and raw.rstrip().endswith('"T","100 lines"')  # ISO-NE's record-line layout

    statuses = build(base, "--select", "+isone_as_prices")  # staging, landed rows and Stage 2, with their tests
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    want = {(dt.datetime.fromisoformat(r["BeginDate"]).astimezone(dt.UTC), r["ReserveZoneName"], product): r[field]
            for d in (SPRING_FORWARD, *days[:2]) for r in records(d) for field, product in PRODUCTS.items()}
    got = query(base, "select datetime, as_region, as_product, as_price, datetime_local from isone.as_prices")
    assert {(t, z, p): v for t, z, p, v, _ in got} == want
    assert all(local == t.astimezone(EASTERN).replace(tzinfo=None) for t, *_, local in got)
    per_day = query(base, "select cast(datetime_local as date) d, count(distinct datetime) from isone.as_prices "
                          "group by d order by d")
    assert per_day == [(SPRING_FORWARD, 23), (days[0], 24), (FALL_BACK, 25)]

    # the next run asks for the day not final before and nothing it holds; the public CSV is never asked for
    fake.published[days[2]] = records(days[2])
    fake.requests.clear()
    s = run_download("ISONE", "AS_prices", None, days[2], base=base, progress=False)
    assert [p.rsplit("/", 1)[-1] for p, _, _ in fake.requests] == [f"{days[2]:%Y%m%d}"] and s.downloaded == 1
    assert state_of(base, "ISONE")["datasets"]["AS_prices"]["last_day"] == days[2].isoformat()


def test_the_real_answer_lands_and_builds_with_every_price_at_its_begin_date(httpserver, monkeypatch, tmp_path):
    """ISO-NE's own answer for 2025-10-01 (96 records: 24 hours x zones 7000 ROS, 7001 SWCT, 7002 CT, 7003
    NEMABSTN; ReserveZoneId an integer; six requirement / designated-MW fields besides the prices), served byte for
    byte: it is accepted, written, landed and built, and Stage 2 holds each record's three clearing prices at the
    instant its BeginDate says (read here from the JSON, independently of the downloader)."""
    fake = FakeWebServices(httpserver, {REAL_DAY: REAL_ANSWER.read_bytes()})
    account(monkeypatch, fake, httpserver)
    base = tmp_path / "data"
    s = run_download("ISONE", "AS_prices", REAL_DAY, REAL_DAY, base=base, progress=False)
    assert (s.downloaded, s.empty, s.failed) == (1, 0, 0), s.render()
    real = json.loads(REAL_ANSWER.read_text())["FinalHourlyReservePrices"]["FinalHourlyReservePrice"]
    assert len(real) == 96 and {type(r["ReserveZoneId"]) for r in real} == {int}
    (entry,) = landed_entries(base, "ISONE")
    assert entry["path"].endswith(f"hourlyfinalreserveprice_{REAL_DAY:%Y%m%d}.csv") and entry["rows"] == 96
    statuses = build(base, "--select", "+isone_as_prices")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    want = {(dt.datetime.fromisoformat(r["BeginDate"]).astimezone(dt.UTC), r["ReserveZoneName"], product): r[field]
            for r in real for field, product in PRODUCTS.items()}
    assert len(want) == 96 * 3
    got = query(base, "select datetime, as_region, as_product, as_price, datetime_local from isone.as_prices")
    assert len(got) == len(want) and {(t, z, p): v for t, z, p, v, _ in got} == want
    assert all(local == t.astimezone(EASTERN).replace(tzinfo=None) for t, *_, local in got)
    # the first hour is 2025-10-01T00:00:00.000-04:00 = 04:00 UTC; SWCT's TMSR price 0.09 or 0.11 somewhere that day
    assert min(t for t, *_ in got) == dt.datetime(2025, 10, 1, 4, tzinfo=dt.UTC)
    assert {v for _, _, p, v, _ in got if p == "SPIN_10"} == {0, 0.09, 0.11}


def test_a_record_with_a_field_more_or_less_or_a_text_zone_id_fails_its_day(httpserver, monkeypatch, tmp_path):
    """The real answer's record has exactly twelve fields and an integer zone id: anything else is not what was seen
    and fails the day, saying what differs."""
    first = dt.date(2025, 7, 1)
    bad = {first + dt.timedelta(days=i): records(first + dt.timedelta(days=i)) for i in range(4)}
    d = sorted(bad)
    bad[d[0]][5]["TmsrClearingPriceFlag"] = "Y"
    del bad[d[1]][6]["TmorDesignatedMw"]
    bad[d[2]][7]["ReserveZoneId"] = "7003"
    bad[d[3]][8]["Total30MinRequirement"] = "2400"
    fake = FakeWebServices(httpserver, bad)
    account(monkeypatch, fake, httpserver)
    s = run_download("ISONE", "AS_prices", d[0], d[3], base=tmp_path / "data", progress=False)
    assert (s.downloaded, s.failed) == (0, 4), s.render()
    reasons = [reason for _, reason in s.failures]
    for i, said in enumerate(["missing [], unknown ['TmsrClearingPriceFlag']", "missing ['TmorDesignatedMw'], unknown []",
                              "without an integer ReserveZoneId", "Total30MinRequirement '2400'"]):
        assert said in reasons[i], (i, reasons[i])


def test_a_refused_account_stops_the_run_and_each_malformed_answer_fails_its_day(httpserver, monkeypatch, tmp_path):
    first = dt.date(2025, 7, 1)
    bad = {first + dt.timedelta(days=i): records(first + dt.timedelta(days=i)) for i in range(6)}
    d = sorted(bad)
    bad[d[0]][7]["BeginDate"] = bad[d[0]][7]["BeginDate"].replace("-04:00", "-05:00")  # not Eastern time's offset
    del bad[d[1]][9]  # one zone one hour short
    bad[d[3]][4]["BeginDate"] = bad[d[3]][0]["BeginDate"]  # ROS: two records for its first hour (none for the 2nd)
    bad[d[4]] = {"HourlyFinalReservePrices": {"HourlyFinalReservePrice": bad[d[4]]}}  # the other project's root
    bad[d[5]][0]["TmsrClearingPrice"] = "n/a"
    fake = FakeWebServices(httpserver, bad)
    account(monkeypatch, fake, httpserver, password="wrong")
    base = tmp_path / "data"
    with pytest.raises(DownloadError, match="refused ISONE_API_USERNAME / ISONE_API_PASSWORD"):
        run_download("ISONE", "AS_prices", d[0], d[5], base=base, progress=False)
    monkeypatch.setenv("ISONE_API_PASSWORD", PASSWORD)
    s = run_download("ISONE", "AS_prices", d[0], d[5], base=base, progress=False)
    assert (s.downloaded, s.failed) == (1, 5), s.render()
    reasons = [reason for _, reason in s.failures]
    for i, said in enumerate(["has offset -0500, but Eastern time then is -0400", "has 23 of the 24 hours",
                              "two records for", "found ['HourlyFinalReservePrices']", "is not a number"]):
        assert said in reasons[i], (i, reasons[i])
    assert [e["path"].rsplit("/", 1)[-1] for e in landed_entries(base, "ISONE")] == \
        [f"hourlyfinalreserveprice_{d[2]:%Y%m%d}.csv"]  # the one good day
    assert s.last_day is None  # nothing complete before the first failed day
    assert not list((base / "ISONE_data" / "raw_downloads").glob("*.part"))


def test_one_account_variable_alone_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ISONE_API_USERNAME", USER)
    monkeypatch.delenv("ISONE_API_PASSWORD", raising=False)
    with pytest.raises(DownloadError, match="ISONE_API_PASSWORD is not set"):
        run_download("ISONE", "AS_prices", dt.date(2025, 7, 1), dt.date(2025, 7, 1), base=tmp_path / "d",
                     progress=False)


def test_the_answer_shapes_the_web_services_convert_from_xml():
    one = records(dt.date(2025, 7, 1))[0]
    assert records_of({"FinalHourlyReservePrices": {"FinalHourlyReservePrice": one}}) == [one]  # one record: an object
    assert records_of({"FinalHourlyReservePrices": ""}) == [] == records_of({"FinalHourlyReservePrices": {}})
    with pytest.raises(IsoneApiError, match="not 'FinalHourlyReservePrice' alone"):
        records_of({"FinalHourlyReservePrices": {"FinalHourlyReservePrice": [one], "More": 1}})
