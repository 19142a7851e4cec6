"""`make bench` / `make bench-quick`: the pipeline against the bare DuckDB limit, pandas and Polars, on the same files.

    .venv/bin/python benchmarks/run.py [--quick | --year] [--sizes 7,30] [--points 1100] [--threads N] [--memory-limit 4GB]

`--year` (`make bench-year`, issue 24 point 3): one size, the 364 days of 2025 before 31 December (~142,000 files,
~165 M rows, both DST days inside), the pipeline's own steps and the bare DuckDB limit, one run each, and then
31 December added (the same year partitions: what a user's everyday build does), with the default DBT_THREADS
(statements reading a whole history run alone: macro run_alone; before it, a year needed DBT_THREADS=1);
pandas, Polars, the Stage 2 + 3 rebuild, the small-zip landing and the quality report are left out unless --skip says
otherwise (the year's corpus takes ~9 minutes to generate once, ~2 GB; the run about an hour on 2 cores).

What it does (every measured step in its own process: wall time, and peak RSS both as the kernel's ru_maxrss of the
step's process tree (wait4) and as the sampled sum of the tree's RSS at 20 Hz):

1. Corpus (benchmarks/corpus.py, cached under benchmarks/work/corpus/): ERCOT MIS zips in the real formats, one
   folder per operating day: 1 DA, ~291 SCED (NP6-788-CD, ~1,100 points each), 96 RT SPP, 1 AS file a day.
2. For each size (quick: 1 and 3 days; full: 7 and 30 days), in a fresh data dir benchmarks/work/runs/<mode>_<N>d:
   land (Stage 1); `dbt build` of Stage 2 (staging + intermediate + rollup), then Stage 3 (flattened), then Stage 4
   (combined), each via ingest.dbt.run_dbt with ISO_DATA_DIR = the data dir; then Stages 2 + 3 again in one
   `dbt build --full-refresh` (what a user runs: the figure compared with pandas and Polars); on the very same
   landed CSVs the bare DuckDB COPY limit (the pipeline's own staging SELECT, copied) after Stage 2, pandas
   (Stage 2 + 3) and Polars (Stage 2 + 3) after Stages 2 + 3. With --repeat N (default 2 full, 1 quick) each
   compared step runs N times, ours and the contenders' in turn, and the fastest run counts: the machines are
   shared VMs whose speed drifts by tens of percent within minutes.
3. At every size: land one more day of the same month + `dbt build` of Stages 2-4 (the incremental run), the same
   build again with nothing new (the floor any build of these nodes pays), and `dbt build --full-refresh` of
   Stages 2-4 over the same files (the full rebuild).
4. Landing rate of 10,000 small ERCOT zips (the bundled sample's size, 24 points).
5. What quality_report.html adds to the demo's `dbt build` (benchmarks/quality_report.py; its own results file).

Results go to benchmarks/results/<mode>.json and into BENCHMARKS.md between the generated-section markers
(the rest of BENCHMARKS.md - the reading of the numbers - is kept). DUCKDB_MEMORY_LIMIT / DUCKDB_THREADS from the
environment (or --memory-limit / --threads) apply to the pipeline (on-run-start macro) and to the DuckDB limit;
--threads also sets POLARS_MAX_THREADS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import psutil  # noqa: E402

from benchmarks.common import tree_bytes  # noqa: E402
from benchmarks.corpus import WORK, counts, ensure_days, small_zips  # noqa: E402

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
BENCHMARKS_MD = PROJECT_ROOT / "BENCHMARKS.md"

STAGE2 = ["path:models/staging/ercot", "path:models/intermediate/ercot", "path:models/rollup/ercot"]
STAGE3 = ["path:models/flattened/ercot"]
STAGE4 = ["path:models/combined/ercot"]
# tests run when all their parents are built in this invocation or before it (dbt's `buildable`)
SELECT = ["--indirect-selection", "buildable"]

PY = sys.executable
MB = 1024 * 1024


# ------------------------------------------------------------------------------------------------ measuring

def measure(name: str, cmd: list[str], log_dir: Path, env: dict[str, str] | None = None,
            cwd: Path = PROJECT_ROOT) -> dict:
    """Run `cmd` as its own process (in `cwd`, default the project); wall time, peak RSS (kernel ru_maxrss of the
    tree, sampled tree sum)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.out"
    peak = [0]
    stop = threading.Event()
    load_before = os.getloadavg()[0]
    with open(log, "w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)

        def sample() -> None:
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        try:
                            total += p.memory_info().rss
                        except psutil.Error:
                            pass
                except psutil.Error:
                    pass
                peak[0] = max(peak[0], total)
                stop.wait(0.05)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    result = {}
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            break
    ok = proc.returncode == 0 and result.get("returncode", 0) == 0
    out = {
        "name": name,
        "wall": wall,
        "maxrss": usage.ru_maxrss * 1024,        # bytes; largest single process of the tree (Linux: KiB)
        "sampled_rss": peak[0],                  # bytes; sum over the tree, sampled every 50 ms
        "peak_rss": max(usage.ru_maxrss * 1024, peak[0]),
        "cpu": usage.ru_utime + usage.ru_stime,  # user + system seconds of the whole tree
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "returncode": proc.returncode,
        "ok": ok,
        "log": str(log),
        "result": result,
    }
    status_txt = "ok" if ok else f"FAILED (exit {proc.returncode}; see {log})"
    print(f"    {name:<28} {wall:8.2f} s  cpu {out['cpu']:8.2f} s  peak {out['peak_rss'] / MB:8.0f} MB  "
          f"load {load_before:4.1f}->{out['load_after']:4.1f}  {status_txt}", flush=True)
    if not ok:
        for n in result.get("nodes", []):
            if n["status"] in ("error", "fail"):
                print(f"      {n['status'].upper()}: {n['id']}: {(n.get('message') or '')[:200]}", flush=True)
    return out


def step_dbt(data: Path, name: str, args: list[str]) -> list[str]:
    return [PY, "-m", "benchmarks.steps", "dbt", str(data), name, *args]


def step_land(data: Path, inputs: list[Path]) -> list[str]:
    return [PY, "-m", "benchmarks.steps", "land", str(data), *map(str, inputs)]


# ------------------------------------------------------------------------------------------------ running

def fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def landed_bytes(data: Path) -> dict[str, int]:
    csv = data / "ERCOT_data" / "csv_files"
    return {ds: tree_bytes(csv / ds, "*.csv") for ds in ("RT_prices", "RT_SPP", "DA_prices", "AS_prices")}


def output_bytes(data: Path) -> dict[str, int]:
    roll = data / "ERCOT_data" / "rollup_files"
    out = {"stage2": sum(tree_bytes(roll / ds, "*.parquet") for ds in ("RT_prices", "RT_SPP", "DA_prices", "AS_prices")),
           "stage3": tree_bytes(roll / "flattened", "*.parquet"),
           "stage4": tree_bytes(roll / "combined", "*.parquet")}
    for ds in ("RT_prices", "RT_SPP", "DA_prices", "AS_prices"):
        out[f"stage2_{ds}"] = tree_bytes(roll / ds, "*.parquet")
    return out


def contender_bytes(out: Path) -> dict[str, int]:
    return {"stage2": sum(tree_bytes(out / ds, "*.parquet") for ds in ("RT_prices", "RT_SPP", "DA_prices", "AS_prices")),
            "stage3": tree_bytes(out / "flattened", "*.parquet")}


def best_of(runs: list[dict]) -> dict:
    """The fastest of repeated runs of one step - the one the shared machine disturbed least (its wall and CPU
    time, its dbt node times) - with every run's wall time kept in `repeats`; peak RSS is the largest of them."""
    out = dict(min(runs, key=lambda r: r["wall"]))
    out["repeats"] = [r["wall"] for r in runs]
    out["peak_rss"] = max(r["peak_rss"] for r in runs)
    out["ok"] = all(r["ok"] for r in runs)
    return out


def run_size(mode: str, days: int, folders: list[Path], start: dt.date, points: int, env: dict[str, str],
             skip: set[str], check: bool = False, repeat: int = 1) -> dict:
    data = fresh(WORK / "runs" / f"{mode}_{days}d")
    logs = data / "bench_logs"
    c = counts(start, days, points)
    res: dict = {
        "days": days,
        "files": sum(v["files"] for v in c.values()),
        "rows": sum(v["rows"] for v in c.values()),
        "counts": c,
        "zip_bytes": sum(f.stat().st_size for p in folders for f in p.glob("*.zip")),
        "steps": {},
        "repeat": repeat,
    }
    print(f"  {days} day(s): {res['files']:,} files, {res['rows']:,} rows", flush=True)
    s = res["steps"]
    res["contender_bytes"] = {}

    def contender(name: str, module: str, round_: int) -> dict:
        out = fresh(data / "contenders" / name)
        m = measure(f"{name}_{round_ + 1}" if round_ else name, [PY, "-m", module, str(data), str(out)], logs, env)
        res["contender_bytes"][name] = contender_bytes(out)
        if check and round_ == 0 and name in ("pandas", "polars"):  # same Stage 2 rows and Stage 3 cells as ours?
            s[f"{name}_equal"] = measure(f"{name}_equal", [PY, "-m", "benchmarks.compare", str(data), str(out)], logs, env)
        shutil.rmtree(out, ignore_errors=True)  # keep disk use of the full run bounded
        return m

    s["setup_seed"] = measure("setup_seed", step_dbt(data, "setup_seed", ["seed"]), logs, env)
    s["land"] = measure("land", step_land(data, folders), logs, env)
    res["csv_bytes"] = landed_bytes(data)
    # Each compared step runs `repeat` times, ours and the contender's in turn (a slow spell of the shared machine
    # then hits both), and the fastest run counts. Stage 2: the first build, then --full-refresh builds (the same
    # work again); the limit reads the staging views the first build created.
    runs: dict[str, list[dict]] = {"stage2": [], "limit": []}
    for r in range(repeat):
        refresh = ["--full-refresh"] if r else []
        name = f"stage2_{r + 1}" if r else "stage2"
        runs["stage2"].append(measure(name, step_dbt(data, name, ["build", *refresh, "--select", *STAGE2, *SELECT]),
                                      logs, env))
        if "limit" not in skip:
            runs["limit"].append(contender("limit", "benchmarks.limit_duckdb", r))
    s["stage3"] = measure("stage3", step_dbt(data, "stage3", ["build", "--select", *STAGE3, *SELECT]), logs, env)
    s["stage4"] = measure("stage4", step_dbt(data, "stage4", ["build", "--select", *STAGE4, *SELECT]), logs, env)
    # what a user runs: Stages 2 and 3 in one `dbt build` (one dbt start, one parse, one set of hooks); on the same
    # landed CSVs, --full-refresh so every model and test does the whole work again; pandas and Polars in turn
    runs.update({"stage23": [], "pandas": [], "polars": []})
    for r in range(repeat):
        if r == 0:
            res["out_bytes"] = output_bytes(data)
        if "stage23" in skip:
            continue
        name = f"stage23_{r + 1}" if r else "stage23"
        runs["stage23"].append(measure(name, step_dbt(data, name, ["build", "--full-refresh", "--select", *STAGE2,
                                                                   *STAGE3, *SELECT]), logs, env))
        for contender_name, module in (("pandas", "benchmarks.pandas_impl"), ("polars", "benchmarks.polars_impl")):
            if contender_name not in skip:
                runs[contender_name].append(contender(contender_name, module, r))
    for name, step_runs in runs.items():
        if step_runs:
            s[name] = best_of(step_runs)
    return res


def state_entries(data: Path) -> list[Path]:
    """What a data dir's pipeline state is: everything but the benchmark's own logs and the contenders' outputs."""
    return [p for p in data.iterdir() if p.name not in ("bench_logs", "contenders")]


def copy_state(src: Path, dst: Path) -> None:
    for p in state_entries(src):
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, dst / p.name)


def run_incremental(mode: str, days: int, extra_day: Path, env: dict[str, str], repeat: int = 1) -> dict:
    """On a built data dir: add one day and build; build again with nothing new (the floor); then the full rebuild.
    With repeat > 1 the data dir is copied first and restored before every further round, so each round adds the
    same day to the same history; the fastest run of each step counts, as for the other compared steps."""
    data = WORK / "runs" / f"{mode}_{days}d"
    logs = data / "bench_logs"
    all_stages = ["--select", *STAGE2, *STAGE3, *STAGE4, *SELECT]
    print(f"  incremental: day {days + 1} added to {days} day(s)", flush=True)
    snapshot = fresh(WORK / "runs" / f"{mode}_{days}d_snapshot") if repeat > 1 else None
    if snapshot:
        copy_state(data, snapshot)
    runs: dict[str, list[dict]] = {"land_one_day": [], "build_incremental": [], "build_noop": [], "build_full_refresh": []}
    for r in range(repeat):
        suffix = f"_{r + 1}" if r else ""
        if r:  # back to the history before the day was added
            for p in state_entries(data):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            copy_state(snapshot, data)
        runs["land_one_day"].append(measure("land_one_day" + suffix, step_land(data, [extra_day]), logs, env))
        runs["build_incremental"].append(measure("build_incremental" + suffix,
                                                 step_dbt(data, "build_incremental" + suffix, ["build", *all_stages]),
                                                 logs, env))
        # the same build again with nothing new: what any `dbt build` of these ~135 nodes costs (process start,
        # parse, per-node overhead, hooks) - the floor under the incremental run, whatever it does with the data
        runs["build_noop"].append(measure("build_noop" + suffix, step_dbt(data, "build_noop" + suffix,
                                                                         ["build", *all_stages]), logs, env))
    if snapshot:
        shutil.rmtree(snapshot, ignore_errors=True)
    for r in range(repeat):
        name = "build_full_refresh" + (f"_{r + 1}" if r else "")
        runs["build_full_refresh"].append(measure(name, step_dbt(data, name, ["build", "--full-refresh", *all_stages]),
                                                  logs, env))
    return {"base_days": days, "repeat": repeat, "steps": {k: best_of(v) for k, v in runs.items()}}


def run_capped(mode: str, days: int, cap: str, env: dict[str, str]) -> dict:
    """Stage 2 rebuilt (--full-refresh) on the largest data dir with DUCKDB_MEMORY_LIMIT=cap: does it stay flat?"""
    data = WORK / "runs" / f"{mode}_{days}d"
    print(f"  Stage 2 --full-refresh with DUCKDB_MEMORY_LIMIT={cap}", flush=True)
    capped_env = {**env, "DUCKDB_MEMORY_LIMIT": cap}
    step = measure("stage2_capped", step_dbt(data, "stage2_capped",
                                             ["build", "--full-refresh", "--select", *STAGE2, *SELECT]),
                   data / "bench_logs", capped_env)
    return {"memory_limit": cap, "days": days, "step": step}


def run_small_landing(n: int, env: dict[str, str]) -> dict:
    folder = small_zips(n)
    zips = sorted(folder.glob("*.zip"))
    data = fresh(WORK / "runs" / f"small_land_{n}")
    print(f"  landing {len(zips):,} small zips", flush=True)
    m = measure("land_small", step_land(data, [folder]), data / "bench_logs", env)
    return {"zips": len(zips), "zip_bytes": sum(z.stat().st_size for z in zips),
            "csv_bytes": tree_bytes(data / "ERCOT_data" / "csv_files", "*.csv"), "step": m}


# ------------------------------------------------------------------------------------------------ context

def pipeline_hash() -> str:
    """sha256 (12 hex) of the dbt code that ran: models/, macros/, seeds/, tests/generic, dbt_project.yml."""
    import hashlib

    h = hashlib.sha256()
    files = [PROJECT_ROOT / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests/generic"):
        files += sorted(f for f in (PROJECT_ROOT / folder).rglob("*") if f.is_file())
    for f in files:
        h.update(f.relative_to(PROJECT_ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("duckdb", "pandas", "polars", "pyarrow", "psutil"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - reported as missing
            versions[mod] = "not installed"
    try:
        from importlib.metadata import version

        versions["dbt-core"] = version("dbt-core")
        versions["dbt-duckdb"] = version("dbt-duckdb")
    except Exception:  # noqa: BLE001
        pass
    git = lambda *a: subprocess.run(["git", *a], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()  # noqa: E731
    return {
        "logical_cpus": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bytes": psutil.virtual_memory().total,
        "cpu_model": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": git("rev-parse", "--short", "HEAD"),
        "pipeline_hash": pipeline_hash(),
        "dirty": bool(git("status", "--porcelain")),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ------------------------------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="sizes 1 and 3 days (a few minutes on 2 cores)")
    ap.add_argument("--year", action="store_true", help="one size, 364 days + 1 added, ours and the limit only (about an hour)")
    ap.add_argument("--sizes", help="comma-separated sizes in days (default: 1,3 quick, 7,30 full)")
    ap.add_argument("--start", default="2025-01-01", help="first operating day (default 2025-01-01: no DST day, "
                    "and day N+1 of the incremental run stays in January for N <= 30)")
    ap.add_argument("--points", type=int, default=1100, help="settlement points per DA/SCED file (default 1100)")
    ap.add_argument("--small-zips", type=int, default=10_000, help="small zips for the landing rate (0: skip)")
    ap.add_argument("--threads", type=int, help="DUCKDB_THREADS (and POLARS_MAX_THREADS) for every contender")
    ap.add_argument("--memory-limit", help="DUCKDB_MEMORY_LIMIT, e.g. 4GB")
    ap.add_argument("--capped-memory", default="1GB", help="DUCKDB_MEMORY_LIMIT of the extra capped Stage 2 "
                    "rebuild on the largest size (default 1GB; '' to skip)")
    ap.add_argument("--skip", help="comma-separated: limit,pandas,polars,stage23,incremental,small,quality "
                    "(default: none; with --year pandas,polars,stage23,small,quality)")
    ap.add_argument("--repeat", type=int, help="runs of each compared step (Stage 2, Stages 2 + 3, the limit, "
                    "pandas, Polars, and the incremental steps), in turn; the fastest counts (default: 2 full, 1 quick)")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.quick and args.year:
        ap.error("--quick and --year exclude each other")
    if args.repeat is None:
        args.repeat = 1 if args.quick or args.year else 2
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    mode = "quick" if args.quick else "year" if args.year else "full"
    sizes = [int(x) for x in (args.sizes or {"quick": "1,3", "year": "364", "full": "7,30"}[mode]).split(",")]
    start = dt.date.fromisoformat(args.start)
    if args.skip is None:
        args.skip = "pandas,polars,stage23,small,quality" if args.year else ""
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    env = dict(os.environ)
    if args.threads:
        env["DUCKDB_THREADS"] = str(args.threads)
        env["POLARS_MAX_THREADS"] = str(args.threads)
    if args.memory_limit:
        env["DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    env.pop("ISO_DATA_DIR", None)  # every step gets its own data dir

    t_all = time.perf_counter()
    default_limit = re.search(r"env_var\('DUCKDB_MEMORY_LIMIT', '([^']+)'\)", (PROJECT_ROOT / "macros/prepare_run.sql").read_text())
    results: dict = {"mode": mode, "machine": machine(), "sizes": [], "points": args.points,
                     "default_memory_limit": default_limit.group(1) if default_limit else None,
                     "load_at_start": os.getloadavg(),
                     "start": start.isoformat(), "repeat": args.repeat,
                     "settings": {k: env.get(k) for k in ("DUCKDB_THREADS", "DUCKDB_MEMORY_LIMIT", "DBT_THREADS",
                                                          "POLARS_MAX_THREADS")}}
    print(f"bench ({mode}): sizes {sizes} day(s) from {start}, {args.points} points; corpus in {WORK / 'corpus'}",
          flush=True)
    t0 = time.perf_counter()
    folders = ensure_days(start, max(sizes) + 1, args.points)
    results["corpus_seconds"] = time.perf_counter() - t0
    print(f"  corpus ready in {results['corpus_seconds']:.1f} s", flush=True)

    for days in sizes:
        results["sizes"].append(run_size(mode, days, folders[:days], start, args.points, env, skip,
                                         check=days == min(sizes), repeat=args.repeat))
    if "incremental" not in skip:
        # one day added at every size: the incremental cost should not grow with the history, the full rebuild does
        results["incrementals"] = [run_incremental(mode, d, folders[d], env, args.repeat) for d in sizes]
        results["incremental"] = results["incrementals"][-1]
    if args.capped_memory and "incremental" not in skip:
        # after the incremental run: the largest data dir then holds max(sizes) + 1 days
        results["capped"] = run_capped(mode, max(sizes), args.capped_memory, env)
    if "small" not in skip and args.small_zips:
        results["small_landing"] = run_small_landing(args.small_zips, env)
    if "quality" not in skip:  # what quality_report.html adds to the demo's build: its own results file
        from benchmarks import quality_report

        quality = {"machine": results["machine"], "load_at_start": os.getloadavg(),
                   **quality_report.run(env, max(2, args.repeat))}
        (RESULTS / "quality_report.json").parent.mkdir(parents=True, exist_ok=True)
        (RESULTS / "quality_report.json").write_text(json.dumps(quality, indent=1, default=str))
    results["total_seconds"] = time.perf_counter() - t_all
    results["pipeline_hash_at_end"] = pipeline_hash()
    if results["pipeline_hash_at_end"] != results["machine"]["pipeline_hash"]:
        print("WARNING: the dbt code (models/macros/seeds/tests) changed while the benchmark ran")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{mode}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {out} ({results['total_seconds']:.0f} s in all)")
    from benchmarks.report import render_report

    if not args.no_report:
        render_report(BENCHMARKS_MD, RESULTS)
        print(f"report: {BENCHMARKS_MD}")
    failed = [f"{sz['days']}d {n}" for sz in results["sizes"] for n, st in sz["steps"].items() if not st["ok"]]
    failed += [f"incremental {n}" for n, st in results.get("incremental", {}).get("steps", {}).items() if not st["ok"]]
    if failed:
        print("FAILED steps: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
