"""A build with nothing new skips what reads all of history, and nothing else (macro unless_inputs_changed).

Stage 4 models (written whole), the gaps tables, the settlement points and the whole-history data tests are skipped
while their inputs are those of their last build or pass; a deleted output file, new data, or a bad value makes
them run again, and a test that failed keeps failing on the next build with nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from conftest import build, landed_entries, query
from ingest.config import IsoPaths
from ingest.landing import land
from ingest.sample.ercot import generate_ercot

pytestmark = pytest.mark.e2e

KEPT_TEST = "inputs unchanged since the last pass"


def results(base: Path) -> dict[str, dict]:
    """The last build's run results by node name: status and compiled SQL."""
    rr = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".", 2)[-1]: r for r in rr}


def kept_models(base: Path, log_from: int) -> set[str]:
    """The parquet models the build since log offset `log_from` kept (the materialization logs it)."""
    log = (base / "dbt_logs" / "dbt.log").read_text()[log_from:]
    return {line.split('"."')[-1].split('"')[0] for line in log.splitlines() if ": kept: its inputs" in line}


def log_since(base: Path, offset: int) -> str:
    return (base / "dbt_logs" / "dbt.log").read_text()[offset:]


def log_size(base: Path) -> int:
    log = base / "dbt_logs" / "dbt.log"
    return len(log.read_text()) if log.exists() else 0


def recorded_rows(base: Path) -> dict[str, tuple[int, int]]:
    """The last dbt run's row count of each model in the run history, with the count of its relation now."""
    manifest = json.loads((base / "dbt_target" / "manifest.json").read_text())["nodes"]
    (run_id,) = query(base, "select run_id from monitoring.runs where kind = 'dbt' order by started_at desc limit 1")[0]
    recorded = query(base, "select unique_id, rows from monitoring.run_nodes where run_id = ? and rows is not null", [run_id])
    return {uid: (n, query(base, f"select count(*) from {manifest[uid]['relation_name']}")[0][0]) for uid, n in recorded}


def kept_counts(base: Path) -> dict[str, str]:
    """When each model's row count kept for the run history was last counted (main._report_rows, 'rows <id>')."""
    return dict(query(base, "select key, computed_at::varchar from main._report_rows where key like 'rows %'"))


def assert_day_summaries_and_fill_stats_are_the_rows(base: Path) -> None:
    """main._day_keys (kept by each Stage 2 export) is the summary of the Stage 2 files as they are, per local day and
    key, and fill_stats read from it equals fill_stats computed from every row of the filled views."""
    models = query(base, "select model from main._export_state where summarized_at is not null order by 1")
    assert {m for (m,) in models} >= {'"warehouse"."ercot"."rt_prices"', '"warehouse"."ercot"."as_prices"'}
    keys = {"rt_prices": "settlement_point", "da_prices": "settlement_point", "rt_spp": "settlement_point", "as_prices": "as_product"}
    values = {"rt_prices": "rt_lmp", "da_prices": "da_lmp", "rt_spp": "rt_lmp", "as_prices": "as_price"}
    for (model,) in models:
        name = model.split(".")[-1].strip('"')
        kind = "cast(null as varchar)" if name == "as_prices" else "settlement_type"
        kept = query(base, "select day, key, key_type, row_count, value_count, first_row, last_row, first_value, "
                           "last_value, value_sum from main._day_keys where model = ? order by 1, 2, 3", [model])
        rows = query(base, f"""select datetime_local::date, {keys[name]}, {kind}, count(*), count({values[name]}),
                                      min(datetime), max(datetime),
                                      min(datetime) filter (where {values[name]} is not null),
                                      max(datetime) filter (where {values[name]} is not null), sum({values[name]})
                               from {model} group by all order by 1, 2, 3""")
        assert [r[:-1] for r in kept] == [r[:-1] for r in rows] and rows, model
        assert [r[-1] for r in kept] == pytest.approx([r[-1] for r in rows], rel=1e-12), model
        assert {r[2] for r in kept} == ({None} if name == "as_prices" else {"HUB", "ZONE", "NODE"}), model
    stats = "select * from ercot.fill_stats order by dataset, column_name"
    every_row = " union all ".join(
        f"""select '{d}', key, count(*), count(*) filter (where observed), count(*) filter (where filled),
                   count(*) filter (where value is null), count(distinct gap_run) filter (where filled),
                   count(distinct gap_run) filter (where not observed and not filled), min(datetime), max(datetime)
            from ercot.int_ercot__{m}_filled group by key"""
        for d, m in (("DA_prices", "da_prices"), ("RT_prices", "rt_prices"), ("RT_SPP", "rt_spp"), ("AS_prices", "as_prices")))
    assert query(base, stats) == query(base, f"select * from ({every_row}) order by 1, 2")
    # the wide tables' columns (macro distinct_keys, from the summaries) are the keys of every row of the filled views
    for m in ("da_prices", "rt_prices", "rt_spp", "as_prices"):
        wide = [c for (c,) in query(base, f"select column_name from (describe ercot.flat_{m})") if c not in ("datetime", "year")]
        every = [k for (k,) in query(base, f"select distinct key from ercot.int_ercot__{m}_filled order by 1")]
        assert (sorted(wide) if m == "as_prices" else wide) == every and every, m


def test_nothing_new_skips_whole_history_work_and_new_or_bad_data_runs_it_again(tmp_path, base):
    raw = tmp_path / "raw"
    files = generate_ercot(raw, start=dt.date(2024, 10, 21), days=3, n_nodes=4)
    published = lambda p: p.name.split(".")[3]  # noqa: E731  (cdr.<id>.<id>.<YYYYMMDD>.<time>.<report>...)
    later = tmp_path / "later"
    later.mkdir()
    morning = tmp_path / "morning"
    morning.mkdir()
    for p in files:  # the third day (and what is published after midnight) lands later: its morning first
        if published(p) >= "20241023":
            shutil.move(p, (morning if published(p) == "20241023" and p.name.split(".")[4] < "120000" else later) / p.name)
    land("ercot", [raw], base=base)
    first = build(base, "--select", "tag:ercot")
    assert first["__returncode__"] == 0, first["__log__"][-3000:]
    counted_first = kept_counts(base)
    assert_day_summaries_and_fill_stats_are_the_rows(base)
    assert {"rows model.iso_pipeline.ercot_rt_prices", "rows model.iso_pipeline.ercot_da_as_combined"} <= set(counted_first)
    # nothing new (and one Stage 4 file deleted by hand): every whole-written model is kept but that one
    rollup = IsoPaths.of("ERCOT", base).rollup_files
    reports = [rollup / n for n in ("gaps_report.md", "quality_report.md", "quality_report.html")]
    written = {p: p.stat().st_mtime_ns for p in reports}
    (rollup / "combined" / "analysis_ready" / "FULL_DATASET.parquet").unlink()
    offset = log_size(base)
    again = build(base, "--select", "tag:ercot")
    assert again["__returncode__"] == 0, again["__log__"][-3000:]
    # the reports show the same data and the same checks: kept as they are, and the hooks after them still record
    assert "ERCOT reports kept" in again["__log__"]
    assert {p: p.stat().st_mtime_ns for p in reports} == written
    assert query(base, "select ended_at is not null, status from monitoring.runs where kind = 'dbt' "
                       "order by started_at desc limit 1") == [(True, "warn")]  # availability warnings of the sample
    assert kept_models(base, offset) == {"da_as_combined", "da_as_rt_hourly", "da_as_rt_native", "all_markets",
                                         "monthly_da_as_combined", "monthly_da_as_rt_hourly",
                                         "monthly_da_as_rt_native", "monthly_all_markets"}
    assert (rollup / "combined" / "analysis_ready" / "FULL_DATASET.parquet").exists()
    # the run history's row counts: right, and not counted again for a model whose version is the same
    rows = recorded_rows(base)
    assert len(rows) > 20 and all(n == now for n, now in rows.values()), rows
    counted = kept_counts(base)
    assert counted["rows model.iso_pipeline.ercot_rt_prices"] == counted_first["rows model.iso_pipeline.ercot_rt_prices"]
    assert counted["rows model.iso_pipeline.ercot_da_as_combined"] == counted_first["rows model.iso_pipeline.ercot_da_as_combined"]
    res = results(base)
    for table in ("int_ercot__rt_prices_gaps", "int_ercot__da_prices_gaps", "int_ercot__settlement_points",
                  "ercot_fill_stats"):
        assert res[table]["compiled_code"].startswith("select * from"), table
    skipped = {n for n, r in res.items() if KEPT_TEST in (r.get("compiled_code") or "")}
    for name in ("cells_match_ercot_da_as_rt_hourly", "no_time_gaps_ercot_rt_prices",
                 "row_count_matches_ercot_da_as_rt_native"):
        assert any(n.startswith(name) for n in skipped), (name, sorted(skipped))
    # the day-scoped tests read no day: every day is verified
    for name in ("values_in_range_ercot_rt_prices_rt_lmp", "hourly_aggregates_match_ercot_rt_prices_stats"):
        [scoped] = [r for n, r in res.items() if n.startswith(name)]
        assert KEPT_TEST in scoped["compiled_code"] or "where false" in scoped["compiled_code"], scoped["compiled_code"]
    # the row-count tests read the landing registry, which has no version: they always run
    assert not any(n.startswith("rows_match_registry") for n in skipped)
    # the example mart is a table (materialization kept_table), kept as it is, and its passing tests skipped
    mart = "ercot_hub_daily_peak_prices"
    assert query(base, f"select table_type from information_schema.tables where table_name = '{mart}'") == [("BASE TABLE",)]
    assert f'"{mart}": kept: the table was built from this SQL' in log_since(base, offset)
    assert any(n.startswith(f"unique_grain_{mart}") for n in skipped), sorted(skipped)
    # ERCOT's staging alone, selected by folder as the benchmark does: the folder's sources file also carries every
    # ISO's landed_data_exists test (on the shared landing source), and those make no report of an ISO that built
    # nothing in the run (they wrote CAISO's, MISO's, PJM's and SPP's reports on every such build)
    staged = build(base, "--select", "path:models/staging/ercot", "--indirect-selection", "buildable")
    assert staged["__returncode__"] == 0, staged["__log__"][-3000:]
    others = {"CAISO", "MISO", "PJM", "SPP"}
    assert {iso for iso in others if f"source_landed_data_exists_landing_landed_files_{iso}" in "".join(results(base))} == others
    assert [p for iso in others for p in IsoPaths.of(iso, base).rollup_files.glob("*report*")] == []
    assert (rollup / "quality_report.md").stat().st_mtime_ns >= written[rollup / "quality_report.md"]

    # the new day's morning: the mart is rebuilt from the new rows (what its SQL gives now)
    before = query(base, f"select * from marts.{mart} order by all")
    land("ercot", [morning], base=base)
    # the run history counts a Stage 2 model from its day summaries, not from a year of parquet footers: an old
    # day's summary made to say 1,000 rows more (a day this build does not export again) shows in the recorded count
    tampered = ("update main._day_keys set row_count = row_count {} 1000 where model = '\"warehouse\".\"ercot\".\"rt_prices\"' "
                "and day = date '2024-10-21' and key = 'HB_HOUSTON'")
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        assert con.execute(tampered.format("+")).fetchall() == [(1,)]
    offset = log_size(base)
    grown = build(base, "--select", "tag:ercot")
    assert grown["__returncode__"] == 0, grown["__log__"][-3000:]
    recorded, now = recorded_rows(base)["model.iso_pipeline.ercot_rt_prices"]
    assert recorded == now + 1000 and now > 0, (recorded, now)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        assert con.execute(tampered.format("-")).fetchall() == [(1,)]
    assert f'"{mart}": kept' not in log_since(base, offset)
    # Stage 4's hourly statistics aggregate the days the new rows reached, not the whole history
    for stats in ("rt_prices_stats", "rt_spp_stats"):
        planned = re.findall(rf'"{stats}": (\d+) day\(s\), (\w+)', log_since(base, offset))
        assert planned and planned[-1][1] == "incremental" and 0 < int(planned[-1][0]) <= 4, (stats, planned)
    recomputed = f"select * from ({results(base)[mart]['compiled_code']}) order by all"
    assert query(base, f"select * from marts.{mart} order by all") == query(base, recomputed) != before

    # the rest of the new day, whose last SCED run carries an impossible price (edited after landing: the row count holds)
    # RT prices exported by a version without day summaries, the other models by one whose summaries had no settlement
    # type and value sums: the next export summarizes every day once
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("""update main._export_state set summarized_at = null where model = '"warehouse"."ercot"."rt_prices"';
                       delete from main._day_keys where model = '"warehouse"."ercot"."rt_prices"';
                       alter table main._day_keys drop column key_type;
                       alter table main._day_keys drop column value_sum;
                       alter table main._export_state drop column summary_key;
                       alter table main._export_state drop column summary_value""")
    land("ercot", [later], base=base)
    sced = max((e for e in landed_entries(base) if e["format"] == "np6_788_cd"), key=lambda e: e["file_name"])
    csv_path = IsoPaths.of("ERCOT", base).root / sced["path"]
    lines = csv_path.read_text().splitlines(keepends=True)
    fields = lines[1].rstrip("\r\n").split(",")
    lines[1] = ",".join([*fields[:-1], "99999.00"]) + "\n"
    csv_path.write_text("".join(lines))
    offset = log_size(base)
    bad = build(base, "--select", "tag:ercot")
    assert bad["__returncode__"] != 0
    res = results(base)
    [range_test] = [n for n in res if n.startswith("values_in_range_ercot_rt_prices_rt_lmp")]
    assert res[range_test]["status"] == "fail" and KEPT_TEST not in res[range_test]["compiled_code"]
    # the hourly statistics of the new day are checked against its intervals (the unverified days, not none)
    [stats_test] = [n for n in res if n.startswith("hourly_aggregates_match_ercot_rt_prices_stats")]
    assert res[stats_test]["status"] == "pass", res[stats_test]
    assert KEPT_TEST not in res[stats_test]["compiled_code"] and "where false" not in res[stats_test]["compiled_code"]
    assert res["int_ercot__settlement_points"]["compiled_code"].lstrip().startswith("with"), "new rows: rebuilt"
    # new rows rebuilt the settlement points, which every Stage 4 model reads: none is kept
    assert kept_models(base, offset) == set()
    # and the reports are written again, with the failure
    assert "ERCOT reports kept" not in bad["__log__"]
    assert range_test.split(".")[0] in (rollup / "quality_report.md").read_text()
    assert_day_summaries_and_fill_stats_are_the_rows(base)
    assert "from main._day_keys" in res["ercot_fill_stats"]["compiled_code"], "fill_stats read from the day summaries"
    # the wide tables' columns came from the summaries too: no build read a filled view's keys from its rows
    assert "select distinct key from" not in (base / "dbt_logs" / "dbt.log").read_text()
    # a new day: the models it reached are counted again, and the counts are those of the relations now
    rows = recorded_rows(base)
    assert all(n == now for n, now in rows.values()), rows
    assert rows["model.iso_pipeline.ercot_rt_prices"][0] > 0
    assert kept_counts(base)["rows model.iso_pipeline.ercot_rt_prices"] != counted["rows model.iso_pipeline.ercot_rt_prices"]

    # nothing new since the failure: the failing test is not skipped, it fails again
    again = build(base, "--select", "tag:ercot")
    res = results(base)
    assert again["__returncode__"] != 0 and res[range_test]["status"] == "fail"
    assert KEPT_TEST not in res[range_test]["compiled_code"]


def test_settlement_points_read_only_the_rows_loaded_since_their_last_build(tmp_path, base):
    """A new day reads the settlement points table and the rows loaded since its last build, not every landed row:
    a point first seen in the new day is added, typed like the others, and the table is the one a full read gives."""
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=2, datasets=("DA_prices",))
    land("ercot", files[:1], base=base)
    select = ("--select", "+int_ercot__settlement_points")
    assert build(base, *select)["__returncode__"] == 0
    with zipfile.ZipFile(files[1]) as z:  # the second day carries a point never seen before: a new hub
        name = z.namelist()[0]
        lines = z.read(name).decode().splitlines()
    point = lines[1].split(",")[2]
    renamed = tmp_path / "renamed" / name
    renamed.parent.mkdir()
    renamed.write_text("\n".join([lines[0]] + [ln.replace(f",{point},", ",HB_NEWHUB,") for ln in lines[1:]]) + "\n")
    land("ercot", [renamed], base=base)
    assert build(base, *select)["__returncode__"] == 0
    compiled = results(base)["int_ercot__settlement_points"]["compiled_code"]
    assert "where _loaded_at >" in compiled and compiled.lstrip().startswith("with seen as")
    points = "select settlement_point, iso_point_type, settlement_type from ercot.int_ercot__settlement_points order by 1"
    got = query(base, points)
    assert [t for p, _, t in got if p == "HB_NEWHUB"] == ["HUB"], got
    # the same table as a full read of every landed row
    assert build(base, *select, "--full-refresh")["__returncode__"] == 0
    assert query(base, points) == got
    assert "where _loaded_at >" not in results(base)["int_ercot__settlement_points"]["compiled_code"]


def test_a_dataset_not_landed_yet_is_not_exported_again_until_its_first_rows(tmp_path, base):
    """A day-unit model whose input has no rows (a dataset not landed yet) is written once, empty; the next builds
    leave it as it is (no full export each time, which made every model and report downstream new: the reports were
    rewritten on every build of a user who lands only some datasets), and its first rows are exported in full."""
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=2, datasets=("DA_prices", "AS_prices"))
    land("ercot", [f for f in files if "NP4190" in f.name], base=base)  # DA only: AS_prices, RT_prices, RT_SPP empty
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    state = "select model, full_export_at from main._export_state order by 1"
    exported = query(base, state)
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0  # settles the reports' inputs
    offset = log_size(base)
    again = build(base, "--select", "tag:ercot")
    assert again["__returncode__"] == 0, again["__log__"][-3000:]
    assert query(base, state) == exported, "no model exported in full again"
    assert "ERCOT reports kept" in again["__log__"]
    log = (base / "dbt_logs" / "dbt.log").read_text()[offset:]
    assert '"as_prices": 0 day(s), incremental: nothing new: int_ercot__as_prices has no rows' in log
    assert '"flat_as_prices": 0 day(s), incremental: nothing new: as_prices has no rows' in log
    # the first AS rows: exported in full, Stage 3 too, and the rows are all there
    land("ercot", [f for f in files if "NP4188" in f.name], base=base)
    offset = log_size(base)
    first_rows = build(base, "--select", "tag:ercot")
    assert first_rows["__returncode__"] == 0, first_rows["__log__"][-3000:]
    log = (base / "dbt_logs" / "dbt.log").read_text()[offset:]
    assert "first rows: int_ercot__as_prices had none at the last export" in log
    assert "first rows: as_prices had none at the last export" in log
    assert query(base, "select count(*) from ercot.as_prices")[0][0] == sum(e["rows"] for e in landed_entries(base)
                                                                          if e["dataset"] == "AS_prices") > 0
    assert query(base, "select count(*) from ercot.flat_as_prices")[0][0] > 0


def test_a_staging_view_is_kept_while_its_sql_is_the_same_and_still_reads_new_files(tmp_path, base):
    """Binding a staging view lists every landed file (seconds at hundreds of thousands of files), so a build keeps
    the view when its SQL is unchanged (materialization source_view); the view still reads the files landed since,
    and a view dropped by hand or a --full-refresh makes the build create it again."""
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=2, datasets=("DA_prices",))
    land("ercot", files[:1], base=base)
    select = ("--select", "+ercot_da_prices")
    kept = '"stg_ercot__dam_spp": kept: the view was created from this SQL'

    def built(*extra: str) -> str:
        offset = log_size(base)
        out = build(base, *select, *extra)
        assert out["__returncode__"] == 0, out["__log__"][-3000:]
        return (base / "dbt_logs" / "dbt.log").read_text()[offset:]

    assert kept not in built()
    nothing_new = built()
    assert kept in nothing_new
    # the Stage 2 model had no day to write: no statement of its own, and its view over the files kept too
    stage2_kept = '"da_prices": view kept'
    assert stage2_kept in nothing_new and "DA_prices.writing" not in nothing_new
    land("ercot", files[1:], base=base)
    new_day = built()
    assert kept in new_day and stage2_kept not in new_day and "DA_prices.writing" in new_day
    days = "select count(distinct datetime_local::date) from ercot.stg_ercot__dam_spp"
    assert query(base, days)[0][0] == 2, "the kept view reads the file landed after it was created"
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("drop view ercot.stg_ercot__dam_spp")
    assert kept not in built()
    assert query(base, days)[0][0] == 2
    # a Stage 2 view replaced by hand (same columns, no rows) is not taken for the one the build created
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("create table ercot.da_prices_by_hand as select * from ercot.da_prices limit 0")
        con.execute("create or replace view ercot.da_prices as select * from ercot.da_prices_by_hand")
    again = built()
    assert stage2_kept not in again and "DA_prices.writing" not in again
    assert query(base, "select count(distinct datetime_local::date) from ercot.da_prices")[0][0] == 2
    assert stage2_kept in built()
    assert kept not in built("--full-refresh")
