"""ERCOT downloads (MIS + public API archive) against a real-format fake ERCOT on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time

import pytest
from click.testing import CliRunner

from fixtures.download.fakes import (  # noqa: F401  (fast_http is a fixture)
    FakeErcot,
    all_text,
    dam_doc,
    fast_http,
    landed_state,
    no_secrets,
    partial_files,
    spp_doc,
    state_of,
)
from ingest.cli import cli
from ingest.download import DownloadError, run_download
from ingest.download import ercot as ercot_module

pytestmark = pytest.mark.usefixtures("fast_http")
D = dt.date


def day(n: int) -> dt.date:
    return D(2024, 10, n)


def dam_docs(first: int, last: int) -> list:
    return [dam_doc(1_042_000_000 + n, day(n)) for n in range(first, last + 1)]


def spp_docs() -> list:
    ends = [(20, 23, 45), (21, 0, 0), (21, 0, 15), (21, 12, 0), (21, 23, 45), (22, 0, 0), (22, 0, 15), (22, 23, 45),
            (23, 0, 0), (23, 0, 15)]
    return [spp_doc(1_043_000_000 + i, dt.datetime(2024, 10, d, h, m)) for i, (d, h, m) in enumerate(ends)]


def by_friendly(docs: list, friendly: str):
    return next(d for d in docs if d.friendly == friendly)


@pytest.mark.parametrize("rule, friendly, constructed, published, expected", [
    ("publish+1", "DAMSPNP4190_csv", "cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip", None,
     day(21)),
    ("publish+1", "DAMCPCNP4188_csv", "", "2024-10-31T12:30:20-05:00", D(2024, 11, 1)),
    ("interval_end", "SPPHLZNP6905_20241021_0015_csv", "", None, day(21)),
    ("interval_end", "SPPHLZNP6905_20241021_0000_csv", "", None, day(20)),
    ("interval_end", "SPPHLZNP6905_20241020_2400_csv", "", None, day(20)),
    ("interval_end", "SPPHLZNP6905_retry_20241021_1545_csv", "", None, day(21)),
    ("interval_end", "", "cdr.00012301.0000000000000000.20241103.011702.SPPHLZNP6905_20241103_0115xhr_csv.zip", None,
     D(2024, 11, 3)),
    ("sced_run", "LMPSROSNODENP6788_20260625_004018_csv", "", None, D(2026, 6, 25)),
    ("sced_run", "LMPSROSNODENP6788_20241021_000018_csv", "", None, day(21)),
])
def test_delivery_day_rules(rule, friendly, constructed, published, expected):
    assert ercot_module.delivery_day(rule, friendly, constructed, published) == expected


def test_only_the_csv_flavour():
    assert ercot_module.flavour("DAMSPNP4190_csv", None) == "csv"
    assert ercot_module.flavour("DAMSPNP4190_xml", "x_csv.zip") == "xml"
    assert ercot_module.flavour("", "cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_xml.zip") == "xml"
    assert ercot_module.flavour("", "", "csv") == "csv"
    assert ercot_module.flavour("DAMSPNP4190", "", "zip") is None


def test_mis_dam_selects_by_delivery_day_csv_only_and_is_incremental(httpserver, monkeypatch, tmp_path):
    docs = dam_docs(20, 25)
    fake = FakeErcot(httpserver, docs)
    fake.env(monkeypatch, credentials=False)  # MIS needs no account
    base = tmp_path / "data"

    s = run_download("ERCOT", "DA_prices", day(21), day(23), base=base, progress=False)
    assert (s.listed, s.downloaded, s.skipped, s.failed) == (3, 3, 0, 0), s.render()
    assert s.bytes == sum(len(d.zip) for d in docs if day(21) <= d.published.date() + dt.timedelta(days=1) <= day(23))
    # delivery day = publish day + 1: the file published 10/20 is the 10/21 delivery day
    landed = sorted(p.name for p in (base / "ERCOT_data/csv_files/DA_prices").rglob("*.csv"))
    assert landed == sorted(d.csv_name for d in docs if d.published.date() in (day(20), day(21), day(22)))
    assert not any(key[0] == "mis" and key[1] == d.xml_twin_id for d in docs for key in fake.hits), "XML twin fetched"
    raw = sorted(p.name for p in (base / "ERCOT_data/raw_downloads").iterdir())
    assert raw == sorted(d.constructed() for d in docs if d.published.date() in (day(20), day(21), day(22)))
    meta = json.loads((base / "ERCOT_data/csv_files/metadata.json").read_text())
    assert {e["source"] for e in meta} == {httpserver.url_for("/misdownload/servlets/mirDownload")}
    assert all(e["downloaded_at"] for e in meta)
    state = state_of(base, "ERCOT")["datasets"]["DA_prices"]
    assert state["last_day"] == "2024-10-23" and len(state["documents"]) == 3
    assert s.landing is not None and s.landing.n_landed == 3 and "3 downloaded" in s.render()

    hits_before = sum(v for k, v in fake.hits.items() if k[0] == "mis")
    again = run_download("ERCOT", "DA_prices", day(21), day(23), base=base, progress=False)
    assert (again.downloaded, again.skipped) == (0, 3)
    assert sum(v for k, v in fake.hits.items() if k[0] == "mis") == hits_before

    more = run_download("ERCOT", "DA_prices", None, day(25), base=base, progress=False)  # --start defaults
    assert (more.start, more.downloaded, more.skipped) == (day(24), 2, 0)
    assert state_of(base, "ERCOT")["datasets"]["DA_prices"]["last_day"] == "2024-10-25"


def test_faults_never_land_anything_partial_and_rerun_finishes_like_a_clean_run(httpserver, monkeypatch, tmp_path):
    docs = spp_docs()
    fake = FakeErcot(httpserver, docs)
    fake.env(monkeypatch, credentials=False)

    clean = tmp_path / "clean"
    s = run_download("ERCOT", "RT_SPP", day(21), day(22), base=clean, progress=False)
    fetched = {k[1] for k, v in fake.hits.items() if k[0] == "mis"}
    # HHMM is the interval end: _0000 belongs to the day before, _0015 to the named day
    assert by_friendly(docs, "SPPHLZNP6905_20241021_0000").doc_id not in fetched
    assert by_friendly(docs, "SPPHLZNP6905_20241022_0000").doc_id in fetched
    assert by_friendly(docs, "SPPHLZNP6905_20241023_0000").doc_id in fetched
    assert by_friendly(docs, "SPPHLZNP6905_20241023_0015").doc_id not in fetched
    assert (s.listed, s.downloaded, s.failed) == (7, 7, 0), s.render()

    faulty = tmp_path / "faulty"
    (faulty / "ERCOT_data/raw_downloads/.bulk").mkdir(parents=True)
    leftover = faulty / "ERCOT_data/raw_downloads/leftover.zip.download.part"
    leftover.write_bytes(b"PK\x03\x04 half a file from a killed run")
    an_hour_ago = time.time() - 3600  # untouched since: no live transfer (one writes at least once per read timeout)
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    in_flight = faulty / "ERCOT_data/raw_downloads/another_download_in_flight.zip.download.part"
    in_flight.write_bytes(b"PK\x03\x04 being written by another download")
    fake.hits.clear()
    fake.faults.set(by_friendly(docs, "SPPHLZNP6905_20241021_0015").doc_id, "drop")
    fake.faults.set(by_friendly(docs, "SPPHLZNP6905_20241021_1200").doc_id, "503")
    fake.faults.set(by_friendly(docs, "SPPHLZNP6905_20241021_2345").doc_id, "html", "truncate")
    broken = by_friendly(docs, "SPPHLZNP6905_20241022_0015")
    fake.faults.always(broken.doc_id, "truncate")
    fake.faults.set("listing", "503")

    s = run_download("ERCOT", "RT_SPP", day(21), day(22), base=faulty, progress=False)
    assert (s.downloaded, s.failed) == (6, 1), s.render()
    assert s.failures[0][0] == broken.constructed() and "zip" in s.failures[0][1]
    assert partial_files(faulty) == [in_flight] and not (faulty / "ERCOT_data/raw_downloads/.bulk").exists()
    in_flight.unlink()  # that other download ends
    meta = json.loads((faulty / "ERCOT_data/csv_files/metadata.json").read_text())
    assert len(meta) == 6 and broken.csv_name not in {e["file_name"] for e in meta}
    for e in meta:  # every registered file is complete
        data = (faulty / "ERCOT_data" / e["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"] and len(data) == e["bytes"]
    assert not (faulty / "ERCOT_data/raw_downloads" / broken.constructed()).exists()
    state = state_of(faulty, "ERCOT")["datasets"]["RT_SPP"]
    assert broken.doc_id not in state["documents"] and state["last_day"] == "2024-10-21"
    assert "rerun" in s.render()
    hits = {d.friendly[-13:]: fake.hits[("mis", d.doc_id)] for d in docs if ("mis", d.doc_id) in fake.hits}
    assert hits == {"20241021_0015": 2, "20241021_1200": 2, "20241021_2345": 3, "20241022_0000": 1,
                    "20241022_0015": 4, "20241022_2345": 1, "20241023_0000": 1}  # retries: 3 after the first try
    assert fake.hits[("list",)] == 2  # the listing answered 503 once

    fake.faults.clear(broken.doc_id)
    before = dict(fake.hits)
    again = run_download("ERCOT", "RT_SPP", None, day(22), base=faulty, progress=False)  # resumes at 10/22
    assert (again.downloaded, again.failed) == (1, 0), again.render()
    fetched_again = {k[1]: v - before.get(k, 0) for k, v in fake.hits.items() if k[0] == "mis"}
    assert {k for k, n in fetched_again.items() if n} == {broken.doc_id}
    assert landed_state(faulty, "ERCOT") == landed_state(clean, "ERCOT")
    assert state_of(faulty, "ERCOT")["datasets"]["RT_SPP"]["documents"] == \
        state_of(clean, "ERCOT")["datasets"]["RT_SPP"]["documents"]


def test_older_days_come_from_the_api_archive_in_bulk_with_token_renewal(httpserver, monkeypatch, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    docs = dam_docs(14, 25)
    fake = FakeErcot(httpserver, docs, mis_ids={d.doc_id for d in docs if d.published.date() >= day(21)})
    fake.env(monkeypatch)
    fake.token_lifetime_uses = 2  # the id_token "expires" every second request: 401, then a fresh sign-in
    monkeypatch.setattr(ercot_module, "BULK_MAX", 2)
    missing = docs[3]  # 10/17: absent from its bulk answer, fetched on its own
    fake.faults.set(("bulk-missing", missing.doc_id), "yes")
    fake.faults.set(("bulk", docs[1].doc_id), "truncate")  # the first bulk answer arrives cut: asked again
    base = tmp_path / "api"

    s = run_download("ERCOT", "DA_prices", day(15), day(23), base=base, progress=False)
    assert (s.listed, s.downloaded, s.failed) == (9, 9, 0), s.render()
    routes = {v["day"]: v["route"] for v in state_of(base, "ERCOT")["datasets"]["DA_prices"]["documents"].values()}
    assert routes == {**{f"2024-10-{n}": "api" for n in range(15, 22)}, "2024-10-22": "mis", "2024-10-23": "mis"}
    assert fake.hits[("bulk", 2)] == 4 and fake.hits[("bulk", 1)] == 0  # 7 API documents: 2 + 2 + 2 bulk, 1 GET
    assert fake.hits[("api", missing.doc_id)] == 1 and fake.hits[("api", docs[7].doc_id)] == 1
    assert fake.tokens_issued >= 3
    assert all(h.get("Ocp-Apim-Subscription-Key") == fake.credentials[2] for h in fake.seen_headers)
    mis_requests = [r for r, _ in httpserver.log if r.path.startswith("/mis")]
    assert mis_requests and not any("Authorization" in r.headers or "Ocp-Apim-Subscription-Key" in r.headers
                                    for r in mis_requests)
    assert not any(k[1] == d.xml_twin_id for d in docs for k in fake.hits if len(k) > 1)

    # the archive route leaves exactly what MIS would have left
    fake_all = tmp_path / "mis"
    fake.mis_ids = {d.doc_id for d in docs}
    run_download("ERCOT", "DA_prices", day(15), day(23), base=fake_all, progress=False)
    api_state, mis_state = landed_state(base, "ERCOT"), landed_state(fake_all, "ERCOT")
    assert api_state["csv"] == mis_state["csv"] and api_state["raw"] == mis_state["raw"]

    no_secrets(fake.secrets, caplog.text, s.render(), all_text(base), all_text(fake_all))


def test_missing_or_wrong_credentials_are_named(httpserver, monkeypatch, tmp_path):
    docs = dam_docs(14, 25)
    fake = FakeErcot(httpserver, docs, mis_ids={d.doc_id for d in docs if d.published.date() >= day(21)})
    fake.env(monkeypatch, credentials=False)
    base = tmp_path / "data"
    with pytest.raises(DownloadError) as err:
        run_download("ERCOT", "DA_prices", day(18), day(23), base=base, progress=False)
    message = str(err.value)
    for name in ("ERCOT_API_USERNAME", "ERCOT_API_PASSWORD", "ERCOT_API_SUBSCRIPTION_KEY"):
        assert name in message
    assert "2024-10-18..2024-10-21" in message
    assert not any(k[0] == "mis" for k in fake.hits)  # nothing was fetched before the check
    monkeypatch.setenv("ERCOT_API_USERNAME", fake.credentials[0])
    monkeypatch.setenv("ERCOT_API_SUBSCRIPTION_KEY", fake.credentials[2])
    with pytest.raises(DownloadError, match=r"^ERCOT_API_PASSWORD is not set"):
        run_download("ERCOT", "DA_prices", day(18), day(23), base=base, progress=False)
    monkeypatch.setenv("ERCOT_API_PASSWORD", "not-the-password")
    with pytest.raises(DownloadError, match="sign-in failed") as err:
        run_download("ERCOT", "DA_prices", day(18), day(23), base=base, progress=False)
    assert "ERCOT_API_PASSWORD" in str(err.value) and "not-the-password" not in str(err.value)
    # recent days alone need no account
    s = run_download("ERCOT", "DA_prices", day(22), day(23), base=base, progress=False)
    assert s.downloaded == 2


def test_arguments_are_checked_before_anything_is_fetched(httpserver, monkeypatch, tmp_path):
    fake = FakeErcot(httpserver, dam_docs(20, 22))
    fake.env(monkeypatch, credentials=False)
    with pytest.raises(DownloadError, match="--start"):
        run_download("ERCOT", "DA_prices", None, day(22), base=tmp_path, progress=False)
    with pytest.raises(DownloadError, match="RT_SPP"):
        run_download("ERCOT", "RT_5min", day(21), day(22), base=tmp_path, progress=False)
    with pytest.raises(DownloadError, match="after"):
        run_download("ERCOT", "DA_prices", day(22), day(21), base=tmp_path, progress=False)
    assert not fake.hits


def test_cli_download(httpserver, monkeypatch, tmp_path):
    fake = FakeErcot(httpserver, dam_docs(14, 25), mis_ids=set())
    fake.env(monkeypatch, credentials=False)
    monkeypatch.setenv("ISO_DATA_DIR", str(tmp_path / "cli"))
    runner = CliRunner()
    result = runner.invoke(cli, ["download", "ercot", "--dataset", "DA_prices", "--start", "2024-10-21",
                                 "--end", "2024-10-22"])
    assert result.exit_code == 1 and "ERCOT_API_USERNAME" in result.output
    fake.mis_ids = set(fake.docs)
    result = runner.invoke(cli, ["download", "ercot", "--dataset", "DA_prices", "--start", "2024-10-21",
                                 "--end", "2024-10-22"])
    assert result.exit_code == 0, result.output
    assert "2 downloaded" in result.output and "2 landed" in result.output
    assert len(list((tmp_path / "cli/ERCOT_data/csv_files/DA_prices").rglob("*.csv"))) == 2
