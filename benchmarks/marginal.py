"""What a day of data costs, and what a build costs before it touches data (issue 24 points 4-6), against what users
would run instead, in one run, on the same delivered files.

    .venv/bin/python -m benchmarks.marginal [--sizes 2,16] [--rounds 2] [--points 1100]      (make bench-marginal)

The corpus is SCED only (NP6-788-CD, ~291 MIS zips a day, `--points` settlement points each), from 2025-01-01.
At each size, in each round, in turn, each step its own process (wall time, CPU, peak RSS of its tree):

  ours: land    `land('ercot', day folders)` into a fresh data dir (after an untimed `dbt seed`)
  ours: build   `dbt build --select tag:ercot` (Stages 2-4, every test, the reports)
  ours: floor   the same build again with nothing new
  limit         the bare DuckDB COPY of the landed CSVs (benchmarks/limit_duckdb.py; landing not included)
  pandas        benchmarks/pandas_impl.py --zips: one `read_csv` per delivered zip, Stage 2 + 3, parquet
  polars        benchmarks/polars_impl.py --zips: each zip read, concatenated, Stage 2 + 3, parquet

The fastest round of each step counts (ours: the fastest land + build). The marginal cost of a day is the slope
between the smallest and the largest size. Results: benchmarks/results/marginal.json; a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from benchmarks.corpus import ensure_days
from benchmarks.run import PY, RESULTS, WORK, best_of, fresh, machine, measure, step_dbt, step_land

BUILD = ["build", "--select", "tag:ercot"]
CONTENDERS = {"pandas": "benchmarks.pandas_impl", "polars": "benchmarks.polars_impl"}


def run_size(days: int, folders: list[Path], rounds: int, env: dict[str, str]) -> dict:
    runs: dict[str, list[dict]] = {k: [] for k in ("land", "build", "ours", "floor", "limit", *CONTENDERS)}
    for r in range(rounds):
        data = fresh(WORK / "runs" / f"marginal_{days}d")
        logs = WORK / "runs" / f"marginal_{days}d_logs"
        sfx = f"_{r + 1}"
        measure("seed" + sfx, step_dbt(data, "seed", ["seed"]), logs, env)
        land = measure("land" + sfx, step_land(data, folders), logs, env)
        build = measure("build" + sfx, step_dbt(data, "build" + sfx, BUILD), logs, env)
        runs["land"].append(land)
        runs["build"].append(build)
        runs["ours"].append({**build, "wall": land["wall"] + build["wall"], "cpu": land["cpu"] + build["cpu"],
                             "peak_rss": max(land["peak_rss"], build["peak_rss"]), "ok": land["ok"] and build["ok"]})
        runs["floor"].append(measure("floor" + sfx, step_dbt(data, "floor" + sfx, BUILD), logs, env))
        out = fresh(WORK / "runs" / f"marginal_{days}d_out")
        runs["limit"].append(measure("limit" + sfx, [PY, "-m", "benchmarks.limit_duckdb", str(data), str(out)], logs, env))
        for name, module in CONTENDERS.items():
            out = fresh(WORK / "runs" / f"marginal_{days}d_out")
            runs[name].append(measure(name + sfx, [PY, "-m", module, "--zips", str(out), *map(str, folders)], logs, env))
        shutil.rmtree(WORK / "runs" / f"marginal_{days}d_out", ignore_errors=True)
    keep = ("wall", "cpu", "peak_rss", "ok", "repeats", "load_before", "load_after")
    return {"days": days, "steps": {k: {f: v[f] for f in keep} for k, v in ((k, best_of(v)) for k, v in runs.items())}}


def report(res: dict) -> str:
    small, large = res["sizes"][0], res["sizes"][-1]
    span = large["days"] - small["days"]
    slope = {k: (large["steps"][k]["wall"] - small["steps"][k]["wall"]) / span for k in large["steps"]}
    names = {"ours": "**ours: land + build**", "land": "ours: land", "build": "ours: `dbt build --select tag:ercot`",
             "floor": "ours: the same build, nothing new (the floor)", "limit": "bare DuckDB COPY (landing not included)",
             "pandas": "pandas, from the zips", "polars": "Polars, from the zips"}
    head = " | ".join(f"{s['days']} d wall s" for s in res["sizes"])
    lines = [f"| step | {head} | per extra day s | peak RSS MB ({large['days']} d) |",
             "|---|" + "---:|" * (len(res["sizes"]) + 2)]
    for k, label in names.items():
        walls = " | ".join(f"{s['steps'][k]['wall']:.2f}" for s in res["sizes"])
        ok = "" if all(s["steps"][k]["ok"] for s in res["sizes"]) else " (**failed**)"
        lines.append(f"| {label}{ok} | {walls} | {slope[k]:.3f} | {large['steps'][k]['peak_rss'] / 2**20:,.0f} |")
    ours = slope["ours"]

    def ratio(other: str) -> float:
        return small["steps"]["ours"]["wall"] / small["steps"][other]["wall"]

    lines += ["", f"- a day of data (landing included): pandas / ours {slope['pandas'] / ours:.2f}x (target >= 3), "
              f"Polars / ours {slope['polars'] / ours:.2f}x (target >= 1.5), ours / bare DuckDB "
              f"{ours / slope['limit']:.2f}x",
              f"- {small['days']} days, land + build: ours / pandas {ratio('pandas'):.2f}x (target <= 3), "
              f"ours / Polars {ratio('polars'):.2f}x",
              f"- the floor grows {slope['floor']:.3f} s per day of history "
              f"({small['steps']['floor']['wall']:.1f} s at {small['days']} d, {large['steps']['floor']['wall']:.1f} s at "
              f"{large['days']} d)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="2,16", help="comma-separated sizes in days (default 2,16)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds; the fastest counts (default 2)")
    ap.add_argument("--points", type=int, default=1100, help="settlement points per SCED file (default 1100)")
    ap.add_argument("--start", default="2025-01-01")
    args = ap.parse_args(argv)
    sizes = sorted(int(x) for x in args.sizes.split(","))
    if len(sizes) < 2:
        ap.error("--sizes needs at least two sizes (the marginal cost is their slope)")
    folders = ensure_days(dt.date.fromisoformat(args.start), max(sizes), args.points, datasets=("RT_prices",))
    env = {k: v for k, v in os.environ.items() if k != "ISO_DATA_DIR"}
    res = {"machine": machine(), "points": args.points, "start": args.start, "rounds": args.rounds,
           "load_at_start": os.getloadavg(), "sizes": []}
    for days in sizes:
        print(f"{days} day(s) of SCED files", flush=True)
        res["sizes"].append(run_size(days, folders[:days], args.rounds, env))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "marginal.json").write_text(json.dumps(res, indent=1, default=str))
    print(report(res))
    return 0 if all(st["ok"] for s in res["sizes"] for st in s["steps"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
