"""The real PJM Data Miner exports (fixtures/real_samples/pjm) through Stage 2: both DST slices of 2025 give a continuous
UTC series with the right prices, PJM's own EPT column agrees with our local time, the two exports that share the
name da_hrl_lmps.csv both land, ISO-8601 times (the JSON API's form, with and without milliseconds) parse to the same
instants, and a corrected row (higher version_nbr) replaces the original. Expectations are computed here from the
files with Python's csv, datetime and zoneinfo."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import REAL, build, query
from ingest.landing import land
from ingest.sample.pjm import generate_pjm

ET = ZoneInfo("America/New_York")
UTC = dt.UTC
PJM_REAL = REAL / "pjm"
DST_FILE = PJM_REAL / "rroyucsd_ECE228_Proj" / "da_hrl_lmps.csv"
HUBS_DA = PJM_REAL / "zhyg1212_cr-cvar-shp-experiments" / "da_hrl_lmps.csv"
HUBS_RT = PJM_REAL / "zhyg1212_cr-cvar-shp-experiments" / "rt_hrl_lmps.csv"
EXPORT_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d\d):(\d\d) (AM|PM)$")
CORRECTED_UTC = dt.datetime(2025, 11, 2, 6, tzinfo=UTC)  # the second EPT 1:00 AM of 11/2/2025
CORRECTED_PRICE = 39.999999


def parse_export(text: str) -> dt.datetime:
    m = EXPORT_TIME.match(text)
    assert m, text
    month, day, year, hour, minute, second = (int(x) for x in m.groups()[:6])
    return dt.datetime(year, month, day, hour % 12 + (12 if m[7] == "PM" else 0), minute, second)


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8").replace("\r\n", "\n"))))


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pjm_real")
    base = tmp / "data"
    # a correction of one real row, as Data Miner publishes it: same interval and pnode, version_nbr 2
    original = DST_FILE.read_bytes().decode().split("\r\n")
    header, row = original[0], next(r for r in original if r.startswith("11/2/2025 6:00:00 AM,"))
    cells = row.split(",")
    cells[9], cells[13] = f"{CORRECTED_PRICE:.6f}", "2"
    (tmp / "correction").mkdir()
    (tmp / "correction" / "da_hrl_lmps_correction.csv").write_bytes(f"{header}\r\n{','.join(cells)}\r\n".encode())
    # the JSON API's ISO-8601 times: two days of the generated sample, written in that form
    generate_pjm(tmp / "iso", start=dt.date(2024, 11, 3), days=1, datasets=("DA_prices", "RT_hourly"), timestamps="iso")
    summary = land("PJM", [PJM_REAL, tmp / "correction", tmp / "iso"], base=base)
    assert not summary.quarantined and summary.landed["DA_prices"] == 4 and summary.landed["RT_hourly"] == 2
    statuses = build(base, "--select", "tag:pjm")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"]: r["status"] for r in results if r["status"] in ("error", "fail")}
    assert not errors, errors  # gaps between the real excerpts are warnings, never errors
    return base


@pytest.mark.parametrize("day,ept_hours,repeated", [
    (dt.date(2025, 11, 2), ["1:00:00 AM", "1:00:00 AM", "2:00:00 AM"], "1:00:00 AM"),   # fall back: 1 AM twice
    (dt.date(2025, 3, 9), ["1:00:00 AM", "3:00:00 AM"], None),                          # spring forward: no 2 AM
])
def test_real_dst_slices_are_continuous_in_utc_with_the_right_prices(real, day, ept_hours, repeated):
    rows = [r for r in rows_of(DST_FILE) if parse_export(r["datetime_beginning_utc"]).date() == day]
    ept = [r["datetime_beginning_ept"].split(" ", 1)[1] for r in rows]
    assert [h for h in ept if h in ept_hours] == ept_hours  # the real file's DST signature
    expected = {parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC): float(r["total_lmp_da"]) for r in rows}
    if day == CORRECTED_UTC.date():
        expected[CORRECTED_UTC] = CORRECTED_PRICE
    got = query(real, """select datetime, datetime_local, hour_ending, da_lmp, settlement_type from pjm.da_prices
        where settlement_point = 'PJM-RTO' and timezone('UTC', datetime)::date = ? order by datetime""", [day])
    assert {t: v for t, _, _, v, _ in got} == expected
    utc = [t for t, *_ in got]
    assert all(b - a == dt.timedelta(hours=1) for a, b in zip(utc, utc[1:]))  # continuous, no duplicate
    for (t, local, he, _, kind), r in zip(got, rows):
        assert local == parse_export(r["datetime_beginning_ept"])  # PJM's own wall clock = ours (from UTC)
        assert local == t.astimezone(ET).replace(tzinfo=None)
        assert he == local.hour + 1 and kind == "ZONE"
    if repeated:
        twice = [(t, he) for t, local, he, *_ in got if local.strftime("%-I:%M:%S %p") == repeated]
        assert [t.hour for t, _ in twice] == [5, 6] and [he for _, he in twice] == [2, 2]


def test_every_real_row_is_in_stage2(real):
    expected = {}
    for path, table, col in [(DST_FILE, "da_prices", "total_lmp_da"), (HUBS_DA, "da_prices", "total_lmp_da"),
                             (HUBS_RT, "rt_hourly", "total_lmp_rt")]:
        for r in rows_of(path):
            key = (table, parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC), r["pnode_name"])
            expected[key] = float(r[col])
    expected[("da_prices", CORRECTED_UTC, "PJM-RTO")] = CORRECTED_PRICE
    got = {}
    for table in ("da_prices", "rt_hourly"):
        for t, p, v in query(real, f"""select datetime, settlement_point, {table[:2]}_lmp from pjm.{table}
                                       where year = 2025"""):
            got[(table, t, p)] = v
    assert got == expected
    hubs = query(real, "select distinct settlement_point, settlement_type from pjm.da_prices where settlement_point like '%HUB'")
    assert len(hubs) == 12 and {t for _, t in hubs} == {"HUB"}


def test_two_exports_named_da_hrl_lmps_csv_both_land(real):
    files = [r[0] for r in query(real, """select distinct source_file from pjm.da_prices
        where source_file like '%/da_hrl_lmps%' and year = 2025 order by 1""")]
    names = [f.rsplit("/", 1)[1] for f in files]
    assert len(names) == 3 and "da_hrl_lmps.csv" in names and "da_hrl_lmps_correction.csv" in names
    assert any(re.match(r"^da_hrl_lmps__[0-9a-f]{12}\.csv$", n) for n in names)


def test_the_correction_with_a_higher_version_wins(real):
    rows = query(real, """select version_nbr, da_lmp from pjm.int_pjm__da_prices
        where settlement_point = 'PJM-RTO' and datetime = ? order by version_nbr""", [CORRECTED_UTC])
    original = next(float(r["total_lmp_da"]) for r in rows_of(DST_FILE) if r["datetime_beginning_utc"] == "11/2/2025 6:00:00 AM")
    assert rows == [(1, original), (2, CORRECTED_PRICE)]
    assert query(real, "select da_lmp from pjm.da_prices where settlement_point = 'PJM-RTO' and datetime = ?",
                 [CORRECTED_UTC]) == [(CORRECTED_PRICE,)]


def test_iso_8601_times_parse_to_the_same_instants(real, tmp_path):
    export = generate_pjm(tmp_path, start=dt.date(2024, 11, 3), days=1, datasets=("DA_prices", "RT_hourly"))
    for path, table, col in [(export[0], "da_prices", "total_lmp_da"), (export[1], "rt_hourly", "total_lmp_rt")]:
        expected = {(parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC), r["pnode_name"]): float(r[col])
                    for r in rows_of(path)}
        got = {(t, p): v for t, p, v in query(real, f"""select datetime, settlement_point, {table[:2]}_lmp
            from pjm.{table} where year = 2024""")}
        assert got == expected  # landed in ISO 8601 (some with .000), read as the same UTC instants and prices
        assert len({t for t, _ in got}) == 25
