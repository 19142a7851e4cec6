"""NYISO MIS downloads against a fake mis.nyiso.com/public/csv on 127.0.0.1: `GET /public/csv/<folder>/<file>` answers
the generated sample's daily CSVs and monthly `_csv.zip` archives at MIS's real paths, 404 for what is not published,
429 and an HTML page with status 200 now and then; each file landed as it arrives, nothing asked for twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from werkzeug.wrappers import Request, Response

from fixtures.download.fakes import Faults, fast_http, misbehave, state_of  # noqa: F401  (fast_http is a fixture)
from ingest.download import DownloadError, run_download
from ingest.sample.nyiso import generate_nyiso

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date


class FakeMis:
    """`GET /public/csv/<folder>/<YYYYMMDD><folder><suffix>.csv` (a day, when published) and
    `/public/csv/<folder>/<YYYYMM01><folder><suffix>_csv.zip` (a month, when the sample has it); else 404."""

    def __init__(self, httpserver, folder, published: set[dt.date]):
        self.server = httpserver
        self.folder = folder
        self.published = published
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []  # (folder/file, User-Agent)
        httpserver.expect_request(re.compile(r"^/public/csv/[a-z]+/\d{8}[a-z_]+\.(csv|zip)$")).respond_with_handler(
            self.file)

    def env(self, monkeypatch) -> None:
        monkeypatch.setenv("NYISO_MIS_BASE_URL", self.server.url_for("/public/csv"))
        monkeypatch.setenv("ISO_DOWNLOAD_MIN_INTERVAL_NYISO", "0")

    def file(self, request: Request) -> Response:
        rel = request.path.removeprefix("/public/csv/")
        self.requests.append((rel, request.headers.get("User-Agent", "")))
        local = self.folder / rel
        day = dt.datetime.strptime(rel.split("/")[1][:8], "%Y%m%d").date()
        if not local.is_file() or (rel.endswith(".csv") and day not in self.published):
            return Response("<html><body><h1>404 Not Found</h1></body></html>", status=404, content_type="text/html")
        body = local.read_bytes()
        kind = "application/x-zip-compressed" if rel.endswith(".zip") else "text/csv"
        fault = self.faults.take(rel)
        if fault:
            return misbehave(fault, body, kind)
        return Response(body, status=200, content_type=kind)

    def asked(self) -> list[str]:
        return [name for name, _ in self.requests]


def windows(base, dataset: str) -> dict[str, list[str]]:
    return {k: w["days"] for k, w in state_of(base, "NYISO")["datasets"][dataset]["windows"].items()}


def test_daily_files_of_both_formats_with_404_as_not_published(httpserver, monkeypatch, tmp_path):
    sample = tmp_path / "published"
    generate_nyiso(sample, start=D(2024, 11, 1), days=5, datasets=("DA_prices",))  # daily CSVs only: no zip
    fake = FakeMis(httpserver, sample, published={D(2024, 11, 1), D(2024, 11, 2), D(2024, 11, 3)})
    fake.env(monkeypatch)
    fake.faults.set("damlbmp/20241102damlbmp_zone.csv", "429", "html")  # retried: Retry-After, then an HTML page
    base = tmp_path / "data"
    s = run_download("NYISO", "DA_prices", D(2024, 11, 2), D(2024, 11, 4), base=base, progress=False)
    assert (s.listed, s.downloaded, s.empty, s.failed) == (6, 4, 2, 0), s.render()
    # a past month with more than one day needed: its zip first (404 here: the daily files instead), per format
    assert fake.asked() == ["damlbmp/20241101damlbmp_zone_csv.zip", *["damlbmp/20241102damlbmp_zone.csv"] * 3,
                            "damlbmp/20241103damlbmp_zone.csv", "damlbmp/20241104damlbmp_zone.csv",
                            "damlbmp/20241101damlbmp_gen_csv.zip", "damlbmp/20241102damlbmp_gen.csv",
                            "damlbmp/20241103damlbmp_gen.csv", "damlbmp/20241104damlbmp_gen.csv"]
    assert all(agent.startswith("iso-pipeline/") for _, agent in fake.requests)  # identifies itself
    assert any("20241101damlbmp_zone_csv.zip is not on MIS (404)" in n for n in s.notes)
    raw = base / "NYISO_data/raw_downloads"
    assert sorted(p.name for p in raw.iterdir()) == [f"2024110{d}damlbmp_{f}.csv" for d in (2, 3) for f in ("gen", "zone")]
    assert (raw / "20241103damlbmp_zone.csv").read_bytes() == (sample / "damlbmp/20241103damlbmp_zone.csv").read_bytes()
    assert windows(base, "DA_prices") == {f"damlbmp_{f}|2024-11-0{d}": [f"2024-11-0{d}"] for d in (2, 3)
                                          for f in ("zone", "gen")}
    assert s.last_day == D(2024, 11, 3) and state_of(base, "NYISO")["datasets"]["DA_prices"]["last_day"] == "2024-11-03"
    assert s.landing is not None and s.landing.landed["DA_prices"] == 4 and not s.landing.quarantined
    # published later: the next run without --start asks for the 4th and 5th only; a rerun asks for nothing
    fake.published |= {D(2024, 11, 4), D(2024, 11, 5)}
    fake.requests.clear()
    s = run_download("NYISO", "DA_prices", None, D(2024, 11, 5), base=base, progress=False)
    assert [a for a in fake.asked() if a.endswith(".csv")] == [f"damlbmp/2024110{d}damlbmp_{f}.csv"
                                                               for f in ("zone", "gen") for d in (4, 5)]
    assert (s.downloaded, s.empty, s.last_day) == (4, 0, D(2024, 11, 5))
    fake.requests.clear()
    s = run_download("NYISO", "DA_prices", D(2024, 11, 2), D(2024, 11, 5), base=base, progress=False)
    assert fake.asked() == [] and s.skipped == 8


def test_a_past_month_comes_as_its_zip_and_the_days_it_lacks_as_daily_files(httpserver, monkeypatch, tmp_path):
    sample = tmp_path / "published"
    # October 2024 as MIS archives it (the month's zip of the 30th and 31st), November as daily CSVs
    generate_nyiso(sample, start=D(2024, 10, 30), days=4, datasets=("RT_prices",), zip_before=D(2024, 11, 1))
    fake = FakeMis(httpserver, sample, published={D(2024, 10, 30), D(2024, 10, 31), D(2024, 11, 1), D(2024, 11, 2)})
    fake.env(monkeypatch)
    fake.faults.set("realtime/20241001realtime_zone_csv.zip", "html", "truncate")  # asked again, twice
    base = tmp_path / "data"
    s = run_download("NYISO", "RT_prices", D(2024, 10, 29), D(2024, 11, 2), base=base, progress=False)
    zone = [a for a in fake.asked() if "_zone" in a]
    assert zone == [*["realtime/20241001realtime_zone_csv.zip"] * 3, "realtime/20241029realtime_zone.csv",
                    "realtime/20241101realtime_zone_csv.zip", "realtime/20241101realtime_zone.csv",
                    "realtime/20241102realtime_zone.csv"]
    assert (s.downloaded, s.empty, s.failed) == (6, 2, 0), s.render()  # 2 zips + 4 daily files; the 29th twice 404
    assert windows(base, "RT_prices")["realtime_zone|2024-10"] == ["2024-10-30", "2024-10-31"]
    assert windows(base, "RT_prices")["realtime_gen|2024-11-02"] == ["2024-11-02"]
    assert (base / "NYISO_data/raw_downloads/20241001realtime_gen_csv.zip").read_bytes() == \
        (sample / "realtime/20241001realtime_gen_csv.zip").read_bytes()
    assert s.last_day is None  # the 29th is not published: it holds the next run's start before it
    assert s.landing is not None and s.landing.landed["RT_prices"] == 8 and not s.landing.quarantined
    fake.requests.clear()
    s = run_download("NYISO", "RT_prices", D(2024, 10, 30), D(2024, 11, 2), base=base, progress=False)
    assert fake.asked() == [] and s.last_day == D(2024, 11, 2)


def test_one_day_of_a_past_month_is_a_daily_file_a_failed_zip_fails_its_days(httpserver, monkeypatch, tmp_path):
    sample = tmp_path / "published"
    generate_nyiso(sample, start=D(2024, 10, 30), days=4, datasets=("AS_prices", "RT_hourly"),
                   zip_before=D(2024, 11, 1))
    fake = FakeMis(httpserver, sample, published={D(2024, 10, 31), D(2024, 11, 1), D(2024, 11, 2)})
    fake.env(monkeypatch)
    base = tmp_path / "data"
    s = run_download("NYISO", "AS_prices", D(2024, 11, 2), D(2024, 11, 2), base=base, progress=False)
    assert fake.asked() == ["damasp/20241102damasp.csv"] and s.downloaded == 1 and s.last_day == D(2024, 11, 2)
    assert s.landing is not None and s.landing.landed["AS_prices"] == 1 and not s.landing.quarantined
    fake.faults.always("rtlbmp/20241001rtlbmp_zone_csv.zip", "503")
    fake.requests.clear()
    s = run_download("NYISO", "RT_hourly", D(2024, 10, 30), D(2024, 10, 31), base=base, progress=False)
    assert fake.asked() == ["rtlbmp/20241001rtlbmp_zone_csv.zip"] * 4 + ["rtlbmp/20241001rtlbmp_gen_csv.zip"]
    assert (s.downloaded, s.failed) == (1, 1) and "HTTP 503" in s.failures[0][1]
    assert s.last_day is None  # the failed zip's days come before everything else
    with pytest.raises(DownloadError, match="NYISO has no downloadable dataset 'RT_asp'"):
        run_download("NYISO", "RT_asp", D(2024, 11, 1), D(2024, 11, 2), base=base, progress=False)
