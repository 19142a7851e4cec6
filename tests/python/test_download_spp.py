"""SPP file-browser downloads against a fake portal.spp.org on 127.0.0.1: `GET /file-browser-api/download/<folder>
?path=/YYYY/MM/...csv` answers the generated sample's file at that path (SPP's real folder layout), 404 for a day not
published, 429 and an HTML page with status 200 now and then; each file landed as it arrives, nothing asked twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from werkzeug.wrappers import Request, Response

from conftest import landed_entries
from fixtures.download.fakes import Faults, fast_http, misbehave, state_of  # noqa: F401  (fast_http is a fixture)
from ingest.catalog import timezone
from ingest.download import DownloadError, run_download
from ingest.sample.spp import generate_spp

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date
DAY = dt.timedelta(days=1)


class FakeSpp:
    """The file browser's download endpoint: the file when its day is published, else 404."""

    def __init__(self, httpserver, folder, published: set[dt.date]):
        self.server = httpserver
        self.folder = folder
        self.published = published
        self.faults = Faults()
        self.withheld: set[str] = set()  # paths of a published day not there (yet)
        self.requests: list[tuple[str, str]] = []  # (folder + path, User-Agent)
        httpserver.expect_request(re.compile(r"^/file-browser-api/download/[a-z-]+$")).respond_with_handler(self.file)

    def env(self, monkeypatch) -> None:
        monkeypatch.setenv("SPP_FILE_BROWSER_BASE_URL", self.server.url_for("/file-browser-api/download"))

    def file(self, request: Request) -> Response:
        folder = request.path.rsplit("/", 1)[-1]
        path = request.args.get("path", "")
        self.requests.append((f"{folder}{path}", request.headers.get("User-Agent", "")))
        local = self.folder / folder / path.lstrip("/")
        folder_day = re.search(r"/(\d{4}/\d{2})/By_Interval/(\d{2})/", path)  # an interval file: its folder's day
        day = dt.datetime.strptime("/".join(folder_day.groups()), "%Y/%m/%d").date() if folder_day else \
            dt.datetime.strptime(re.search(r"(\d{8})(0100)?\.csv$", path).group(1), "%Y%m%d").date()
        if day not in self.published or path in self.withheld or not local.is_file():
            return Response('{"message":"File not found"}', status=404, content_type="application/json")
        body = local.read_bytes()
        fault = self.faults.take(path)
        if fault:
            return misbehave(fault, body, "text/csv")
        return Response(body, status=200, content_type="text/csv")

    def asked(self) -> list[str]:
        return [name for name, _ in self.requests]


@pytest.fixture()
def sample(tmp_path):
    folder = tmp_path / "published"
    generate_spp(folder, start=D(2024, 11, 1), days=5, interval_days=[])  # DA, DA-MCP and RTBM daily roll-ups
    return folder


def test_one_file_per_operating_day_landed_with_404_as_not_published(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeSpp(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 2), D(2024, 11, 3)})
    fake.env(monkeypatch)
    fake.faults.set("/2024/11/By_Day/DA-LMP-SL-202411020100.csv", "429", "html")  # retried: Retry-After, then HTML
    base = tmp_path / "data"
    s = run_download("SPP", "DA_prices", D(2024, 11, 2), D(2024, 11, 4), base=base, progress=False)
    assert (s.listed, s.downloaded, s.empty, s.failed) == (3, 2, 1, 0), s.render()
    asked = [f"da-lmp-by-location/2024/11/By_Day/DA-LMP-SL-2024110{d}0100.csv" for d in (2, 3, 4)]
    assert fake.asked() == [asked[0]] * 3 + asked[1:]
    assert all(agent.startswith("iso-pipeline/") for _, agent in fake.requests)  # identifies itself
    assert s.landing is not None and s.landing.landed["DA_prices"] == 2 and not s.landing.quarantined
    landed = sorted(p.name for p in (base / "SPP_data/csv_files/DA_prices/da_lmp_sl").glob("*.csv"))
    assert landed == ["DA-LMP-SL-202411020100.csv", "DA-LMP-SL-202411030100.csv"]  # 2024: the layout without BAA
    assert (base / "SPP_data/raw_downloads/DA-LMP-SL-202411030100.csv").read_bytes() == \
        (sample / "da-lmp-by-location/2024/11/By_Day/DA-LMP-SL-202411030100.csv").read_bytes()
    assert s.last_day == D(2024, 11, 3) and state_of(base, "SPP")["datasets"]["DA_prices"]["last_day"] == "2024-11-03"
    # published later: the next run without --start asks for the 4th and 5th only; a rerun asks for nothing
    fake.published |= {D(2024, 11, 4), D(2024, 11, 5)}
    fake.requests.clear()
    s = run_download("SPP", "DA_prices", None, D(2024, 11, 5), base=base, progress=False)
    assert fake.asked() == [f"da-lmp-by-location/2024/11/By_Day/DA-LMP-SL-2024110{d}0100.csv" for d in (4, 5)]
    assert (s.downloaded, s.empty, s.last_day) == (2, 0, D(2024, 11, 5))
    fake.requests.clear()
    s = run_download("SPP", "DA_prices", D(2024, 11, 2), D(2024, 11, 5), base=base, progress=False)
    assert fake.asked() == [] and s.skipped == 4


def test_rt_daily_roll_ups_and_as_files_and_a_hole_holds_the_next_start(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeSpp(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 3)})  # the 2nd missing
    fake.env(monkeypatch)
    base = tmp_path / "data"
    s = run_download("SPP", "RT_prices", D(2024, 11, 1), D(2024, 11, 3), base=base, progress=False)
    assert fake.asked() == [f"rtbm-lmp-by-location/2024/11/By_Day/RTBM-LMP-DAILY-SL-2024110{d}.csv" for d in (1, 2, 3)] \
        + ["rtbm-lmp-by-location/2024/11/By_Interval/02/RTBM-LMP-SL-202411020005.csv"]  # no roll-up: its intervals
    assert (s.downloaded, s.empty) == (2, 1) and s.last_day == D(2024, 11, 1)  # the 2nd is asked for again
    assert s.landing.landed["RT_prices"] == 2 and not s.landing.quarantined
    s = run_download("SPP", "AS_prices", D(2024, 11, 3), D(2024, 11, 3), base=base, progress=False)
    assert fake.asked()[-1] == "da-mcp/2024/11/DA-MCP-202411030100.csv" and s.landing.landed["AS_prices"] == 1


def test_a_service_error_fails_the_day_and_an_unknown_dataset_fails_at_once(httpserver, monkeypatch, tmp_path, sample):
    fake = FakeSpp(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 2)})
    fake.env(monkeypatch)
    fake.faults.always("/2024/11/By_Day/DA-LMP-SL-202411010100.csv", "503")
    base = tmp_path / "data"
    s = run_download("SPP", "DA_prices", D(2024, 11, 1), D(2024, 11, 2), base=base, progress=False)
    assert (s.downloaded, s.failed) == (1, 1) and "HTTP 503" in s.failures[0][1]
    assert s.last_day is None  # nothing complete before the failed day
    with pytest.raises(DownloadError, match="SPP has no downloadable dataset 'RT_hourly'"):
        run_download("SPP", "RT_hourly", D(2024, 11, 1), D(2024, 11, 2), base=base, progress=False)


def test_rt_days_without_their_roll_up_come_as_interval_files_landed_whole(httpserver, monkeypatch, tmp_path):
    """The roll-up lags about 5 days: a closed day without it is fetched as its 5-minute interval files (288, 276 on
    the spring-forward day), landed once all arrived; a missing file holds the whole day; the fall-back day waits."""
    published = tmp_path / "published"
    spring = D(2026, 3, 8)
    generate_spp(published, start=spring - dt.timedelta(days=2), days=4, datasets=("RT_prices",),
                 interval_days=[spring - dt.timedelta(days=1), spring, spring + dt.timedelta(days=1)])
    fake = FakeSpp(httpserver, published, published={spring + dt.timedelta(days=i) for i in range(-2, 2)})
    fake.env(monkeypatch)
    last = "/2026/03/By_Interval/09/RTBM-LMP-SL-202603100000.csv"  # the 9th's last interval: in the 9th's folder
    fake.withheld.add(last)
    base = tmp_path / "data"
    s = run_download("SPP", "RT_prices", spring - dt.timedelta(days=2), spring + dt.timedelta(days=1), base=base,
                     progress=False)
    intervals = [a for a in fake.asked() if "By_Interval" in a]
    assert len(intervals) == 288 + 276 + 288 and intervals[-1] == "rtbm-lmp-by-location" + last
    central = timezone("SPP")
    ends = [dt.datetime(2026, 3, 8, 6, 5, tzinfo=dt.UTC) + dt.timedelta(minutes=5 * i) for i in range(276)]
    assert {a.rsplit("/", 1)[-1] for a in intervals if "/By_Interval/08/" in a} == \
        {f"RTBM-LMP-SL-{t.astimezone(central):%Y%m%d%H%M}.csv" for t in ends}  # 02:00-03:00 CST does not exist
    # the generator's interval files, named as SPP names them, are exactly what was asked for
    assert sorted(intervals) == sorted(f"rtbm-lmp-by-location/{p.relative_to(published / 'rtbm-lmp-by-location')}"
                                       for p in published.rglob("RTBM-LMP-SL-*.csv"))
    assert s.landing.landed["RT_prices"] == 1 + 288 + 276 and not s.landing.quarantined
    assert s.last_day == spring  # the 9th waits for its last file
    assert state_of(base, "SPP")["datasets"]["RT_prices"]["windows"][f"rtbm_lmp_sl|{spring}"]["files"] == 276

    # the next run asks for the 9th whole, and neither its roll-up again nor anything held
    fake.withheld.clear()
    fake.requests.clear()
    s = run_download("SPP", "RT_prices", None, spring + dt.timedelta(days=1), base=base, progress=False)
    assert fake.asked()[0] == "rtbm-lmp-by-location/2026/03/By_Day/RTBM-LMP-DAILY-SL-20260309.csv"
    assert len(fake.asked()) == 1 + 288 and s.landing.landed["RT_prices"] == 288 and s.last_day == spring + DAY

    # the fall-back day without its roll-up is not guessed at: noted, asked again
    generate_spp(published, start=D(2025, 11, 2), days=1, datasets=("RT_prices",), interval_days=[D(2025, 11, 2)])
    fake.published.add(D(2025, 11, 2))
    fake.requests.clear()
    s = run_download("SPP", "RT_prices", D(2025, 11, 2), D(2025, 11, 2), base=base, progress=False)
    assert fake.asked() == ["rtbm-lmp-by-location/2025/11/By_Day/RTBM-LMP-DAILY-SL-20251102.csv"]
    assert s.downloaded == 0 and any("fall-back day) waits for its daily roll-up" in n for n in s.notes), s.notes


def test_rt_as_prices_come_as_the_mcp_roll_up_or_its_interval_files(httpserver, monkeypatch, tmp_path):
    published = tmp_path / "published"
    day = D(2025, 7, 1)
    generate_spp(published, start=day, days=2, datasets=("RT_AS_prices",), interval_days=[day + DAY])
    fake = FakeSpp(httpserver, published, published={day, day + DAY})
    fake.env(monkeypatch)
    base = tmp_path / "data"
    s = run_download("SPP", "RT_AS_prices", day, day + DAY, base=base, progress=False)
    asked = fake.asked()
    assert asked[:2] == [f"rtbm-mcp/2025/07/By_Day/RTBM-MCP-DAILY-2025070{d}.csv" for d in (1, 2)]
    assert len(asked) == 2 + 288 and asked[2] == "rtbm-mcp/2025/07/By_Interval/02/RTBM-MCP-202507020005.csv"
    assert s.landing.landed["RT_AS_prices"] == 1 + 288 and not s.landing.quarantined, s.render()
    assert s.last_day == day + DAY
    assert {e["format"] for e in landed_entries(base, "SPP")} == {"rtbm_mcp_daily", "rtbm_mcp"}
