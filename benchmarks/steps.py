"""The pipeline's measured steps, each run by run.py in its own process (so wall time and peak RSS are its own).

    python -m benchmarks.steps land DATA_DIR INPUT...        Stage 1: ingest.landing.land('ercot', INPUT...)
    python -m benchmarks.steps dbt DATA_DIR NAME ARG...      ingest.dbt.run_dbt([ARG...], base=DATA_DIR)

dbt writes its target/ and logs/ under DATA_DIR (not the project's), so concurrent dbt users of the project are not
disturbed and run_results.json (per-node timing) belongs to this step; it is summarised into the RESULT line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from benchmarks.common import emit


def land_step(data_dir: Path, inputs: list[Path]) -> None:
    from ingest.landing import land

    t0 = time.perf_counter()
    summary = land("ercot", inputs, base=data_dir)
    emit({
        "seconds_in_land": time.perf_counter() - t0,
        "inputs": summary.inputs,
        "landed": dict(summary.landed),
        "skipped": dict(summary.skipped),
        "quarantined": len(summary.quarantined),
        "rows": dict(summary.rows),
    })


def summarise_run_results(path: Path) -> dict:
    if not path.exists():
        return {}
    rr = json.loads(path.read_text())
    nodes = []
    for r in rr.get("results", []):
        uid = r["unique_id"]
        timing = {t["name"]: t for t in r.get("timing", [])}
        nodes.append({
            "id": uid,
            "kind": uid.split(".")[0],
            "status": r["status"],
            "seconds": r.get("execution_time") or 0.0,
            "failures": r.get("failures"),
            "message": (r.get("message") or "")[:500] if r["status"] in ("error", "fail") else None,
            "compile_seconds": _span(timing.get("compile")),
            "execute_seconds": _span(timing.get("execute")),
        })
    return {"elapsed": rr.get("elapsed_time"), "nodes": nodes}


def _span(t: dict | None) -> float | None:
    if not t or not t.get("started_at") or not t.get("completed_at"):
        return None
    from datetime import datetime

    f = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (f(t["completed_at"]) - f(t["started_at"])).total_seconds()


def dbt_step(data_dir: Path, name: str, args: list[str]) -> None:
    from ingest.dbt import run_dbt

    target, logs = data_dir / "target", data_dir / "logs"
    (target / "run_results.json").unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = run_dbt([*args, "--target-path", str(target), "--log-path", str(logs)], base=data_dir, capture=True)
    seconds = time.perf_counter() - t0
    out = data_dir / "bench_logs" / f"{name}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text((proc.stdout or "") + (proc.stderr or ""))
    summary = summarise_run_results(target / "run_results.json")
    if summary:
        (data_dir / "bench_logs" / f"{name}.run_results.json").write_text((target / "run_results.json").read_text())
    emit({"seconds_in_dbt": seconds, "returncode": proc.returncode, "log": str(out), **summary})


if __name__ == "__main__":
    cmd, data = sys.argv[1], Path(sys.argv[2]).resolve()
    if cmd == "land":
        land_step(data, [Path(p) for p in sys.argv[3:]])
    elif cmd == "dbt":
        dbt_step(data, sys.argv[3], sys.argv[4:])
    else:
        raise SystemExit(f"unknown step {cmd}")
