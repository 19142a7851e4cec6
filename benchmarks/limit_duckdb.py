"""The limit: a bare DuckDB `COPY (SELECT ... FROM read_csv(glob)) TO parquet` per dataset, on the landed CSVs.

The SELECT is the pipeline's own staging view (`ercot.stg_ercot__*`: `read_csv` with explicit types, SCED timestamps
floored to 5 minutes, local -> UTC with the DST flag through the project's one DST macro, interval end, hour ending),
plus the settlement type by ERCOT type / name prefix, the source file relative to the ISO folder and the local year;
written as `year` partitions, zstd - and nothing else: no intermediate table, no latest-run deduplication, no tests,
no incremental bookkeeping, no dbt. So it is what DuckDB alone costs to read, type and write these files with
exactly the typing Stage 2 uses (a faster DST rule makes both faster); Stage 2 cannot be faster than this.

It reads the staging views from the data dir's warehouse (read-only), so it runs after the pipeline built it.

    python -m benchmarks.limit_duckdb DATA_DIR OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from benchmarks.common import AS_PRODUCTS, ISO_TYPES, Timer, duckdb_settings, emit

POINT_TYPE = ("case when starts_with(settlement_point, 'HB_') then 'HUB' "
              "when starts_with(settlement_point, 'LZ_') then 'ZONE' else 'NODE' end")
SPP_TYPE = ("case " + " ".join(f"when iso_point_type = '{k}' then '{v}'" for k, v in ISO_TYPES.items())
            + f" else {POINT_TYPE} end")
AS_PRODUCT = ("case " + " ".join(f"when iso_as_product = '{k}' then '{v}'" for k, v in AS_PRODUCTS.items())
              + " else iso_as_product end")
TIME = "datetime, interval_end, datetime_local, hour_ending, interval_minutes, iso"
REL = "substr(source_file, strpos(source_file, 'csv_files/')) as source_file, year(datetime_local) as year"

QUERIES = {
    "RT_prices": f"select {TIME}, settlement_point, {POINT_TYPE} as settlement_type, rt_lmp, {REL} from ercot.stg_ercot__sced_lmp",
    "RT_SPP": f"select {TIME}, settlement_point, {SPP_TYPE} as settlement_type, rt_lmp, {REL} from ercot.stg_ercot__rtm_spp",
    "DA_prices": f"select {TIME}, settlement_point, {POINT_TYPE} as settlement_type, da_lmp, {REL} from ercot.stg_ercot__dam_spp",
    "AS_prices": f"select {TIME}, {AS_PRODUCT} as as_product, as_price, {REL} from ercot.stg_ercot__dam_as_mcpc",
}


def main(data_dir: Path, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(Path(data_dir) / "warehouse.duckdb"), read_only=True)
    for s in duckdb_settings():
        con.execute(s)
    t = Timer()
    rows = {}
    for name, sql in QUERIES.items():
        with t(name):
            got = con.execute(f"copy ({sql}) to '{out_dir / name}' "
                              "(format parquet, compression zstd, partition_by (year), overwrite)").fetchone()
        rows[name] = got[0] if got else None
    emit({"phases": t.phases, "rows": rows})


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
