"""Kill the landing process mid-way, rerun, and compare with one clean run: exactly the same result."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import query
from ingest.config import IsoPaths
from ingest.landing import land
from ingest.lock import LockError
from ingest.sample.ercot import generate_ercot


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def state(base: Path) -> dict:
    paths = IsoPaths.of("ERCOT", base)
    meta = json.loads(paths.metadata_json.read_text())
    return {
        "csv": tree(paths.csv_files / "RT_prices"),
        "raw": tree(paths.raw_downloads),
        "meta": sorted((e["path"], e["sha256"], e["rows"], e["bytes"], e["dataset"]) for e in meta),
        "registry": sorted(query(base, "select path, sha256, rows from landing.landed_files")),
    }


def test_kill_mid_landing_then_rerun_equals_clean_run(tmp_path):
    raw = tmp_path / "raw"
    files = generate_ercot(raw, days=8, datasets=("RT_prices",))
    assert len(files) > 2000

    clean = tmp_path / "clean"
    land("ERCOT", [raw], base=clean)

    crashed = tmp_path / "crashed"
    env = {**os.environ, "ISO_DATA_DIR": str(crashed)}
    proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "land", "ercot", str(raw), "--no-progress"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = IsoPaths.of("ERCOT", crashed).csv_files / "RT_prices" / "np6_788_cd"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not target.exists() or len(os.listdir(target)) < 300):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    landed_before_kill = len(os.listdir(target))
    assert 0 < landed_before_kill < len(files), "the kill must land mid-way for this test to mean anything"

    summary = land("ERCOT", [raw], base=crashed)
    assert summary.n_landed + summary.n_skipped == len(files)
    assert not list(IsoPaths.of("ERCOT", crashed).root.rglob("*.part"))
    assert state(crashed) == state(clean)


# A worker of a killed landing, still inside a write when the next landing starts (on a busy disk its SIGKILL takes
# effect only when that write returns): the real worker initializer, then a part file written the workers' way.
STRAGGLER = """
import os, sys, time
from pathlib import Path
from ingest.archives import Limits
from ingest.landing_pool import _Job, _start_worker, _write_part
root, folder, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
_start_worker(_Job("ERCOT", str(root), Limits(), frozenset(), os.getppid()))
print("holding", flush=True)
time.sleep(seconds)
_write_part(folder, b"half a CSV")
"""


def straggler(root: Path, folder: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", STRAGGLER, str(root), str(folder), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
    return proc


def test_a_rerun_cleans_up_after_a_killed_runs_last_write(tmp_path):
    """The rerun removes part files only once every worker of the killed landing has exited: here a straggler
    writes its part file 3 s after the rerun started, long after the rerun's cleanup would otherwise have run (the
    leftover without the wait); the rerun waits for it to exit, then removes it."""
    raw = tmp_path / "raw"
    generate_ercot(raw, days=1, datasets=("RT_prices",))
    paths = IsoPaths.of("ERCOT", tmp_path / "data")
    folder = paths.csv_files / "RT_prices" / "np6_788_cd"
    folder.mkdir(parents=True)
    proc = straggler(paths.root, folder, 3.0)
    summary = land("ERCOT", [raw], base=tmp_path / "data")
    proc.wait(timeout=60)
    assert proc.returncode == 0 and summary.n_landed > 0
    assert not list(paths.root.rglob("*.part"))


def test_a_worker_that_does_not_exit_stops_the_next_landing(tmp_path, monkeypatch):
    """A worker of an earlier landing that outlives the lock timeout is an error that says so, not a cleanup that
    races it."""
    raw = tmp_path / "raw"
    generate_ercot(raw, days=1, datasets=("RT_prices",))
    paths = IsoPaths.of("ERCOT", tmp_path / "data")
    proc = straggler(paths.root, paths.root, 30.0)
    monkeypatch.setenv("ISO_PIPELINE_LOCK_TIMEOUT", "0.5")
    try:
        with pytest.raises(LockError, match="worker processes of an earlier landing still run after 0.5 s"):
            land("ERCOT", [raw], base=tmp_path / "data")
    finally:
        proc.kill()
        proc.wait()
    assert not (paths.csv_files / "RT_prices").exists()


def test_rerun_is_a_no_op(tmp_path):
    raw = tmp_path / "raw"
    generate_ercot(raw, days=1)
    base = tmp_path / "data"
    first = land("ERCOT", [raw], base=base)
    before = state(base)
    second = land("ERCOT", [raw], base=base)
    assert second.n_landed == 0 and second.n_skipped == first.n_landed
    assert state(base) == before
