"""The limit: a bare DuckDB `COPY (SELECT ... FROM read_csv(glob)) TO parquet` per dataset, on the landed CSVs.

Same typing as Stage 2 (explicit column types, SCED timestamps floored to 5 minutes, local -> UTC with the DST flag,
hour ending, interval end, settlement type by name/ERCOT type, year partitions, zstd), but nothing else: no
incremental bookkeeping, no latest-run deduplication, no sort, no tests. What DuckDB alone costs to read, type and
write these files; Stage 2 cannot be faster than this on the same machine.

    python -m benchmarks.limit_duckdb DATA_DIR OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from benchmarks.common import TZ, Timer, duckdb_settings, emit, iso_root

TO_UTC = f"""
create or replace macro to_utc(ts, flag) as
  case when coalesce(flag, 'N') <> 'Y'
        and timezone('{TZ}', timezone('{TZ}', ts) - interval 1 hour) = ts
       then timezone('{TZ}', ts) - interval 1 hour
       else timezone('{TZ}', ts) end
"""
POINT_TYPE = ("case when starts_with(settlement_point, 'HB_') then 'HUB' "
              "when starts_with(settlement_point, 'LZ_') then 'ZONE' else 'NODE' end")
SPP_TYPE = ("case when iso_type in ('HU', 'SH', 'AH') then 'HUB' when iso_type in ('LZ', 'LZEW', 'LZ_DCEW') then 'ZONE' "
            f"when iso_type = 'RN' then 'NODE' else {POINT_TYPE} end")


def read_csv(glob: str, columns: dict[str, str], **fmt: str) -> str:
    cols = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
    extra = "".join(f", {k} = '{v}'" for k, v in fmt.items())
    return (f"read_csv('{glob}', header = true, auto_detect = false, filename = true{extra}, "
            f"columns = {{{cols}}})")


def queries(root: Path) -> dict[str, str]:
    g = lambda folder: f"{root}/{folder}/*.csv"  # noqa: E731
    time_cols = lambda minutes: (  # noqa: E731
        f"to_utc(local_start, flag) as datetime, to_utc(local_start, flag) + interval {minutes} minute as interval_end, "
        f"local_start as datetime_local, hour_ending, {minutes} as interval_minutes, 'ERCOT' as iso")
    return {
        "RT_prices": f"""
            select {time_cols(5)}, settlement_point, {POINT_TYPE} as settlement_type, rt_lmp, source_file,
                   year(local_start) as year
            from (
                select time_bucket(interval 5 minute, "SCEDTimestamp") as local_start, "RepeatedHourFlag" as flag,
                       hour(time_bucket(interval 5 minute, "SCEDTimestamp")) + 1 as hour_ending,
                       "SettlementPoint" as settlement_point, "LMP" as rt_lmp, regexp_extract(filename, 'csv_files/.*$') as source_file
                from {read_csv(g('csv_files/RT_prices/np6_788_cd'),
                               {'SCEDTimestamp': 'TIMESTAMP', 'RepeatedHourFlag': 'VARCHAR',
                                'SettlementPoint': 'VARCHAR', 'LMP': 'DOUBLE'},
                               timestampformat='%m/%d/%Y %H:%M:%S')})""",
        "RT_SPP": f"""
            select {time_cols(15)}, settlement_point, {SPP_TYPE} as settlement_type, rt_lmp, source_file,
                   year(local_start) as year
            from (
                select "DeliveryDate"::timestamp + to_hours("DeliveryHour" - 1)
                         + to_minutes(("DeliveryInterval" - 1) * 15) as local_start,
                       "DSTFlag" as flag, "DeliveryHour" as hour_ending, "SettlementPointName" as settlement_point,
                       "SettlementPointType" as iso_type, "SettlementPointPrice" as rt_lmp, regexp_extract(filename, 'csv_files/.*$') as source_file
                from {read_csv(g('csv_files/RT_SPP/np6_905_cd'),
                               {'DeliveryDate': 'DATE', 'DeliveryHour': 'INTEGER', 'DeliveryInterval': 'INTEGER',
                                'SettlementPointName': 'VARCHAR', 'SettlementPointType': 'VARCHAR',
                                'SettlementPointPrice': 'DOUBLE', 'DSTFlag': 'VARCHAR'},
                               dateformat='%m/%d/%Y')})""",
        "DA_prices": f"""
            select {time_cols(60)}, settlement_point, {POINT_TYPE} as settlement_type, da_lmp, source_file,
                   year(local_start) as year
            from (
                select "DeliveryDate"::timestamp + to_hours(he - 1) as local_start, he as hour_ending,
                       "DSTFlag" as flag, "SettlementPoint" as settlement_point, "SettlementPointPrice" as da_lmp,
                       regexp_extract(filename, 'csv_files/.*$') as source_file
                from (select *, split_part("HourEnding", ':', 1)::integer as he
                      from {read_csv(g('csv_files/DA_prices/np4_190_cd'),
                                     {'DeliveryDate': 'DATE', 'HourEnding': 'VARCHAR', 'SettlementPoint': 'VARCHAR',
                                      'SettlementPointPrice': 'DOUBLE', 'DSTFlag': 'VARCHAR'},
                                     dateformat='%m/%d/%Y')}))""",
        "AS_prices": f"""
            select {time_cols(60)}, as_product, as_price, source_file, year(local_start) as year
            from (
                select "DeliveryDate"::timestamp + to_hours(he - 1) as local_start, he as hour_ending,
                       "DSTFlag" as flag,
                       case "AncillaryType" when 'REGUP' then 'REG_UP' when 'REGDN' then 'REG_DOWN'
                            when 'NSPIN' then 'NSRS' else "AncillaryType" end as as_product,
                       "MCPC" as as_price, regexp_extract(filename, 'csv_files/.*$') as source_file
                from (select *, split_part("HourEnding", ':', 1)::integer as he
                      from {read_csv(g('csv_files/AS_prices/np4_188_cd'),
                                     {'DeliveryDate': 'DATE', 'HourEnding': 'VARCHAR', 'AncillaryType': 'VARCHAR',
                                      'MCPC': 'DOUBLE', 'DSTFlag': 'VARCHAR'},
                                     dateformat='%m/%d/%Y')}))""",
    }


def main(data_dir: Path, out_dir: Path) -> None:
    root = iso_root(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for s in duckdb_settings():
        con.execute(s)
    con.execute(TO_UTC)
    t = Timer()
    rows = {}
    for name, sql in queries(root).items():
        with t(name):
            got = con.execute(f"copy ({sql}) to '{out_dir / name}' "
                              "(format parquet, compression zstd, partition_by (year), overwrite)").fetchone()
        rows[name] = got[0] if got else None
    emit({"phases": t.phases, "rows": rows})


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
