"""The seed's scale: a 515,000-file ERCOT real-time price history (SCED, NP6-788-CD), landed and built on one machine.

    .venv/bin/python -m benchmarks.rt_history [--files 515000] [--points 100] [--start 2021-01-01]   (make bench-rt-history)

The files are the benchmark corpus's SCED zips (real names and packaging: one CSV per MIS zip, ~291 runs a day, both
DST days of every year), generated once per day folder under benchmarks/work/corpus/<start>_p<points>_rt_prices/.
`--points` is the settlement points per file: the real reports carry ~1,100, which would make 566 M rows; the default
100 keeps the run under an hour on 2 cores while every per-file cost (landing, the landing record, the staging glob,
the day plans) is paid at full scale. Steps, each its own process (wall time, CPU, peak RSS of its tree):

  land        every day but the last, one `land('ercot', ...)` call
  build       `dbt build --select tag:ercot` (every ERCOT model and test; the other datasets are empty), DBT_THREADS=1
  land_day    the last day
  build_day   the same build: what the everyday update costs at this history
  build_noop  the same build again with nothing new

Results go to benchmarks/results/rt_history.json and a Markdown table on stdout (BENCHMARKS.md quotes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

from benchmarks.common import tree_bytes
from benchmarks.corpus import ensure_days, n_nodes_for
from benchmarks.run import RESULTS, WORK, fresh, machine, measure, step_dbt, step_land
from ingest.sample.ercot import expected_counts

SELECT = ["--select", "tag:ercot"]
MB = 1024 * 1024


def days_for(start: dt.date, files: int) -> int:
    """The fewest days from `start` whose SCED files reach `files` (plus one more day: the everyday update's)."""
    days, total = 0, 0
    while total < files:
        total += expected_counts(start + dt.timedelta(days=days), 1, 1)["RT_prices"]["files"]
        days += 1
    return days + 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=515_000, help="SCED files in the history (default 515000)")
    ap.add_argument("--points", type=int, default=100, help="settlement points per file (default 100; real: ~1,100)")
    ap.add_argument("--start", default="2021-01-01", help="first operating day (default 2021-01-01)")
    ap.add_argument("--generate-only", action="store_true", help="make the corpus and stop")
    args = ap.parse_args(argv)
    start = dt.date.fromisoformat(args.start)
    days = days_for(start, args.files)
    t0 = time.perf_counter()
    folders = ensure_days(start, days, args.points, datasets=("RT_prices",))
    corpus_s = time.perf_counter() - t0
    history, extra = folders[:-1], folders[-1]
    n_hist = expected_counts(start, days - 1, n_nodes_for(args.points))["RT_prices"]
    n_day = expected_counts(start + dt.timedelta(days=days - 1), 1, n_nodes_for(args.points))["RT_prices"]
    print(f"rt history: {days - 1} days from {start} ({n_hist['files']:,} files, {n_hist['rows']:,} rows) + 1 day "
          f"({n_day['files']} files); corpus ready in {corpus_s:.0f} s", flush=True)
    if args.generate_only:
        return 0
    data = fresh(WORK / "runs" / "rt_history")
    logs = data / "bench_logs"
    env = dict(os.environ)
    env.pop("ISO_DATA_DIR", None)
    full_env = {**env, "DBT_THREADS": "1"}
    steps = {"seed": measure("seed", step_dbt(data, "seed", ["seed"]), logs, env),
             "land": measure("land", step_land(data, history), logs, env)}
    steps["build"] = measure("build", step_dbt(data, "build", ["build", *SELECT]), logs, full_env)
    steps["land_day"] = measure("land_day", step_land(data, [extra]), logs, env)
    steps["build_day"] = measure("build_day", step_dbt(data, "build_day", ["build", *SELECT]), logs, env)
    steps["build_noop"] = measure("build_noop", step_dbt(data, "build_noop", ["build", *SELECT]), logs, env)
    root = data / "ERCOT_data"
    res = {"machine": machine(), "start": start.isoformat(), "days": days - 1, "points": args.points,
           "history": n_hist, "day": n_day, "corpus_seconds": corpus_s,
           "zip_bytes": tree_bytes(WORK / "corpus" / history[0].parent.name, "*.zip"),
           "csv_bytes": tree_bytes(root / "csv_files", "*.csv"),
           "parquet_bytes": tree_bytes(root / "rollup_files", "*.parquet"),
           "steps": {k: {f: v[f] for f in ("wall", "cpu", "peak_rss", "ok", "load_before", "load_after")}
                     for k, v in steps.items()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rt_history.json").write_text(json.dumps(res, indent=1, default=str))
    print(report(res))
    return 0 if all(s["ok"] for s in steps.values()) else 1


def report(res: dict) -> str:
    files = {"land": res["history"]["files"], "land_day": res["day"]["files"]}
    rows = {"land": res["history"]["rows"], "build": res["history"]["rows"], "land_day": res["day"]["rows"]}
    lines = ["| step | wall s | CPU s | peak RSS MB | files/s | rows/s | ok |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, s in res["steps"].items():
        fs = f"{files[name] / s['wall']:,.0f}" if name in files else ""
        rs = f"{rows[name] / s['wall'] / 1e6:,.2f} M" if name in rows else ""
        lines.append(f"| {name} | {s['wall']:.1f} | {s['cpu']:.1f} | {s['peak_rss'] / MB:,.0f} | {fs} | {rs} | "
                     f"{'yes' if s['ok'] else '**no**'} |")
    lines.append(f"\nzips {res['zip_bytes'] / MB:,.0f} MB, landed CSV {res['csv_bytes'] / MB:,.0f} MB, "
                 f"parquet (Stages 2-3) {res['parquet_bytes'] / MB:,.0f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
