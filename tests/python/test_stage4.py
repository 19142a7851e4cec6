"""Stage 4: join integrity, DST alignment, aggregation accuracy (recomputed in Python), grain and layout."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import duckdb

from conftest import query
from ingest.config import IsoPaths

UTC = dt.UTC
CT = ZoneInfo("America/Chicago")


def test_native_grain_has_12_rows_per_hour_and_dst_day_counts(built):
    per_day = dict(query(built, """
        select timezone('America/Chicago', datetime)::date, count(*) from ercot.da_as_rt_native group by 1"""))
    assert per_day[dt.date(2024, 11, 3)] == 300
    assert all(n == 288 for d, n in per_day.items() if d != dt.date(2024, 11, 3))
    per_hour = {n for (n,) in query(built, "select count(*) from ercot.da_as_rt_native group by date_trunc('hour', datetime)")}
    assert per_hour == {12}
    native_rows = query(built, "select count(*) from ercot.da_as_rt_native")[0][0]
    assert native_rows == query(built, "select count(*) from ercot.flat_rt_prices")[0][0]


def test_repeated_hour_gets_its_own_da_and_as(built):
    da = dict(((t.astimezone(UTC), p), v) for t, p, v in query(built, """
        select datetime, settlement_point, da_lmp from ercot.da_prices where settlement_point = 'HB_NORTH'"""))
    asp = dict(((t.astimezone(UTC), p), v) for t, p, v in query(built, "select datetime, as_product, as_price from ercot.as_prices"))
    native = query(built, 'select datetime, "DA_HB_NORTH", "AS_REG_UP" from ercot.da_as_rt_native')
    for t, da_v, as_v in native:
        hour = t.astimezone(UTC).replace(minute=0)
        assert da_v == da[(hour, "HB_NORTH")] and as_v == asp[(hour, "REG_UP")]
    # 01:00-02:00 local happens twice on 2024-11-03 (06:00 and 07:00 UTC): two different DA prices
    first = dt.datetime(2024, 11, 3, 6, tzinfo=UTC)
    second = dt.datetime(2024, 11, 3, 7, tzinfo=UTC)
    assert first.astimezone(CT).hour == second.astimezone(CT).hour == 1
    rows = {t.astimezone(UTC): v for t, v, _ in native if t.astimezone(UTC) in (first, second)}
    assert rows[first] == da[(first, "HB_NORTH")] and rows[second] == da[(second, "HB_NORTH")]
    assert da[(first, "HB_NORTH")] != da[(second, "HB_NORTH")]


def test_hourly_aggregates_recomputed_in_python(built):
    rt = defaultdict(list)
    for t, p, v in query(built, "select datetime, settlement_point, rt_lmp from ercot.rt_prices where settlement_type in ('HUB', 'ZONE')"):
        rt[(t.astimezone(UTC).replace(minute=0), p)].append(v)
    cols = [r[0] for r in query(built, "describe ercot.da_as_rt_hourly")]
    rows = query(built, "select * from ercot.da_as_rt_hourly")
    checked = 0
    for row in rows:
        rec = dict(zip(cols, row))
        hour = rec["datetime"].astimezone(UTC)
        for col, value in rec.items():
            if not col.startswith("RT_"):
                continue
            stat, point = col[3:6], col[7:]
            values = rt[(hour, point)]
            expected = {"AVG": statistics.fmean, "MAX": max, "MIN": min, "STD": statistics.stdev}[stat](values)
            assert abs(expected - value) <= 1e-9 * max(1, abs(expected)), (hour, col)
            checked += 1
    points = {c[7:] for c in cols if c.startswith("RT_AVG_")}
    assert points == {p for (_, p) in rt} and "HB_NORTH" in points and "DC_E" not in points
    assert checked == len(rows) * 4 * len(points)


def test_combined_layout_partitions_and_full_dataset(built):
    root = IsoPaths.of("ERCOT", built).rollup_files / "combined"
    yearly = sorted(p.relative_to(root).as_posix() for p in (root / "yearly").glob("*/year=*/*.parquet"))
    assert yearly == [f"yearly/{c}/year=2024/data_0.parquet"
                      for c in ("ALL_markets", "DA_AS_RT_hourly", "DA_AS_RT_native", "DA_AS_combined")]
    months = sorted(p.parent.name for p in (root / "monthly/ALL_markets/year=2024").glob("*/*.parquet"))
    assert months == ["month=10", "month=11"]
    full = root / "analysis_ready/FULL_DATASET.parquet"
    con = duckdb.connect()
    n_full = con.execute(f"select count(*) from read_parquet('{full}')").fetchone()[0]
    assert n_full == query(built, "select count(*) from ercot.da_as_rt_hourly")[0][0]
    cols = [r[0] for r in query(built, "describe ercot.all_markets")]
    assert cols[0] == "datetime" and "DA_HB_NORTH" in cols and "AS_ECRS" in cols and "RT_SPP_HB_NORTH" in cols
    assert "RT_STD_LZ_WEST" in cols and not any(c.startswith("DA_A4_") for c in cols)  # nodes excluded by default
    hourly = query(built, "select count(*), count(distinct datetime) from ercot.da_as_combined")[0]
    assert hourly[0] == hourly[1] == 21 * 24 + 1  # 21 days, one 25-hour day, no duplicate


def test_combined_settlement_types_var_widens_the_tables(tmp_path, ercot_raw):
    from conftest import build
    from ingest.landing import land

    base = tmp_path / "data"
    land("ERCOT", sorted(ercot_raw.glob("*DAMSPNP4190*"))[:2] + sorted(ercot_raw.glob("*DAMCPCNP4188*"))[:2], base=base)
    st = build(base, "--select", "+ercot_da_as_combined", "--vars", "{combined_settlement_types: [HUB, ZONE, NODE]}")
    assert st["__returncode__"] == 0, st["__log__"][-3000:]
    cols = [r[0] for r in query(base, "describe ercot.da_as_combined")]
    assert "DA_A4_DGR1_RN" in cols and "DA_DC_E" in cols
