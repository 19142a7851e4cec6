"""Stage 3: the fill rule at its boundaries (against an independent Python implementation) and pivot accuracy."""

from __future__ import annotations

import datetime as dt
import json
import random

import duckdb
import pytest

from conftest import compile_inline, query
from ingest.config import IsoPaths

UTC = dt.UTC


def reference_fill(series: dict[dt.datetime, float | None], spine: list[dt.datetime], grain: int, max_gap: int):
    """The rule from DESIGN.md, written plainly: runs of k missing intervals are filled when k*grain < max_gap."""
    out: dict[dt.datetime, float | None] = {}
    started = False
    i = 0
    while i < len(spine):
        t = spine[i]
        v = series.get(t)
        if v is not None:
            started = True
            out[t] = v
            i += 1
            continue
        if not started:
            i += 1  # nothing before the first value
            continue
        j = i
        while j < len(spine) and series.get(spine[j]) is None:
            j += 1
        k = j - i
        last = out[spine[i - 1]]
        for t2 in spine[i:j]:
            out[t2] = last if k * grain < max_gap else None
        i = j
    return out


CASES = {
    # key: (grain, list of missing interval offsets, first offset with data)
    "GAP_55MIN": (5, range(10, 21), 0),         # 11 x 5 = 55 min -> filled
    "GAP_60MIN": (5, range(30, 42), 0),         # 12 x 5 = 60 min -> NULL
    "GAP_1": (5, [7], 0),                       # one interval -> filled
    "LEADING": (5, [], 6),                      # starts late -> nothing before its first value
    "OVER_DST": (5, range(14, 24), 0),          # 10 x 5 = 50 min across the fall-back hour -> filled
    "TRAILING": (5, range(50, 60), 0),          # a gap at the end: 10 x 5 = 50 min -> filled
}


def compile_fill(work, grain: int) -> tuple[str, str]:
    """The fill rule as dbt compiles it: the missing cells (fill_gaps) and the long series (filled_long) over them."""
    gaps = compile_inline(f"{{{{ fill_gaps('fixture', 'key', 'value', {grain}, 'ERCOT') }}}}", work)
    series = compile_inline("{{ filled_long('fixture', 'gaps', 'key', 'value') }}", work)
    return gaps, series


def run_fill(con, sqls: tuple[str, str], select: str) -> list[tuple]:
    """`fixture` (datetime, key, value) gets Stage 2's local columns; then the gap table and the series over it."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("create or replace table fixture as select datetime, timezone('America/Chicago', datetime) as datetime_local, "
                "key, value, year(timezone('America/Chicago', datetime)) as year from fixture_rows")
    con.execute(f"create or replace table gaps as {sqls[0]}")
    return con.execute(f"select {select} from ({sqls[1]})").fetchall()


@pytest.fixture(scope="module")
def fill_sql(tmp_path_factory):
    return compile_fill(tmp_path_factory.mktemp("fill"), 5)


def test_fill_rule_boundaries_match_reference(fill_sql):
    # 2024-11-03 05:30 UTC onward: 01:00 CDT -> the repeated hour -> CST, so OVER_DST spans the DST change
    start = dt.datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    spine = [start + dt.timedelta(minutes=5 * i) for i in range(60)]
    rng = random.Random(3)
    rows, series = [], {}
    for key, (_, missing, first) in CASES.items():
        series[key] = {}
        for i, t in enumerate(spine):
            if i < first or i in missing:
                continue
            v = round(rng.uniform(-20, 200), 2)
            series[key][t] = v
            rows.append((t, key, v))
    # also random series to catch anything the hand-picked cases miss
    for n in range(5):
        key = f"RANDOM_{n}"
        series[key] = {}
        for t in spine:
            if rng.random() < 0.7:
                v = round(rng.uniform(0, 50), 2)
                series[key][t] = v
                rows.append((t, key, v))
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create table fixture_rows (datetime timestamptz, key varchar, value double)")
    con.executemany("insert into fixture_rows values (?, ?, ?)", rows)
    got = run_fill(con, fill_sql, "key, datetime, value, filled")
    got_values = {(k, t.astimezone(UTC)): v for k, t, v, _ in got}
    data_spine = sorted({t for _, t, _ in [(r[1], r[0], r[2]) for r in rows]})
    assert data_spine[0] == spine[0] and data_spine[-1] == spine[-1]
    for key, s in series.items():
        expected = reference_fill(s, spine, 5, 60)
        actual = {t: v for (k, t), v in got_values.items() if k == key}
        assert actual == expected, key
    # the boundaries, spelled out
    g55 = {t: v for (k, t), v in got_values.items() if k == "GAP_55MIN"}
    assert g55[spine[15]] == series["GAP_55MIN"][spine[9]]
    g60 = {t: v for (k, t), v in got_values.items() if k == "GAP_60MIN"}
    assert all(g60[spine[i]] is None for i in range(30, 42))
    lead = {t for (k, t) in got_values if k == "LEADING"}
    assert min(lead) == spine[6]
    filled = {(k, t.astimezone(UTC)) for k, t, _, f in got if f}
    assert ("GAP_1", spine[7]) in filled and ("GAP_60MIN", spine[35]) not in filled


def test_hourly_grain_single_missing_hour_is_not_filled(tmp_path):
    sqls = compile_fill(tmp_path, 60)
    con = duckdb.connect()
    con.execute("create table fixture_rows as select * from (values "
                "('2024-01-01 00:00+00'::timestamptz, 'HB_X', 1.0), ('2024-01-01 02:00+00'::timestamptz, 'HB_X', 3.0))"
                " t(datetime, key, value)")
    got = dict(run_fill(con, sqls, "hour(datetime), value"))
    assert got == {0: 1.0, 1: None, 2: 3.0}  # a 60-minute gap is not < 60 minutes


def test_pivot_accuracy_on_the_sample(built):
    # every long value appears in the wide table with the same value; columns named as ERCOT names them
    cols = [r[0] for r in query(built, "describe ercot.flat_rt_prices")]
    assert cols[0] == "datetime" and "HB_NORTH" in cols and "LZ_HOUSTON" in cols and cols[-1] == "year"
    long = query(built, "select datetime, settlement_point, rt_lmp from ercot.rt_prices")
    wide = query(built, "unpivot (select * exclude (year) from ercot.flat_rt_prices) on columns(* exclude (datetime)) "
                        "into name point value v")
    wide_map = {(t, p): v for t, p, v in wide}
    assert all(wide_map.get((t, p)) == v for t, p, v in long)
    assert len(wide_map) >= len(long)
    as_cols = [r[0] for r in query(built, "describe ercot.flat_as_prices")]
    assert as_cols == ["datetime", "REG_UP", "REG_DOWN", "RRS", "NSRS", "ECRS", "year"]
    root = IsoPaths.of("ERCOT", built).rollup_files / "flattened"
    assert sorted(p.name for p in root.iterdir()) == ["AS_prices", "DA_prices", "RT_SPP", "RT_prices"]
    con = duckdb.connect()
    # one file per local month of the index
    months = sorted(p.name for p in (root / "RT_prices/year=2024").glob("*.parquet"))
    local_months = "select distinct strftime(timezone('America/Chicago', datetime), '%Y%m') from ercot.flat_rt_prices"
    expected = {f"data_{m}.parquet" for (m,) in query(built, local_months)}
    assert set(months) == expected and len(months) == 2
    # every file has the same columns (readers that take the first file's schema see every point)
    schemas = {tuple(r[0] for r in con.execute(
                   f"select * from read_parquet('{root}/RT_prices/year=2024/{m}', hive_partitioning = false) limit 0"
               ).description)
               for m in months}
    assert len(schemas) == 1 and next(iter(schemas))[0] == "datetime" and "year" not in next(iter(schemas))


def test_fill_stats_count_filled_cells(built):
    stats = query(built, "select dataset, sum(filled_cells), sum(null_cells), sum(observed_cells) from ercot.fill_stats group by 1")
    by = {d: (f, n, o) for d, f, n, o in stats}
    # the generated sample is complete: nothing to fill, nothing NULL
    assert by["RT_prices"][0] == 0 and by["RT_prices"][1] == 0
    assert by["RT_prices"][2] == query(built, "select count(*) from ercot.rt_prices")[0][0]


# RT_SPP files only, and Stage 3's RT_SPP and fill statistics compared: what they depend on is built, and their tests
RT_SPP_STAGE3 = ("--select", "+ercot_flat_rt_spp", "+ercot_fill_stats")


def test_incremental_stage3_rewrites_the_neighbouring_day_whose_fill_changes(tmp_path):
    """HB_WEST is missing from 23:15 on 12/20 to 00:15 on 12/21 (five 15-minute intervals). Before 12/21 lands, the
    first three are a trailing gap of 45 minutes, forward-filled; once 12/21 lands the run is 75 minutes and must be
    NULL throughout - so 12/20, a day Stage 2 does not rewrite, changes in Stage 3. The incremental build must give
    what a full rebuild gives."""
    import zipfile

    from conftest import build
    from ingest.landing import land
    from ingest.sample.ercot import generate_ercot

    raw = tmp_path / "raw"
    files = generate_ercot(raw, start=dt.date(2024, 12, 19), days=3, datasets=("RT_SPP",))
    dropped = {("12/20/2024", "24", "2"), ("12/20/2024", "24", "3"), ("12/20/2024", "24", "4"),
               ("12/21/2024", "1", "1"), ("12/21/2024", "1", "2")}
    inputs = []
    for f in files:
        with zipfile.ZipFile(f) as z:
            name = z.namelist()[0]
            lines = z.read(name).decode().splitlines()
        keep = [ln for ln in lines if not (tuple(ln.split(",")[:3]) in dropped and ln.split(",")[3] == "HB_WEST")]
        if len(keep) == len(lines):
            inputs.append(f)
        else:
            plain = tmp_path / "edited" / name
            plain.parent.mkdir(exist_ok=True)
            plain.write_text("\n".join(keep) + "\n")
            inputs.append(plain)
    stamp = lambda p: p.name.split("SPPHLZNP6905_")[1][:13]  # noqa: E731 - interval end, YYYYMMDD_HHMM
    first = [p for p in inputs if stamp(p) <= "20241221_0000"]  # all of 12/20 (its last interval ends at 00:00)
    base = tmp_path / "inc"
    land("ERCOT", first, base=base)
    assert build(base, *RT_SPP_STAGE3)["__returncode__"] == 0
    west = ("select datetime_local, HB_WEST from ercot.flat_rt_spp join ercot.rt_spp using (datetime)"
            " where settlement_point = 'HB_NORTH' order by 1")
    at = lambda rows, t: dict(rows)[dt.datetime.fromisoformat(t)]  # noqa: E731
    before = query(base, west)
    assert at(before, "2024-12-20 23:15") is not None, "a 45-minute trailing gap is forward-filled"

    land("ERCOT", inputs, base=base)
    assert build(base, *RT_SPP_STAGE3)["__returncode__"] == 0
    rewritten = query(base, """select distinct day::varchar from main._export_days where model like '%"rt_spp"'
                               and exported_at = (select max(exported_at) from main._export_days where model like '%"rt_spp"')""")
    assert ("2024-12-20",) not in rewritten, "Stage 2 did not rewrite 12/20: only Stage 3's fill rule reaches it"
    after = query(base, west)
    assert at(after, "2024-12-20 23:15") is None and at(after, "2024-12-21 00:15") is None, "a 75-minute gap is NULL"
    # the gap test and the gaps table found HB_WEST's run through the day summaries: one gap of five intervals
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [gap_test] = [r for r in results if r["unique_id"].split(".")[2].startswith("no_time_gaps_ercot_rt_spp_")]
    assert gap_test["status"] == "warn" and gap_test["failures"] == 1, gap_test
    assert "from main._day_keys" in gap_test["compiled_code"]
    [days_test] = [r for r in results if r["unique_id"].split(".")[2].startswith("complete_days_ercot_rt_spp_")]
    assert days_test["status"] == "warn" and days_test["failures"] == 2, days_test  # HB_WEST on 12/20 and 12/21
    assert "from main._day_keys" in days_test["compiled_code"]
    assert query(base, "select key, count(*), min(gap_intervals) from ercot.int_ercot__rt_spp_gaps group by 1") == [("HB_WEST", 5, 5)]

    full = tmp_path / "full"
    land("ERCOT", inputs, base=full)
    assert build(full, *RT_SPP_STAGE3, "--full-refresh")["__returncode__"] == 0
    for table in ("flat_rt_spp", "int_ercot__rt_spp_gaps", "fill_stats"):
        assert query(base, f"select * from ercot.{table} order by all") == query(full, f"select * from ercot.{table} order by all"), table
