"""What a user would write in pandas for the same Stage 2 + Stage 3 (the gridstatus way: one `read_csv` per file).

Stage 2, per dataset: per-file `read_csv` (+ source file), `concat`, `to_datetime`, SCED floor to 5 minutes,
`tz_localize(America/Chicago, ambiguous=<DST flag>)` -> UTC, interval end / hour ending / settlement type / year,
latest delivery wins per (datetime, key), sort, `to_parquet(partition_cols=['year'], compression='zstd')`.
Stage 3, per dataset: `pivot_table(index=datetime, columns=key, aggfunc='first')`, `reindex` onto the complete
spine, the fill rule (a run of k missing intervals of L minutes is filled from the value before it when k*L < 60,
else left NULL; nothing before a column's first value), local year, partitioned parquet.

    python -m benchmarks.pandas_impl DATA_DIR OUT_DIR              the landed CSVs
    python -m benchmarks.pandas_impl --zips OUT_DIR FOLDER...     the delivered zips (one `read_csv` per zip)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

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

DTYPES = {
    "RT_prices": {"SCEDTimestamp": "str", "RepeatedHourFlag": "str", "SettlementPoint": "str", "LMP": "float64"},
    "RT_SPP": {"DeliveryDate": "str", "DeliveryHour": "int64", "DeliveryInterval": "int64",
               "SettlementPointName": "str", "SettlementPointType": "str", "SettlementPointPrice": "float64",
               "DSTFlag": "str"},
    "DA_prices": {"DeliveryDate": "str", "HourEnding": "str", "SettlementPoint": "str",
                  "SettlementPointPrice": "float64", "DSTFlag": "str"},
    "AS_prices": {"DeliveryDate": "str", "HourEnding": "str", "AncillaryType": "str", "MCPC": "float64",
                  "DSTFlag": "str"},
}


def read_all(ds: Dataset, data_dir: Path | None, zips: list[Path] | None = None) -> pd.DataFrame:
    frames = []
    for f in delivered_zips(zips, ds) if zips else csv_files(data_dir, ds):
        df = pd.read_csv(f, dtype=DTYPES[ds.name])
        df["source_file"] = f.name if zips else f.relative_to(iso_root(data_dir)).as_posix()
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def to_utc(local: pd.Series, flag: pd.Series) -> pd.Series:
    """Local wall clock + ERCOT's repeated-hour flag -> UTC (flag N in the repeated hour = first occurrence = DST)."""
    return local.dt.tz_localize(TZ, ambiguous=(flag.str.strip() != "Y").to_numpy()).dt.tz_convert("UTC")


def point_type(points: pd.Series) -> np.ndarray:
    return np.select([points.str.startswith("HB_"), points.str.startswith("LZ_")], ["HUB", "ZONE"], "NODE")


def stage2(ds: Dataset, data_dir: Path | None, zips: list[Path] | None = None) -> pd.DataFrame:
    raw = read_all(ds, data_dir, zips)
    out = pd.DataFrame()
    if ds.name == "RT_prices":
        sced = pd.to_datetime(raw["SCEDTimestamp"], format="%m/%d/%Y %H:%M:%S")
        local = sced.dt.floor("5min")
        out["settlement_point"] = raw["SettlementPoint"].str.strip()
        out["settlement_type"] = point_type(out["settlement_point"])
        out["rt_lmp"] = raw["LMP"]
        flag, hour_ending, version = raw["RepeatedHourFlag"], local.dt.hour + 1, sced
    elif ds.name == "RT_SPP":
        hour_ending = raw["DeliveryHour"]
        local = (pd.to_datetime(raw["DeliveryDate"], format="%m/%d/%Y")
                 + pd.to_timedelta(hour_ending - 1, unit="h")
                 + pd.to_timedelta((raw["DeliveryInterval"] - 1) * 15, unit="min"))
        raw_type = raw["SettlementPointType"].str.strip()
        out["settlement_point"] = raw["SettlementPointName"].str.strip() + raw_type.map(NAME_SUFFIXES).fillna("")
        iso_type = raw_type.map(ISO_TYPES)
        out["settlement_type"] = iso_type.fillna(pd.Series(point_type(out["settlement_point"]), index=raw.index))
        out["rt_lmp"] = raw["SettlementPointPrice"]
        flag, version = raw["DSTFlag"], None
    else:
        hour_ending = raw["HourEnding"].str.split(":").str[0].astype("int64")
        local = pd.to_datetime(raw["DeliveryDate"], format="%m/%d/%Y") + pd.to_timedelta(hour_ending - 1, unit="h")
        if ds.name == "DA_prices":
            out["settlement_point"] = raw["SettlementPoint"].str.strip()
            out["settlement_type"] = point_type(out["settlement_point"])
            out["da_lmp"] = raw["SettlementPointPrice"]
        else:
            product = raw["AncillaryType"].str.strip().str.upper()
            out["as_product"] = product.map(AS_PRODUCTS).fillna(product)
            out["as_price"] = raw["MCPC"]
        flag, version = raw["DSTFlag"], None
    utc = to_utc(local, flag)
    out.insert(0, "datetime", utc)
    out.insert(1, "interval_end", utc + pd.Timedelta(minutes=ds.grain))
    out.insert(2, "datetime_local", local)
    out.insert(3, "hour_ending", hour_ending.astype("int32"))
    out.insert(4, "interval_minutes", np.int32(ds.grain))
    out.insert(5, "iso", "ERCOT")
    out["source_file"] = raw["source_file"]
    out["year"] = local.dt.year.astype("int32")
    # the latest delivery wins per (datetime, key): SCED by run time, the others by file name
    order = ["_version", "source_file"] if version is not None else ["source_file"]
    if version is not None:
        out["_version"] = version
    out = (out.sort_values(order, kind="stable")
              .drop_duplicates(["datetime", ds.key], keep="last")
              .drop(columns=["_version"], errors="ignore")
              .sort_values(["datetime", ds.key], kind="stable")
              .reset_index(drop=True))
    return out


def fill_rule(wide: pd.DataFrame, grain: int) -> pd.DataFrame:
    vals = wide.to_numpy(dtype="float64", copy=True)
    observed = ~np.isnan(vals)
    runs = np.cumsum(observed, axis=0)           # run id per cell: observed values open a run
    ffilled = wide.ffill().to_numpy(dtype="float64")
    for j in range(vals.shape[1]):
        r = runs[:, j]
        missing = np.bincount(r)[r] - 1            # missing intervals in the cell's run
        fill = ~observed[:, j] & (r > 0) & (missing * grain < FFILL_MAX_GAP_MINUTES)
        vals[fill, j] = ffilled[fill, j]
    return pd.DataFrame(vals, index=wide.index, columns=wide.columns)


def stage3(ds: Dataset, long: pd.DataFrame) -> pd.DataFrame:
    wide = long.pivot_table(index="datetime", columns=ds.key, values=ds.value, aggfunc="first")
    spine = pd.date_range(wide.index.min(), wide.index.max(), freq=f"{ds.grain}min", name="datetime")
    wide = fill_rule(wide.reindex(spine), ds.grain)
    wide.columns.name = None
    wide = wide.reset_index()
    wide["year"] = wide["datetime"].dt.tz_convert(TZ).dt.year.astype("int32")
    return wide


def main(data_dir: Path | None, out_dir: Path, zips: list[Path] | None = None) -> None:
    t = Timer()
    rows = {}
    for ds in DATASETS:
        if not (delivered_zips(zips, ds) if zips else csv_files(data_dir, ds)):
            continue
        with t("stage2"):
            long = stage2(ds, data_dir, zips)
            long.to_parquet(out_dir / ds.name, partition_cols=["year"], compression="zstd", index=False)
        with t("stage3"):
            wide = stage3(ds, long)
            wide.to_parquet(out_dir / "flattened" / ds.name, partition_cols=["year"], compression="zstd",
                            index=False)
        rows[ds.name] = {"stage2": len(long), "stage3": len(wide), "stage3_columns": wide.shape[1]}
        del long, wide
    emit({"phases": t.phases, "rows": rows})


if __name__ == "__main__":
    main(*contender_args(sys.argv[1:]))
