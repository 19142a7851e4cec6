"""Landing in parallel (ingest/landing_pool.py): worker processes do each delivered file's work, one writer applies it
in the order given. A parallel landing leaves exactly what a serial one leaves (apart from timestamps), survives a
kill like a serial one, and keeps its work units and bytes in flight bounded."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from conftest import query
from ingest.cli import cli
from ingest.config import IsoPaths
from ingest.landing import WORKERS_ENV, LandingError, land
from ingest.landing_pool import CHUNK_BYTES, CHUNK_FILES, IN_FLIGHT_BYTES, IN_FLIGHT_CHUNKS, admit, plan
from ingest.sample.ercot import generate_ercot

DA_HEADER = "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag"
WHEN = {"landed_at", "quarantined_at"}  # what may differ between two landings of the same files


def da_csv(day: str, price: float, repeat_hour: bool = False) -> str:
    hours = [1, *range(1, 24)] if repeat_hour else range(1, 25)  # a repeated hour: two rows for one key
    return DA_HEADER + "\n" + "".join(f"{day},{h:02d}:00,HB_NORTH,{price + h:.2f},N\n" for h in hours)


def zip_of(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def delivery(folder: Path) -> list[Path]:
    """A day of the ERCOT sample plus every case where order and names matter: the same zip name with other
    content in a later folder (raw copy and CSV both take `__<sha12>` names), the same content again under another
    name (skipped), a CSV DuckDB refuses (duplicate key: quarantined by a worker's verdict), an unknown report and a
    corrupt zip (quarantined with their bytes), and a nested zip."""
    day = generate_ercot(folder / "a_day", days=1)
    stem = "cdr.00012331.0000000000000000.20241021.123005.DAMSPNP4190"
    first = zip_of(folder / "b_first" / f"{stem}_csv.zip", {f"{stem}.csv": da_csv("10/22/2024", 20.0)})
    zip_of(folder / "c_correction" / first.name, {f"{stem}.csv": da_csv("10/22/2024", 21.0)})
    (folder / "d_again").mkdir()
    (folder / "d_again" / "resent.zip").write_bytes(first.read_bytes())
    bad = "cdr.00012331.0000000000000000.20241023.123005.DAMSPNP4190"
    zip_of(folder / "e_bad" / f"{bad}_csv.zip", {f"{bad}.csv": da_csv("10/23/2024", 22.0, repeat_hour=True)})
    zip_of(folder / "e_bad" / "unknown_csv.zip", {"unknown.csv": "Foo,Bar\n1,2\n"})
    (folder / "e_bad" / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        nested = "cdr.00012331.0000000000000000.20241024.123005.DAMSPNP4190"
        zf.writestr(f"{nested}.csv", da_csv("10/24/2024", 23.0))
    zip_of(folder / "f_nested" / "bulk.zip", {"inner.zip": inner.getvalue()})
    return day


def landing_state(base: Path) -> dict:
    """Everything a landing leaves, timestamps aside: metadata.json as written (landing order included), the
    warehouse copy, every file under csv_files/, raw_downloads/ and quarantine/ byte for byte."""
    paths = IsoPaths.of("ERCOT", base)
    meta = json.loads(paths.metadata_json.read_text())
    files = {}
    for folder in (paths.csv_files, paths.raw_downloads, paths.quarantine):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f != paths.metadata_json:
                data = f.read_bytes()
                if f.name.endswith(".reason.json"):
                    data = json.dumps({k: v for k, v in json.loads(data).items() if k not in WHEN}).encode()
                files[f.relative_to(paths.root).as_posix()] = hashlib.sha256(data).hexdigest()
    return {
        "metadata": [{k: v for k, v in e.items() if k not in WHEN} for e in meta],
        "warehouse": sorted(query(base, "select path, sha256, rows, landing_seq, published_at from landing.landed_files")),
        "quarantined": sorted(query(base, "select name, reason from landing.quarantined_files")),
        "files": files,
    }


def test_parallel_landing_leaves_exactly_what_a_serial_one_leaves(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    day = delivery(raw)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    monkeypatch.setenv(WORKERS_ENV, "1")
    one = land("ercot", [raw], base=serial, downloaded_at="2024-10-25T00:00:00+00:00")
    monkeypatch.setenv(WORKERS_ENV, "3")
    many = land("ercot", [raw], base=parallel, downloaded_at="2024-10-25T00:00:00+00:00")

    assert (many.landed, many.skipped, many.rows, many.quarantined) == \
           (one.landed, one.skipped, one.rows, one.quarantined)
    assert many.n_landed == len(day) + 3 and many.n_skipped == 1  # the day, first, correction, nested; resent
    assert sorted(name for name, _ in many.quarantined) == sorted(
        ["cdr.00012331.0000000000000000.20241023.123005.DAMSPNP4190.csv", "unknown.csv", "broken.zip"])
    state = landing_state(parallel)
    assert state == landing_state(serial)
    names = [e["file_name"] for e in state["metadata"]]
    assert any("__" in n for n in names)  # the correction took the name's alternative, in delivery order
    assert any("__" in f for f in state["files"] if f.startswith("raw_downloads/"))
    assert not list(IsoPaths.of("ERCOT", parallel).root.rglob("*.part"))

    again = land("ercot", [raw], base=parallel)  # rerunning is a no-op, in parallel too
    assert again.n_landed == 0 and again.n_skipped == many.n_landed + many.n_skipped
    assert landing_state(parallel) == state


def worker_pids(pid: int) -> list[int]:
    """The landing process's worker processes (multiprocessing's resource tracker aside: it writes nothing)."""
    try:
        children = psutil.Process(pid).children()
    except psutil.Error:
        return []
    return [c.pid for c in children if "resource_tracker" not in " ".join(c.cmdline())]


def test_kill_a_parallel_landing_mid_way_then_rerun_lands_everything_once(tmp_path):
    raw = tmp_path / "raw"
    files = generate_ercot(raw, days=4, datasets=("RT_prices",))
    assert len(files) > 1000

    clean = tmp_path / "clean"
    subprocess.run([sys.executable, "-m", "ingest.cli", "land", "ercot", str(raw), "--no-progress"], check=True,
                   env={**os.environ, "ISO_DATA_DIR": str(clean), WORKERS_ENV: "1"}, capture_output=True)

    crashed = tmp_path / "crashed"
    env = {**os.environ, "ISO_DATA_DIR": str(crashed), WORKERS_ENV: "2"}
    proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "land", "ercot", str(raw), "--no-progress"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = IsoPaths.of("ERCOT", crashed).csv_files / "RT_prices" / "np6_788_cd"
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and (not target.exists() or sum(
            not n.startswith(".") for n in os.listdir(target)) < 300):
        workers = workers or worker_pids(proc.pid)
        time.sleep(0.01)
    workers = workers or worker_pids(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert workers, "the landing ran with worker processes"
    _, alive = psutil.wait_procs([p for p in map(_process, workers) if p], timeout=10)
    assert not alive, "the workers die with the landing process: nothing writes after the kill"
    landed_before_kill = sum(not n.startswith(".") for n in os.listdir(target))
    assert 0 < landed_before_kill < len(files), "the kill must land mid-way for this test to mean anything"

    summary = land("ercot", [raw], base=crashed)  # ISO_LAND_WORKERS unset: the default, parallel for this many
    assert summary.n_landed + summary.n_skipped == len(files)
    paths = IsoPaths.of("ERCOT", crashed)
    assert not list(paths.root.rglob("*.part"))
    state = landing_state(crashed)
    assert state["files"] == landing_state(clean)["files"]  # the same CSVs and raw copies as one clean run
    meta = state["metadata"]
    assert len(meta) == len(files) == len({e["sha256"] for e in meta}) == len({e["path"] for e in meta})
    assert sorted(e["landing_seq"] for e in meta) == list(range(1, len(files) + 1))  # each landed once


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def test_work_units_keep_order_and_bounds():
    # few files: every worker gets about four units, in order, covering every file once
    units = plan([100] * 40, workers=2)
    assert [(a, b) for a, b, _ in units] == [(i, i + 5) for i in range(0, 40, 5)]
    # many small files: CHUNK_FILES a unit
    units = plan([100] * (10 * CHUNK_FILES), workers=2)
    assert all(b - a == CHUNK_FILES for a, b, _ in units)
    # a big file is a unit of its own, and the units around it stay under CHUNK_BYTES
    sizes = [CHUNK_BYTES // 4] * 6 + [5 * CHUNK_BYTES] + [CHUNK_BYTES // 4] * 6
    units = plan(sizes, workers=2)
    assert (6, 7, 5 * CHUNK_BYTES) in units
    assert [u for u in units if u[1] - u[0] > 1 and u[2] > CHUNK_BYTES] == []
    assert [i for a, b, _ in units for i in range(a, b)] == list(range(len(sizes)))


def test_bytes_in_flight_are_bounded_and_a_huge_file_goes_alone():
    huge = 4 * IN_FLIGHT_BYTES
    assert admit(0, 0, huge, workers=2)  # nothing in flight: any unit
    assert not admit(1, 1 << 20, huge, workers=2)  # never beside another one
    assert not admit(1, huge, 1 << 20, workers=2)  # nothing beside it either
    assert admit(1, 1 << 20, 1 << 20, workers=2)
    assert not admit(IN_FLIGHT_CHUNKS * 2, 1 << 20, 1 << 20, workers=2)  # at most IN_FLIGHT_CHUNKS a worker
    assert not admit(2, IN_FLIGHT_BYTES - 10, 11, workers=2)


@pytest.mark.parametrize("value", ["many", "0", "1.5", "-2"])
def test_an_unusable_workers_setting_is_one_line_before_anything_lands(tmp_path, base, monkeypatch, value):
    zip_of(tmp_path / "in" / "x_csv.zip", {"cdr.1.0.20241021.123005.DAMSPNP4190.csv": da_csv("10/21/2024", 1.0)})
    monkeypatch.setenv(WORKERS_ENV, value)
    with pytest.raises(LandingError, match=rf"^cannot land: {WORKERS_ENV}=") as err:
        land("ercot", [tmp_path / "in"], base=base)
    assert "\n" not in str(err.value)
    assert not IsoPaths.of("ERCOT", base).raw_downloads.exists()


def test_the_progress_bar_counts_files_landed_in_parallel(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    files = generate_ercot(raw, days=1, datasets=("DA_prices", "AS_prices"))
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["land", "ercot", str(raw)], env={"ISO_DATA_DIR": str(data), WORKERS_ENV: "2"})
    assert result.exit_code == 0, result.output
    assert "landing ERCOT" in result.output and f"{len(files)} landed" in result.output
