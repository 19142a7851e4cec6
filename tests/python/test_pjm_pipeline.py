"""PJM through all four stages on the generic models: the generated Data Miner sample is landed and built with
`dbt build --select tag:pjm` (plus the seeds), then checked against the landed CSVs, Python's zoneinfo and plain-Python
arithmetic: DST days in UTC (and PJM's own EPT column agreeing with our local time), every landed row in Stage 2
exactly once, pivot accuracy, hourly DA / AS aligned with 5-minute RT, and PJM's hourly RT next to our hourly means."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import duckdb
import pytest

from conftest import build
from ingest.config import IsoPaths
from ingest.landing import land
from ingest.sample.pjm import expected_counts, generate_pjm

ET = ZoneInfo("America/New_York")
UTC = dt.UTC
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FALL_BACK = dt.date(2024, 11, 3)
HUB = "WESTERN HUB"
FEEDS = {"DA_prices": ("da_hrl_lmps", "da", 60), "RT_prices": ("rt_fivemin_hrl_lmps", "rt", 5),
         "RT_hourly": ("rt_hrl_lmps", "rt", 60)}
EXPORT_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d\d):(\d\d) (AM|PM)$")


def parse_export(text: str) -> dt.datetime:
    m = EXPORT_TIME.match(text)
    assert m, text
    month, day, year, hour, minute, second = (int(x) for x in m.groups()[:6])
    return dt.datetime(year, month, day, hour % 12 + (12 if m[7] == "PM" else 0), minute, second)


def select(base: Path, sql: str, params: list | None = None) -> list[tuple]:
    root = IsoPaths.of("PJM", base).rollup_files
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(sql.replace("{root}", str(root)), params or []).fetchall()


def parquet(path: str) -> str:
    return f"read_parquet('{{root}}/{path}/**/*.parquet', hive_partitioning = true)"


def table(base: Path, path: str) -> list[dict]:
    names = [r[0] for r in select(base, f"describe select * from {parquet(path)}")]
    return [dict(zip(names, r)) for r in select(base, f"select * from {parquet(path)} order by datetime")]


def landed_csvs(base: Path, dataset: str) -> list[Path]:
    return sorted((IsoPaths.of("PJM", base).csv_files / dataset).rglob("*.csv"))


@pytest.fixture(scope="module")
def pjm(tmp_path_factory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("pjm")
    generate_pjm(tmp / "raw")  # 2024-10-21, 21 days: the fall-back day 2024-11-03 inside
    summary = land("PJM", [tmp / "raw"], base=tmp / "data")
    statuses = build(tmp / "data", "--select", "tag:pjm")  # the seeds carry every ISO tag
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return SimpleNamespace(base=tmp / "data", summary=summary)


def test_every_export_lands_and_every_dbt_test_passes(pjm):
    assert not pjm.summary.quarantined
    for ds, want in expected_counts().items():
        assert (pjm.summary.landed[ds], pjm.summary.rows[ds]) == (want["files"], want["rows"]), ds
    results = json.loads((pjm.base / "dbt_target" / "run_results.json").read_text())["results"]
    tests = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    assert len(tests) > 60
    assert set(tests.values()) == {"pass"}, {k: v for k, v in tests.items() if v != "pass"}


@pytest.mark.parametrize("dataset,minutes", [("DA_prices", 60), ("RT_prices", 5), ("RT_hourly", 60), ("AS_prices", 60)])
def test_dst_days_are_continuous_in_utc_with_local_columns_from_zoneinfo(pjm, dataset, minutes):
    key = "as_product || as_region" if dataset == "AS_prices" else "settlement_point"
    rows = select(pjm.base, f"""select datetime, interval_end, datetime_local, hour_ending from {parquet(dataset)}
        where {key} = (select min({key}) from {parquet(dataset)}) order by datetime""")
    step = dt.timedelta(minutes=minutes)
    for utc, end, local, he in rows:
        wall = utc.astimezone(ET)
        assert (local, he, end - utc) == (wall.replace(tzinfo=None), wall.hour + 1, step)
    starts = [r[0] for r in rows]
    assert all(b - a == step for a, b in zip(starts, starts[1:]))
    first = dt.datetime.combine(dt.date(2024, 10, 21), dt.time(0), ET).astimezone(UTC)
    last = dt.datetime.combine(dt.date(2024, 11, 11), dt.time(0), ET).astimezone(UTC)
    assert (starts[0], starts[-1] + step) == (first, last)
    per_day = Counter(r[2].date() for r in rows)
    assert per_day[FALL_BACK] == 25 * 60 // minutes and per_day[dt.date(2024, 11, 4)] == 24 * 60 // minutes


@pytest.mark.parametrize("dataset", list(FEEDS))
def test_every_landed_row_is_in_stage2_exactly_once_with_pjms_own_ept(pjm, dataset):
    feed, m, _ = FEEDS[dataset]
    expected, per_file = {}, Counter()
    for path in landed_csvs(pjm.base, dataset):
        with path.open(newline="") as fh:
            for r in csv.DictReader(fh):
                key = (parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC), r["pnode_name"])
                assert key not in expected
                expected[key] = (parse_export(r["datetime_beginning_ept"]), float(r[f"total_lmp_{m}"]),
                                 float(r[f"system_energy_price_{m}"]), float(r[f"congestion_price_{m}"]),
                                 float(r[f"marginal_loss_price_{m}"]), f"csv_files/{dataset}/{feed}/{path.name}")
                per_file[f"csv_files/{dataset}/{feed}/{path.name}"] += 1
    got = select(pjm.base, f"""select datetime, settlement_point, datetime_local, {m}_lmp, {m}_energy, {m}_congestion,
        {m}_loss, source_file from {parquet(dataset)}""")
    assert len(got) == len(expected) == expected_counts()[dataset]["rows"]
    assert {(t, p): tuple(rest) for t, p, *rest in got} == expected
    assert Counter(r[-1] for r in got) == per_file


def test_as_rows_and_settlement_types(pjm):
    with (SEEDS / "as_products.csv").open(newline="") as fh:
        products = {r["iso_product"]: r["as_product"] for r in csv.DictReader(fh) if r["iso"] == "PJM"}
    expected = {}
    for path in landed_csvs(pjm.base, "AS_prices"):
        with path.open(newline="") as fh:
            for r in csv.DictReader(fh):
                expected[(parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC), r["locale"],
                          products[r["service"]])] = float(r["mcp"])
    got = select(pjm.base, f"select datetime, as_region, as_product, as_price from {parquet('AS_prices')}")
    assert {(t, reg, prod): v for t, reg, prod, v in got} == expected and len(got) == len(expected)
    types = dict(select(pjm.base, f"select distinct settlement_point, settlement_type from {parquet('DA_prices')}"))
    assert types["WESTERN HUB"] == "HUB" and types["PJM-RTO"] == "ZONE" and types["BGE"] == "ZONE"
    assert {types[p] for p in ("SUNBURY 13 KV UNIT1", "BERGEN 345 KV LD1", "PECO_RESID_AGG", "NYIS")} == {"NODE"}


@pytest.mark.parametrize("dataset,key,value", [("DA_prices", "settlement_point", "da_lmp"), ("RT_prices", "settlement_point", "rt_lmp"),
                                               ("RT_hourly", "settlement_point", "rt_lmp"),
                                               ("AS_prices", "as_product || '_' || as_region", "as_price")])
def test_pivot_accuracy_wide_cell_equals_long_value(pjm, dataset, key, value):
    wide = {r["datetime"]: r for r in table(pjm.base, f"flattened/{dataset}")}
    long = select(pjm.base, f"select datetime, {key}, {value} from {parquet(dataset)}")
    columns = set(next(iter(wide.values()))) - {"datetime", "year"}
    assert columns == {k for _, k, _ in long}
    for t, k, v in long:
        assert wide[t][k] == v
    assert sum(1 for row in wide.values() for c, v in row.items() if c in columns and v is not None) == len(long)
    if dataset == "AS_prices":
        assert "SYNC_RESERVE_PJM RTO Reserve Zone" in columns and "SYNC_RESERVE_Mid-Atlantic/Dominion Reserve Subzone" in columns


def test_native_combination_aligns_hourly_da_and_as_with_5_minute_rt(pjm):
    rows = table(pjm.base, "combined/yearly/DA_AS_RT_native")
    da = dict(select(pjm.base, f"select datetime, da_lmp from {parquet('DA_prices')} where settlement_point = ?", [HUB]))
    rt = dict(select(pjm.base, f"select datetime, rt_lmp from {parquet('RT_prices')} where settlement_point = ?", [HUB]))
    sr = dict(select(pjm.base, f"""select datetime, as_price from {parquet('AS_prices')}
        where as_region = 'PJM RTO Reserve Zone' and as_product = 'SYNC_RESERVE'"""))
    assert set(Counter(r["datetime"].replace(minute=0) for r in rows).values()) == {12}
    per_day = Counter(r["datetime"].astimezone(ET).date() for r in rows)
    assert per_day[FALL_BACK] == 300 and per_day[dt.date(2024, 11, 4)] == 288
    assert len(rows) == len(rt)
    for r in rows:
        hour = r["datetime"].replace(minute=0)
        assert (r[f"DA_{HUB}"], r[f"RT_{HUB}"], r["AS_SYNC_RESERVE_PJM RTO Reserve Zone"]) == (da[hour], rt[r["datetime"]], sr[hour])
    assert not [c for c in rows[0] if "SUNBURY" in c or "NYIS" in c]  # nodes are left out by default


def test_hourly_statistics_are_exact_and_pjms_hourly_rt_sits_beside_them(pjm):
    rows = table(pjm.base, "combined/yearly/ALL_markets")
    fives = defaultdict(list)
    for t, v in select(pjm.base, f"select datetime, rt_lmp from {parquet('RT_prices')} where settlement_point = ?", [HUB]):
        fives[t.replace(minute=0)].append(v)
    hourly = dict(select(pjm.base, f"select datetime, rt_lmp from {parquet('RT_hourly')} where settlement_point = ?", [HUB]))
    assert len(rows) == len(fives) == 21 * 24 + 1
    for r in rows:
        v = fives[r["datetime"]]
        mean = sum(v) / len(v)
        assert len(v) == 12
        assert math.isclose(r[f"RT_AVG_{HUB}"], mean, rel_tol=1e-12, abs_tol=1e-9)
        assert (r[f"RT_MAX_{HUB}"], r[f"RT_MIN_{HUB}"]) == (max(v), min(v))
        sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (len(v) - 1))
        assert math.isclose(r[f"RT_STD_{HUB}"], sd, rel_tol=1e-9, abs_tol=1e-9)
        assert r[f"RT_HOURLY_{HUB}"] == hourly[r["datetime"]]
        assert abs(r[f"RT_HOURLY_{HUB}"] - mean) < 1e-5  # the sample's hourly feed is the mean of its 5-minute prices


def test_outputs_are_where_design_md_puts_them(pjm):
    root = IsoPaths.of("PJM", pjm.base).rollup_files
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for ds in ("DA_prices", "RT_prices", "RT_hourly", "AS_prices"):
        # Stage 2: one file per local operating day
        days = {r[0] for r in select(pjm.base, f"select distinct strftime(datetime_local, '%Y%m%d') from {parquet(ds)}")}
        assert {f for f in files if f.startswith(f"{ds}/")} == {f"{ds}/year=2024/data_{d}.parquet" for d in days}
        # Stage 3: one file per local month of the complete index
        assert {f for f in files if f.startswith(f"flattened/{ds}/")} == {f"flattened/{ds}/year=2024/data_{d[:6]}.parquet" for d in days}
    for combo in ("DA_AS_combined", "DA_AS_RT_hourly", "DA_AS_RT_native", "ALL_markets"):
        assert f"combined/yearly/{combo}/year=2024/data_0.parquet" in files
        assert {f"combined/monthly/{combo}/year=2024/month={m}/data_0.parquet" for m in (10, 11)} <= files
    assert {"combined/analysis_ready/FULL_DATASET.parquet", "gaps_report.md", "quality_report.md"} <= files
