"""The same Stage 2 + Stage 3 in idiomatic Polars: one lazy `scan_csv` over the glob (with the file path as a
column), `str.strptime`, `dt.truncate('5m')`, `dt.replace_time_zone(America/Chicago, ambiguous=<DST flag>)` -> UTC,
latest delivery wins per (datetime, key), `write_parquet(partition_by='year')`; then `pivot`, a left join onto the
complete spine, the fill rule as column expressions, partitioned parquet.

    python -m benchmarks.polars_impl DATA_DIR OUT_DIR              the landed CSVs
    python -m benchmarks.polars_impl --zips OUT_DIR FOLDER...     the delivered zips (each unzipped, `read_csv`, concat)
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import polars as pl

from benchmarks.common import (
    AS_PRODUCTS,
    DATASETS,
    FFILL_MAX_GAP_MINUTES,
    ISO_TYPES,
    NAME_SUFFIXES,
    TZ,
    Dataset,
    Timer,
    contender_args,
    csv_files,
    delivered_zips,
    emit,
    iso_root,
)

SCHEMAS = {
    "RT_prices": {"SCEDTimestamp": pl.String, "RepeatedHourFlag": pl.String, "SettlementPoint": pl.String,
                  "LMP": pl.Float64},
    "RT_SPP": {"DeliveryDate": pl.String, "DeliveryHour": pl.Int32, "DeliveryInterval": pl.Int32,
               "SettlementPointName": pl.String, "SettlementPointType": pl.String,
               "SettlementPointPrice": pl.Float64, "DSTFlag": pl.String},
    "DA_prices": {"DeliveryDate": pl.String, "HourEnding": pl.String, "SettlementPoint": pl.String,
                  "SettlementPointPrice": pl.Float64, "DSTFlag": pl.String},
    "AS_prices": {"DeliveryDate": pl.String, "HourEnding": pl.String, "AncillaryType": pl.String,
                  "MCPC": pl.Float64, "DSTFlag": pl.String},
}


def to_utc(local: pl.Expr, flag: pl.Expr) -> pl.Expr:
    ambiguous = pl.when(flag.str.strip_chars() == "Y").then(pl.lit("latest")).otherwise(pl.lit("earliest"))
    return local.dt.replace_time_zone(TZ, ambiguous=ambiguous).dt.convert_time_zone("UTC")


def point_type(point: pl.Expr) -> pl.Expr:
    return (pl.when(point.str.starts_with("HB_")).then(pl.lit("HUB"))
              .when(point.str.starts_with("LZ_")).then(pl.lit("ZONE"))
              .otherwise(pl.lit("NODE")))


def read_zip(path: Path, schema: dict) -> pl.DataFrame:
    with zipfile.ZipFile(path) as z:
        data = z.read(z.namelist()[0])
    return pl.read_csv(data, schema=schema).with_columns(pl.lit(path.name).alias("source_file"))


def stage2(ds: Dataset, data_dir: Path | None, zips: list[Path] | None = None) -> pl.DataFrame:
    if zips:
        lf = pl.concat([read_zip(z, SCHEMAS[ds.name]) for z in delivered_zips(zips, ds)]).lazy()
    else:
        glob = str(iso_root(data_dir) / ds.folder / "*.csv")
        lf = pl.scan_csv(glob, schema=SCHEMAS[ds.name], include_file_paths="source_file")
        lf = lf.with_columns(pl.col("source_file").str.extract(r"(csv_files/.*)$"))
    date = pl.col("DeliveryDate").str.strptime(pl.Date, "%m/%d/%Y").cast(pl.Datetime("us"))
    version = ["source_file"]
    if ds.name == "RT_prices":
        sced = pl.col("SCEDTimestamp").str.strptime(pl.Datetime("us"), "%m/%d/%Y %H:%M:%S")
        lf = lf.with_columns(sced.alias("_version"), sced.dt.truncate("5m").alias("datetime_local"),
                             pl.col("RepeatedHourFlag").alias("flag"),
                             pl.col("SettlementPoint").str.strip_chars().alias("settlement_point"),
                             pl.col("LMP").alias("rt_lmp"))
        lf = lf.with_columns((pl.col("datetime_local").dt.hour().cast(pl.Int32) + 1).alias("hour_ending"),
                             point_type(pl.col("settlement_point")).alias("settlement_type"))
        version = ["_version", "source_file"]
        values = ["settlement_point", "settlement_type", "rt_lmp"]
    elif ds.name == "RT_SPP":
        local = (date + pl.duration(hours=pl.col("DeliveryHour") - 1)
                 + pl.duration(minutes=(pl.col("DeliveryInterval") - 1) * 15))
        raw_type = pl.col("SettlementPointType").str.strip_chars()
        point = pl.col("SettlementPointName").str.strip_chars() + raw_type.replace_strict(
            NAME_SUFFIXES, default="", return_dtype=pl.String)
        lf = lf.with_columns(local.alias("datetime_local"), pl.col("DSTFlag").alias("flag"),
                             pl.col("DeliveryHour").alias("hour_ending"), point.alias("settlement_point"),
                             pl.col("SettlementPointType").str.strip_chars().replace_strict(
                                 ISO_TYPES, default=None, return_dtype=pl.String)
                             .fill_null(point_type(point)).alias("settlement_type"),
                             pl.col("SettlementPointPrice").alias("rt_lmp"))
        values = ["settlement_point", "settlement_type", "rt_lmp"]
    else:
        he = pl.col("HourEnding").str.split(":").list.first().cast(pl.Int32)
        lf = lf.with_columns((date + pl.duration(hours=he - 1)).alias("datetime_local"), he.alias("hour_ending"),
                             pl.col("DSTFlag").alias("flag"))
        if ds.name == "DA_prices":
            point = pl.col("SettlementPoint").str.strip_chars()
            lf = lf.with_columns(point.alias("settlement_point"), point_type(point).alias("settlement_type"),
                                 pl.col("SettlementPointPrice").alias("da_lmp"))
            values = ["settlement_point", "settlement_type", "da_lmp"]
        else:
            product = pl.col("AncillaryType").str.strip_chars().str.to_uppercase()
            lf = lf.with_columns(product.replace(AS_PRODUCTS).alias("as_product"), pl.col("MCPC").alias("as_price"))
            values = ["as_product", "as_price"]
    utc = to_utc(pl.col("datetime_local"), pl.col("flag"))
    lf = lf.with_columns(utc.alias("datetime"))
    lf = lf.with_columns(
        (pl.col("datetime") + pl.duration(minutes=ds.grain)).alias("interval_end"),
        pl.lit(ds.grain, dtype=pl.Int32).alias("interval_minutes"),
        pl.lit("ERCOT").alias("iso"),
        pl.col("datetime_local").dt.year().cast(pl.Int32).alias("year"),
    )
    lf = (lf.sort(["datetime", ds.key, *version])
            .unique(subset=["datetime", ds.key], keep="last", maintain_order=True)
            .select("datetime", "interval_end", "datetime_local", "hour_ending", "interval_minutes", "iso",
                    *values, "source_file", "year"))
    return lf.collect()


def fill_rule(col: str, grain: int) -> pl.Expr:
    """k = intervals between the previous and the next observed value (or the end): fill when k*grain < max."""
    c = pl.col(col)
    idx = pl.int_range(pl.len())
    observed_at = pl.when(c.is_not_null()).then(idx)
    prev_obs = observed_at.forward_fill()
    next_obs = observed_at.backward_fill().fill_null(pl.len())
    missing = next_obs - prev_obs - 1
    return (pl.when(c.is_not_null()).then(c)
              .when(prev_obs.is_not_null() & (missing * grain < FFILL_MAX_GAP_MINUTES)).then(c.forward_fill())
              .otherwise(None).alias(col))


def stage3(ds: Dataset, long: pl.DataFrame) -> pl.DataFrame:
    wide = long.pivot(on=ds.key, index="datetime", values=ds.value, aggregate_function="first", sort_columns=True)
    lo, hi = wide["datetime"].min(), wide["datetime"].max()
    spine = pl.DataFrame({"datetime": pl.datetime_range(lo, hi, f"{ds.grain}m", time_zone="UTC", eager=True)})
    spine = spine.with_columns(pl.col("datetime").cast(wide.schema["datetime"]))
    wide = spine.join(wide, on="datetime", how="left").sort("datetime")
    keys = [c for c in wide.columns if c != "datetime"]
    return wide.with_columns(*(fill_rule(k, ds.grain) for k in keys),
                             pl.col("datetime").dt.convert_time_zone(TZ).dt.year().cast(pl.Int32).alias("year"))


def main(data_dir: Path | None, out_dir: Path, zips: list[Path] | None = None) -> None:
    t = Timer()
    rows = {}
    for ds in DATASETS:
        if not (delivered_zips(zips, ds) if zips else csv_files(data_dir, ds)):
            continue
        with t("stage2"):
            long = stage2(ds, data_dir, zips)
            long.write_parquet(out_dir / ds.name, partition_by="year", compression="zstd", mkdir=True)
        with t("stage3"):
            wide = stage3(ds, long)
            wide.write_parquet(out_dir / "flattened" / ds.name, partition_by="year", compression="zstd", mkdir=True)
        rows[ds.name] = {"stage2": long.height, "stage3": wide.height, "stage3_columns": wide.width}
        del long, wide
    emit({"phases": t.phases, "rows": rows})


if __name__ == "__main__":
    main(*contender_args(sys.argv[1:]))
