"""CAISO through all four stages on the generic models: the generated OASIS sample is landed and built with
`dbt build --select tag:caiso` (plus the seeds), then checked against the landed CSVs themselves, Python's zoneinfo
and plain-Python arithmetic: DST days in UTC, every landed row in Stage 2 exactly once, pivot accuracy, the
alignment of hourly DA / AS with 15-minute RT, and the later of two OASIS downloads winning."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import duckdb
import pytest

from conftest import build
from ingest.config import IsoPaths
from ingest.landing import land
from ingest.sample.caiso import expected_counts, generate_caiso

PT = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FALL_BACK = dt.date(2024, 11, 3)
COLUMN_OF = {"LMP": "lmp", "MCE": "energy", "MCC": "congestion", "MCL": "loss", "MGHG": "ghg"}
PRICE_DATASETS = {  # dataset -> (format, price column in the CSV, Stage 2 column prefix, minutes)
    "DA_prices": ("prc_lmp", "MW", "da", 60),
    "RT_prices": ("prc_rtpd_lmp", "PRC", "rt", 15),
    "RT_5min": ("prc_intvl_lmp", "VALUE", "rt", 5),
}
HUB = "TH_SP15_GEN-APND"


def select(base: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Query the parquet outputs directly (`{root}` = CAISO_data/rollup_files)."""
    root = IsoPaths.of("CAISO", base).rollup_files
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(sql.replace("{root}", str(root)), params or []).fetchall()


def parquet(path: str) -> str:
    return f"read_parquet('{{root}}/{path}/**/*.parquet', hive_partitioning = true)"


def as_products() -> dict[str, str]:
    with (SEEDS / "as_products.csv").open(newline="") as fh:
        return {r["iso_product"]: r["as_product"] for r in csv.DictReader(fh) if r["iso"] == "CAISO"}


def landed_csvs(base: Path, dataset: str) -> list[Path]:
    return sorted((IsoPaths.of("CAISO", base).csv_files / dataset).rglob("*.csv"))


@pytest.fixture(scope="module")
def caiso(tmp_path_factory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("caiso")
    generate_caiso(tmp / "raw")  # 2024-10-21, 21 days: the fall-back day 2024-11-03 inside
    summary = land("CAISO", [tmp / "raw"], base=tmp / "data")
    statuses = build(tmp / "data", "--select", "tag:caiso")  # the seeds carry every ISO tag
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return SimpleNamespace(base=tmp / "data", raw=tmp / "raw", summary=summary, statuses=statuses)


def test_every_oasis_csv_lands_and_every_dbt_test_passes(caiso):
    expected = expected_counts()
    assert not caiso.summary.quarantined
    for ds, want in expected.items():
        assert (caiso.summary.landed[ds], caiso.summary.rows[ds]) == (want["files"], want["rows"]), ds
    results = json.loads((caiso.base / "dbt_target" / "run_results.json").read_text())["results"]
    tests = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    assert len(tests) > 60
    assert set(tests.values()) == {"pass"}, {k: v for k, v in tests.items() if v != "pass"}
    assert {r["status"] for r in results if not r["unique_id"].startswith("test.")} <= {"success"}
    root = IsoPaths.of("CAISO", caiso.base).rollup_files
    assert "CAISO quality report" in (root / "quality_report.md").read_text()


@pytest.mark.parametrize("dataset,minutes", [("DA_prices", 60), ("RT_prices", 15), ("RT_5min", 5), ("AS_prices", 60)])
def test_dst_days_are_continuous_in_utc_with_local_columns_from_zoneinfo(caiso, dataset, minutes):
    key = "as_product || as_region" if dataset == "AS_prices" else "settlement_point"
    rows = select(caiso.base, f"""
        select datetime, interval_end, datetime_local, hour_ending, interval_minutes, count(*) over (partition by datetime)
        from {parquet(dataset)} where {key} = (select min({key}) from {parquet(dataset)}) order by datetime""")
    step = dt.timedelta(minutes=minutes)
    for utc, end, local, he, mins, _ in rows:
        utc = utc.astimezone(UTC)
        wall = utc.astimezone(PT)
        assert local == wall.replace(tzinfo=None)
        assert he == wall.hour + 1
        assert (end - utc, mins) == (step, minutes)
    starts = [r[0].astimezone(UTC) for r in rows]
    assert all(b - a == step for a, b in zip(starts, starts[1:]))  # no duplicate, no hole, across both DST days
    first = dt.datetime.combine(dt.date(2024, 10, 21), dt.time(0), PT).astimezone(UTC)
    last = dt.datetime.combine(dt.date(2024, 11, 11), dt.time(0), PT).astimezone(UTC)
    assert (starts[0], starts[-1] + step) == (first, last)
    per_day = Counter(r[2].date() for r in rows)
    assert per_day[FALL_BACK] == 25 * 60 // minutes and per_day[dt.date(2024, 11, 2)] == 24 * 60 // minutes
    repeated = [r for r in rows if r[2].date() == FALL_BACK and r[2].hour == 1]
    assert len(repeated) == 2 * 60 // minutes and len({r[0] for r in repeated}) == len(repeated)


@pytest.mark.parametrize("dataset", list(PRICE_DATASETS))
def test_every_landed_component_row_is_in_stage2_exactly_once(caiso, dataset):
    fmt, price_col, prefix, _ = PRICE_DATASETS[dataset]
    expected: dict[tuple[dt.datetime, str], dict[str, float]] = defaultdict(dict)
    lmp_file_rows: Counter = Counter()
    n_rows = 0
    for path in landed_csvs(caiso.base, dataset):
        with path.open(newline="") as fh:
            for r in csv.DictReader(fh):
                n_rows += 1
                key = (dt.datetime.fromisoformat(r["INTERVALSTARTTIME_GMT"]), r["NODE"])
                column = f"{prefix}_{COLUMN_OF[r['LMP_TYPE']]}"
                assert column not in expected[key], ("a component delivered twice", path.name, key)
                expected[key][column] = float(r[price_col])
                if r["LMP_TYPE"] == "LMP":
                    lmp_file_rows[f"csv_files/{dataset}/{fmt}/{path.name}"] += 1
    assert n_rows == expected_counts()[dataset]["rows"]
    columns = [f"{prefix}_{c}" for c in COLUMN_OF.values()]
    got = select(caiso.base, f"select datetime, settlement_point, {', '.join(columns)}, source_file from {parquet(dataset)}")
    assert len(got) == len(expected) == n_rows // 5  # five component rows -> one Stage 2 row
    for t, point, *values, _source_file in got:
        assert dict(zip(columns, values)) == expected[(t.astimezone(UTC), point)], (t, point)
    assert Counter(r[-1] for r in got) == lmp_file_rows  # per LMP file: each of its rows once


def test_every_landed_as_row_is_in_stage2_exactly_once(caiso):
    products = as_products()
    expected = {}
    for path in landed_csvs(caiso.base, "AS_prices"):
        with path.open(newline="") as fh:
            for r in csv.DictReader(fh):
                key = (dt.datetime.fromisoformat(r["INTERVALSTARTTIME_GMT"]), r["ANC_REGION"], products[r["ANC_TYPE"]])
                assert key not in expected
                expected[key] = (float(r["MW"]), f"csv_files/AS_prices/prc_as/{path.name}")
    got = select(caiso.base, f"select datetime, as_region, as_product, as_price, source_file from {parquet('AS_prices')}")
    assert {(t.astimezone(UTC), reg, prod): (v, f) for t, reg, prod, v, f in got} == expected
    assert len(got) == len(expected)


def test_components_add_up_in_stage2(caiso):
    bad = select(caiso.base, f"""select count(*) from {parquet('DA_prices')}
        where abs(da_lmp - (da_energy + da_congestion + da_loss + da_ghg)) > 2e-5""")
    assert bad == [(0,)]


@pytest.mark.parametrize("dataset,key,value", [("DA_prices", "settlement_point", "da_lmp"), ("RT_prices", "settlement_point", "rt_lmp"),
                                               ("RT_5min", "settlement_point", "rt_lmp"),
                                               ("AS_prices", "as_product || '_' || as_region", "as_price")])
def test_pivot_accuracy_wide_cell_equals_long_value(caiso, dataset, key, value):
    con_rows = select(caiso.base, f"select * from {parquet('flattened/' + dataset)} order by datetime")
    names = [r[0] for r in select(caiso.base, f"describe select * from {parquet('flattened/' + dataset)}")]
    wide = {r[0].astimezone(UTC): dict(zip(names, r)) for r in con_rows}
    long = select(caiso.base, f"select datetime, {key}, {value} from {parquet(dataset)}")
    assert set(names) - {"datetime", "year"} == {k for _, k, _ in long}
    for t, k, v in long:
        assert wide[t.astimezone(UTC)][k] == v
    # the sample has no gaps: every wide cell is a long value (nothing filled, nothing invented)
    assert sum(1 for row in wide.values() for c, v in row.items() if c not in ("datetime", "year") and v is not None) == len(long)
    if dataset == "AS_prices":  # products in the seed's order, then regions
        assert names[1:4] == ["REG_UP_AS_CAISO_EXP", "REG_UP_AS_NP26_EXP", "REG_UP_AS_SP26_EXP"]


def test_native_combination_aligns_hourly_da_and_as_with_15_minute_rt(caiso):
    names = [r[0] for r in select(caiso.base, f"describe select * from {parquet('combined/yearly/DA_AS_RT_native')}")]
    rows = [dict(zip(names, r))
            for r in select(caiso.base, f"select * from {parquet('combined/yearly/DA_AS_RT_native')} order by datetime")]
    da = {t.astimezone(UTC): v for t, v in select(
        caiso.base, f"select datetime, da_lmp from {parquet('DA_prices')} where settlement_point = ?", [HUB])}
    rt = {t.astimezone(UTC): v for t, v in select(
        caiso.base, f"select datetime, rt_lmp from {parquet('RT_prices')} where settlement_point = ?", [HUB])}
    reg_up = {t.astimezone(UTC): v for t, v in select(caiso.base, f"""select datetime, as_price from {parquet('AS_prices')}
        where as_region = 'AS_CAISO_EXP' and as_product = 'REG_UP'""")}
    per_hour = Counter(r["datetime"].astimezone(UTC).replace(minute=0) for r in rows)
    assert set(per_hour.values()) == {4}  # four RTPD intervals share each hour's DA and AS
    per_day = Counter(r["datetime"].astimezone(PT).date() for r in rows)
    assert per_day[FALL_BACK] == 100 and per_day[dt.date(2024, 11, 4)] == 96
    assert len(rows) == len(rt)
    for r in rows:
        t = r["datetime"].astimezone(UTC)
        hour = t.replace(minute=0)
        assert r[f"DA_{HUB}"] == da[hour] and r[f"RT_{HUB}"] == rt[t] and r["AS_REG_UP_AS_CAISO_EXP"] == reg_up[hour]
    assert not [c for c in names if c.startswith("RT_") and ("0096WD" in c or "AVENAL" in c)]  # nodes left out by default


def test_hourly_statistics_are_exact(caiso):
    names = [r[0] for r in select(caiso.base, f"describe select * from {parquet('combined/yearly/ALL_markets')}")]
    rows = [dict(zip(names, r)) for r in select(caiso.base, f"select * from {parquet('combined/yearly/ALL_markets')}")]
    rt = defaultdict(list)
    for t, v in select(caiso.base, f"select datetime, rt_lmp from {parquet('RT_prices')} where settlement_point = ?", [HUB]):
        rt[t.astimezone(UTC).replace(minute=0)].append(v)
    five = defaultdict(list)
    for t, v in select(caiso.base, f"select datetime, rt_lmp from {parquet('RT_5min')} where settlement_point = ?", [HUB]):
        five[t.astimezone(UTC).replace(minute=0)].append(v)
    assert len(rows) == len(rt) == 21 * 24 + 1
    for r in rows:
        h = r["datetime"].astimezone(UTC)
        v = rt[h]
        mean = sum(v) / len(v)
        assert len(v) == 4 and len(five[h]) == 12
        assert math.isclose(r[f"RT_AVG_{HUB}"], mean, rel_tol=1e-12, abs_tol=1e-9)
        assert (r[f"RT_MAX_{HUB}"], r[f"RT_MIN_{HUB}"]) == (max(v), min(v))
        sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (len(v) - 1))
        assert math.isclose(r[f"RT_STD_{HUB}"], sd, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(r[f"RT_5MIN_{HUB}"], sum(five[h]) / 12, rel_tol=1e-12, abs_tol=1e-9)


def test_outputs_are_where_design_md_puts_them(caiso):
    root = IsoPaths.of("CAISO", caiso.base).rollup_files
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for ds in ("DA_prices", "RT_prices", "RT_5min", "AS_prices"):
        # Stage 2: one file per local operating day
        days = {r[0] for r in select(caiso.base, f"select distinct strftime(datetime_local, '%Y%m%d') from {parquet(ds)}")}
        assert {f for f in files if f.startswith(f"{ds}/")} == {f"{ds}/year=2024/data_{d}.parquet" for d in days}
        # Stage 3: one file per local month of the complete index
        assert {f for f in files if f.startswith(f"flattened/{ds}/")} == {f"flattened/{ds}/year=2024/data_{d[:6]}.parquet" for d in days}
    for combo in ("DA_AS_combined", "DA_AS_RT_hourly", "DA_AS_RT_native", "ALL_markets"):
        assert f"combined/yearly/{combo}/year=2024/data_0.parquet" in files
        assert {f"combined/monthly/{combo}/year=2024/month={m}/data_0.parquet" for m in (10, 11)} <= files
    assert {"combined/analysis_ready/FULL_DATASET.parquet", "gaps_report.md", "quality_report.md",
            "schema_registry.json"} <= files
    registry = json.loads((root / "schema_registry.json").read_text())
    assert set(registry["datasets"]) == {"DA_prices", "RT_prices", "RT_5min", "AS_prices"}
    codec = select(caiso.base, "select distinct compression from parquet_metadata('{root}/DA_prices/year=2024/*.parquet')")
    assert codec == [("ZSTD",)]


def test_a_later_oasis_download_replaces_an_earlier_one(tmp_path):
    """OASIS CSV names do not change between downloads; the zip name carries the request time, and the later request
    wins whatever the landing order (here the re-download is landed first)."""
    first = generate_caiso(tmp_path / "first", start=dt.date(2024, 11, 2), days=2, datasets=("DA_prices",))
    # re-download of 2024-11-03 a month later, with different prices (another seed), under OASIS's later request time
    (again,) = generate_caiso(tmp_path / "again", start=FALL_BACK, days=1, seed=8, datasets=("DA_prices",))
    later = again.with_name(again.name.rsplit("_", 5)[0] + "_20241203_10_00_00_v12.zip")
    shutil.move(again, later)
    base = tmp_path / "data"
    land("CAISO", [later], base=base)
    land("CAISO", first, base=base)
    statuses = build(base, "--select", "+caiso_da_prices", "--resource-type", "model", "--resource-type", "seed")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-3000:]

    def lmp_rows(zip_path: Path) -> dict[tuple[dt.datetime, str], float]:
        with zipfile.ZipFile(zip_path) as zf:
            name = next(n for n in zf.namelist() if n.endswith("_LMP_v12.csv"))
            return {(dt.datetime.fromisoformat(r["INTERVALSTARTTIME_GMT"]), r["NODE"]): float(r["MW"])
                    for r in csv.DictReader(zf.read(name).decode().splitlines())}

    earlier, new = lmp_rows(first[0]), lmp_rows(later)
    got = {(t.astimezone(UTC), p): v for t, p, v in
           select(base, f"select datetime, settlement_point, da_lmp from {parquet('DA_prices')}")}
    assert len(new) == 25 * 10 and set(got) == set(earlier) and set(new) < set(earlier)
    assert got == {k: new.get(k, v) for k, v in earlier.items()}
    assert sum(earlier[k] != got[k] for k in new) > 200
