"""`make bench-spark`: the same dbt models on Spark (local session) and on DuckDB, on the benchmark corpus.

    .venv/bin/python benchmarks/spark.py [--days 7] [--points 1100] [--start 2025-01-01]

The ERCOT corpus of `make bench` (benchmarks/corpus.py) is landed once and the data directory copied; then, on each
engine, `dbt build --select tag:ercot --full-refresh --exclude-resource-type test unit_test` (seeds and every
model of Stages 1-4: the dbt tests are DuckDB SQL) is timed as one process, wall clock, fastest of --repeat runs.
Spark's time includes its JVM start and the on-run-start hook that lists the landed files. Then the everyday
builds, once each, the same command without --full-refresh: with nothing new (the floor), and after one more day is
landed on both (DuckDB rewrites that day's files, Spark that year's partitions). The outputs of the two engines are
compared (ingest/parity.py) after the full and after the incremental builds, so the timings are of builds that
agree. Results: benchmarks/results/spark.json, and a table to paste into BENCHMARKS.md (docs/running_on_a_cluster.md
quotes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.corpus import WORK, ensure_days  # noqa: E402
from ingest.dbt import run_dbt  # noqa: E402
from ingest.landing import land  # noqa: E402
from ingest.parity import compare_iso  # noqa: E402

BUILD = ["build", "--select", "tag:ercot", "--full-refresh", "--exclude-resource-type", "test", "unit_test"]


def timed_build(base: Path, target: str, full: bool = True) -> float:
    env = {"DBT_TARGET_PATH": str(base / "dbt_target"), "DBT_LOG_PATH": str(base / "dbt_logs")}
    args = BUILD if full else [a for a in BUILD if a != "--full-refresh"]
    t0 = time.perf_counter()
    proc = run_dbt([*args, "--target", target], base=base, capture=True, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{target} build failed:\n{proc.stdout[-3000:]}")
    return elapsed


def compare(duck: Path, spark: Path) -> None:
    problems = {d.output: d.problems for d in compare_iso(duck, spark, "ERCOT") if d.problems}
    if problems:
        sys.exit(f"the two builds differ: {problems}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--points", type=int, default=1100)
    ap.add_argument("--start", default="2025-01-01")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    *folders, next_day = ensure_days(dt.date.fromisoformat(args.start), args.days + 1, args.points)
    root = WORK / "runs" / f"spark_{args.days}d"
    shutil.rmtree(root, ignore_errors=True)
    duck, spark = root / "duck", root / "spark"
    summary = land("ERCOT", folders, base=duck)
    shutil.copytree(duck, spark)
    times: dict[str, list[float]] = {"dev": [], "spark": []}
    for _ in range(args.repeat):
        for target, base in (("dev", duck), ("spark", spark)):
            times[target].append(timed_build(base, target))
    compare(duck, spark)
    everyday: dict[str, dict[str, float]] = {"nothing_new_s": {}, "one_more_day_s": {}}
    for target, base in (("dev", duck), ("spark", spark)):
        everyday["nothing_new_s"][target] = round(timed_build(base, target, full=False), 1)
    for target, base in (("dev", duck), ("spark", spark)):
        land("ERCOT", [next_day], base=base)
        everyday["one_more_day_s"][target] = round(timed_build(base, target, full=False), 1)
    compare(duck, spark)
    rows = sum(summary.rows.values())
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "days": args.days, "points": args.points, "files_landed": summary.n_landed, "rows_landed": rows,
        "duckdb_s": round(min(times["dev"]), 1), "spark_s": round(min(times["spark"]), 1),
        "runs": {k: [round(v, 1) for v in vs] for k, vs in times.items()},
        **{k: {"duckdb": v["dev"], "spark": v["spark"]} for k, v in everyday.items()},
    }
    result["ratio"] = round(result["spark_s"] / result["duckdb_s"], 2)
    out = PROJECT_ROOT / "benchmarks" / "results" / "spark.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\n| corpus | DuckDB | Spark local[2] | Spark / DuckDB |\n|---|---:|---:|---:|\n"
          f"| ERCOT {args.days} days, {args.points} points, {summary.n_landed:,} files | {result['duckdb_s']} s "
          f"| {result['spark_s']} s | {result['ratio']}x |")
    for key, label in (("nothing_new_s", "the same build, nothing new"), ("one_more_day_s", "the same build, one more day landed")):
        d, sp = result[key]["duckdb"], result[key]["spark"]
        print(f"| {label} | {d} s | {sp} s | {round(sp / d, 2)}x |")


if __name__ == "__main__":
    main()
