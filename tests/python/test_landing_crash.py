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

from conftest import query
from ingest.config import IsoPaths
from ingest.landing import land
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


def test_rerun_is_a_no_op(tmp_path):
    raw = tmp_path / "raw"
    generate_ercot(raw, days=1)
    base = tmp_path / "data"
    first = land("ERCOT", [raw], base=base)
    before = state(base)
    second = land("ERCOT", [raw], base=base)
    assert second.n_landed == 0 and second.n_skipped == first.n_landed
    assert state(base) == before
