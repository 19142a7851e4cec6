"""One writer at a time per data directory (ingest/lock.py), with real processes on a real DuckDB warehouse.

Two `iso-pipeline land` runs at once, a landing while another process holds the warehouse open, a holder killed
with SIGKILL, and dbt (plain and through `iso-pipeline dbt`) while a landing holds the data directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import query
from ingest.config import IsoPaths
from ingest.dbt import dbt_executable
from ingest.landing import land
from ingest.lock import EXIT_BUSY, HOLDER_FILE, LOCK_FILE, read_holder, writer_lock
from ingest.sample.ercot import DEFAULT_START, generate_ercot

CLI = str(Path(sys.executable).with_name("iso-pipeline"))


@pytest.fixture(scope="module")
def two_days(tmp_path_factory) -> Path:
    """Two days of the ERCOT sample (~780 zips: a landing takes several seconds)."""
    folder = tmp_path_factory.mktemp("two_days")
    generate_ercot(folder, days=2)
    return folder


@pytest.fixture(scope="module")
def next_day(tmp_path_factory) -> Path:
    """The DAM file of the day after `two_days` (a small, different input)."""
    folder = tmp_path_factory.mktemp("next_day")
    generate_ercot(folder, start=DEFAULT_START + dt.timedelta(days=2), days=1, datasets=("DA_prices",))
    return folder


def env_for(base: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "ISO_DATA_DIR": str(base), **extra}


def start_land(base: Path, *inputs: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([CLI, "land", "ercot", *map(str, inputs), "--no-progress"], env=env_for(base, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_land(base: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "land", "ercot", *args, "--no-progress"], env=env_for(base, **env),
                          capture_output=True, text=True, timeout=300)


def wait_until_held_by(base: Path, pid: int, timeout: float = 30) -> dict:
    """The holder record once process `pid` holds `base`'s lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = read_holder(base)
        if holder and holder["pid"] == pid:
            return holder
        time.sleep(0.02)
    raise AssertionError(f"pid {pid} never took the lock of {base}")


def files_under(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def assert_registry_complete(base: Path, expected: int) -> None:
    """Every landed CSV is registered (metadata.json and the warehouse), intact, and nothing partial is left."""
    paths = IsoPaths.of("ERCOT", base)
    meta = json.loads(paths.metadata_json.read_text())
    on_disk = {p.relative_to(paths.root).as_posix() for p in paths.csv_files.rglob("*.csv")}
    assert len(meta) == expected and {e["path"] for e in meta} == on_disk
    for e in meta:
        assert hashlib.sha256((paths.root / e["path"]).read_bytes()).hexdigest() == e["sha256"]
    assert query(base, "select count(*) from landing.landed_files where iso = 'ERCOT'") == [(expected,)]
    assert not list(base.rglob("*.part"))


def only_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# -- two landings ----------------------------------------------------------------------------------------------------
def test_two_landings_of_one_iso_run_one_after_the_other(tmp_path, two_days):
    base = tmp_path / "data"
    first = start_land(base, two_days)
    holder = wait_until_held_by(base, first.pid)
    assert holder["command"].startswith("iso-pipeline land ercot") and holder["what"] == "land ERCOT"
    second = start_land(base, two_days)  # the same files: the same .part names, had they run together
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    n = len(list(two_days.iterdir()))
    assert f"{n} landed, 0 skipped" in out1 and f"0 landed, {n} skipped" in out2, out1 + out2
    waited = only_line(err2)
    assert waited.startswith(f"waiting for the data directory {base}: in use by pid {first.pid} (iso-pipeline land "
                             f"ercot "), waited
    assert "waiting up to 600 s (ISO_PIPELINE_LOCK_TIMEOUT)" in waited
    assert err1 == ""  # the first one never waited
    assert_registry_complete(base, n)
    assert not (base / HOLDER_FILE).exists() and (base / LOCK_FILE).exists()


def test_no_wait_exits_75_before_writing_anything(tmp_path, two_days, next_day):
    base = tmp_path / "data"
    first = start_land(base, two_days)
    wait_until_held_by(base, first.pid)
    refused = run_land(base, str(next_day), "--no-wait")
    first.communicate(timeout=300)
    assert refused.returncode == EXIT_BUSY, refused.stdout + refused.stderr
    line = only_line(refused.stderr)
    assert line.startswith(f"Error: the data directory {base} is in use by pid {first.pid} (iso-pipeline land ercot ")
    assert line.endswith("try again when it has finished") and refused.stdout == ""
    day_zip = next(next_day.iterdir())
    csv_name = zipfile.ZipFile(day_zip).namelist()[0]
    paths = IsoPaths.of("ERCOT", base)
    assert not (paths.raw_downloads / day_zip.name).exists()
    assert not [p for p in paths.csv_files.rglob("*") if p.name.startswith(csv_name)]
    assert_registry_complete(base, len(list(two_days.iterdir())))
    # once the first landing is done, the same command goes through
    again = run_land(base, str(next_day), "--no-wait")
    assert again.returncode == 0 and "1 landed" in again.stdout, again.stderr


def test_a_killed_holder_never_blocks(tmp_path, two_days):
    for attempt in range(3):  # on a slow, loaded machine the lander may finish before the kill: start afresh
        base = tmp_path / f"data{attempt}"
        killed = start_land(base, two_days)
        wait_until_held_by(base, killed.pid)
        target = IsoPaths.of("ERCOT", base).csv_files
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(target.rglob("*.csv"))) < 50:
            time.sleep(0.02)
        refused = run_land(base, str(two_days), "--no-wait")  # while it lives, the lock is real
        assert refused.returncode == EXIT_BUSY and f"pid {killed.pid}" in refused.stderr
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        if len(list(target.rglob("*.csv"))) < len(list(two_days.iterdir())):
            break
    assert 0 < len(list(target.rglob("*.csv"))) < len(list(two_days.iterdir())), "killed mid-way"
    assert read_holder(base)["pid"] == killed.pid  # its holder record stays behind: it must not matter

    started = time.monotonic()
    after = run_land(base, str(two_days), "--no-wait")
    assert after.returncode == 0, after.stderr
    assert "waiting" not in after.stderr and time.monotonic() - started < 60
    assert_registry_complete(base, len(list(two_days.iterdir())))
    assert read_holder(base) is None


def test_the_holder_and_its_children_work_under_one_lock(tmp_path, next_day, two_days, monkeypatch):
    """`iso-pipeline demo` holds the lock, lands inside it and starts dbt: neither waits for its own holder (an
    unrelated process does: test_no_wait_exits_75_before_writing_anything)."""
    monkeypatch.setenv("ISO_PIPELINE_LOCK_TIMEOUT", "0")  # any wait would fail at once
    base = tmp_path / "data"
    with writer_lock(base, "demo"):
        assert read_holder(base)["what"] == "demo" and read_holder(base)["pid"] == os.getpid()
        summary = land("ERCOT", [next_day], base=base)  # the same process
        assert summary.n_landed == 1
        child = run_land(base, str(sorted(two_days.iterdir())[0]), "--no-wait")  # a child process
        assert child.returncode == 0 and "1 landed" in child.stdout, child.stderr
        assert read_holder(base)["what"] == "demo"  # still the outer holder
    assert read_holder(base) is None
    assert_registry_complete(base, 2)


def test_a_bad_timeout_setting_is_one_line(tmp_path, next_day):
    result = run_land(tmp_path / "data", str(next_day), ISO_PIPELINE_LOCK_TIMEOUT="soon")
    assert result.returncode == 2
    assert only_line(result.stderr) == "Error: ISO_PIPELINE_LOCK_TIMEOUT='soon' is not a number of seconds"
    assert not (tmp_path / "data" / "ERCOT_data").exists()


# -- the warehouse held by another process ---------------------------------------------------------------------------
HOLD_WAREHOUSE = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(120)"


def test_landing_while_another_process_has_the_warehouse_writes_nothing(tmp_path, next_day):
    base = tmp_path / "data"
    dam = sorted(next_day.iterdir())
    seed_file = tmp_path / "seed" / "cdr.00012329.0000000000000000.20241020.123002.DAMCPCNP4188.csv"  # a warehouse
    seed_file.parent.mkdir()
    seed_file.write_text("DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag\r\n10/21/2024,01:00,REGUP,4.5,N\r\n")
    assert run_land(base, str(seed_file)).returncode == 0
    paths = IsoPaths.of("ERCOT", base)
    before = files_under(paths.root)

    holder = subprocess.Popen([sys.executable, "-c", HOLD_WAREHOUSE, str(base / "warehouse.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        refused = run_land(base, *map(str, dam), "--no-wait")
        assert refused.returncode == EXIT_BUSY
        line = only_line(refused.stderr)
        assert line.startswith(f"Error: the warehouse {base / 'warehouse.duckdb'} is in use by pid {holder.pid} "
                               f"(python -c import duckdb"), line
        assert "DuckDB allows one writing process" in line
        timed_out = run_land(base, *map(str, dam), ISO_PIPELINE_LOCK_TIMEOUT="1")
        assert timed_out.returncode == EXIT_BUSY
        assert timed_out.stderr.splitlines()[0].startswith(f"waiting for the warehouse {base / 'warehouse.duckdb'}: "
                                                           f"in use by pid {holder.pid}")
        assert "after 1 s (ISO_PIPELINE_LOCK_TIMEOUT)" in timed_out.stderr.splitlines()[-1]
        assert "Traceback" not in timed_out.stderr
        assert files_under(paths.root) == before  # nothing written: no CSV, no original, no registry change

        waiting = start_land(base, *dam, ISO_PIPELINE_LOCK_TIMEOUT="120")
        assert waiting.stderr.readline().startswith("waiting for the warehouse")
    finally:
        holder.kill()
        holder.wait()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "1 landed" in out, err
    assert_registry_complete(base, 2)


# -- dbt -------------------------------------------------------------------------------------------------------------
HOLD_LOCK = ("import sys, time; from pathlib import Path; from ingest.lock import writer_lock\n"
             "with writer_lock(Path(sys.argv[1]), 'land ERCOT'):\n"
             "    print('held', flush=True); time.sleep(120)")


@pytest.mark.e2e
def test_dbt_waits_for_a_writer_and_runs_under_its_parents_lock(tmp_path):
    base = tmp_path / "data"
    base.mkdir()
    dbt_env = env_for(base, DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"),
                      ISO_PIPELINE_LOCK_TIMEOUT="2")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(base)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # plain dbt: it waits in its own process (ingest/dbt_plugin.py), then gives up before opening the warehouse
        plain = subprocess.run([dbt_executable(), "seed"], cwd=Path(__file__).parents[2], env=dbt_env,
                               capture_output=True, text=True, timeout=300)
        output = plain.stdout + plain.stderr
        assert plain.returncode != 0 and "Traceback" not in output, output[-3000:]
        assert f"waiting for the data directory {base}: in use by pid {holder.pid} (python -c" in output
        assert f"is still in use by pid {holder.pid}" in output and "after 2 s (ISO_PIPELINE_LOCK_TIMEOUT)" in output
        assert not (base / "warehouse.duckdb").exists()
        # through iso-pipeline: the parent waits and gives up, dbt is never started
        wrapped = subprocess.run([CLI, "dbt", "seed"], env=dbt_env, capture_output=True, text=True, timeout=60)
        assert wrapped.returncode == EXIT_BUSY and wrapped.stdout == ""
        lines = wrapped.stderr.splitlines()
        assert len(lines) == 2 and lines[0].startswith("waiting for the data directory")
        assert lines[1].startswith(f"Error: the data directory {base} is still in use by pid {holder.pid}")
    finally:
        holder.kill()
        holder.wait()
    # free: `iso-pipeline dbt seed` holds the lock and its dbt child works under it (else the child would wait for
    # its own parent and give up after 2 s)
    ok = subprocess.run([CLI, "dbt", "seed"], env=dbt_env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    assert "waiting" not in ok.stdout + ok.stderr
    assert query(base, "select count(*) from seeds.iso_reports")[0][0] > 0
    assert read_holder(base) is None


@pytest.mark.e2e
def test_a_landing_during_a_plain_dbt_run_waits_for_it(tmp_path, next_day):
    """Plain `dbt` (not through iso-pipeline) holds the data directory from its first connection to its end."""
    base = tmp_path / "data"
    base.mkdir()
    dbt_env = env_for(base, DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    long_query = "select sum(i) from range(100000000000) t(i)"  # keeps dbt busy (and its connection open)
    dbt = subprocess.Popen([dbt_executable(), "show", "--inline", long_query], cwd=Path(__file__).parents[2],
                           env=dbt_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        holder = wait_until_held_by(base, dbt.pid, timeout=120)
        assert holder["command"].startswith("dbt show --inline select sum(i)")
        refused = run_land(base, str(next_day), "--no-wait")
        assert refused.returncode == EXIT_BUSY
        assert only_line(refused.stderr).startswith(f"Error: the data directory {base} is in use by pid {dbt.pid} "
                                                    f"(dbt show --inline")
        waited = run_land(base, str(next_day), ISO_PIPELINE_LOCK_TIMEOUT="1")
        assert waited.returncode == EXIT_BUSY and waited.stderr.startswith(
            f"waiting for the data directory {base}: in use by pid {dbt.pid} (dbt show")
        assert not IsoPaths.of("ERCOT", base).root.exists()  # nothing written
    finally:
        dbt.send_signal(signal.SIGKILL)
        dbt.wait()
    after = run_land(base, str(next_day), "--no-wait")  # a killed dbt holds nothing
    assert after.returncode == 0 and "1 landed" in after.stdout, after.stderr
