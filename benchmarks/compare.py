"""Do the contenders compute the same thing? Stage 2 rows and Stage 3 cells of a contender's output against the
pipeline's, compared with EXCEPT ALL both ways (run by run.py on the smallest size, before the output is deleted).

    python -m benchmarks.compare DATA_DIR CONTENDER_OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from benchmarks.common import DATASETS, emit, iso_root


def _parquet(folder: Path) -> str:
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"


def _diff(con: duckdb.DuckDBPyConnection, a: str, b: str) -> tuple[int, int]:
    one = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
    other = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
    return one, other


def compare(data_dir: Path, out_dir: Path) -> dict:
    ours = iso_root(data_dir) / "rollup_files"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    result: dict = {}
    for ds in DATASETS:
        a, b = _parquet(ours / ds.name), _parquet(out_dir / ds.name)
        cols_a = [r[0] for r in con.execute(f"describe select * from {a}").fetchall()]
        cols_b = [r[0] for r in con.execute(f"describe select * from {b}").fetchall()]
        cols = ", ".join(f'"{c}"' for c in cols_a if c in cols_b)
        rows = con.execute(f"select count(*) from {a}").fetchone()[0]
        s2 = _diff(con, f"select {cols} from {a}", f"select {cols} from {b}")
        cells = lambda p, name=ds.name: (f"select * from (unpivot (select * exclude (year) from {_parquet(p / 'flattened' / name)}) "  # noqa: E731
                           "on columns(* exclude (datetime)) into name k value v)")
        n_cells = con.execute(f"select count(*) from ({cells(ours)})").fetchone()[0]
        s3 = _diff(con, cells(ours), cells(out_dir))
        result[ds.name] = {"stage2_rows": rows, "stage2_only_ours": s2[0], "stage2_only_theirs": s2[1],
                           "columns_not_compared": sorted(set(cols_a) ^ set(cols_b)),
                           "stage3_cells": n_cells, "stage3_only_ours": s3[0], "stage3_only_theirs": s3[1]}
    result["identical"] = all(v["stage2_only_ours"] == v["stage2_only_theirs"] == v["stage3_only_ours"]
                              == v["stage3_only_theirs"] == 0 and not v["columns_not_compared"]
                              for v in result.values() if isinstance(v, dict))
    return result


if __name__ == "__main__":
    emit(compare(Path(sys.argv[1]), Path(sys.argv[2])))
