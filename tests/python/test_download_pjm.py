"""PJM Data Miner 2 downloads against a fake Data Miner on 127.0.0.1 serving real rows (from real CSV exports)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from fixtures.download.fakes import (  # noqa: F401  (fast_http is a fixture)
    FakeDataMiner,
    all_text,
    fast_http,
    json_items_from_export,
    landed_state,
    no_secrets,
    partial_files,
    state_of,
)
from ingest.download import DownloadError, run_download
from ingest.download import pjm as pjm_module

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date
REAL = Path(__file__).parent / "fixtures" / "real_samples"
HUBS_DA = REAL / "pjm/zhyg1212_cr-cvar-shp-experiments/da_hrl_lmps.csv"  # 12 hubs, 5/1/2025 00:00-03:00 EPT
HUBS_RT = REAL / "pjm/zhyg1212_cr-cvar-shp-experiments/rt_hrl_lmps.csv"
RTO_DST = REAL / "pjm/rroyucsd_ECE228_Proj/da_hrl_lmps.csv"  # PJM-RTO incl. both 2025 DST changes


def rows_of(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def same_values(got: list[str], want: list[str]) -> bool:
    """Cells equal as text, or as numbers (the JSON API drops trailing zeros: -0.342860 -> -0.34286)."""
    def norm(v: str) -> object:
        try:
            return float(v)
        except ValueError:
            return v
    return [norm(v) for v in got] == [norm(v) for v in want]


@pytest.fixture()
def dataminer(httpserver, monkeypatch):
    _, da = json_items_from_export(HUBS_DA)
    _, dst = json_items_from_export(RTO_DST)
    _, rt = json_items_from_export(HUBS_RT)
    fake = FakeDataMiner(httpserver, {"da_hrl_lmps": da + dst, "rt_hrl_lmps": rt})
    fake.env(monkeypatch)
    monkeypatch.setattr(pjm_module, "ROW_COUNT", 20)  # 48 rows: three pages
    return fake


def test_json_pages_become_the_csv_export(dataminer, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    dataminer.faults.set(("da_hrl_lmps", 21), "503")
    dataminer.faults.set(("da_hrl_lmps", 41), "drop")
    base = tmp_path / "data"
    s = run_download("PJM", "DA_prices", D(2025, 5, 1), D(2025, 5, 1), base=base, progress=False)
    assert (s.listed, s.downloaded, s.failed) == (1, 1, 0), s.render()
    assert dataminer.pages == {("da_hrl_lmps", 1): 1, ("da_hrl_lmps", 21): 2, ("da_hrl_lmps", 41): 2}

    path = base / "PJM_data/raw_downloads/da_hrl_lmps_20250501_20250501.csv"
    raw = path.read_bytes()
    real = HUBS_DA.read_bytes()
    assert raw.split(b"\r\n")[0] == real.split(b"\r\n")[0]  # the export header, CRLF
    assert raw.count(b"\r\n") == raw.count(b"\n") == 49
    got, want = rows_of(path), rows_of(HUBS_DA)
    assert len(got) == len(want) and all(same_values(g, w) for g, w in zip(got, want))
    assert [r[:2] for r in got] == [r[:2] for r in want]  # timestamps exactly as the export writes them

    assert [p.name for p in (base / "PJM_data/csv_files/DA_prices").rglob("*.csv")] == [path.name]
    meta = json.loads((base / "PJM_data/csv_files/metadata.json").read_text())
    assert meta[0]["rows"] == 48 and meta[0]["dataset"] == "DA_prices"
    assert "datetime_beginning_ept=05/01/2025%2000:00to05/01/2025%2023:59" in meta[0]["source"]
    assert "row_is_current=TRUE" in meta[0]["source"] and "startRow" not in meta[0]["source"]
    window = state_of(base, "PJM")["datasets"]["DA_prices"]["windows"]["da_hrl_lmps|all|2025-05-01|2025-05-01"]
    assert window["days"] == ["2025-05-01"] and window["rows"] == 48
    no_secrets([FakeDataMiner.KEY], caplog.text, all_text(base), s.render())


def test_week_windows_and_the_fall_back_hour(dataminer, tmp_path):
    dataminer.feeds["da_hrl_lmps"] = dataminer.feeds["da_hrl_lmps"][48:]  # PJM-RTO only
    s = run_download("PJM", "DA_prices", D(2025, 10, 27), D(2025, 11, 2), base=tmp_path, progress=False)
    assert s.downloaded == 1
    assert dataminer.requests[0]["datetime_beginning_ept"] == "10/27/2025 00:00to11/02/2025 23:59"
    rows = rows_of(tmp_path / "PJM_data/raw_downloads/da_hrl_lmps_20251027_20251102.csv")[1:]
    repeated = [r[0] for r in rows if r[1] == "11/2/2025 1:00:00 AM"]
    assert repeated == ["11/2/2025 5:00:00 AM", "11/2/2025 6:00:00 AM"]  # one EPT hour, two UTC hours
    assert state_of(tmp_path, "PJM")["datasets"]["DA_prices"]["windows"][
        "da_hrl_lmps|all|2025-10-27|2025-11-02"]["days"] == ["2025-11-01", "2025-11-02"]


def test_a_dropped_page_lands_nothing_and_the_rerun_equals_a_clean_run(dataminer, tmp_path):
    clean = tmp_path / "clean"
    run_download("PJM", "RT_hourly", D(2025, 5, 1), D(2025, 5, 1), base=clean, progress=False)

    faulty = tmp_path / "faulty"
    dataminer.faults.always(("rt_hrl_lmps", 21), "drop")
    s = run_download("PJM", "RT_hourly", D(2025, 5, 1), D(2025, 5, 1), base=faulty, progress=False)
    assert (s.downloaded, s.failed) == (0, 1) and "transfer broken" in s.failures[0][1]
    assert partial_files(faulty) == [] and not any((faulty / "PJM_data/raw_downloads").iterdir())
    assert not (faulty / "PJM_data/csv_files/metadata.json").exists()
    assert state_of(faulty, "PJM")["datasets"]["RT_hourly"]["windows"] == {}

    dataminer.faults.clear(("rt_hrl_lmps", 21))
    again = run_download("PJM", "RT_hourly", D(2025, 5, 1), D(2025, 5, 1), base=faulty, progress=False)
    assert (again.downloaded, again.failed) == (1, 0)
    assert landed_state(faulty, "PJM") == landed_state(clean, "PJM")


def test_key_missing_or_refused(dataminer, monkeypatch, tmp_path):
    monkeypatch.delenv("PJM_API_KEY")
    with pytest.raises(DownloadError, match="^PJM_API_KEY is not set"):
        run_download("PJM", "DA_prices", D(2025, 5, 1), D(2025, 5, 1), base=tmp_path, progress=False)
    assert dataminer.requests == []
    monkeypatch.setenv("PJM_API_KEY", "wrong-key")
    with pytest.raises(DownloadError, match="refused PJM_API_KEY"):
        run_download("PJM", "DA_prices", D(2025, 5, 1), D(2025, 5, 1), base=tmp_path, progress=False)
    assert not list(tmp_path.rglob("*.csv"))


def test_next_links_to_another_host_are_not_followed_and_filters_apply(httpserver, monkeypatch, tmp_path):
    elsewhere = HTTPServer(host="127.0.0.1", port=0)
    elsewhere.start()
    try:
        _, da = json_items_from_export(HUBS_DA)
        fake = FakeDataMiner(httpserver, {"da_hrl_lmps": da}, next_host=elsewhere.url_for("/").rstrip("/"))
        fake.env(monkeypatch)
        monkeypatch.setattr(pjm_module, "ROW_COUNT", 20)
        monkeypatch.setenv("PJM_API_FILTER", "type=HUB")
        s = run_download("PJM", "DA_prices", D(2025, 5, 1), D(2025, 5, 1), base=tmp_path, progress=False)
        assert s.downloaded == 1 and elsewhere.log == []
        assert [r["startRow"] for r in fake.requests] == ["1", "21", "41"]
        assert all(r["type"] == "HUB" for r in fake.requests)
        assert list(state_of(tmp_path, "PJM")["datasets"]["DA_prices"]["windows"]) == [
            "da_hrl_lmps|type=HUB|2025-05-01|2025-05-01"]
    finally:
        elsewhere.stop()


def test_a_window_without_rows_is_no_data(dataminer, tmp_path):
    s = run_download("PJM", "DA_prices", D(2025, 6, 2), D(2025, 6, 2), base=tmp_path, progress=False)
    assert (s.downloaded, s.empty, s.failed) == (0, 1, 0)
    assert not any((tmp_path / "PJM_data/raw_downloads").iterdir())
    assert s.last_day is None


def test_cells_are_written_as_the_export_writes_them():
    cell = pjm_module.cell
    assert [cell("total_lmp_da", v) for v in (-0.34286, 1e-05, 12.0, 2.5e16, 51217, None, True, False, "PJM-RTO")] == [
        "-0.34286", "0.00001", "12.0", "25000000000000000", "51217", "", "True", "False", "PJM-RTO"]
    assert cell("datetime_beginning_utc", "2025-05-01T04:00:00") == "5/1/2025 4:00:00 AM"
    assert cell("datetime_beginning_ept", "2025-11-02T13:05:09.000") == "11/2/2025 1:05:09 PM"
    assert cell("datetime_beginning_ept", "2025-05-01 00:00") == "5/1/2025 12:00:00 AM"


@pytest.mark.parametrize(("change", "reason"), [
    (lambda items: items[30].pop("total_lmp_da"), "the JSON items lack total_lmp_da"),  # a later item, not the first
    (lambda items: items[5].update(congestion_price_da={"value": 1}), "congestion_price_da holds a JSON dict"),
    (lambda items: items[45].update(datetime_beginning_utc="yesterday"), "'yesterday' is not an ISO 8601 local time"),
    (lambda items: items[2].update(datetime_beginning_utc="2025-05-01T04:00:00Z"),
     "'2025-05-01T04:00:00Z' is not an ISO 8601 local time"),
])
def test_an_unexpected_shape_fails_the_window_and_lands_nothing(dataminer, tmp_path, change, reason):
    """Strict about shapes: one odd item anywhere in any page fails the window (the feed changed) with a one-line
    reason; nothing is written, landed or recorded, and the next run asks again."""
    items = [dict(item) for item in dataminer.feeds["da_hrl_lmps"][:48]]
    change(items)
    dataminer.feeds["da_hrl_lmps"] = items
    s = run_download("PJM", "DA_prices", D(2025, 5, 1), D(2025, 5, 1), base=tmp_path, progress=False)
    assert (s.downloaded, s.failed) == (0, 1), s.render()
    ((_, why),) = s.failures
    assert reason in why and "\n" not in why, why
    assert partial_files(tmp_path) == [] and not any((tmp_path / "PJM_data/raw_downloads").iterdir())
    assert state_of(tmp_path, "PJM")["datasets"]["DA_prices"]["windows"] == {}


def test_items_must_be_a_list_of_objects():
    header = ("datetime_beginning_ept", "total_lmp_da")
    good = {"datetime_beginning_ept": "2025-05-01T00:00:00", "total_lmp_da": 1.5, "extra": "ignored"}
    assert pjm_module.page_rows({"items": [good]}, header) == (
        [{"datetime_beginning_ept": "5/1/2025 12:00:00 AM", "total_lmp_da": "1.5"}], {D(2025, 5, 1)})
    assert pjm_module.page_rows({"totalRows": 0}, header) == ([], set())
    for items in ({"0": good}, [good, ["not", "an", "object"]], "rows"):
        with pytest.raises(pjm_module.PjmError, match="the JSON `items` are not a list of objects"):
            pjm_module.page_rows({"items": items}, header)
