"""What quality_report.html adds to a `dbt build` of the demo (issue 20: under 10%).

    .venv/bin/python -m benchmarks.quality_report [--repeat N] [--no-report]    # alone, ~1.5 min a round
    make bench / bench-quick                                                   # also runs it (--skip quality: not)

The demo's sample (ERCOT, CAISO, PJM, three weeks: `ingest.sample`) is generated once into work/corpus/demo and
landed into a data dir (not measured); that landed state is kept. Then, `--repeat` rounds (default 3): restore the
landed state (no warehouse models, no dbt target: the demo's first build, full parse included) and `dbt build` with
the report (ISO_QUALITY_HTML=1), restore again and build without it (ISO_QUALITY_HTML=0), the order alternating
between rounds; the fastest build of each kind counts (run.py's best_of). Two measures of the cost:
- direct: the seconds the report's DuckDB function reports for each ISO (matplotlib's import, the warehouse reads,
  the drawing and the write: the whole call), read from the build's dbt.log, summed over the ISOs;
- A/B: the fastest build with the report minus the fastest without (noisier: two ~40 s builds on a shared machine).
Results: benchmarks/results/quality_report.json, rendered into BENCHMARKS.md by report.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.corpus import WORK  # noqa: E402

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
REPORT_LINE = re.compile(r"(\w+) quality_report\.html: ([\d,]+) KB in ([\d.]+) s")


def demo_sample() -> dict[str, Path]:
    """The demo's raw files per ISO, generated once (what `iso-pipeline demo` generates)."""
    from ingest import sample

    root = WORK / "corpus" / "demo"
    folders = {}
    for iso, generate in sample.GENERATORS.items():
        folder = root / iso
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            generate(folder)
            (folder / ".complete").touch()
        folders[iso] = folder
    return folders


def hook_seconds(data: Path) -> dict:
    """Per ISO (KB, seconds) of the report, from the build's dbt.log."""
    log = data / "logs" / "dbt.log"
    found = REPORT_LINE.findall(log.read_text(errors="replace")) if log.exists() else []
    return {iso: {"kb": int(kb.replace(",", "")), "seconds": float(s)} for iso, kb, s in found}


def run(env: dict[str, str], repeat: int = 3) -> dict:
    from benchmarks.run import best_of, copy_state, fresh, measure, state_entries, step_dbt
    from ingest.landing import land

    data = fresh(WORK / "runs" / "quality_demo")
    landed = fresh(WORK / "runs" / "quality_demo_landed")
    logs = WORK / "runs" / "quality_demo_logs"
    print("  quality_report.html on the demo: landing the sample (not measured)", flush=True)
    rows = 0
    sample = demo_sample()
    for iso, folder in sample.items():
        rows += sum(land(iso, [folder], base=landed).rows.values())
    runs: dict[str, list[dict]] = {"with_report": [], "without_report": []}
    hooks: list[dict] = []
    for r in range(repeat):
        order = ("with_report", "without_report") if r % 2 == 0 else ("without_report", "with_report")
        for kind in order:
            for p in state_entries(data):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            copy_state(landed, data)
            name = f"demo_build_{kind}_{r + 1}"
            switch = {**env, "ISO_QUALITY_HTML": "1" if kind == "with_report" else "0"}
            step = measure(name, step_dbt(data, name, ["build"]), logs, switch)
            if kind == "with_report":
                step["report"] = hook_seconds(data)
                hooks.append(step["report"])
                if not set(sample) <= set(step["report"]):
                    step["ok"] = False
                    print(f"    the report was not drawn for every ISO: {step['report']}", flush=True)
            runs[kind].append(step)
    shutil.rmtree(landed, ignore_errors=True)
    best = {k: best_of(v) for k, v in runs.items()}
    direct = [sum(v["seconds"] for v in h.values()) for h in hooks]
    return {"repeat": repeat, "rows": rows, "steps": best,
            "hook_seconds": direct, "hook_seconds_best": min(direct) if direct else None,
            "report_kb": {iso: v["kb"] for iso, v in (hooks[-1] if hooks else {}).items()},
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="rounds of (with, without), alternating (default 3)")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = ap.parse_args(argv)
    from benchmarks.run import BENCHMARKS_MD, machine

    env = dict(os.environ)
    env.pop("ISO_DATA_DIR", None)
    result = {"machine": machine(), "load_at_start": os.getloadavg(), **run(env, args.repeat)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quality_report.json").write_text(json.dumps(result, indent=1, default=str))
    if not args.no_report:
        from benchmarks.report import render_report

        render_report(BENCHMARKS_MD, RESULTS)
        print(f"report: {BENCHMARKS_MD}")
    return 0 if all(s["ok"] for s in result["steps"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
