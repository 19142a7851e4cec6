"""`iso-pipeline check`: each alert fires on a purpose-built situation and stays quiet on the clean sample.

Situations are made on a copy of the built sample's warehouse: a Stage 2 view is replaced by the same parquet minus
(or plus) the defect, so the alert sees exactly what a missing file, a price spike or a vanished point leaves behind.
The clean sample is judged as of its own end (2024-11-11 00:00 CST), the real clock would find two years missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.landing import land
from ingest.monitor.alerts import evaluate, run_check
from ingest.monitor.cadence import expected_per_day
from ingest.monitor.common import connect, parse_time

END_OF_SAMPLE = parse_time("2024-11-11T00:00-06:00")


@pytest.fixture(autouse=True)
def _roomy_disk(monkeypatch):
    """The machine's free disk is not part of the sample: only the disk test sets a threshold that can fire."""
    monkeypatch.setenv("ALERT_MIN_FREE_DISK_GB", "0")
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("ISO_PIPELINE_NOW", raising=False)


def copy_warehouse(built: Path, tmp_path: Path) -> Path:
    """A writable copy of the built warehouse (its Stage 2 views still read the built sample's parquet)."""
    base = tmp_path / "copy"
    base.mkdir()
    shutil.copy(built / "warehouse.duckdb", base / "warehouse.duckdb")
    return base


def rewrite_view(base: Path, relation: str, select: str) -> None:
    """Replace a view by `select` over its old definition (available as `old`)."""
    schema, name = relation.split(".")
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        sql, = con.execute("select sql from duckdb_views() where schema_name = ? and view_name = ?",
                           [schema, name]).fetchone()
        old = sql[sql.upper().index(" AS ") + 4:].rstrip().rstrip(";")
        con.execute(f"create or replace view {relation} as with old as ({old}) {select}")


def alerts_of(base: Path, as_of=END_OF_SAMPLE, iso: str = "ERCOT"):
    with connect(base) as con:
        return evaluate(con, base, [iso], as_of)


def test_clean_sample_is_quiet(built):
    assert alerts_of(built) == []
    proc = subprocess.run([str(Path(sys.executable).with_name("iso-pipeline")), "check", "ercot", "--as-of",
                           "2024-11-11T00:00-06:00"], capture_output=True, text=True,
                          env={**os.environ, "ISO_DATA_DIR": str(built)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no alerts for ERCOT" in proc.stdout


def test_expected_publications_per_day_follow_the_time_zone():
    for day, sced, spp in [("2024-11-03", 300, 100), ("2024-03-10", 276, 92), ("2024-11-04", 288, 96)]:
        d = dt.date.fromisoformat(day)
        assert expected_per_day("ERCOT", "np6_788_cd", d) == sced
        assert expected_per_day("ERCOT", "np6_905_cd", d) == spp
        assert expected_per_day("ERCOT", "np4_190_cd", d) == 1


def test_missing_files(built, tmp_path):
    base = copy_warehouse(built, tmp_path)
    # a DAM file (operating day 2024-11-07), three SCED intervals on 2024-11-05 and the repeated hour's four SPP
    # files of the fall-back day (the second 01:00-02:00 CST = 07:00-08:00 UTC)
    rewrite_view(base, "ercot.da_prices", "select * from old where datetime_local::date <> date '2024-11-07'")
    rewrite_view(base, "ercot.rt_prices", "select * from old where not (datetime >= timestamptz '2024-11-05 16:00+00' "
                                          "and datetime < timestamptz '2024-11-05 16:15+00')")
    rewrite_view(base, "ercot.rt_spp", "select * from old where not (datetime >= timestamptz '2024-11-03 07:00+00' "
                                       "and datetime < timestamptz '2024-11-03 08:00+00')")
    alerts = {a.where: a for a in alerts_of(base)}
    assert {a.kind for a in alerts.values()} == {"missing_files"}, [a.render() for a in alerts.values()]

    da = alerts["DA_prices (np4_190_cd)"]
    assert da.details["days"] == [{"day": "2024-11-07", "missing": 1, "expected": 1,
                                   "first_missing": "2024-11-07T00:00:00-06:00"}]
    assert da.since == dt.datetime(2024, 11, 7, 6, tzinfo=dt.UTC)
    assert da.what.startswith("1 of 13 DAM settlement point price files (one per operating day) expected from "
                              "2024-10-29 to 2024-11-11 are missing: 2024-11-07")

    rt = alerts["RT_prices (np6_788_cd)"]
    assert [(d["day"], d["missing"], d["expected"]) for d in rt.details["days"]] == [("2024-11-05", 3, 288)]
    assert rt.since.isoformat() == "2024-11-05T10:00:00-06:00"

    spp = alerts["RT_SPP (np6_905_cd)"]
    assert [(d["day"], d["missing"], d["expected"]) for d in spp.details["days"]] == [("2024-11-03", 4, 100)]
    assert spp.since.isoformat() == "2024-11-03T01:00:00-06:00"  # the repeated hour, in CST


def test_missing_files_as_of_today_says_since_when(built):
    alerts = {a.where: a for a in alerts_of(built, as_of=parse_time("2024-11-20T12:00"))}
    da = alerts["DA_prices (np4_190_cd)"]
    assert da.since.isoformat() == "2024-11-11T00:00:00-06:00"
    assert "nothing since 2024-11-11 00:00 CST" in da.what
    assert [d["day"] for d in da.details["days"]][0] == "2024-11-11"


def test_schema_change(tmp_path, ercot_raw, httpserver, monkeypatch):
    base = tmp_path / "data"
    dam = sorted(ercot_raw.rglob("*DAMSPNP4190*"))[0]
    land("ERCOT", [dam], base=base)  # one good file
    changed = tmp_path / "new" / "cdr.00012331.0000000000000000.20241111.123005.DAMSPNP4190.csv"
    changed.parent.mkdir()
    changed.write_text("DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag,SettlementPointType\n"
                       "11/12/2024,01:00,HB_NORTH,31.2,N,HU\n")
    land("ERCOT", [changed], base=base)

    httpserver.expect_request("/hooks/secret-token", method="POST").respond_with_data("ok")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", httpserver.url_for("/hooks/secret-token"))
    out: list[str] = []
    assert run_check("ERCOT", "2024-11-11T00:00-06:00", base=base, echo=out.append) == 1, out
    monkeypatch.delenv("ALERT_WEBHOOK_URL")
    (alert,) = alerts_of(base)  # nothing built yet: only the schema change can be judged
    assert alert.kind == "schema_change" and alert.where == "DA_prices (np4_190_cd)"
    assert "SettlementPointType" in alert.what and changed.name in alert.what
    assert dt.datetime.now(dt.UTC) - alert.since < dt.timedelta(minutes=5)

    (request, _response), = httpserver.log
    body = json.loads(request.data)
    assert request.headers["Content-Type"] == "application/json"
    assert body["count"] == 1 and body["iso"] == "ERCOT"
    assert body["alerts"][0]["kind"] == "schema_change"
    assert body["alerts"][0]["where"] == "DA_prices (np4_190_cd)" and body["alerts"][0]["since"]
    assert "schema_change" in body["text"]


def test_webhook_failure_is_reported_without_the_url(tmp_path, ercot_raw, httpserver, monkeypatch):
    base = tmp_path / "data"
    land("ERCOT", [sorted(ercot_raw.rglob("*DAMSPNP4190*"))[0]], base=base)
    httpserver.expect_request("/hooks/secret-token").respond_with_data("nope", status=403)
    monkeypatch.setenv("ALERT_WEBHOOK_URL", httpserver.url_for("/hooks/secret-token"))
    monkeypatch.setenv("ALERT_MIN_FREE_DISK_GB", "1e12")  # something to send
    errors: list[str] = []
    assert run_check("ERCOT", base=base, echo=lambda m: None, echo_err=errors.append) == 1
    assert len(errors) == 1 and "HTTP 403" in errors[0] and "secret-token" not in errors[0]


@pytest.mark.parametrize("read", ["summary", "rows"])
def test_unusual_price(built, tmp_path, read):
    """HB_NORTH's DA prices 150 $/MWh higher on the last day: judged from the Stage 2 day summaries (main._day_keys:
    each hub's value sum and count per day) when they are complete, from the rows otherwise."""
    base = copy_warehouse(built, tmp_path)
    spiked = "settlement_point = 'HB_NORTH' and datetime_local::date = date '2024-11-10'"
    rewrite_view(base, "ercot.da_prices", f"select * replace (case when {spiked} then da_lmp + 150 else da_lmp end as da_lmp) from old")
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        if read == "summary":  # what an export of the rewritten rows would have summarized
            (changed,) = con.execute("""update main._day_keys set value_sum = value_sum + 150 * value_count
                                        where model like '%."ercot"."da_prices"' and key = 'HB_NORTH'
                                          and day = date '2024-11-10'""").fetchone()
            assert changed == 1
        else:
            con.execute("update main._export_state set summarized_at = null")
    (alert,) = alerts_of(base)
    assert alert.kind == "unusual_price" and alert.where == "DA_prices HB_NORTH"
    assert alert.details["z"] > 4 and alert.since.isoformat() == "2024-11-10T00:00:00-06:00"
    assert "2024-11-10" in alert.what and "standard deviations" in alert.what


def test_vanished_settlement_point(built, tmp_path):
    base = copy_warehouse(built, tmp_path)
    rewrite_view(base, "ercot.rt_spp",
                 "select * from old where not (settlement_point = 'HB_WEST' and datetime_local::date = date '2024-11-10')")
    (alert,) = alerts_of(base)
    assert alert.kind == "vanished_point" and alert.where == "RT_SPP"
    assert alert.details["points"] == [{"point": "HB_WEST", "last_seen": "2024-11-09"}]
    assert alert.since.isoformat() == "2024-11-10T00:00:00-06:00"


def test_unfinished_run(built, tmp_path):
    """A dbt run that started (on-run-start wrote its row) and never reached on-run-end: killed or crashed."""
    base = copy_warehouse(built, tmp_path)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("insert into monitoring.runs (run_id, kind, command, args, started_at, status) "
                    "values ('killed-1', 'dbt', 'build', '', now(), 'running')")
    (alert,) = alerts_of(base)
    assert alert.kind == "run_failed" and "never finished" in alert.what and alert.where == "run killed-1"


def test_low_disk(built, monkeypatch):
    monkeypatch.setenv("ALERT_MIN_FREE_DISK_GB", "1e12")
    (alert,) = alerts_of(built)
    assert alert.kind == "low_disk" and alert.where == str(built)
    assert "under ALERT_MIN_FREE_DISK_GB=1e+12" in alert.what
