"""CAISO OASIS downloads against a real-format fake OASIS on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import time
import zipfile

import pytest

from fixtures.download import fakes
from fixtures.download.fakes import (  # noqa: F401  (fast_http is a fixture)
    FakeOasis,
    fast_http,
    landed_state,
    partial_files,
    state_of,
    zip_bytes,
)
from ingest.download import run_download

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date
HUBS = "TH_NP15_GEN-APND,TH_SP15_GEN-APND"


def test_week_windows_in_gmt_with_429_and_days_published_later(httpserver, monkeypatch, tmp_path):
    fake = FakeOasis(httpserver, published_through=D(2024, 11, 1))
    fake.env(monkeypatch)
    monkeypatch.setenv("CAISO_OASIS_NODES", HUBS)
    fake.faults.set(("PRC_LMP", D(2024, 10, 23)), "429")
    base = tmp_path / "data"

    started = time.monotonic()
    s = run_download("CAISO", "DA_prices", D(2024, 10, 23), D(2024, 11, 3), base=base, progress=False)
    assert time.monotonic() - started >= 0.95  # Retry-After: 1
    assert (s.listed, s.downloaded, s.failed) == (2, 2, 0), s.render()
    # calendar weeks, Pacific midnight in GMT: PDT (-7) before 3 Nov 2024, PST (-8) from then on
    assert fake.windows_asked("PRC_LMP") == [(D(2024, 10, 23), D(2024, 10, 27))] * 2 + [
        (D(2024, 10, 28), D(2024, 11, 3))]
    assert fake.requests[0]["startdatetime"] == "20241023T07:00-0000"
    assert fake.requests[-1]["enddatetime"] == "20241104T08:00-0000"
    assert {r["version"] for r in fake.requests} == {"12"} and {r["market_run_id"] for r in fake.requests} == {"DAM"}
    assert fake.requests[0]["node"] == HUBS and fake.requests[0]["resultformat"] == "6"

    csvs = sorted(p.name for p in (base / "CAISO_data/csv_files/DA_prices").rglob("*.csv"))
    assert len(csvs) == 10 and csvs[0] == "20241023_20241028_PRC_LMP_DAM_LMP_v12.csv"
    meta = json.loads((base / "CAISO_data/csv_files/metadata.json").read_text())
    assert all("queryname=PRC_LMP" in e["source"] and "/oasisapi/SingleZip?" in e["source"] for e in meta)
    windows = state_of(base, "CAISO")["datasets"]["DA_prices"]["windows"]
    held = sorted(d for w in windows.values() for d in w["days"])
    assert held == [f"2024-{m:02d}-{d:02d}" for m, d in [(10, 23), (10, 24), (10, 25), (10, 26), (10, 27), (10, 28),
                                                         (10, 29), (10, 30), (10, 31), (11, 1)]]
    assert s.last_day == D(2024, 11, 1)

    fake.published_through = D(2024, 11, 30)  # 2 and 3 November appear later: only they are asked for
    fake.requests.clear()
    s = run_download("CAISO", "DA_prices", D(2024, 10, 23), D(2024, 11, 3), base=base, progress=False)
    assert fake.windows_asked("PRC_LMP") == [(D(2024, 11, 2), D(2024, 11, 3))]
    assert (s.downloaded, s.skipped) == (1, 2)
    fake.requests.clear()
    s = run_download("CAISO", "DA_prices", D(2024, 10, 23), D(2024, 11, 3), base=base, progress=False)
    assert fake.requests == [] and s.downloaded == 0
    # the fall-back day holds 25 hours
    nov3 = next(p for p in (base / "CAISO_data/raw_downloads").iterdir() if p.name.startswith("20241102_20241104"))
    with zipfile.ZipFile(nov3) as zf:
        rows = zf.read("20241102_20241104_PRC_LMP_DAM_LMP_v12.csv").decode().splitlines()[1:]
    assert sum(1 for r in rows if ",2024-11-03," in r) == 25 * 2


def test_xml_errors_no_data_is_not_a_failure_other_codes_are(httpserver, monkeypatch, tmp_path):
    fake = FakeOasis(httpserver, published_through=D(2024, 12, 31))
    fake.env(monkeypatch)
    monkeypatch.setenv("CAISO_OASIS_NODES", HUBS)
    fake.error_days[D(2024, 10, 22)] = ("1000", "No data returned for the specified selection")
    fake.error_days[D(2024, 10, 23)] = ("1004", "Data can be requested for period of 31 days only")
    fake.faults.set(("PRC_RTPD_LMP", D(2024, 10, 21)), "html", "drop")
    base = tmp_path / "faulty"

    s = run_download("CAISO", "RT_prices", D(2024, 10, 21), D(2024, 10, 23), base=base, progress=False)
    assert (s.listed, s.downloaded, s.empty, s.failed) == (3, 1, 1, 1), s.render()
    assert "1004" in s.failures[0][1] and "31 days" in s.failures[0][1]
    assert fake.windows_asked("PRC_RTPD_LMP") == [(D(2024, 10, 21), D(2024, 10, 21))] * 3 + [
        (D(2024, 10, 22), D(2024, 10, 22)), (D(2024, 10, 23), D(2024, 10, 23))]
    raw = [p.name for p in (base / "CAISO_data/raw_downloads").iterdir()]
    assert raw == ["20241021_20241022_PRC_RTPD_LMP_RTPD_20241201_10_00_00_v3.zip"]
    assert partial_files(base) == []
    assert len(json.loads((base / "CAISO_data/csv_files/metadata.json").read_text())) == 5
    assert list(state_of(base, "CAISO")["datasets"]["RT_prices"]["windows"]) == [
        f"PRC_RTPD_LMP|RTPD|v3|node={HUBS}|2024-10-21|2024-10-21"]
    assert s.last_day == D(2024, 10, 21)

    del fake.error_days[D(2024, 10, 23)]
    fake.requests.clear()
    again = run_download("CAISO", "RT_prices", None, D(2024, 10, 23), base=base, progress=False)
    assert fake.windows_asked("PRC_RTPD_LMP") == [(D(2024, 10, 22), D(2024, 10, 22)),
                                                  (D(2024, 10, 23), D(2024, 10, 23))]
    assert (again.downloaded, again.empty, again.failed) == (1, 1, 0)

    clean = tmp_path / "clean"
    run_download("CAISO", "RT_prices", D(2024, 10, 21), D(2024, 10, 23), base=clean, progress=False)
    assert landed_state(base, "CAISO") == landed_state(clean, "CAISO")


def test_more_than_ten_nodes_are_split_across_queries(httpserver, monkeypatch, tmp_path):
    fake = FakeOasis(httpserver, published_through=D(2024, 12, 31))
    fake.env(monkeypatch)
    nodes = [f"NODE{i:02d}_7_N001" for i in range(12)]
    monkeypatch.setenv("CAISO_OASIS_NODES", ",".join(nodes))
    s = run_download("CAISO", "DA_prices", D(2024, 10, 21), D(2024, 10, 21), base=tmp_path, progress=False)
    assert [r["node"].split(",") for r in fake.requests] == [nodes[:10], nodes[10:]]
    assert s.downloaded == 2 and s.landing.n_landed == 10
    assert len(list((tmp_path / "CAISO_data/raw_downloads").iterdir())) == 2  # same server name, other content


def test_ancillary_prices_ask_for_every_region_and_product(httpserver, monkeypatch, tmp_path):
    fake = FakeOasis(httpserver, published_through=D(2024, 12, 31))
    fake.env(monkeypatch)
    s = run_download("CAISO", "AS_prices", D(2024, 11, 2), D(2024, 11, 4), base=tmp_path, progress=False)
    assert fake.windows_asked("PRC_AS") == [(D(2024, 11, 2), D(2024, 11, 3)), (D(2024, 11, 4), D(2024, 11, 4))]
    assert {(r["anc_type"], r["anc_region"], r["market_run_id"], r["version"]) for r in fake.requests} == {
        ("ALL", "ALL", "DAM", "12")}
    assert "node" not in fake.requests[0]
    assert s.downloaded == 2 and s.landing.n_landed == 2 and not s.landing.quarantined
    assert s.landing.rows["AS_prices"] == (24 + 25 + 24) * 12


def test_a_dead_service_stops_the_run_and_the_next_run_resumes(httpserver, monkeypatch, tmp_path):
    fake = FakeOasis(httpserver, published_through=D(2024, 12, 31))
    fake.env(monkeypatch)
    monkeypatch.setenv("CAISO_OASIS_NODES", HUBS)
    for n in range(21, 29):
        fake.faults.always(("PRC_RTPD_LMP", D(2024, 10, n)), "503")
    s = run_download("CAISO", "RT_prices", D(2024, 10, 21), D(2024, 10, 28), base=tmp_path, progress=False)
    assert (s.listed, s.downloaded, s.failed) == (8, 0, 5)
    assert any("5 failures in a row" in n for n in s.notes) and "HTTP 503" in s.failures[0][1]
    assert len(fake.requests) == 5 * 4  # five windows, each tried 1 + 3 times; the last three never asked
    fake.faults.plan.clear()
    again = run_download("CAISO", "RT_prices", D(2024, 10, 21), D(2024, 10, 28), base=tmp_path, progress=False)
    assert (again.downloaded, again.failed, again.last_day) == (8, 0, D(2024, 10, 28))


BOMB = ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
        + ']><m:ERROR xmlns:m="x"><m:ERR_CODE>&i;</m:ERR_CODE></m:ERROR>').encode()


@pytest.mark.parametrize(("member", "reason"), [
    (BOMB, "not readable XML: limit on input amplification factor"),  # billion laughs: stopped by expat
    (b'<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m><ERR_CODE>&x;</ERR_CODE></m>',
     "not readable XML: undefined entity"),  # an external entity is never fetched
    (b"<?xml version='1.0' encoding='x-bogus'?><m/>", "not readable XML: unknown encoding: x-bogus"),
    (b"<html><body>Service Unavailable", "not readable XML: no element found"),
    (b"<OASISReport><RTO><name>CAISO</name></RTO></OASISReport>", "XML <OASISReport> without ERR_CODE"),
    (b"", "(0 bytes: not an OASIS error)"),
])
def test_a_hostile_or_unknown_xml_answer_is_a_failure_with_a_reason(httpserver, monkeypatch, tmp_path, member, reason):
    """The XML of an answer without CSVs is read by ElementTree, safely: whatever it holds, the window fails with
    a one-line reason (no traceback, nothing fetched from elsewhere, nothing landed) and is asked for again next run."""
    httpserver.expect_request("/oasisapi/SingleZip").respond_with_data(
        zip_bytes({"answer.xml": member}), content_type="application/x-zip-compressed",
        headers={"Content-Disposition": "inline; filename=answer.zip"})
    monkeypatch.setenv("CAISO_OASIS_BASE_URL", httpserver.url_for("/oasisapi"))
    monkeypatch.setenv("CAISO_OASIS_NODES", HUBS)
    s = run_download("CAISO", "DA_prices", D(2024, 10, 21), D(2024, 10, 21), base=tmp_path, progress=False)
    assert (s.downloaded, s.empty, s.failed) == (0, 0, 1), s.render()
    ((_, why),) = s.failures
    assert why.startswith("OASIS error ?: the zip holds no CSV") and reason in why and "\n" not in why, why
    assert len(httpserver.log) == 1 and not any((tmp_path / "CAISO_data/raw_downloads").iterdir())
    assert partial_files(tmp_path) == []


def test_oasis_errors_are_read_in_any_namespace():
    from ingest.download.caiso import oasis_error

    real = fakes.oasis_error("1004", "Data can be requested for period of 31 days only")
    assert oasis_error(real) == ("1004", "Data can be requested for period of 31 days only")
    assert oasis_error(b"<a><b><ERR_CODE> 1000 </ERR_CODE><ERR_DESC>No data\n  returned</ERR_DESC></b></a>") == (
        "1000", "No data returned")
