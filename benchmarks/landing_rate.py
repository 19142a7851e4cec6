"""Landing rate, serial against parallel (issue 24 point 2): the same small MIS zips landed with ISO_LAND_WORKERS=1
(the serial path of this code), with N workers, and by the landing of BASELINE (default 390ff2c, the last commit
before parallel landing: the one-process landing issue 24 measured, "today's files/s"), back to back, several
rounds, a new data dir each time (all removed at the end, none between runs).

    .venv/bin/python -m benchmarks.landing_rate [--zips 10000] [--rounds 5] [--workers 2] [--baseline SHA|none]
                                                [--no-report]

The baseline's code is exported once (`git archive`) into benchmarks/work/baseline_<sha>/ and run from there with
this virtual environment, its own project files (dbt sources, seeds) and the same corpus.

Each landing is its own process (benchmarks.steps land, measured by run.measure: wall time from process start to
exit, CPU = user + system of the whole process tree, workers included, peak RSS); each variant goes first in turn,
so a slow spell of a shared machine hits them all. The median of each counts; every run's wall
time, CPU time and the load average around it are kept in benchmarks/results/landing.json, and the section between
the `bench:landing` markers of BENCHMARKS.md is rewritten from it. Two ratios are reported: parallel over this
code's serial path, and parallel over the baseline (the issue's target, >= 1.8x "today's files/s").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.corpus import WORK, small_zips  # noqa: E402
from benchmarks.run import BENCHMARKS_MD, RESULTS, fresh, machine, measure, step_land  # noqa: E402

RESULT_FILE = RESULTS / "landing.json"
BEGIN, END = "<!-- bench:landing:begin -->", "<!-- bench:landing:end -->"
TARGET = 1.8  # parallel files/s over the files/s of the landing the issue measured (BASELINE), on 2 cores
BASELINE = "390ff2c"  # 2026-12-02 15:19 UTC: the last commit before parallel landing (dc97706)


def baseline_tree(commit: str) -> Path:
    """The code of `commit`, exported once into benchmarks/work/baseline_<sha>/ (git archive: no worktree)."""
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=PROJECT_ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    tree = WORK / f"baseline_{sha}"
    if not (tree / "ingest").is_dir():
        fresh(tree)
        archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=PROJECT_ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def run(zips: int, rounds: int, workers: int, env: dict[str, str], runs_dir: Path = WORK / "runs",
        baseline: str | None = BASELINE) -> dict:
    folder = small_zips(zips)
    n = len(list(folder.glob("*.zip")))
    variants = {"serial": "1", "parallel": str(workers)}
    trees = {"serial": PROJECT_ROOT, "parallel": PROJECT_ROOT}
    if baseline:
        variants["baseline"], trees["baseline"] = "1", baseline_tree(baseline)
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    print(f"landing {n:,} small zips: serial vs {workers} workers"
          f"{f' vs the landing of {baseline}' if baseline else ''}, {rounds} round(s)", flush=True)
    names = list(variants)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]  # each variant goes first in turn
        for name in order:
            # a data dir of its own per run, all removed at the end: deleting 20,000 files between runs makes the
            # next run's file creation slower on a disk mounted with `discard` (this VM's ext4: 2-4x system time)
            data = fresh(runs_dir / f"landing_{name}_{r + 1}")
            os.sync()  # the last run's writes are not this run's cost
            # the baseline's code runs from its own tree (python -m finds its benchmarks/ and ingest/ there first)
            m = measure(f"land_{name}_{r + 1}", step_land(data, [folder]), runs_dir / "landing_logs",
                        {**env, "ISO_LAND_WORKERS": variants[name], "PYTHONPATH": str(trees[name])}, cwd=trees[name])
            m["landed"] = sum(m.get("result", {}).get("landed", {}).values())
            runs[name].append(m)
    for name in names:
        for r in range(rounds):
            shutil.rmtree(runs_dir / f"landing_{name}_{r + 1}", ignore_errors=True)
    out: dict = {"machine": machine(), "zips": n, "rounds": rounds, "workers": workers, "runs": runs,
                 "runs_dir": str(runs_dir), "baseline_commit": baseline}
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
    if baseline:
        out["speedup_baseline"] = out["baseline"]["wall"] / out["parallel"]["wall"]
        out["speedup_baseline_in_land"] = out["baseline"]["in_land"] / out["parallel"]["in_land"]
    return out


def lines(r: dict) -> list[str]:
    m = r["machine"]
    base = r.get("baseline_commit")
    names = ["serial", "parallel", *(["baseline"] if base else [])]
    labels = {"serial": "serial (this code, 1 worker)", "parallel": f"{r['workers']} workers",
              "baseline": f"the landing of `{base}` (before parallel landing)"}
    loads = [x for ms in r["runs"].values() for run in ms for x in (run["load_before"], run["load_after"])]
    rows = []
    for i in range(r["rounds"]):
        for name in names:
            run = r["runs"][name][i]
            rows.append(f"| {i + 1} | {name} | {run['wall']:.2f} | {r['zips'] / run['wall']:,.0f} | {run['cpu']:.2f} | "
                        f"{run['load_before']:.1f} → {run['load_after']:.1f} |")
    if base:
        verdict = "**met**" if r["speedup_baseline"] >= TARGET else "**not met**"
        ratios = [
            f"Parallel over the landing the issue measured (`{base}`, one process): **{r['speedup_baseline']:.2f}x** "
            f"over the whole process ({r['speedup_baseline_in_land']:.2f}x inside `land()`); target ≥ {TARGET}x "
            f"\"today's files/s\": {verdict}.",
            f"Parallel over this code's serial path: **{r['speedup']:.2f}x** ({r['speedup_in_land']:.2f}x inside "
            f"`land()`): what the workers alone add (Amdahl: the one writer's share is serial).",
        ]
    else:
        ratios = [f"Parallel / serial files/s: **{r['speedup']:.2f}x** over the whole process ({r['speedup_in_land']:.2f}x "
                  f"inside `land()`); no baseline run, so the target (≥ {TARGET}x the issue's landing) is not judged."]
    return [
        f"Landing {r['zips']:,} small ERCOT zips (`benchmarks/landing_rate.py`, {m['date']}, commit `{m['commit']}`"
        f"{' + working tree' if m['dirty'] else ''}; {m['logical_cpus']} CPUs, {m['cpu_model']}): "
        f"{', '.join(labels[n] for n in names)}, {r['rounds']} rounds back to back (each variant first in turn), "
        f"medians; data dirs in `{r.get('runs_dir', '')}`. Load average (1 min) around the runs: "
        f"{min(loads):.1f} to {max(loads):.1f} on {m['logical_cpus']} CPUs.",
        "",
        "| | wall s | files/s | inside `land()` s | CPU s (all processes) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {labels[n]} | {r[n]['wall']:.2f} | {r[n]['files_per_s']:,.0f} | {r[n]['in_land']:.2f} | "
          f"{r[n]['cpu']:.2f} | {r[n]['peak_rss'] / 2**20:,.0f} |" for n in names],
        "",
        *ratios,
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
    ap.add_argument("--baseline", default=BASELINE, help=f"the commit whose landing is 'today's files/s' (default "
                    f"{BASELINE}, before parallel landing); 'none' skips it")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("ISO_DATA_DIR", "ISO_LAND_WORKERS", "PYTHONPATH")}
    result = run(args.zips, args.rounds, args.workers, env, args.runs_dir,
                 None if args.baseline.lower() == 'none' else args.baseline)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=1, default=str))
    print("\n".join(lines(result)))
    if not args.no_report:
        write_report(result)
    return 0 if all(result[name]["ok"] for name in result["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
