"""ISO-NE static-report downloads against a fake www.iso-ne.com on 127.0.0.1: `GET /static-transform/csv/histRpts/
<folder>/<file>` answers the generated sample's file at that path (ISO-NE's real folders), but only to a session holding
the cookie of an ISO Express report page (`GET /isoexpress/web/reports/pricing/-/tree/<report>`): without it an HTML
page with status 200, as the site does. 404 for a day not published, 429 and HTML-with-200 now and then; each day
landed as it arrives, nothing asked twice."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from werkzeug.wrappers import Request, Response

from fixtures.download.fakes import HTML_ERROR_PAGE, Faults, fast_http, misbehave, state_of  # noqa: F401 (a fixture)
from ingest.download import DownloadError, run_download
from ingest.sample.isone import generate_isone

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date
COOKIE = "JSESSIONID"
PAGES = "/isoexpress/web/reports/pricing/-/tree/"


class FakeIsone:
    """The report pages (each visit a new session cookie) and the static CSVs (the file for a valid session when its
    day is published, else 404; an HTML page with status 200 without the cookie)."""

    def __init__(self, httpserver, folder, published: set[dt.date]):
        self.server = httpserver
        self.folder = folder
        self.published = published
        self.withheld: set[str] = set()  # files of a published day not there (yet)
        self.faults = Faults()
        self.sessions: set[str] = set()
        self.counter = itertools.count(1)
        self.requests: list[dict[str, str]] = []
        httpserver.expect_request(re.compile(r"^/isoexpress/web/reports/pricing/-/tree/[a-z-]+$"),
                                  method="GET").respond_with_handler(self.page)
        httpserver.expect_request(re.compile(r"^/static-transform/csv/histRpts/[a-z0-9-]+/[A-Za-z0-9_-]+\.csv$"),
                                  method="GET").respond_with_handler(self.file)
        httpserver.expect_request("/transform/csv/fiveminreserveprice", method="GET").respond_with_handler(self.query)

    def env(self, monkeypatch) -> None:
        monkeypatch.setenv("ISONE_STATIC_BASE_URL", self.server.url_for("/static-transform/csv/histRpts"))
        monkeypatch.setenv("ISONE_SITE_BASE_URL", self.server.url_for("/"))

    def _seen(self, request: Request, what: str) -> None:
        self.requests.append({"what": what, "agent": request.headers.get("User-Agent", ""),
                              "cookie": request.cookies.get(COOKIE, ""), "referer": request.headers.get("Referer", "")})

    def page(self, request: Request) -> Response:
        self._seen(request, "page:" + request.path.rsplit("/", 1)[-1])
        token = f"s{next(self.counter)}"
        self.sessions.add(token)
        return Response("<!DOCTYPE html><html><head><title>ISO Express</title></head><body>Pricing reports</body></html>",
                        content_type="text/html;charset=UTF-8", headers={"Set-Cookie": f"{COOKIE}={token}; Path=/"})

    def file(self, request: Request) -> Response:
        return self.serve(request, request.path.split("/histRpts/", 1)[1])

    def serve(self, request: Request, rel: str) -> Response:
        self._seen(request, rel)
        if request.cookies.get(COOKIE) not in self.sessions:
            return Response(HTML_ERROR_PAGE, status=200, content_type="text/html;charset=UTF-8")
        day = dt.datetime.strptime(re.search(r"_(\d{8})[_.]", rel).group(1), "%Y%m%d").date()
        local = self.folder / rel
        if day not in self.published or not local.is_file() or rel in self.withheld:
            return Response("<html><body>404 Not Found</body></html>", status=404, content_type="text/html")
        body = local.read_bytes()
        fault = self.faults.take(rel)
        if fault:
            return misbehave(fault, body, "text/csv")
        return Response(body, status=200, content_type="text/csv")

    def query(self, request: Request) -> Response:
        """The reserve prices, asked by query (`?type=final&start=YYYYMMDD&end=YYYYMMDD`, one day): the generated
        file of that day."""
        args = request.args
        assert (args.get("type"), args.get("start")) == ("final", args.get("end")), args
        return self.serve(request, f"fiveminreserveprice/fiveminreserveprice_final_{args['start']}.csv")

    def expire(self) -> None:
        self.sessions.clear()

    def asked(self) -> list[str]:
        return [r["what"] for r in self.requests]


@pytest.fixture(autouse=True)
def isone_env(monkeypatch):
    monkeypatch.setenv("ISO_DOWNLOAD_MIN_INTERVAL_ISONE", "0")
    for name in ("ISONE_STATIC_BASE_URL", "ISONE_SITE_BASE_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("isone") / "published"
    generate_isone(folder, start=D(2024, 11, 1), days=5, five_minute_days=[D(2024, 11, 2), D(2024, 11, 3), D(2024, 11, 4)])
    return folder


def da(day: int) -> str:
    return f"da-lmp/WW_DALMP_ISO_202411{day:02d}.csv"


def test_da_files_with_the_session_cookie_404_as_not_published_and_no_repeats(httpserver, monkeypatch, tmp_path,
                                                                              sample):
    fake = FakeIsone(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 2), D(2024, 11, 3)})
    fake.env(monkeypatch)
    fake.faults.set(da(2), "429", "html")  # Retry-After, then HTML
    base = tmp_path / "data"
    s = run_download("ISONE", "DA_prices", D(2024, 11, 2), D(2024, 11, 4), base=base, progress=False)
    assert (s.listed, s.downloaded, s.empty, s.failed) == (3, 2, 1, 0), s.render()
    # the page first (its cookie), the HTML answer sends the client back to the page, then the file again
    assert fake.asked() == ["page:lmps-da-hourly", da(2), da(2), "page:lmps-da-hourly", da(2), da(3), da(4)]
    page = fake.server.url_for(PAGES + "lmps-da-hourly")
    files = [r for r in fake.requests if not r["what"].startswith("page:")]
    assert all(r["agent"].startswith("iso-pipeline/") for r in fake.requests)  # identifies itself
    assert all(r["cookie"] and r["referer"] == page for r in files)
    assert [r["cookie"] for r in files] == ["s1", "s1", "s2", "s2", "s2"]  # the fresh session after the HTML page
    raw = base / "ISONE_data/raw_downloads"
    assert sorted(p.name for p in raw.iterdir()) == ["WW_DALMP_ISO_20241102.csv", "WW_DALMP_ISO_20241103.csv"]
    assert (raw / "WW_DALMP_ISO_20241103.csv").read_bytes() == (sample / da(3)).read_bytes()
    assert s.landing is not None and s.landing.landed["DA_prices"] == 2 and not s.landing.quarantined
    assert len(list((base / "ISONE_data/csv_files/DA_prices/da_lmp").glob("*.csv"))) == 2
    state = state_of(base, "ISONE")["datasets"]["DA_prices"]
    assert state["last_day"] == "2024-11-03" and s.last_day == D(2024, 11, 3)
    assert sorted(state["windows"]) == ["da_lmp|2024-11-02", "da_lmp|2024-11-03"]
    # published later: the next run without --start asks for the 4th and 5th only; a rerun asks for nothing at all
    fake.published |= {D(2024, 11, 4), D(2024, 11, 5)}
    fake.requests.clear()
    s = run_download("ISONE", "DA_prices", None, D(2024, 11, 5), base=base, progress=False)
    assert fake.asked() == ["page:lmps-da-hourly", da(4), da(5)]
    assert (s.downloaded, s.empty, s.last_day) == (2, 0, D(2024, 11, 5))
    fake.requests.clear()
    s = run_download("ISONE", "DA_prices", D(2024, 11, 2), D(2024, 11, 5), base=base, progress=False)
    assert fake.asked() == [] and s.skipped == 4


def test_without_the_cookie_the_html_page_fails_the_day_clearly(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeIsone(httpserver, sample, published={D(2024, 11, 1)})
    fake.env(monkeypatch)
    monkeypatch.setenv("ISONE_SITE_BASE_URL", "http://127.0.0.1:9")  # the report page cannot be reached
    base = tmp_path / "data"
    s = run_download("ISONE", "DA_prices", D(2024, 11, 1), D(2024, 11, 1), base=base, progress=False)
    assert (s.downloaded, s.failed) == (0, 1) and "an HTML page, not an ISO-NE report" in s.failures[0][1]
    assert fake.asked() == [da(1)] * 4  # the first try and ISO_DOWNLOAD_RETRIES=3 more, then given up
    assert all(not r["cookie"] for r in fake.requests)
    assert s.last_day is None and not list((base / "ISONE_data/raw_downloads").glob("*"))
    assert state_of(base, "ISONE")["datasets"]["DA_prices"]["windows"] == {}


def test_five_minute_days_are_six_files_recorded_as_one_entry(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeIsone(httpserver, sample, published={D(2024, 11, 2), D(2024, 11, 3), D(2024, 11, 4)})
    fake.env(monkeypatch)
    fake.withheld = {"5min-rt-prelim/lmp_5min_20241104_20-24.csv"}  # the 4th's last file not out yet
    fake.faults.set("5min-rt-prelim/lmp_5min_20241103_04-08.csv", "429")
    base = tmp_path / "data"
    s = run_download("ISONE", "RT_prices", D(2024, 11, 2), D(2024, 11, 5), base=base, progress=False)
    chunks = [f"{h:02d}-{h + 4:02d}" for h in range(0, 24, 4)]
    five = [f"5min-rt-prelim/lmp_5min_202411{d:02d}_{c}.csv" for d in (2, 3, 4, 5) for c in chunks]
    # the 429 asked again; the 4th: all six asked, the last a 404; the 5th: one 404
    assert fake.asked() == ["page:lmps-rt-five-minute-prelim", *five[:8], five[7], *five[8:19]]
    assert (s.listed, s.downloaded, s.empty, s.failed) == (4, 2, 2, 0), s.render()
    assert s.landing.landed["RT_prices"] == 12 and not s.landing.quarantined
    windows = state_of(base, "ISONE")["datasets"]["RT_prices"]["windows"]
    assert sorted(windows) == ["lmp_5min|2024-11-02", "lmp_5min|2024-11-03"]
    assert windows["lmp_5min|2024-11-03"]["files"] == [f"lmp_5min_20241103_{c}.csv" for c in chunks]
    assert s.last_day == D(2024, 11, 3)
    # the 4th complete later: the next run asks for its six files again (the five held are not landed twice)
    fake.withheld.clear()
    fake.requests.clear()
    s = run_download("ISONE", "RT_prices", None, D(2024, 11, 4), base=base, progress=False)
    assert fake.asked() == ["page:lmps-rt-five-minute-prelim", *five[12:18]] and s.last_day == D(2024, 11, 4)
    assert s.landing.landed["RT_prices"] == 6 and not s.landing.quarantined
    fake.requests.clear()
    s = run_download("ISONE", "RT_prices", D(2024, 11, 2), D(2024, 11, 4), base=base, progress=False)
    assert fake.asked() == [] and s.skipped == 3


def test_rt_final_hourly_path_a_service_error_and_an_unknown_dataset(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeIsone(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 2)})
    fake.env(monkeypatch)
    fake.faults.always("rt-lmp/lmp_rt_final_20241101.csv", "503")
    base = tmp_path / "data"
    s = run_download("ISONE", "RT_hourly", D(2024, 11, 1), D(2024, 11, 2), base=base, progress=False)
    assert fake.asked()[0] == "page:lmps-rt-hourly-final"
    assert fake.asked()[-1] == "rt-lmp/lmp_rt_final_20241102.csv"
    assert (s.downloaded, s.failed) == (1, 1) and "HTTP 503" in s.failures[0][1]
    assert s.landing.landed["RT_hourly"] == 1 and not s.landing.quarantined
    assert s.last_day is None  # nothing complete before the failed day
    with pytest.raises(DownloadError, match="ISONE has no downloadable dataset 'RT_SPP'"):
        run_download("ISONE", "RT_SPP", D(2024, 11, 1), D(2024, 11, 2), base=base, progress=False)


def test_reserve_prices_come_by_query_with_the_session(httpserver, monkeypatch, tmp_path, sample):
    """AS_prices: `/transform/csv/fiveminreserveprice?type=final&start=D&end=D`, after the report page's cookie,
    saved under the report's file name and landed (the fall-back day's repeated 5-minute times by order)."""
    fake = FakeIsone(httpserver, sample, published={D(2024, 11, 2), D(2024, 11, 3)})
    fake.env(monkeypatch)
    base = tmp_path / "data"
    s = run_download("ISONE", "AS_prices", D(2024, 11, 2), D(2024, 11, 3), base=base, progress=False)
    assert fake.asked() == ["page:reserve-zone-prices-five-minute-final",
                            "fiveminreserveprice/fiveminreserveprice_final_20241102.csv",
                            "fiveminreserveprice/fiveminreserveprice_final_20241103.csv"]
    assert all(r["cookie"] for r in fake.requests[1:])
    assert s.landing.landed["AS_prices"] == 2 and not s.landing.quarantined, s.render()
