"""Landing rate, serial against parallel (issue 24 point 2): the same small MIS zips landed with ISO_LAND_WORKERS=1
(today's serial landing) and with N workers, back to back, several rounds, fresh data dir each time.

    .venv/bin/python -m benchmarks.landing_rate [--zips 10000] [--rounds 5] [--workers 2] [--no-report]

Each landing is its own process (benchmarks.steps land, measured by run.measure: wall time from process start to
exit, CPU = user + system of the whole process tree, workers included, peak RSS); the two variants alternate which
goes first in each round, so a slow spell of a shared machine hits both. The median of each counts; every run's wall
time, CPU time and the load average around it are kept in benchmarks/results/landing.json, and the section between
the `bench:landing` markers of BENCHMARKS.md is rewritten from it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.corpus import WORK, small_zips  # noqa: E402
from benchmarks.run import BENCHMARKS_MD, RESULTS, fresh, machine, measure, step_land  # noqa: E402

RESULT_FILE = RESULTS / "landing.json"
BEGIN, END = "<!-- bench:landing:begin -->", "<!-- bench:landing:end -->"
TARGET = 1.8  # parallel files/s over serial files/s, on 2 cores


def run(zips: int, rounds: int, workers: int, env: dict[str, str], runs_dir: Path = WORK / "runs") -> dict:
    folder = small_zips(zips)
    n = len(list(folder.glob("*.zip")))
    runs: dict[str, list[dict]] = {"serial": [], "parallel": []}
    variants = {"serial": "1", "parallel": str(workers)}
    print(f"landing {n:,} small zips: serial vs {workers} workers, {rounds} round(s)", flush=True)
    for r in range(rounds):
        order = ["serial", "parallel"] if r % 2 == 0 else ["parallel", "serial"]
        for name in order:
            data = fresh(runs_dir / f"landing_{name}")
            os.sync()  # the last run's writes and the removal of its 20,000 files are not this run's cost
            m = measure(f"land_{name}_{r + 1}", step_land(data, [folder]), runs_dir / "landing_logs",
                        {**env, "ISO_LAND_WORKERS": variants[name]})
            m["landed"] = sum(m.get("result", {}).get("landed", {}).values())
            runs[name].append(m)
    out: dict = {"machine": machine(), "zips": n, "rounds": rounds, "workers": workers, "runs": runs,
                 "runs_dir": str(runs_dir)}
    for name, ms in runs.items():
        out[name] = {
            "wall": statistics.median(m["wall"] for m in ms),
            "cpu": statistics.median(m["cpu"] for m in ms),
            "in_land": statistics.median(m["result"].get("seconds_in_land", m["wall"]) for m in ms),
            "peak_rss": max(m["peak_rss"] for m in ms),
            "ok": all(m["ok"] and m["landed"] == n for m in ms),
        }
        out[name]["files_per_s"] = n / out[name]["wall"]
    out["speedup"] = out["serial"]["wall"] / out["parallel"]["wall"]
    out["speedup_in_land"] = out["serial"]["in_land"] / out["parallel"]["in_land"]
    return out


def lines(r: dict) -> list[str]:
    s, p, m = r["serial"], r["parallel"], r["machine"]
    loads = [x for ms in r["runs"].values() for run in ms for x in (run["load_before"], run["load_after"])]
    verdict = "**met**" if r["speedup"] >= TARGET else "**not confirmed**"
    rows = []
    for i in range(r["rounds"]):
        for name in ("serial", "parallel"):
            run = r["runs"][name][i]
            rows.append(f"| {i + 1} | {name} | {run['wall']:.2f} | {r['zips'] / run['wall']:,.0f} | {run['cpu']:.2f} | "
                        f"{run['load_before']:.1f} → {run['load_after']:.1f} |")
    return [
        f"Landing {r['zips']:,} small ERCOT zips (`benchmarks/landing_rate.py`, {m['date']}, commit `{m['commit']}`"
        f"{' + working tree' if m['dirty'] else ''}; {m['logical_cpus']} CPUs, {m['cpu_model']}): "
        f"`ISO_LAND_WORKERS=1` (the serial landing) against `ISO_LAND_WORKERS={r['workers']}`, "
        f"{r['rounds']} rounds back to back, medians. Load average (1 min) around the runs: "
        f"{min(loads):.1f} to {max(loads):.1f} on {m['logical_cpus']} CPUs.",
        "",
        "| | wall s | files/s | inside `land()` s | CPU s (all processes) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
        f"| serial | {s['wall']:.2f} | {s['files_per_s']:,.0f} | {s['in_land']:.2f} | {s['cpu']:.2f} | "
        f"{s['peak_rss'] / 2**20:,.0f} |",
        f"| {r['workers']} workers | {p['wall']:.2f} | {p['files_per_s']:,.0f} | {p['in_land']:.2f} | {p['cpu']:.2f} | "
        f"{p['peak_rss'] / 2**20:,.0f} |",
        "",
        f"Parallel / serial files/s: **{r['speedup']:.2f}x** over the whole process ({r['speedup_in_land']:.2f}x inside "
        f"`land()`); target ≥ {TARGET}x: {verdict}.",
        "",
        "| round | variant | wall s | files/s | CPU s | load before → after |",
        "|---:|---|---:|---:|---:|---|",
        *rows,
    ]


def write_report(r: dict) -> None:
    text = BENCHMARKS_MD.read_text()
    block = "\n".join([BEGIN, "", *lines(r), "", END])
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    BENCHMARKS_MD.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zips", type=int, default=10_000, help="small zips landed (default 10000)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of serial + parallel (default 5)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="ISO_LAND_WORKERS of the parallel "
                    "variant (default: the CPU count, the landing's own default)")
    ap.add_argument("--runs-dir", type=Path, default=WORK / "runs", help="where the data dirs go (default "
                    "benchmarks/work/runs; e.g. a tmpfs to leave the disk's cost out)")
    ap.add_argument("--results", type=Path, default=RESULT_FILE, help="results JSON (default results/landing.json)")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("ISO_DATA_DIR", "ISO_LAND_WORKERS")}
    result = run(args.zips, args.rounds, args.workers, env, args.runs_dir)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=1, default=str))
    print("\n".join(lines(result)))
    if not args.no_report:
        write_report(result)
    return 0 if result["serial"]["ok"] and result["parallel"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
