"""Every generic data test fails on a purpose-built bad fixture and passes on the clean sample.

The test SQL is compiled by dbt from the project's own generic tests and run against copies of the built sample's
relations (clean) and the same copies with one defect each (bad). The failing rows must say where: ISO, dataset,
day and point where the test is about data.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import compile_inline

# name -> (fixture table, how to make it from the built warehouse, the test call, the defect)
FIXTURES = {
    "fx_da": "select * from ercot.da_prices",
    "fx_int_da": "select * from ercot.int_ercot__da_prices",
    "fx_landed": "select * from landing.landed_files",
    "fx_native": "select * from ercot.da_as_rt_native",
    "fx_flat_rt": "select * from ercot.flat_rt_prices",
    "fx_gaps": "select * from ercot.int_ercot__rt_spp_gaps",
}

REPLACED_VIEWS = ["ercot.flat_da_prices", "ercot.da_as_rt_hourly", "ercot.rt_prices_stats", "ercot.all_markets", "ercot.da_prices"]

CASES = {
    "duplicate": (
        "test_unique_grain(model=rel('fx_da'), columns=['datetime', 'settlement_point'], context_columns=['iso'])",
        "insert into fx_da select * from fx_da where settlement_point = 'HB_NORTH' limit 1",
    ),
    "null_key": (
        "test_unique_grain(model=rel('fx_da'), columns=['datetime', 'settlement_point'], required_columns=['source_file', 'da_lmp'], "
        "context_columns=['iso', 'datetime_local', 'source_file'], local_column='datetime_local')",
        "update fx_da set settlement_point = null"
        " where settlement_point = 'LZ_NORTH' and hour_ending = 3 and datetime_local::date = date '2024-10-24'",
    ),
    "null_price": (
        "test_unique_grain(model=rel('fx_da'), columns=['datetime', 'settlement_point'], required_columns=['source_file', 'da_lmp'], "
        "context_columns=['iso', 'datetime_local', 'source_file'], local_column='datetime_local')",
        "update fx_da set da_lmp = null"
        " where settlement_point = 'HB_HUBAVG' and hour_ending = 11 and datetime_local::date = date '2024-10-26'",
    ),
    "out_of_range_price": (
        "test_values_in_range(model=rel('fx_da'), column_name='da_lmp', iso='ERCOT', market='DA', type_column='settlement_type')",
        "update fx_da set da_lmp = 99999"
        " where settlement_point = 'LZ_WEST' and hour_ending = 17 and datetime_local::date = date '2024-10-25'",
    ),
    "missing_day": (
        "test_no_time_gaps(model=rel('fx_da'), grain_minutes=60, iso='ERCOT', dataset='DA_prices', key_column='settlement_point')",
        "delete from fx_da where settlement_point = 'HB_WEST' and datetime_local::date = date '2024-10-30'",
    ),
    "gap_at_the_end": (
        "test_no_time_gaps(model=rel('fx_da'), grain_minutes=60, iso='ERCOT', dataset='DA_prices', key_column='settlement_point')",
        "delete from fx_da where settlement_point = 'HB_PAN' and datetime_local >= timestamp '2024-11-10 20:00'",
    ),
    "incomplete_dst_day": (
        "test_complete_days(model=rel('fx_da'), grain_minutes=60, iso='ERCOT', dataset='DA_prices', key_column='settlement_point')",
        "delete from fx_da where settlement_point = 'HB_NORTH' and datetime_local::date = date '2024-11-03' and hour_ending = 5",
    ),
    "dropped_row": (
        "test_rows_match_registry(model=rel('fx_int_da'), iso='ERCOT', formats=['np4_190_cd'])",
        "delete from fx_int_da where settlement_point = 'LZ_AEN' and hour(datetime_local) = 2 and datetime_local::date = date '2024-10-22'",
    ),
    "lost_key": (
        "test_keys_preserved(model=rel('fx_da'), source_model=ref('int_ercot__da_prices'), key_columns=['datetime', 'settlement_point'])",
        "delete from fx_da where settlement_point = 'LZ_CPS' and hour_ending = 9 and datetime_local::date = date '2024-10-23'",
    ),
    "renamed_column": (
        "test_columns_equal(model=rel('fx_da'), expected_columns=['datetime', 'interval_end', 'datetime_local', 'hour_ending', "
        "'interval_minutes', 'iso', 'settlement_point', 'settlement_type', 'da_lmp', 'source_file', 'year'])",
        "alter table fx_da rename column da_lmp to settlement_point_price",
    ),
    "unregistered_header": (
        "test_landed_headers_registered(model=rel('fx_landed'), iso='ERCOT')",
        "update fx_landed set header = replace(header, 'SettlementPointPrice', 'SPP') where format = 'np4_190_cd' "
        "and path = (select min(path) from fx_landed where format = 'np4_190_cd')",
    ),
    "pivot_error": (
        "test_pivot_matches_long(model=ref('ercot_flat_da_prices'), long_model=ref('ercot_da_prices'), key_column='settlement_point', "
        "value_column='da_lmp', filled_model=ref('int_ercot__da_prices_filled'))",
        "update ercot.flat_da_prices set \"HB_HOUSTON\" = \"HB_HOUSTON\" + 1 "
        "where datetime = (select min(datetime) + interval 30 hour from ercot.flat_da_prices)",
    ),
    "pivot_swapped_columns": (
        "test_pivot_matches_long(model=ref('ercot_flat_da_prices'), long_model=ref('ercot_da_prices'), key_column='settlement_point', "
        "value_column='da_lmp', filled_model=ref('int_ercot__da_prices_filled'))",
        # same cells, same sum, under the wrong columns: only the position-weighted sum tells
        "update ercot.flat_da_prices set \"HB_NORTH\" = \"HB_WEST\", \"HB_WEST\" = \"HB_NORTH\" "
        "where datetime = (select min(datetime) + interval 40 hour from ercot.flat_da_prices)",
    ),
    "pivot_extra_cell": (
        "test_pivot_matches_long(model=ref('ercot_flat_da_prices'), long_model=ref('ercot_da_prices'), key_column='settlement_point', "
        "value_column='da_lmp', filled_model=ref('int_ercot__da_prices_filled'))",
        "delete from ercot.da_prices where settlement_point = 'LZ_WEST' "
        "and datetime = (select min(datetime) + interval 50 hour from ercot.da_prices)",
    ),
    "gap_cell_observed": (
        "test_gaps_unobserved(model=rel('fx_gaps'), filled_model=ref('int_ercot__rt_spp_filled'))",
        "insert into fx_gaps select datetime, datetime_local, settlement_point, rt_lmp, false, null, 1, true, year "
        "from ercot.rt_spp where settlement_point = 'HB_WEST' limit 1",
    ),
    "aggregation_error": (
        "test_hourly_aggregates_match(model=ref('ercot_rt_prices_stats'), rt_model=ref('ercot_rt_prices'), value_column='rt_lmp')",
        "update ercot.rt_prices_stats set \"RT_STD_HB_SOUTH\" = \"RT_STD_HB_SOUTH\" * 1.01 "
        "where datetime = (select max(datetime) - interval 3 hour from ercot.rt_prices_stats)",
    ),
    "stage4_copy_differs": (
        "test_cells_match(model=ref('ercot_da_as_rt_hourly'), compare_model=ref('ercot_rt_prices_stats'))",
        "update ercot.da_as_rt_hourly set \"RT_MAX_HB_NORTH\" = \"RT_MAX_HB_NORTH\" + 1 "
        "where datetime = (select min(datetime) + interval 5 hour from ercot.da_as_rt_hourly)",
    ),
    "stage4_copy_shifted": (
        # the join off by an hour: every RT_SPP mean one row late (the first hour's NULL where a value belongs)
        "test_cells_match(model=ref('ercot_all_markets'), compare_model=ref('ercot_rt_spp_stats'), renamed={'RT_SPP_AVG_': 'RT_SPP_'})",
        "update ercot.all_markets as a set \"RT_SPP_HB_WEST\" = (select b.\"RT_SPP_HB_WEST\" from ercot.all_markets as b "
        "where b.datetime = a.datetime - interval 1 hour)",
    ),
    "join_duplicated_rows": (
        "test_row_count_matches(model=rel('fx_native'), compare_model=rel('fx_flat_rt'))",
        "insert into fx_native select * from fx_native limit 2",
    ),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, built) -> dict[str, str]:
    """All generic tests compiled in one dbt invocation (each case's SQL between markers)."""
    work = tmp_path_factory.mktemp("verify")
    body = []
    for name, (call, _) in CASES.items():
        # rel('x'): a fixture table in the copied warehouse (inline SQL cannot define a macro)
        call = call.replace("rel('", "api.Relation.create(database='warehouse', schema='main', identifier='")
        body.append(f"-- @@{name}\n{{{{ {call} }}}}\n")
    # compiled against the built warehouse: tests whose SQL depends on a model's columns see the real ones
    sql = compile_inline("".join(body), work, data_dir=built)
    out, current = {}, None
    for line in sql.splitlines():
        if line.startswith("-- @@"):
            current = line[5:].strip()
            out[current] = ""
        elif current:
            out[current] += line + "\n"
    return out


def _connect(built, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built / "warehouse.duckdb", db)
    con = duckdb.connect(str(db))
    con.execute("set TimeZone = 'UTC'")
    for name, select in FIXTURES.items():
        con.execute(f"create or replace table main.{name} as {select}")
    for view in REPLACED_VIEWS:  # parquet-backed views become tables that a defect can modify
        con.execute(f"create table {view}__copy as select * from {view}")
        con.execute(f"drop view {view}")
        con.execute(f"alter table {view}__copy rename to {view.split('.')[1]}")
    return con


@pytest.mark.parametrize("case", list(CASES))
def test_generic_test_fails_on_bad_fixture_and_passes_on_clean(case, compiled, built, tmp_path):
    sql = compiled[case]
    con = _connect(built, tmp_path)
    clean = con.execute(sql).fetchall()
    assert clean == [], f"{case}: the clean sample must pass, got {clean[:3]}"
    con.execute(CASES[case][1])
    cur = con.execute(sql)
    failing = cur.fetchall()
    columns = [d[0] for d in cur.description]
    assert failing, f"{case}: the defect must be caught"
    first = dict(zip(columns, failing[0]))
    if case in ("out_of_range_price", "missing_day", "gap_at_the_end", "incomplete_dst_day"):
        assert {"iso", "day", "point"} <= set(columns) and first["iso"] == "ERCOT"
        assert ("dataset" in columns) or ("market" in columns)
    expectations = {
        "duplicate": lambda r: r["settlement_point"] == "HB_NORTH" and r["occurrences"] == 2 and r["problem"] == "duplicate key",
        "null_key": lambda r: r["problem"] == "NULL settlement_point" and r["settlement_point"] is None and r["occurrences"] == 1
        and r["datetime_local"] == "2024-10-24 02:00:00" and r["iso"] == "ERCOT",
        "null_price": lambda r: r["problem"] == "NULL da_lmp" and r["settlement_point"] == "HB_HUBAVG",
        "out_of_range_price": lambda r: r["point"] == "LZ_WEST" and r["value"] == 99999 and str(r["day"]) == "2024-10-25",
        "missing_day": lambda r: r["point"] == "HB_WEST" and str(r["day"]) == "2024-10-30" and r["missing_intervals"] == 24,
        "gap_at_the_end": lambda r: r["point"] == "HB_PAN" and r["missing_intervals"] == 4,
        "incomplete_dst_day": lambda r: r["point"] == "HB_NORTH" and r["expected_intervals"] == 25 and r["actual_intervals"] == 24,
        "dropped_row": lambda r: r["landed_rows"] - r["loaded_rows"] == 1 and r["dataset"] == "DA_prices",
        "lost_key": lambda r: r["settlement_point"] == "LZ_CPS" and r["problem"] == "missing from model",
        "renamed_column": lambda r: r["expected_column"] == "da_lmp" and r["actual_column"] == "settlement_point_price",
        "unregistered_header": lambda r: "SPP" in r["header"],
        "pivot_error": lambda r: r["key"] == "HB_HOUSTON",
        "pivot_swapped_columns": lambda r: r["key"] in ("HB_NORTH", "HB_WEST") and r["problem"].startswith("long value"),
        "pivot_extra_cell": lambda r: r["key"] == "LZ_WEST" and r["problem"] == "wide value neither observed nor filled",
        "gap_cell_observed": lambda r: r["key"] == "HB_WEST" and r["gap_value"] == r["observed_value"],
        "aggregation_error": lambda r: r["column_name"] == "RT_STD_HB_SOUTH",
        "stage4_copy_differs": lambda r: r["columns_differing"] == "RT_MAX_HB_NORTH",
        "stage4_copy_shifted": lambda r: r["columns_differing"] == "RT_SPP_HB_WEST",
        "join_duplicated_rows": lambda r: r["model_rows"] == 2,
    }
    assert expectations[case](first) or any(expectations[case](dict(zip(columns, r))) for r in failing), failing[:3]
