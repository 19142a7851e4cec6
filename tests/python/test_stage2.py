"""Stage 2: DST-correct UTC on the real samples, row preservation, latest SCED run wins, incremental = full."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from conftest import REAL, build, compile_inline, project_copy, query
from ingest.config import IsoPaths
from ingest.dbt import run_dbt
from ingest.landing import land
from ingest.sample.ercot import expected_counts, generate_ercot

CT = ZoneInfo("America/Chicago")
UTC = dt.UTC


def reference_utc(day: str, hour_ending: int, repeated: bool, minute: int = 0) -> dt.datetime:
    """Independent conversion: Python zoneinfo, fold=1 for the repeated (second) occurrence."""
    d = dt.datetime.strptime(day, "%m/%d/%Y")
    local = d + dt.timedelta(hours=hour_ending - 1, minutes=minute)
    return local.replace(tzinfo=CT, fold=1 if repeated else 0).astimezone(UTC)


@pytest.fixture(scope="module")
def real_built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("real")
    land("ERCOT", [REAL / "ercot"], base=base)
    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-4000:]
    return base


@pytest.mark.parametrize("sample,hours", [
    ("DAMLZHBSPP_2022__Nov_sheet__2022-11-06.csv", 25),   # fall-back: HE 02:00 N then Y
    ("DAMLZHBSPP_2025__Mar_sheet__2025-03-09.csv", 23),   # spring-forward: no HE 03:00
])
def test_real_dst_days_convert_to_the_right_utc_hours_and_prices(real_built, sample, hours):
    rows = list(csv.DictReader((REAL / "ercot/derived_from_KushKod04_xlsx" / sample).open()))
    expected = {
        (reference_utc(r["Delivery Date"], int(r["Hour Ending"][:2]), r["Repeated Hour Flag"] == "Y"), r["Settlement Point"]):
            float(r["Settlement Point Price"])
        for r in rows
    }
    day = dt.datetime.strptime(rows[0]["Delivery Date"], "%m/%d/%Y").date()
    got = query(real_built, """
        select datetime, settlement_point, da_lmp from ercot.da_prices
        where datetime_local::date = ? and source_file like '%DAMLZHBSPP%'""", [day])
    assert {(t.astimezone(UTC), p): v for t, p, v in got} == expected
    hub = sorted(t for t, p, _ in got if p == "HB_NORTH")
    assert len(hub) == hours
    assert all(b - a == dt.timedelta(hours=1) for a, b in zip(hub, hub[1:]))  # no duplicate, no hole


def test_real_wide_as_history_unpivots_with_dst_and_ecrs(real_built):
    # 2022 has no ECRS column; 2025 does. 11/06/2022 HE 02:00 appears twice (N, Y) -> two UTC hours
    rows = query(real_built, """
        select datetime, as_product, as_price from ercot.as_prices
        where datetime_local::date = date '2022-11-06' and hour_ending = 2 order by datetime, as_product""")
    times = sorted({r[0] for r in rows})
    assert [t.astimezone(UTC) for t in times] == [dt.datetime(2022, 11, 6, 6, tzinfo=UTC), dt.datetime(2022, 11, 6, 7, tzinfo=UTC)]
    assert {r[1] for r in rows} == {"REG_UP", "REG_DOWN", "RRS", "NSRS"}
    counts = dict(query(real_built, "select year, count(distinct as_product) from ercot.as_prices group by 1"))
    assert counts == {2022: 4, 2025: 5}
    source = list(csv.reader((REAL / "ercot/KushKod04_totalenergies_price_forecasting/DAMASMCPC_2025.csv").open()))
    n_cells = sum(1 for r in source[1:] for v in r[3:] if v.strip())
    assert query(real_built, "select count(*) from ercot.as_prices where year = 2025")[0][0] == n_cells


def test_real_sced_excerpt(real_built):
    source = list(csv.DictReader((REAL / "ercot/vergeman_ercotcongestion").glob("cdr*.csv").__next__().open()))
    got = dict(query(real_built, "select settlement_point, rt_lmp from ercot.rt_prices"))
    assert got == {r["SettlementPoint"]: float(r["LMP"]) for r in source}
    [(start, end)] = query(real_built, "select distinct datetime, interval_end from ercot.rt_prices")
    assert start.astimezone(UTC) == dt.datetime(2026, 6, 25, 5, 40, tzinfo=UTC)  # 00:40:18 CDT floored
    assert end - start == dt.timedelta(minutes=5)


def test_sample_rows_preserved_and_latest_sced_run_wins(built, ercot_raw):
    counts = expected_counts()
    for dataset, table in [("DA_prices", "int_ercot__da_prices"), ("RT_prices", "int_ercot__rt_prices"),
                           ("RT_SPP", "int_ercot__rt_spp"), ("AS_prices", "int_ercot__as_prices")]:
        assert query(built, f"select count(*) from ercot.{table}")[0][0] == counts[dataset]["rows"], dataset
    # every (interval, point) once; extra SCED runs share an interval with a regular run: the later one is kept
    dup = query(built, """
        select datetime, settlement_point, max(version_key), count(*) from ercot.int_ercot__rt_prices
        group by 1, 2 having count(*) > 1""")
    assert dup, "the sample has event-driven SCED runs"
    kept = dict(((t, p), v) for t, p, v in query(built, "select datetime, settlement_point, rt_lmp from ercot.rt_prices"))
    latest = dict(((t, p), v) for t, p, v in query(built, """
        select datetime, settlement_point, arg_max(rt_lmp, version_key) from ercot.int_ercot__rt_prices group by 1, 2"""))
    assert kept == latest
    assert len(kept) == counts["RT_prices"]["rows"] - sum(n - 1 for *_, n in dup)


def test_fall_back_day_in_the_sample_has_25_hours_and_300_sced_intervals(built):
    per_day = dict(query(built, """
        select datetime_local::date, count(distinct datetime) from ercot.rt_prices
        where settlement_point = 'HB_NORTH' group by 1"""))
    assert per_day[dt.date(2024, 11, 3)] == 300 and per_day[dt.date(2024, 11, 2)] == 288
    da = dict(query(built, """
        select datetime_local::date, count(*) from ercot.da_prices where settlement_point = 'HB_NORTH' group by 1"""))
    assert da[dt.date(2024, 11, 3)] == 25


def test_parquet_layout_types_and_settlement_types(built):
    root = IsoPaths.of("ERCOT", built).rollup_files
    files = sorted(p.relative_to(root).as_posix() for p in root.glob("*/year=*/*.parquet"))
    # one file per local operating day in each dataset (DA / AS cover the day after the last RT day)
    expected = []
    for d, t in (("AS_prices", "as_prices"), ("DA_prices", "da_prices"), ("RT_SPP", "rt_spp"), ("RT_prices", "rt_prices")):
        days = query(built, f"select distinct strftime(datetime_local, '%Y%m%d') from ercot.{t} order by 1")
        assert len(days) >= 21
        expected += [f"{d}/year=2024/data_{day}.parquet" for (day,) in days]
    assert files == expected
    con = duckdb.connect()
    described = con.execute(f"describe select * from read_parquet('{root}/RT_prices/*/*.parquet', hive_partitioning=true)")
    schema = dict(row[:2] for row in described.fetchall()[:11])
    assert schema["datetime"] == "TIMESTAMP WITH TIME ZONE" and schema["rt_lmp"] == "DOUBLE"
    codec = con.execute(f"select distinct compression from parquet_metadata('{root}/DA_prices/year=2024/*.parquet')").fetchall()
    assert codec == [("ZSTD",)]
    types = dict(query(built, "select settlement_point, settlement_type from ercot.int_ercot__settlement_points"))
    assert types["HB_NORTH"] == "HUB" and types["HB_BUSAVG"] == "HUB" and types["LZ_HOUSTON"] == "ZONE"
    assert types["DC_E"] == "NODE" and types["7RNCHSLR_ALL"] == "NODE"


def _outputs(base: Path) -> dict[str, list]:
    return {t: query(base, f"select * from ercot.{t} order by all")
            for t in ("da_prices", "rt_spp", "as_prices", "flat_rt_spp", "flat_as_prices", "all_markets")}


def _stage2_files(base: Path) -> dict[str, int]:
    root = IsoPaths.of("ERCOT", base).rollup_files
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns
            for ds in ("DA_prices", "RT_SPP", "AS_prices") for p in (root / ds).glob("year=*/*.parquet")}


def test_incremental_equals_full_refresh_and_rewrites_only_changed_days(tmp_path):
    raw = tmp_path / "raw"
    files = generate_ercot(raw, start=dt.date(2024, 12, 20), days=14, datasets=("DA_prices", "RT_SPP", "AS_prices"))
    first = [f for f in files if _delivery(f) < dt.date(2025, 1, 1)]
    base = tmp_path / "inc"
    land("ERCOT", first, base=base)
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    before = _stage2_files(base)
    assert "DA_prices/year=2024/data_20241231.parquet" in before and len(before) == 3 * 12
    land("ERCOT", files, base=base)  # days 13..14 arrive (both in 2025)
    second = build(base, "--select", "tag:ercot")
    assert second["__returncode__"] == 0
    after = _stage2_files(base)
    # the days that received rows in the second landing (the last 15-minute SPP file of 12/31 is published on 1/1)
    received = {(ds, d) for ds, m in (("AS_prices", "as_prices"), ("DA_prices", "da_prices"), ("RT_SPP", "rt_spp"))
                for (d,) in query(base, f"""select distinct strftime(datetime_local, '%Y%m%d') from ercot.int_ercot__{m}
                                        where _loaded_at = (select max(_loaded_at) from ercot.int_ercot__{m})""")}
    assert ("RT_SPP", "20241231") in received and ("DA_prices", "20241231") not in received
    rewritten = {f for f in before if after[f] != before[f]}
    assert rewritten == {f"{ds}/year=2024/data_{d}.parquet" for ds, d in received if d.startswith("2024")}
    assert sorted(set(after) - set(before)) == [
        f"{ds}/year=2025/data_{d}.parquet" for ds in ("AS_prices", "DA_prices", "RT_SPP") for d in ("20250101", "20250102")]

    full = tmp_path / "full"
    land("ERCOT", files, base=full)
    assert build(full, "--select", "tag:ercot", "--full-refresh")["__returncode__"] == 0
    inc, ref = _outputs(base), _outputs(full)
    assert {t: len(rows) for t, rows in inc.items()} == {t: len(rows) for t, rows in ref.items()}
    for t in ref:
        for a, b in zip(inc[t], ref[t]):
            # equal cell by cell; aggregates of floats (hourly RT averages) may differ in the last bit, because a
            # parallel aggregation adds in no fixed order
            assert all(x == y or (isinstance(x, float) and math.isclose(x, y, rel_tol=1e-12)) for x, y in zip(a, b)), (t, a, b)


def _delivery(path: Path) -> dt.date:
    """Operating day of a generated MIS zip (DA/AS are published the day before)."""
    parts = path.name.split(".")
    published = dt.datetime.strptime(parts[3], "%Y%m%d").date()
    if "SPPHLZNP6905" in path.name:
        stamp = path.name.split("SPPHLZNP6905_")[1][:8]
        return dt.datetime.strptime(stamp, "%Y%m%d").date()
    return published + dt.timedelta(days=1)


def test_utc_conversion_matches_zoneinfo_for_every_hour_2019_2026(tmp_path):
    """Our one DST rule (macro local_to_utc), compiled by dbt, against Python zoneinfo on every half hour of
    2019-2026 (the fast path) and of the years where the fast path hands over to ICU (1989-1990, 2040-2041)."""
    rows = []
    for first, last in ((2019, 2026), (1989, 1990), (2040, 2041)):
        t = dt.datetime(first, 1, 1, tzinfo=UTC)
        while t < dt.datetime(last + 1, 1, 1, tzinfo=UTC):
            local = t.astimezone(CT)
            # ERCOT's flag: Y marks the second occurrence of a repeated hour (fold=1 and the time is ambiguous)
            ambiguous = local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()
            rows.append((local.replace(tzinfo=None).isoformat(sep=" "), "Y" if (ambiguous and local.fold) else "N", t))
            t += dt.timedelta(minutes=30)
    sql = compile_inline("select {{ local_to_utc('local_ts', 'America/Chicago', flag_is_yes('flag')) }} as utc from fixture",
                         tmp_path)
    assert "to_timestamp(epoch(local_ts)" in sql, "the fast path (constant DST calendar) is compiled"
    assert "timezone(" in sql, "ICU handles the years outside the calendar"
    fixture = tmp_path / "hours.csv"
    with fixture.open("w") as fh:
        fh.write("i,local_ts,flag,expected\n")
        for i, (local, flag, utc) in enumerate(rows):
            fh.write(f"{i},{local},{flag},{utc.isoformat()}\n")
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"create table fixture as select * from read_csv('{fixture}', columns = "
                "{'i': 'INTEGER', 'local_ts': 'TIMESTAMP', 'flag': 'VARCHAR', 'expected': 'TIMESTAMPTZ'})")
    # the compiled expression evaluated row by row next to the reference
    select_list = sql[len("select "):sql.rindex(" as utc")]
    result = con.execute(f"select i, local_ts, flag, expected, {select_list} as utc from fixture order by i").fetchall()
    assert len(result) == len(rows) > 210_000
    mismatches = [(r[1], r[2], r[3], r[4]) for r in result if r[3] != r[4]]
    assert not mismatches, mismatches[:5]


def test_historical_rtm_yearly_xlsx_matches_the_15_minute_reports(tmp_path, ercot_raw):
    """NP6-785-ER (yearly .xlsx, one sheet per month) lands into RT_SPP with the same UTC intervals and prices as
    NP6-905-CD for the same day, fall-back day included."""
    import io
    import zipfile

    import openpyxl

    day_files = sorted(ercot_raw.glob("*SPPHLZNP6905_20241103_*")) + sorted(ercot_raw.glob("*SPPHLZNP6905_20241104_0000*"))
    rows = []
    for f in day_files:
        with zipfile.ZipFile(f) as zf:
            text = zf.read(zf.namelist()[0]).decode()
        for line in text.splitlines()[1:]:
            d, h, i, point, typ, price, flag = line.split(",")
            if d == "11/03/2024" and typ in ("HU", "LZ", "SH", "AH"):
                rows.append([d, int(h), int(i), flag, point, typ, float(price)])
    assert len(rows) == 100 * 15  # 100 intervals on the 25-hour day, hubs and zones
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for month in ("Oct", "Nov", "Dec"):
        ws = wb.create_sheet(month)
        ws.append(["Delivery Date", "Delivery Hour", "Delivery Interval", "Repeated Hour Flag",
                   "Settlement Point Name", "Settlement Point Type", "Settlement Point Price"])
        if month == "Nov":
            for r in rows:
                ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    archive = tmp_path / "RTMLZHBSPP_2024.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("RTMLZHBSPP_2024.xlsx", buf.getvalue())
    hist, current = tmp_path / "hist", tmp_path / "current"
    land("ERCOT", [archive], base=hist)
    land("ERCOT", day_files, base=current)
    for base in (hist, current):
        assert build(base, "--select", "+ercot_rt_spp")["__returncode__"] == 0
    sql = """select datetime, settlement_point, rt_lmp from ercot.rt_spp
             where datetime_local::date = date '2024-11-03' and settlement_type in ('HUB', 'ZONE')
               and not ends_with(settlement_point, '_EW') order by 1, 2"""
    # the yearly archive holds the 15 hubs and load zones (LZ rows); the 15-minute reports add the LZEW series
    got_hist, got_current = query(hist, sql), query(current, sql)
    assert got_hist == got_current and len(got_hist) == 1500
    north = [t for t, p, _ in got_hist if p == "HB_NORTH"]
    assert all(b - a == dt.timedelta(minutes=15) for a, b in zip(north, north[1:]))
    assert north[0].astimezone(UTC) == dt.datetime(2024, 11, 3, 5, tzinfo=UTC)


def test_a_failing_integrity_test_is_run_again_until_the_data_is_fixed(tmp_path):
    """The expensive integrity tests of a day-file model check only the days no complete passing run has verified:
    after an incremental build, the new day; a day that failed stays checked - and failing - on the next builds,
    until a corrected delivery fixes it."""
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=4, datasets=("DA_prices",))
    base = tmp_path / "data"
    land("ERCOT", files[:3], base=base)
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0

    def unverified() -> list[tuple]:
        return query(base, """select strftime(day, '%Y%m%d') from main._export_days
                              where model like '%"ercot"."da_prices"' and verified_at is null order by 1""")

    assert unverified() == []
    # day 4 arrives with one row twice in the same file, the second time flagged as a repeated hour on a day that has
    # none: the raw row keys differ (landing's duplicate check passes it), both rows map to one UTC interval, one
    # version - so deduplication must not hide it
    with zipfile.ZipFile(files[3]) as z:
        name = z.namelist()[0]
        lines = z.read(name).decode().splitlines()
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    assert lines[1].endswith(",N")
    bad.write_text("\n".join(lines + [lines[1][:-1] + "Y"]) + "\n")
    assert land("ERCOT", [bad], base=base).n_landed == 1
    first = build(base, "--select", "tag:ercot")
    [grain] = [k for k in first if k.startswith("unique_grain_ercot_da_prices")]
    assert first[grain] == "fail" and first["__returncode__"] != 0
    assert unverified() == [("20241223",)]
    again = build(base, "--select", "tag:ercot")  # nothing new landed
    assert again[grain] == "fail", "the unverified day must be tested again"
    # ERCOT re-publishes the day correctly: a later delivery of the same intervals wins, the day passes and is verified
    land("ERCOT", [files[3]], base=base)
    fixed = build(base, "--select", "tag:ercot")
    assert fixed[grain] == "pass" and fixed["__returncode__"] == 0, fixed["__log__"][-3000:]
    assert unverified() == []
    expected = {(r.split(",")[2], float(r.split(",")[3])) for r in lines[1:] if r.split(",")[1] == "05:00"}
    got = set(query(base, """select settlement_point, da_lmp from ercot.da_prices
                             where datetime_local = timestamp '2024-12-23 04:00'"""))
    assert got == expected


@pytest.fixture(scope="module")
def _two_days_built(tmp_path_factory) -> Path:
    """A data dir (`data`) where two DA days were built, then a third landed and built incrementally (all tests
    pass), and a copy of it (`snapshot`), under the returned folder."""
    root = tmp_path_factory.mktemp("two_days")
    files = generate_ercot(root / "raw", start=dt.date(2024, 12, 20), days=3, datasets=("DA_prices",))
    base = root / "data"
    land("ERCOT", files[:2], base=base)
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    land("ERCOT", files[2:], base=base)
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    shutil.copytree(base, root / "snapshot")
    return root


@pytest.fixture
def two_days_then_a_third(_two_days_built) -> Path:
    """The data dir of _two_days_built as its builds left it, for one test to change: put back from the snapshot in
    the same folder (the warehouse's views and the landing registry hold absolute paths). Two builds per test fewer."""
    base = _two_days_built / "data"
    shutil.rmtree(base)
    shutil.copytree(_two_days_built / "snapshot", base)
    return base


def test_a_wide_cell_changed_on_the_new_day_fails_pivot_matches_long_at_both_ends_of_the_local_day(two_days_then_a_third):
    """pivot_matches_long on an incremental build compares only the unverified local days of the wide table, read
    through a UTC range (so the other days' files are skipped): the first and the last interval of a local day, whose
    UTC dates differ, are both still compared."""
    base = two_days_then_a_third
    model = '"warehouse"."ercot"."flat_da_prices"'
    ((day,),) = query(base, "select max(day)::varchar from main._export_days where model = ?", [model])
    [path] = (IsoPaths.of("ERCOT", base).rollup_files / "flattened" / "DA_prices").rglob(f"*{day.replace('-', '')[:6]}*.parquet")
    tz = ZoneInfo("America/Chicago")
    first = dt.datetime.fromisoformat(day).replace(tzinfo=tz)
    last = first + dt.timedelta(hours=23)
    with duckdb.connect() as con:  # one cell changed at the local day's first hour and one at its last
        con.execute("set TimeZone = 'UTC'")
        columns = [c for (c,) in con.execute(f"select name from parquet_schema('{path}') where num_children is null").fetchall()]
        point = next(c for c in columns if c not in ("datetime", "year"))
        con.execute(f"""copy (select * replace (case when datetime in ($1, $2) then "{point}" + 1 else "{point}" end as "{point}")
                              from read_parquet('{path}')) to '{path}.new' (format parquet)""", [first, last])
    Path(f"{path}.new").replace(path)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:  # as if just exported: the day to verify
        con.execute("update main._export_days set verified_at = null, exported_at = now() where model = ? and day = ?",
                    [model, day])
    tested = build(base, "--select", "test_name:pivot_matches_long")
    [pivot] = [k for k in tested if k.startswith("pivot_matches_long_ercot_flat_da_prices")]
    assert tested[pivot] == "fail"
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [result] = [r for r in results if r["unique_id"].split(".", 2)[-1] == pivot]
    assert result["failures"] == 2
    assert f"datetime >= timestamptz '{dt.date.fromisoformat(day) - dt.timedelta(days=1)} 00:00:00+00'" in result["compiled_code"]


def test_an_incremental_grain_check_finds_a_null_price_on_the_new_day_and_a_row_without_a_local_time_on_any(two_days_then_a_third):
    """unique_grain with local_column checks the NULLs of its columns on the unverified days only, but a row whose
    local timestamp is NULL belongs to no day: it is looked for in every day (here in a verified one). With every day
    unverified the two scans are one: each incomplete row is found once."""
    base = two_days_then_a_third
    model = '"warehouse"."ercot"."da_prices"'
    days = [d for (d,) in query(base, "select day::varchar from main._export_days where model = ? order by day", [model])]
    folder = IsoPaths.of("ERCOT", base).rollup_files / "DA_prices"
    [new_day] = folder.rglob(f"data_{days[-1].replace('-', '')}.parquet")
    [old_day] = folder.rglob(f"data_{days[0].replace('-', '')}.parquet")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for path, change in ((new_day, "case when settlement_point = 'HB_WEST' and hour_ending = 8 then null else da_lmp end as da_lmp"),
                             (old_day, "case when settlement_point = 'LZ_CPS' and hour_ending = 20 then null else datetime_local end"
                                       " as datetime_local")):
            con.execute(f"copy (select * replace ({change}) from read_parquet('{path}')) to '{path}.new' (format parquet)")
            Path(f"{path}.new").replace(path)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:  # as if just exported: the new day to verify
        con.execute("update main._export_days set verified_at = null, exported_at = now() where model = ? and day = ?",
                    [model, days[-1]])
    tested = build(base, "--select", "test_name:unique_grain")
    [grain] = [k for k in tested if k.startswith("unique_grain_ercot_da_prices")]
    assert tested[grain] == "fail"
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [result] = [r for r in results if r["unique_id"].split(".", 2)[-1] == grain]
    assert "datetime_local is null" in result["compiled_code"] and f"'{days[0]}'" not in result["compiled_code"]
    found = {tuple(r) for r in query(base, f"select problem, settlement_point from ({result['compiled_code']})")}
    assert found == {("NULL da_lmp", "HB_WEST"), ("NULL datetime_local", "LZ_CPS")}, found
    # every day unverified (as after a full export): one scan of every day, each incomplete row once
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("update main._export_state set verified_at = null where model = ?", [model])
    tested = build(base, "--select", "test_name:unique_grain")
    assert tested[grain] == "fail"
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [result] = [r for r in results if r["unique_id"].split(".", 2)[-1] == grain]
    assert f"'{days[-1]}'" not in result["compiled_code"]
    found = sorted(tuple(r) for r in query(base, f"select problem, settlement_point, occurrences from ({result['compiled_code']})"))
    assert found == [("NULL da_lmp", "HB_WEST", 1), ("NULL datetime_local", "LZ_CPS", 1)], found


def test_new_price_bounds_are_checked_against_every_day_not_only_the_new_one(two_days_then_a_third, tmp_path):
    """values_in_range checks only the days not yet verified on an incremental build; a new price_bounds file makes
    every day of the models it bounds unverified again (the seed's post-hook), so a lowered cap fails on old days."""
    base = two_days_then_a_third
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [scoped] = [r for r in results if r["unique_id"].split(".")[2].startswith("values_in_range_ercot_da_prices")]
    assert scoped["status"] == "pass" and "m.datetime_local >= date '" in scoped["compiled_code"], "only the new day"
    # a cap below the highest hub price of the first day, which is verified and not exported again
    days = query(base, "select min(datetime_local)::date, max(datetime_local)::date from ercot.da_prices")[0]
    ((cap,),) = query(base, "select max(da_lmp) - 0.005 from ercot.da_prices where settlement_type = 'HUB' "
                            "and datetime_local::date = ?", [days[0]])
    ((expected,),) = query(base, "select count(*) from ercot.da_prices where settlement_type = 'HUB' and da_lmp > ?", [cap])
    project = project_copy(tmp_path)
    bounds = (project / "seeds" / "price_bounds.csv").read_text().splitlines(keepends=True)
    bounds = [line.replace(",-251,9001,", f",-251,{cap:.3f},", 1) if line.startswith("ERCOT,DA,HUB,") else line for line in bounds]
    (project / "seeds" / "price_bounds.csv").write_text("".join(bounds))
    target = tmp_path / "target_new_bounds"
    proc = run_dbt(["build", "--select", "tag:ercot", "--project-dir", str(project), "--profiles-dir", str(project)], base=base,
                   capture=True, env={"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(tmp_path / "logs_new_bounds")})
    assert proc.returncode != 0
    results = json.loads((target / "run_results.json").read_text())["results"]
    [checked] = [r for r in results if r["unique_id"].split(".")[2].startswith("values_in_range_ercot_da_prices")]
    assert checked["status"] == "fail" and checked["failures"] == expected > 0
    assert "m.datetime_local >= date '" not in checked["compiled_code"], "every day checked again"


# the two tests below land DA files only and are about Stage 2 DA: they build what it depends on and its tests (the
# rest of tag:ercot would build empty models around it). Not the test above: a day is marked verified only by a
# build that ran every test of its model, which the everyday build does and this selection does not.
DA_ONLY = ("--select", "+ercot_da_prices")


def test_a_day_file_deleted_by_hand_is_written_again(tmp_path):
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=3, datasets=("DA_prices",))
    base = tmp_path / "data"
    land("ERCOT", files, base=base)
    assert build(base, *DA_ONLY)["__returncode__"] == 0
    day = IsoPaths.of("ERCOT", base).rollup_files / "DA_prices/year=2024/data_20241221.parquet"
    rows = query(base, "select count(*) from ercot.da_prices")[0][0]
    day.unlink()
    assert build(base, *DA_ONLY)["__returncode__"] == 0  # nothing new landed
    assert day.exists(), "a missing day file makes the next build rewrite the dataset, not leave a hole"
    assert query(base, "select count(*) from ercot.da_prices")[0][0] == rows


def test_a_warehouse_of_the_wider_intermediate_layout_keeps_building(tmp_path):
    """Earlier versions stored interval_end, hour_ending and iso in every intermediate row (Stage 2 now derives
    them): such a table gets its extra columns dropped on the next build (on_schema_change: sync_all_columns), new
    files are still appended, and Stage 2 is the same as a fresh build's."""
    raw = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=3, datasets=("DA_prices",))
    by_day = sorted(raw)
    base = tmp_path / "data"
    land("ERCOT", by_day[:2], base=base)
    assert build(base, *DA_ONLY)["__returncode__"] == 0
    con = duckdb.connect(str(base / "warehouse.duckdb"))
    con.execute("""alter table ercot.int_ercot__da_prices add column interval_end timestamptz;
                   alter table ercot.int_ercot__da_prices add column hour_ending integer;
                   alter table ercot.int_ercot__da_prices add column iso varchar;
                   update ercot.int_ercot__da_prices set interval_end = datetime + interval 1 hour,
                          hour_ending = hour(datetime_local) + 1, iso = 'ERCOT'""")
    con.close()
    land("ERCOT", by_day[2:], base=base)
    assert build(base, *DA_ONLY)["__returncode__"] == 0
    columns = {c for (c,) in query(base, """select column_name from information_schema.columns
                                          where table_schema = 'ercot' and table_name = 'int_ercot__da_prices'""")}
    assert not columns & {"interval_end", "hour_ending", "iso"} and {"datetime", "interval_minutes"} <= columns
    fresh = tmp_path / "fresh"
    land("ERCOT", by_day, base=fresh)
    assert build(fresh, *DA_ONLY)["__returncode__"] == 0
    stage2 = "select * from ercot.da_prices order by datetime, settlement_point"
    got, want = query(base, stage2), query(fresh, stage2)
    assert len(got) == 3 * 24 * len({r[6] for r in want}) and got == want


# -- a real NP6-905-CD file: one name under two types (LZ / LZEW, LZ_DC / LZ_DCEW) -----------------------------------

REAL_SPP = next((REAL / "ercot/rickdgray_ErcotAutomation").glob("*SPPHLZNP6905*.csv"))
EW_TYPES = {"LZEW", "LZ_DCEW"}  # seed settlement_point_types: name_suffix _EW


def test_real_rt_spp_keeps_both_prices_of_a_load_zone_through_every_stage(real_built):
    """Real ERCOT 15-minute files publish LZ_AEN as `LZ` (the load zone price) and again as `LZEW` (energy weighted)
    with another price. Both are kept: `LZ_AEN` is the LZ row, `LZ_AEN_EW` the LZEW row, in Stages 2, 3 and 4."""
    rows = list(csv.DictReader(REAL_SPP.open()))
    expected = {}
    for r in rows:
        name = r["SettlementPointName"] + ("_EW" if r["SettlementPointType"] in EW_TYPES else "")
        assert name not in expected  # the file's own key: (name, type)
        expected[name] = float(r["SettlementPointPrice"])
    assert len(expected) == len(rows) == 908
    start = reference_utc(rows[0]["DeliveryDate"], 1, False, minute=45)  # hour 1, interval 4

    got = query(real_built, "select settlement_point, rt_lmp, datetime from ercot.rt_spp where source_file like ?",
                [f"%{REAL_SPP.name}"])
    assert {p: v for p, v, _ in got} == expected and len(got) == len(expected)
    assert {t.astimezone(UTC) for *_, t in got} == {start}
    assert expected["LZ_AEN"] == 3.72 and expected["LZ_AEN_EW"] == 3.71  # what the real file says
    types = dict(query(real_built, """select settlement_point, settlement_type from ercot.rt_spp
                                      where settlement_point in ('LZ_AEN', 'LZ_AEN_EW', 'DC_E', 'DC_E_EW', 'HB_NORTH')"""))
    assert types == {"LZ_AEN": "ZONE", "LZ_AEN_EW": "ZONE", "DC_E": "NODE", "DC_E_EW": "NODE", "HB_NORTH": "HUB"}

    (wide,) = query(real_built, 'select "LZ_AEN", "LZ_AEN_EW", "DC_E_EW" from ercot.flat_rt_spp where datetime = ?',
                    [start])
    assert wide == (3.72, 3.71, 2.95)
    hour = start.replace(minute=0)
    (combined,) = query(real_built, 'select "RT_SPP_LZ_AEN", "RT_SPP_LZ_AEN_EW" from ercot.all_markets '
                                    "where datetime = ?", [hour])
    assert combined == (3.72, 3.71)  # one 15-minute interval in that hour: its price is the hourly mean


def test_rt_spp_statuses_of_the_real_build_pass(real_built):
    """The real 15-minute file builds: every RT_SPP integrity test passed (the build asserted exit 0 as well)."""
    results = json.loads((real_built / "dbt_target/run_results.json").read_text())["results"]
    spp = [r for r in results if "rt_spp" in r["unique_id"] and r["unique_id"].startswith("test.")]
    assert spp and all(r["status"] in ("pass", "warn") for r in spp)
    assert {r["status"] for r in spp if "unique_grain" in r["unique_id"] or "keys_preserved" in r["unique_id"]} == {"pass"}
